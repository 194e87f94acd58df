"""AWS event-stream framing: binary messages in, frames out. No I/O.

Bedrock's ConverseStream answers in ``application/vnd.amazon.eventstream``, a sequence of
binary messages. Each message is a 12-byte prelude (total length, headers length, and the
CRC32 of those 8 bytes, big-endian), its headers, its payload, and the CRC32 of everything
before it. Headers are ``(name length: u8, name, type: u8, value)``; the ones read here are
strings: ``:message-type`` (``event``, ``exception`` or ``error``), ``:event-type`` (an event's
name, such as ``contentBlockDelta``), ``:exception-type`` and, for errors, ``:error-code`` /
``:error-message``.

:class:`EventStreamFraming` is fed the body in pieces of any size and returns
``(type, payload, message type)`` frames: an event's ``:event-type`` and JSON payload, an
exception's ``:exception-type`` after ``exception:`` and its JSON payload, or an error's
``:error-code`` after ``error:`` and its ``:error-message`` (so that a translator, which sees
the type and the payload, tells an exception from an event of the same name). Both CRCs are
checked; a frame longer than ``max_frame_size`` is refused from its prelude, before its bytes
are held, so memory stays within about one frame. The work is linear in the body's length,
whatever the split points.
"""

from __future__ import annotations

import struct
import zlib
from typing import TYPE_CHECKING

from ..errors import DecodeError, EventTooLargeError, LlmError

if TYPE_CHECKING:
    from .framing import Framing

__all__ = ["DEFAULT_MAX_FRAME_SIZE", "MEDIA_TYPE", "EventStreamFraming", "StreamFrame"]

MEDIA_TYPE = "application/vnd.amazon.eventstream"
"""The content type of an event-stream body."""

DEFAULT_MAX_FRAME_SIZE = 24 * 1024 * 1024 + 128 * 1024
"""AWS's own limits: a payload of at most 24 MiB and headers of at most 128 KiB."""

#: A frame: its type, its payload as text, and its ``:message-type``.
StreamFrame = tuple[str, str, str]

_PRELUDE = 12  # total length, headers length, prelude CRC
_OVERHEAD = _PRELUDE + 4  # and the message CRC at the end
_UINT32 = struct.Struct(">I")
_PRELUDE_FIELDS = struct.Struct(">III")

#: Bytes a header value of each fixed-size type takes; types 6 (bytes) and 7 (string) carry
#: a u16 length instead. 0 and 1 are true and false, 2-5 integers, 8 a timestamp, 9 a UUID.
_FIXED_SIZES = {0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16}
_BYTES, _STRING = 6, 7
#: How many distinct sets of header bytes one stream remembers (Bedrock's use about eight).
_KNOWN_HEADERS = 64


