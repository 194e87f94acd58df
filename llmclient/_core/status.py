"""Turning a provider's error answer (an HTTP status or an in-band error) into a typed error."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import APIStatusError, DecodeError, OverloadedError, status_error_class
from .retry import parse_retry_after, parse_should_retry

#: What an error ``type`` or ``code`` inside a body stands for, as an HTTP status.
ERROR_TYPE_STATUS: Mapping[str, int] = {
    "invalid_request_error": 400,
    "bad_request": 400,
    "authentication_error": 401,
    "invalid_api_key": 401,
    "billing_error": 402,
    "permission_error": 403,
    "permission_denied": 403,
    "not_found_error": 404,
    "model_not_found": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "rate_limit_exceeded": 429,
    "insufficient_quota": 429,
    "tokens": 429,
    "server_error": 500,
    "api_error": 500,
    "internal_error": 500,
    "service_unavailable": 503,
    "timeout_error": 504,
    "overloaded_error": 529,
    "overloaded": 529,
}

_MAX_MESSAGE = 500


def decode_body(body: bytes) -> Any:
    """The body as JSON when it is JSON, else as text."""
    text = body.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to read as JSON
        return text


def request_id(headers: Mapping[str, str]) -> str | None:
    """The provider's id for the request, from whichever header it uses."""
    return (
        headers.get("x-request-id") or headers.get("request-id") or headers.get("x-amzn-requestid")
    )


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def status_for_error(error: Mapping[str, Any], default: int) -> int:
    """The HTTP status an error object stands for: its numeric ``code``, else its type."""
    code = error.get("code")
    if isinstance(code, int) and 400 <= code <= 599:
        return code
    for key in ("type", "code", "status"):
        value = error.get(key)
        if isinstance(value, str) and value.lower() in ERROR_TYPE_STATUS:
            return ERROR_TYPE_STATUS[value.lower()]
    return default


def build_status_error(
    provider: str,
    status: int,
    body: Any,
    headers: Mapping[str, str] | None = None,
    *,
    in_stream: bool = False,
    error_type: str | None = None,
) -> APIStatusError:
    """A typed error from an OpenAI-style body: ``{"error": {"message", "type", "code", "param"}}``.

    Bodies of other shapes keep their text as the message. In a stream, the error's type picks the
    status (and so the class) the same HTTP error would have had. ``error_type`` names the
    error when the body does not (AWS sends it in a header).
    """
    headers = headers or {}
    error = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(error, str):
        error = {"message": error}
    if not isinstance(error, Mapping):
        error = body if isinstance(body, Mapping) else {}
    if in_stream:
        status = status_for_error(error, 500)
    message = error.get("message")
    if not isinstance(message, str) or not message:
        message = body.strip() if isinstance(body, str) and body.strip() else f"HTTP {status}"
    if len(message) > _MAX_MESSAGE:
        message = message[:_MAX_MESSAGE] + "..."
    error_type = error_type or _str_or_none(error.get("type"))
    cls = status_error_class(status)
    if error_type and "overloaded" in error_type.lower():
        cls = OverloadedError
    return cls(
        message,
        status_code=status,
        provider=provider,
        request_id=request_id(headers),
        body=body,
        error_type=error_type,
        code=_str_or_none(error.get("code")),
        param=_str_or_none(error.get("param")),
        in_stream=in_stream,
        retry_after=parse_retry_after(headers),
        should_retry=parse_should_retry(headers),
    )


def load_json(body: bytes, provider: str, what: str = "response body") -> Any:
    """An answer body's JSON; a ``DecodeError`` naming ``what`` when it is not JSON."""
    try:
        return json.loads(body)
    except UnicodeDecodeError as exc:
        raise DecodeError(f"{provider}: the {what} is not valid UTF-8.", provider=provider) from exc
    except ValueError as exc:
        preview = body[:80].decode("utf-8", "replace")
        raise DecodeError(
            f"{provider}: the {what} is not valid JSON ({exc}): {preview!r}", provider=provider
        ) from exc
    except RecursionError:
        raise DecodeError(
            f"{provider}: the {what} is nested too deeply to be read as JSON.", provider=provider
        ) from None
