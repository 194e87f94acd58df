"""What both facades share about httpx: building its request and translating its errors."""

from __future__ import annotations

from typing import Any

import httpx

from . import _log
from ._redact import scrub_text
from ._request import ChatCall
from ._watchdog import CallTimer
from ._wire import Wire
from .errors import APIConnectionError, APIError, APITimeoutError, DecodeError


def configured_timeout(client: httpx.Client | httpx.AsyncClient, call: ChatCall) -> httpx.Timeout:
    """The timeout a call's requests use: the call's or client's own, else the httpx client's."""
    if call.timeout is httpx.USE_CLIENT_DEFAULT:
        return client.timeout
    return client_timeout(call.timeout)


def build_httpx_request(
    client: httpx.Client | httpx.AsyncClient,
    call: ChatCall,
    timer: CallTimer | None,
    wire: Wire | None = None,
) -> httpx.Request:
    """The httpx request for a call's next attempt, with the call's timeout.

    With stream timeouts, the attempt is started on the timer (raising if the call's deadline
    has passed) and httpx's timeouts are cut to what is left. A ``wire`` learns the request's
    socket as it is sent.
    """
    timeout: Any = call.timeout
    if timer is not None:
        timer.start_attempt()
        timeout = timer.request_timeout(configured_timeout(client, call))
    request = call.http_request()
    _log.request_sent(call.provider.name, request.method, request.url)
    extensions = None
    if wire is not None:
        extensions = {"trace": wire.atrace if isinstance(client, httpx.AsyncClient) else wire.trace}
    return client.build_request(
        request.method,
        request.url,
        headers=request.headers,
        content=request.body,
        timeout=timeout,
        extensions=extensions,
    )


def transport_error(
    exc: httpx.RequestError, provider: str, during: str, timer: CallTimer | None = None
) -> APIError:
    """Our error for an httpx failure; the caller chains ``exc`` as the cause.

    A failure caused by a stream timeout (the watchdog cut the connection, or httpx's
    shortened timeout fired) is an ``APITimeoutError`` naming the rule.
    """
    if timer is not None:
        rule = timer.tripped()
        timer.stop()  # the attempt is over: its socket is watched no more
        if rule is not None:
            return timer.error(rule, during)
    detail = scrub_text(str(exc)) or type(exc).__name__
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
