"""Gemini's error answers as typed errors: the HTTP status picks the class, Gemini's ``status``
is the error type and a ``RetryInfo`` detail the retry delay."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..._core.call import ChatCall
from ..._core.status import build_status_error, decode_body
from ...errors import APIStatusError


def parse_error(
    call: ChatCall, status: int, headers: Mapping[str, str], body: bytes
) -> APIStatusError:
    """The typed error for an error status."""
    return status_error(call.provider.name, status, decode_body(body), headers)


def status_error(
    provider: str,
    status: int,
    body: Any,
    headers: Mapping[str, str] | None = None,
    *,
    in_stream: bool = False,
) -> APIStatusError:
    """A typed error from Gemini's ``{"error": {"code", "message", "status", "details"}}``.

    The class follows the HTTP status (or, in a stream, ``code``); ``error_type`` is Gemini's
    ``status`` (e.g. ``RESOURCE_EXHAUSTED``) and a ``RetryInfo`` detail sets ``retry_after``.
    """
    if isinstance(body, list) and len(body) == 1:
        body = body[0]  # streamGenerateContent without alt=sse wraps errors in an array
    exc = build_status_error(provider, status, body, headers, in_stream=in_stream)
    error = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(error, Mapping):
        if exc.error_type is None and isinstance(error.get("status"), str):
            exc.error_type = error["status"]
        if exc.retry_after is None:
            exc.retry_after = _retry_delay(error.get("details"))
    return exc


def _retry_delay(details: Any) -> float | None:
    """Seconds from a ``google.rpc.RetryInfo`` detail's ``retryDelay`` (e.g. ``"37s"``)."""
    for detail in details if isinstance(details, list) else ():
        delay = detail.get("retryDelay") if isinstance(detail, Mapping) else None
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                return max(0.0, float(delay[:-1]))
            except ValueError:
                return None
    return None
