"""What both facades share about httpx: building its request and translating its errors."""

from __future__ import annotations

from typing import Any

import httpx

from ._request import ChatCall
from .errors import APIConnectionError, APIError, APITimeoutError, DecodeError


def build_httpx_request(client: httpx.Client | httpx.AsyncClient, call: ChatCall) -> httpx.Request:
    """The httpx request for a call, with the call's timeout."""
    request = call.http_request()
    return client.build_request(
        request.method,
        request.url,
        headers=request.headers,
        content=request.body,
        timeout=call.timeout,
    )


def transport_error(exc: httpx.RequestError, provider: str, during: str) -> APIError:
    """Our error for an httpx failure; the caller chains ``exc`` as the cause."""
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.DecodingError):
        return DecodeError(
            f"{provider}: the body could not be decoded {during} ({detail}).", provider=provider
        )
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"{provider}: timed out {during} ({detail}).", provider=provider)
    return APIConnectionError(
        f"{provider}: connection failed {during} ({detail}).", provider=provider
    )


def client_timeout(timeout: Any) -> httpx.Timeout:
    """An httpx timeout from a float, None or an ``httpx.Timeout``."""
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
