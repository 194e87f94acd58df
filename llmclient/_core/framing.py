"""Framing: how a streamed body is cut into frames before a dialect reads them. No I/O.

A dialect names its framing (``new_framing``); the stream state (:class:`~llmclient._stream.
ChunkParser`) feeds it the body's bytes, in pieces of any size, and hands the type and payload
of each frame they complete to the dialect's translator. It knows nothing else of the framing:
server-sent events today, a binary framing (AWS event-stream) next.

At the end of the body a framing is asked nothing more: a frame the end cut off never reaches
the translator, so the stream has not finished and the parser raises
:class:`~llmclient.errors.IncompleteStreamError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from .sse import SSEDecoder

if TYPE_CHECKING:
    from typing import TypeAlias

    from typing_extensions import Unpack

    from ..errors import LlmError

    #: One frame: its event type and its payload text first; a framing may add more items
    #: (server-sent events add the event id and the retry time), which nothing reads.
    Frame: TypeAlias = tuple[str, str, Unpack[tuple[object, ...]]]

__all__ = ["Framing", "SSEFraming"]


class Framing(Protocol):
    """Cuts one streamed body into frames; one instance per stream."""

    @property
    def media_type(self) -> str:
        """The body's content type: a 2xx answer of another type is an error body."""

    def feed_frames(self, data: bytes) -> Sequence[Frame]:
        """The frames completed by ``data`` (possibly none); raises a typed error for bytes
        that cannot be framed, or keeps it in :attr:`pending_error` when frames came first."""

    @property
    def pending_error(self) -> LlmError | None:
        """An error met after the frames the last :meth:`feed_frames` returned."""


class SSEFraming(SSEDecoder):
    """Server-sent events as frames: the SSE decoder itself, its ``(event, data, id, retry)``
    tuples returned as they are, so a frame costs nothing more than an event."""

    __slots__ = ()

    media_type = "text/event-stream"
    feed_frames = SSEDecoder.feed_fields
