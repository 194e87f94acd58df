"""Which socket a request goes over, known from the moment the request is sent.

httpx shows a response's socket only once its headers have arrived (the ``network_stream``
extension). But stream timeouts run from the moment a request is sent, headers included, and a
cancelled send must be able to cut its connection. So each request carries httpcore's
``trace`` extension: httpcore reports every connection it opens (``connection.connect_tcp``,
``connection.start_tls``) with its stream. A connection taken again from the pool is not
reported again, so the stream of each connection opened this way is also tagged to name itself
to the request of ours that next writes its headers on it.
"""

from __future__ import annotations

import contextlib
import inspect
import socket
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contextvars import ContextVar

#: Trace events that hand over a new connection's stream as their ``return_value``.
_NEW_STREAM = (".connect_tcp.complete", ".connect_unix_socket.complete", ".start_tls.complete")
_HEADERS_SENT = (".send_request_headers.complete", ".send_request_headers.failed")

_writing_now: ContextVar[Wire | None] | None = None


def _writing() -> ContextVar[Wire | None]:
    """The request writing its headers right now, in this thread or task, on a reused
    connection. Made on first use: ``import llmclient`` stays free of ``contextvars``."""
    global _writing_now
    if _writing_now is None:
        from contextvars import ContextVar

        _writing_now = ContextVar("llmclient_writing", default=None)
    return _writing_now


def cut_socket(sock: Any) -> None:
    """Shut a socket down for reading and writing (safe from any thread), so that a read
    waiting on it ends at once; closing is left to whoever owns it."""
    try:
        if isinstance(sock, socket.socket):
            # The base class's shutdown, so that an SSL socket is not torn down under a
            # read in progress in another thread: only the connection is cut.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        else:
            sock.shutdown(socket.SHUT_RDWR)  # trio's socket
    except OSError:
        pass  # already closed: nothing left to cut


class Wire:
    """One request's connection: its socket once httpcore has said which one it is.

    ``on_sent`` is called with the socket when the request starts going out on it (a stream
    timer arms the watchdog then). Pass :meth:`trace` (blocking client) or :meth:`atrace`
    (async client) as the request's ``trace`` extension.
    """

    __slots__ = ("_on_sent", "sock")

    def __init__(self, on_sent: Callable[[Any], None] | None = None) -> None:
        #: The connection's socket, from the moment it is opened (or taken from the pool).
        self.sock: Any = None
        self._on_sent = on_sent

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        if event.endswith(_NEW_STREAM):
            stream = info.get("return_value")
            if stream is not None:
                _tag(stream)
                # After TLS, the TLS stream's socket: the blocking client's plain one is
                # detached by then.
                self.sock = stream.get_extra_info("socket") or self.sock
        elif event.endswith(".send_request_headers.started"):
            if self.sock is None:  # a reused connection: its stream names itself on writing
                _writing().set(self)
            else:
                self._sent()
        elif event.endswith(_HEADERS_SENT):
            _writing().set(None)

    async def atrace(self, event: str, info: Mapping[str, Any]) -> None:
        self.trace(event, info)

    def claim(self, stream: Any) -> None:
        """The request's headers are being written on ``stream`` (a reused connection's)."""
        _writing().set(None)
        self.sock = stream.get_extra_info("socket")
        if self.sock is not None:
            self._sent()

    def _sent(self) -> None:
        if self._on_sent is not None:
            self._on_sent(self.sock)

    def cut(self) -> bool:
        """Cut the request's connection, if it has one yet; say whether it had."""
        if self.sock is None:
            return False
        cut_socket(self.sock)
        return True


def _tag(stream: Any) -> None:
    """Make ``stream`` name itself to the :class:`Wire` writing its headers on it.

    Done once per connection, by wrapping its ``write``; the stream is held weakly there, so
    that the wrapper keeps nothing alive.
    """
    write = getattr(type(stream), "write", None)
    if write is None or getattr(stream.write, "_llmclient_tagged", False):
        return
    stream_ref = weakref.ref(stream)

    def claim() -> Any:
        tagged = stream_ref()  # alive: it is being written on
        wire = _writing().get()
        if wire is not None:
            wire.claim(tagged)
        return tagged

    tagged_write: Any
    if inspect.iscoroutinefunction(write):

        async def tagged_write(buffer: bytes, timeout: float | None = None) -> None:
            await write(claim(), buffer, timeout)

    else:

        def tagged_write(buffer: bytes, timeout: float | None = None) -> None:
            write(claim(), buffer, timeout)

    tagged_write._llmclient_tagged = True
    # A stream class without a __dict__ cannot be tagged: it is known when new, not reused.
    with contextlib.suppress(AttributeError):
        stream.write = tagged_write