class EventStreamFraming:
    """Cuts one event-stream body into frames; one instance per stream."""

    __slots__ = ("_buffer", "_error", "_known", "_max_frame_size")

    media_type = MEDIA_TYPE

    def __init__(self, max_frame_size: int = DEFAULT_MAX_FRAME_SIZE) -> None:
        self._buffer = bytearray()
        self._error: LlmError | None = None
        self._max_frame_size = max_frame_size
        #: The frame type and message type of each set of header bytes met so far.
        self._known: dict[bytes, tuple[str, str, str | None]] = {}

    @property
    def pending_error(self) -> LlmError | None:
        """An error met after the frames the last :meth:`feed_frames` returned."""
        return self._error

    def pending(self) -> bool:
        """Whether bytes of an unfinished frame are held (at the body's end: it was cut)."""
        return bool(self._buffer)

    def feed_frames(self, data: bytes) -> list[StreamFrame]:
        """The frames completed by ``data`` (possibly none).

        Raises ``DecodeError`` for a wrong CRC, an impossible length, malformed headers or a
        payload that is not UTF-8, and ``EventTooLargeError`` for a frame past
        ``max_frame_size``; when frames came first in the same bytes, they are returned and
        the error is kept in :attr:`pending_error`, raised by the next call.
        """
        if self._error is not None:
            raise self._error
        buffer = self._buffer
        buffer += data
        frames: list[StreamFrame] = []
        known = self._known
        start = 0
        try:
            while len(buffer) - start >= _PRELUDE:
                total, headers_length = self._prelude(buffer, start)
                end = start + total
                if len(buffer) < end:
                    break
                (message_crc,) = _UINT32.unpack_from(buffer, end - 4)
                body = memoryview(buffer)[start : end - 4]
                try:
                    if zlib.crc32(body) != message_crc:
                        raise DecodeError("event stream: a message's CRC does not match its bytes.")
                finally:
                    body.release()
                headers_end = start + _PRELUDE + headers_length
                # Messages of one kind repeat their headers byte for byte: each set is read once.
                raw = bytes(buffer[start + _PRELUDE : headers_end])
                kind = known.get(raw)
                if kind is None:
                    kind = _kind(_string_headers(buffer, start + _PRELUDE, headers_end))
                    if len(known) < _KNOWN_HEADERS:
                        known[raw] = kind
                frames.append(_frame(buffer, headers_end, end - 4, kind))
                start = end
        except (DecodeError, EventTooLargeError) as exc:
            # The stream cannot be read past a broken message: it stays failed, and what it
            # held is let go. Frames before the error are handed out first.
            self._error = exc
            buffer.clear()
            if not frames:
                raise
            return frames
        del buffer[:start]
        return frames

    def _prelude(self, buffer: bytearray, start: int) -> tuple[int, int]:
        """The total and headers lengths of the message at ``start``, checked."""
        total, headers_length, prelude_crc = _PRELUDE_FIELDS.unpack_from(buffer, start)
        if zlib.crc32(buffer[start : start + 8]) != prelude_crc:
            raise DecodeError("event stream: a message's prelude CRC does not match its lengths.")
        if total < _OVERHEAD or headers_length > total - _OVERHEAD:
            raise DecodeError(
                f"event stream: a message claims {total} bytes with {headers_length} of headers."
            )
        if total > self._max_frame_size:
            raise EventTooLargeError(
                f"event stream: a message of {total} bytes is larger than the limit of "
                f"{self._max_frame_size} bytes (the client's max_event_size)."
            )
        return total, headers_length


def _kind(headers: dict[str, str]) -> tuple[str, str, str | None]:
    """A message's frame type and ``:message-type`` from its headers, and for an error the
    ``:error-message`` that stands in for its payload."""
    message_type = headers.get(":message-type", "event")
    if message_type == "exception":
        return f"exception:{headers.get(':exception-type', '')}", message_type, None
    if message_type == "error":
        code = headers.get(":error-code", "")
        return f"error:{code}", message_type, headers.get(":error-message")
    return headers.get(":event-type", ""), message_type, None


def _frame(
    buffer: bytearray, headers_end: int, payload_end: int, kind: tuple[str, str, str | None]
) -> StreamFrame:
    try:
        payload = buffer[headers_end:payload_end].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"event stream: a message's payload is not UTF-8 ({exc}).") from exc
    frame_type, message_type, error_message = kind
    return frame_type, payload if error_message is None else error_message, message_type


def _string_headers(buffer: bytearray, at: int, end: int) -> dict[str, str]:
    """The string-valued headers between ``at`` and ``end``; others are read past."""
    headers: dict[str, str] = {}
    try:
        while at < end:
            name_length = buffer[at]
            name = buffer[at + 1 : at + 1 + name_length].decode("utf-8")
            at += 1 + name_length
            kind = buffer[at]
            at += 1
            size = _FIXED_SIZES.get(kind)
            if size is None:
                if kind not in (_BYTES, _STRING):
                    raise DecodeError(f"event stream: header {name!r} has unknown type {kind}.")
                size = int.from_bytes(buffer[at : at + 2], "big")
                at += 2
                if kind == _STRING:
                    headers[name] = buffer[at : at + size].decode("utf-8")
            at += size
    except (IndexError, UnicodeDecodeError) as exc:
        raise DecodeError(f"event stream: a message's headers are malformed ({exc}).") from exc
    if at != end:
        raise DecodeError("event stream: a message's headers overrun their length.")
    return headers


if TYPE_CHECKING:  # what a dialect's new_framing may return
    _IS_A_FRAMING: Framing = EventStreamFraming()
