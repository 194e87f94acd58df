"""What both facades share about httpx: building its request and translating its errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from . import _log
from ._redact import redact_url, scrub_text
from ._request import ChatCall
from ._status import decode_body, request_id
from ._watchdog import CallTimer
from ._wire import Wire
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    DecodeError,
    RedirectError,
    ResponseTooLargeError,
)


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


def redirect_error(call: ChatCall, response: httpx.Response, body: bytes) -> RedirectError:
    """The error for a 3xx answer, which is never followed: httpx would send the provider's
    key header (all but ``Authorization``) to wherever it points. Its target is named, made
    absolute, with its query values hidden."""
    provider = call.provider.name
    location = response.headers.get("location")
    if location:
        try:
            location = redact_url(str(response.url.join(location)))
        except (httpx.InvalidURL, ValueError):
            location = redact_url(location)
    where = f"to {location}" if location else "without naming where"
    return RedirectError(
        f"the request was redirected {where}; llmclient does not follow redirects, so that the "
        "API key is sent only to the URL you configured: set base_url to the final URL.",
        status_code=response.status_code,
        provider=provider,
        request_id=request_id(response.headers),
        body=decode_body(body) if body else None,
        location=location,
    )


def whole_body_limit(call: ChatCall, headers: Mapping[str, str]) -> int:
    """The most bytes a whole answer's body may hold: the call's ``max_response_size``.
    Raises ``ResponseTooLargeError`` at once when its ``Content-Length`` says more."""
    limit = call.max_response_size
    length = headers.get("content-length", "")
    # (A length of 19 digits or more is past any limit, and is not converted.)
    declared = length.isdigit() and (len(length) > 18 or int(length) > limit)
    if declared and "content-encoding" not in headers:
        raise response_too_large(call)
    return limit


def response_too_large(call: ChatCall) -> ResponseTooLargeError:
    """The error for a whole answer's body past the call's ``max_response_size``."""
    provider = call.provider.name
    limit = call.max_response_size
    return ResponseTooLargeError(
        f"{provider}: the response body is larger than max_response_size ({limit} bytes); "
        "pass a larger max_response_size to the client if answers this large are expected.",
        provider=provider,
        limit=limit,
    )


def client_timeout(timeout: Any) -> httpx.Timeout:
    """An httpx timeout from a float, None or an ``httpx.Timeout``."""
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
