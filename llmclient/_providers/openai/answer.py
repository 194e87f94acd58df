"""Whole answers and error answers: OpenAI's are already our shape, read straight in."""

from __future__ import annotations

from collections.abc import Mapping

from ..._core.call import ChatCall
from ..._core.convert import structure_completion
from ..._core.status import build_status_error, decode_body
from ...errors import APIStatusError, DecodeError
from ...types import ChatCompletion
from .._common import answer_object


def parse_completion(call: ChatCall, body: bytes) -> ChatCompletion:
    """A non-streamed answer body as a completion (raises DecodeError or an in-band error)."""
    payload = answer_object(body, call.provider.name)
    if "error" in payload and "choices" not in payload:
        raise build_status_error(call.provider.name, 200, payload, in_stream=True)
    try:
        return structure_completion(payload)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise DecodeError(
            f"{call.provider.name}: the response is not a chat completion ({exc}).",
            provider=call.provider.name,
        ) from exc


def parse_error(
    call: ChatCall, status: int, headers: Mapping[str, str], body: bytes
) -> APIStatusError:
    """The typed error for an error status: ``{"error": {"message", "type", "code"}}``."""
    return build_status_error(call.provider.name, status, decode_body(body), headers)
