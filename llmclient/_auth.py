"""Auth: how a call's requests are authenticated, once per attempt, just before sending.

An auth is an ``httpx.Auth`` (httpx's flow: ``auth_flow(request)`` yields the request, may look
at the response and yield it again; ``sync_auth_flow`` / ``async_auth_flow`` are where any I/O
of its own goes), which the facades pass to ``send`` with each attempt's request. The request
built before that (what hooks and logs see) holds no credential. Each auth also names the
secrets it sends (:meth:`RequestAuth.secrets`), so that an error echoing one hides it.

- :class:`HeaderAuth`: a static key header, ``{auth_header}: {auth_prefix}{key}`` from the
  registry; what every dialect uses today (``header_auth`` in the dialects' shared helpers).
- :class:`BearerTokenAuth`: ``Bearer <token>`` from a :class:`TokenProvider` that can refresh,
  blocking or awaited; refreshed before it expires and once more after a 401.
- :class:`RequestSigner`: a base for signers (SigV4) that see the final request, body included,
  and add headers.

A dialect names the auth of its calls in ``new_auth(call)``; the facades send each attempt
with ``send_auth`` (in :mod:`llmclient._transport`). Nothing here does I/O at import.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from typing import Protocol

import attrs
import httpx

from .errors import InvalidRequestError

__all__ = [
    "NO_AUTH",
    "REFRESH_MARGIN",
    "BearerTokenAuth",
    "Chain",
    "HeaderAuth",
    "RequestAuth",
    "RequestSigner",
    "Token",
    "TokenProvider",
    "check_header_secret",
]

#: A token this close to its expiry (in seconds) is refreshed before it is sent again.
REFRESH_MARGIN = 60.0
#: The status that makes a refreshing auth fetch a new token and send the request once more.
UNAUTHORIZED = 401

Flow = Generator[httpx.Request, httpx.Response, None]
AsyncFlow = AsyncGenerator[httpx.Request, httpx.Response]


class RequestAuth(httpx.Auth):
    """An httpx auth that knows what it sends is secret. As it is, it sends the request as
    it is (a call without a key)."""

    def secrets(self) -> tuple[str, ...]:
        """The secret values this auth has put in requests, to be hidden in errors."""
        return ()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


#: The auth of a call that sends no credential.
NO_AUTH = RequestAuth()


class HeaderAuth(RequestAuth):
    """A static key in a header: ``{name}: {prefix}{key}``, replacing one of that name (an
    httpx client's default header; the caller's own headers are left alone by
    ``header_auth``, which makes none then)."""

    def __init__(self, name: str, prefix: str, key: str) -> None:
        self._name = name
        self._key = key
        self._value = f"{prefix}{key}"

    def auth_flow(self, request: httpx.Request) -> Flow:
        request.headers[self._name] = self._value
        yield request

    def secrets(self) -> tuple[str, ...]:
        return (self._key,)

    def __repr__(self) -> str:
        return f"HeaderAuth({self._name!r})"


@attrs.frozen
class Token:
    """A bearer token, and when it expires: seconds on its auth's clock (``time.time()``
    unless told otherwise), None when it is not known to."""

    value: str = attrs.field(repr=False)
    expires_at: float | None = None


class TokenProvider(Protocol):
    """Where bearer tokens come from (a credential that can refresh): each call fetches one."""

    def token(self) -> Token:
        """A fresh token, fetched blocking (the blocking client calls this)."""

    async def atoken(self) -> Token:
        """A fresh token, awaited (the asyncio client calls this)."""


class BearerTokenAuth(RequestAuth):
    """``{header}: {prefix}{token}`` with tokens from ``source``.

    The token is kept, and fetched again when it is within ``margin`` seconds of its expiry
    (before a request goes out) or after a 401: the request is then sent once more with the
    new token, inside the same attempt (httpx's flow sends it again), so the retry policy
    counts one attempt and no hook sees a second request. A second 401 is the answer. The
    401's body is left unread (httpx would read it whole, however large). Errors raised by
    ``source`` reach the caller as they are. Shared by many calls, it may fetch a token twice
    when two requests find it stale at once; either token serves.
    """

    def __init__(
        self,
        source: TokenProvider,
        *,
        header: str = "authorization",
        prefix: str = "Bearer ",
        margin: float = REFRESH_MARGIN,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._source = source
        self._header = header
        self._prefix = prefix
        self._margin = margin
        self._clock = clock
        self._token: Token | None = None
        #: The values of the last two tokens: a request in flight may carry the older one.
        self._sent: tuple[str, ...] = ()

    def sync_auth_flow(self, request: httpx.Request) -> Flow:
        token = self._usable() or self._keep(self._source.token())
        response = yield self._authorized(request, token)
        if response.status_code == UNAUTHORIZED:
            body = _take_body(response)
            if isinstance(body, httpx.SyncByteStream):
                body.close()
            token = self._replacing(token) or self._keep(self._source.token())
            yield self._authorized(request, token)

    async def async_auth_flow(self, request: httpx.Request) -> AsyncFlow:
        token = self._usable() or self._keep(await self._source.atoken())
        response = yield self._authorized(request, token)
        if response.status_code == UNAUTHORIZED:
            body = _take_body(response)
            if isinstance(body, httpx.AsyncByteStream):
                await body.aclose()
            token = self._replacing(token) or self._keep(await self._source.atoken())
            yield self._authorized(request, token)

    def _usable(self) -> Token | None:
        """The kept token, unless it is about to expire."""
        token = self._token
        if token is None or token.expires_at is None:
            return token
        return token if self._clock() < token.expires_at - self._margin else None

    def _replacing(self, rejected: Token) -> Token | None:
        """After ``rejected`` got a 401: a newer token another request fetched meanwhile, or
        None, and ``rejected`` is kept no more."""
        if self._token == rejected:
            self._token = None
        return self._usable()

    def _keep(self, token: Token) -> Token:
        if not isinstance(token, Token):
            raise TypeError(f"A token provider must return a Token, got {type(token).__name__}.")
        check_header_secret(token.value, "The token from the credential provider", "token")
        self._token = token
        self._sent = (*self._sent[-1:], token.value)
        return token

    def _authorized(self, request: httpx.Request, token: Token) -> httpx.Request:
        request.headers[self._header] = f"{self._prefix}{token.value}"
        return request

    def secrets(self) -> tuple[str, ...]:
        return self._sent

    def __repr__(self) -> str:
        return f"BearerTokenAuth({self._header!r})"


def _take_body(response: httpx.Response) -> httpx.SyncByteStream | httpx.AsyncByteStream:
    """Take an unwanted response's body away unread; the caller closes it. httpx reads the body
    of every response an auth flow answers with another request, whole: it is left an empty
    one."""
    body = response.stream
    response.stream = httpx.ByteStream(b"")
    return body


class RequestSigner(RequestAuth):
    """A base for auths that sign the request as it is sent (SigV4): :meth:`sign` sees the
    final method, URL (the base URL's query included), headers (httpx's own, ``host`` and
    ``content-length`` among them) and body, and returns the headers to add. Every attempt
    is signed anew."""

    requires_request_body = True

    def auth_flow(self, request: httpx.Request) -> Flow:
        request.headers.update(self.sign(request))
        yield request

    def sign(self, request: httpx.Request) -> Mapping[str, str]:
        """The headers that sign ``request``; ``request.content`` is its body."""
        raise NotImplementedError(f"{type(self).__name__} must define sign(request).")


class Chain(httpx.Auth):
    """``first``'s flow, each request it sends going through ``then``'s flow: a call's auth,
    then the auth an httpx client was made with, which httpx would run if we passed none."""

    def __init__(self, first: httpx.Auth, then: httpx.Auth) -> None:
        self.first = first
        self.then = then

    def sync_auth_flow(self, request: httpx.Request) -> Flow:
        outer = self.first.sync_auth_flow(request)
        try:
            request = next(outer)
            while True:
                response = yield from _through(self.then.sync_auth_flow(request))
                request = outer.send(response)
        except StopIteration:
            return
        finally:
            outer.close()

    async def async_auth_flow(self, request: httpx.Request) -> AsyncFlow:
        outer = self.first.async_auth_flow(request)
        try:
            request = await outer.__anext__()
            while True:
                inner = self.then.async_auth_flow(request)
                try:
                    sent = await inner.__anext__()
                    while True:
                        response = yield sent
                        sent = await inner.asend(response)
                except StopAsyncIteration:
                    pass
                finally:
                    await inner.aclose()
                request = await outer.asend(response)
        except StopAsyncIteration:
            return
        finally:
            await outer.aclose()


def _through(flow: Flow) -> Generator[httpx.Request, httpx.Response, httpx.Response]:
    """Send what ``flow`` yields; return the response it ended on."""
    try:
        request = next(flow)
        while True:
            response = yield request
            request = flow.send(response)
    except StopIteration:
        return response
    finally:
        flow.close()


def check_header_secret(secret: str, what: str, noun: str) -> None:
    """Refuse a secret bound for a header (a key, a token) that is not printable ASCII.

    A line break would let a header be injected, and httpx cannot encode non-ASCII: the error
    says where the bad character is without echoing the secret.
    """
    if secret.isascii() and secret.isprintable():
        return
    position = next(i for i, ch in enumerate(secret) if not (ch.isascii() and ch.isprintable()))
    raise InvalidRequestError(
        f"{what} has {_describe_char(secret[position])} at position {position + 1} of "
        f"{len(secret)}: a {noun} is printable ASCII, with no line break or control character "
        "(strip the newline a file or variable may add)."
    )


def _describe_char(ch: str) -> str:
    if ch in "\r\n":
        return "a line break"
    if ch.isascii():
        return f"the control character U+{ord(ch):04X}"
    return "a non-ASCII character"
