"""Helpers several dialects share: reading a whole answer's and a stream event's JSON,
describing an event in an error, the SSE framing, merging ``extra_body`` into a nested body,
the embeddings arguments of a wire with no ``user`` and only floats, and the model list's
``GET`` and lenient field readers. No dialect's own rules live here."""

from __future__ import annotations

import json
import json.scanner
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from .._auth import NO_AUTH, HeaderAuth, RequestAuth
from .._core.call import ChatCall, HttpRequest
from .._core.framing import SSEFraming
from .._core.status import load_json
from ..errors import DecodeError, InvalidRequestError

_PREVIEW = 80


def answer_object(body: bytes, provider: str) -> dict[str, Any]:
    """A whole answer's JSON object; ``DecodeError`` for a body that is not JSON or not an
    object."""
    payload = load_json(body, provider)
    if not isinstance(payload, dict):
        raise DecodeError(
            f"{provider}: expected a JSON object, got {type(payload).__name__}.",
            provider=provider,
        )
    return payload


def sse_framing(call: ChatCall) -> SSEFraming:
    """Server-sent events, each within the client's ``max_event_size``."""
    return SSEFraming(call.max_event_size)


def describe_event(number: int, data: str) -> str:
    """A short, safe description of a stream event for error messages."""
    preview = data if len(data) <= _PREVIEW else data[:_PREVIEW] + "..."
    return f"event #{number} {preview!r}"


def load_event(data: str, provider: str, number: int) -> dict[str, Any]:
    """The JSON object event number ``number`` holds; raises DecodeError for anything else."""
    try:
        payload, end = _scan_json(data, 0)
    except (StopIteration, ValueError):
        end = -1
    if end != len(data):  # not one bare JSON value: padded JSON, or not JSON
        try:
            payload = json.loads(data)
        except ValueError as exc:
            raise DecodeError(
                f"{provider}: {describe_event(number, data)} is not valid JSON ({exc}).",
                provider=provider,
            ) from exc
    if payload.__class__ is not dict:
        raise DecodeError(
            f"{provider}: {describe_event(number, data)} is not a JSON object.", provider=provider
        )
    return payload


def merged(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` merged in, nested objects merged key by key (copies only)."""
    out = dict(base)
    for key, value in extra.items():
        current = out.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            out[key] = merged(current, value)
        else:
            out[key] = value
    return out


def float_embeddings_params(provider: str, fields: Mapping[str, Any], wire: str) -> dict[str, Any]:
    """``embed``'s arguments given, for a wire (named ``wire`` in errors) that has no ``user``
    field (``InvalidRequestError``) and always sends floats (``encoding_format`` is dropped)."""
    if fields.get("user") is not None:
        raise InvalidRequestError(
            f"{provider} ({wire}) has no equivalent of the parameter 'user': leave it out."
        )
    return {
        name: value
        for name, value in fields.items()
        if value is not None and name != "encoding_format"
    }


def models_request(
    call: ChatCall, headers: dict[str, str] | None = None, base: str | None = None
) -> HttpRequest:
    """``GET {base_url}/models`` with the call's query (page size, next-page cursor), sending
    ``headers`` (the call's own by default) but ``content-type``: a GET has no body; ``base``
    replaces the call's base URL."""
    if headers is None:
        headers = call.base_headers()
    headers.pop("content-type", None)
    url = f"{base or call.base_url}/models"
    if call.params:
        url = f"{url}?{urlencode(call.params)}"
    return HttpRequest("GET", url, headers, b"")


def int_or_none(value: Any) -> int | None:
    """``value`` if it is an int (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def str_or_none(value: Any) -> str | None:
    """``value`` if it is a string, else None."""
    return value if isinstance(value, str) else None


# The C scanner behind json.loads, called directly: a chunk's JSON is parsed without the two
# whitespace regex passes json.loads makes. Anything it does not take whole goes to json.loads.
_scan_json: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(
    json.JSONDecoder()  # type: ignore[arg-type]  # typeshed types the argument as the scanner
)


def header_auth(call: ChatCall) -> RequestAuth:
    """The registry's auth: the call's key in its provider's ``auth_header``, after its
    ``auth_prefix``. None without a key, and none when the caller's headers (default or
    extra) name that header, whatever its case: theirs is sent instead."""
    key = call.api_key
    name = call.provider.auth_header
    if not key or any(given.lower() == name.lower() for given in call.headers):
        return NO_AUTH
    return HeaderAuth(name, call.provider.auth_prefix, key)
