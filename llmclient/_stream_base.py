"""What ``ChatStream`` and ``AsyncChatStream`` share: their state, and what ends it.

The facades keep only the reading (``next`` or ``await __anext__`` on the body) and the
closing (``close`` or ``await aclose``); what a failed read raises, what the log and the hooks
hear, and when a stream counts as closed are decided here, once. Nothing here runs per chunk.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Generic, TypeVar

import httpx

from . import _log
from ._core.stream import ChunkParser
from ._transport import transport_error
from ._watchdog import CallTimer
from .errors import LlmError
from .types import ChatCompletionChunk

#: The body's bytes, as the facade reads them (an iterator, or an async one).
Raw = TypeVar("Raw")
#: What the hooks see of the call (a blocking trace, or an async one).
TraceT = TypeVar("TraceT")


class StreamBase(Generic[Raw, TraceT]):
    """One streamed answer's state: its response and body, its parser, the chunks parsed and
    not yet handed out, its timer, and the call's trace once the first chunk has arrived."""

    # A dict, so that help() and IDEs show the public attribute's docstring.
    __slots__ = {
        "_closed": None,
        "_parser": None,
        "_pending": None,
        "_raw": None,
        "_timer": None,
        "_trace": None,
        "response": (
            "The httpx.Response the chunks are read from: its status, its headers (the "
            "provider's request id among them) and its HTTP version. Its body is the stream's "
            "to read; iterate the stream rather than the response."
        ),
    }

    def __init__(
        self, response: httpx.Response, parser: ChunkParser, timer: CallTimer | None, raw: Raw
    ) -> None:
        self.response = response
        self._timer = timer
        self._raw = raw
        self._parser = parser
        self._pending: deque[ChatCompletionChunk] = deque()
        self._closed = False
        #: Set once the first chunk has arrived, when the client has hooks.
        self._trace: TraceT | None = None

    def _opened(self, started: float, trace: TraceT | None) -> ChatCompletionChunk:
        """The first chunk has arrived (``started`` is when its request was sent): it is
        logged, and the call's trace is the stream's from here on; returns that chunk."""
        _log.first_chunk(self._parser.provider, time.monotonic() - started)
        self._trace = trace  # from here on, failures are the stream's, not retried
        return self._pending[0]

    def _failure(self, exc: BaseException) -> LlmError | None:
        """What a read that raised ``exc`` raises (once the stream is closed): our error for
        httpx's, or ``exc`` itself when it is ours, with the call's secrets hidden, and
        logged; None for anything else (a cancellation, an interrupt), raised as it is."""
        parser = self._parser
        if isinstance(exc, httpx.RequestError):
            error: LlmError = transport_error(exc, parser.provider, "while streaming", self._timer)
        elif isinstance(exc, LlmError):
            error = exc
        else:
            return None
        parser.scrub(error)
        _log.failed(parser.provider, error)
        return error

    def _release(self) -> bool:
        """Count the stream closed and stop its timer; whether it was open until now (and so
        its response is to be closed)."""
        if self._closed:
            return False
        self._closed = True
        if self._timer is not None:
            self._timer.stop()
        return True
