"""What both facades share about httpx: building its request and the auth it is sent with,
deciding what its response calls for, reading a body within its limits, and translating its
errors. No I/O: the facades send and read, and ask here what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar

import httpx

from . import _log
from ._auth import Chain
from ._core.call import ChatCall
from ._core.redact import redact_url, scrub_text
from ._core.status import decode_body, request_id
from ._core.stream import MAX_ERROR_BODY, error_from_response, needs_error_body
from ._watchdog import CallTimer
from ._wire import Wire
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    DecodeError,
    LlmError,
    RedirectError,
    ResponseTooLargeError,
)

if TYPE_CHECKING:
    from ._core.endpoints import Parser

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


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


class Attempt:
    """One attempt at a call: its httpx request, built with the call's timeouts (see
    :func:`build_httpx_request`), and what its response calls for."""

    __slots__ = ("call", "client", "request", "timer", "wire")

    def __init__(
        self, client: httpx.Client | httpx.AsyncClient, call: ChatCall, timer: CallTimer | None
    ) -> None:
        self.client = client
        self.call = call
        self.timer = timer
        #: The request's connection, watched from the moment it is sent.
        self.wire = Wire(None if timer is None else timer.watch_socket)
        self.request = build_httpx_request(client, call, timer, self.wire)

    @property
    def url(self) -> str:
        return str(self.request.url)

    def failed(self, exc: httpx.RequestError) -> APIError:
        """Our error for a send that failed; the caller chains ``exc`` as the cause."""
        return transport_error(exc, self.call.provider.name, "sending the request", self.timer)

    def received(self, response: httpx.Response) -> BodyReading[NoReturn] | None:
        """The response's headers have arrived: its reads get their own timeout back, and its
        socket is watched. For a redirect, which is never followed, the reading of its body
        that raises :class:`~llmclient.errors.RedirectError`; None otherwise."""
        if self.timer is not None:
            read = configured_timeout(self.client, self.call).read
            self.timer.watch(self.request, response, read)
        if 300 <= response.status_code < 400:
            return error_reading(
                self.call, response, self.timer, partial(redirect_error, self.call, response)
            )
        return None


class BodyReading(Generic[T_co]):
    """How one response's body is read, and what it becomes once read.

    A whole answer is refused past the call's ``max_response_size`` (at once when its
    ``Content-Length`` says so); an error body is cut at :data:`MAX_ERROR_BODY`: a hostile
    server cannot fill the memory. The facade reads inside ``with reading:``, handing each
    piece to :meth:`add`: an httpx failure is raised as our error, and the call's timer is
    stopped when reading ends, before the connection can go back to the pool. Then
    :meth:`made` gives the answer, or raises the error the body holds.
    """

    __slots__ = ("_body", "_call", "_headers", "_make", "_most", "_timer", "_whole")

    def __init__(
        self,
        call: ChatCall,
        response: httpx.Response,
        timer: CallTimer | None,
        make: Callable[[bytes], T_co],
        *,
        whole: bool,
    ) -> None:
        self._call = call
        self._headers = response.headers
        self._timer = timer
        self._make = make
        self._whole = whole
        self._most = MAX_ERROR_BODY
        self._body = bytearray()

    def __enter__(self) -> BodyReading[T_co]:
        if self._whole:
            try:
                self._most = whole_body_limit(self._call, self._headers)
            except BaseException:
                self._stop()
                raise
        return self

    def add(self, data: bytes) -> bool:
        """Keep ``data``; True once an error body is cut at its limit: read no more."""
        body = self._body
        body += data
        if len(body) > self._most:
            if self._whole:
                raise response_too_large(self._call)
            del body[self._most :]
            return True
        return False

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if not isinstance(exc, httpx.RequestError):
            self._stop()
            return
        provider = self._call.provider.name
        error = transport_error(exc, provider, "reading the response", self._timer)
        self._stop()
        raise error from exc

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()

    def made(self) -> T_co:
        """What the body makes: the answer, or (for an error body) the error, raised."""
        return self._make(bytes(self._body))


def error_reading(
    call: ChatCall,
    response: httpx.Response,
    timer: CallTimer | None,
    error: Callable[[bytes], LlmError],
) -> BodyReading[NoReturn]:
    """The reading of an error body (cut at :data:`MAX_ERROR_BODY`) that raises ``error(body)``."""

    def raise_error(body: bytes) -> NoReturn:
        raise error(body)

    return BodyReading(call, response, timer, raise_error, whole=False)


def answer_reading(
    call: ChatCall, response: httpx.Response, timer: CallTimer | None, parse: Parser[T]
) -> BodyReading[T]:
    """How a whole answer's response is read: its body parsed, or for an error status the
    provider's error raised."""
    status = response.status_code
    if 200 <= status < 300:
        return BodyReading(call, response, timer, partial(parse, call), whole=True)
    error = partial(call.dialect.parse_error, call, status, response.headers)
    return error_reading(call, response, timer, error)


def stream_refusal(
    call: ChatCall, response: httpx.Response, timer: CallTimer | None, media_type: str
) -> BodyReading[NoReturn] | None:
    """For a stream's response that is not the stream (an error status, or a 2xx body that is
    not of the stream's ``media_type``: JSON, an HTML page), the reading of its body that
    raises the error it holds; None for the stream itself."""
    status, headers = response.status_code, response.headers
    if not needs_error_body(status, headers, media_type):
        return None
    return error_reading(call, response, timer, partial(error_from_response, call, status, headers))


def send_auth(call: ChatCall, client: httpx.Client | httpx.AsyncClient) -> httpx.Auth:
    """What authenticates an attempt's request: the call's auth, then the httpx client's own
    (``httpx.Client(auth=...)`` passed as ``http_client``), as before auth was a part."""
    own = client.auth
    return call.auth if own is None else Chain(call.auth, own)
