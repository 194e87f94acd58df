"""The Server-Sent Events decoder, public in :mod:`llmclient.sse` (documented there)."""

from __future__ import annotations

import attrs

from llmclient.errors import DecodeError, EventTooLargeError, InputError

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "EventFields", "SSEDecoder", "ServerSentEvent"]

DEFAULT_MAX_EVENT_SIZE = 32 * 1024 * 1024
"""The default bound, in bytes, on one event's unfinished line plus its data buffer."""

#: One event's fields, in :class:`ServerSentEvent`'s order: event, data, id and retry.
EventFields = tuple[str, str, str, "int | None"]

_BOM = b"\xef\xbb\xbf"
_ERROR_PREFIX_BYTES = 60
_ERROR_PREFIX_CHARS = 76


@attrs.define(slots=True)
class ServerSentEvent:
    """One dispatched server-sent event (not frozen only because one is built per event).

    Attributes:
        event: the event type; ``"message"`` when the event had no (or an empty) ``event:``
            field.
        data: the ``data:`` field values joined with ``"\\n"``.
        id: the last event id at dispatch time; it persists from earlier events until an
            ``id:`` field changes it.
        retry: the reconnection time in milliseconds from the latest valid ``retry:`` field
            seen so far in the stream, or ``None`` when there has been none.
    """

    event: str = "message"
    data: str = ""
    id: str = ""
    retry: int | None = None


class SSEDecoder:
    """Decode a byte stream of Server-Sent Events incrementally.

    Feed the body's bytes to :meth:`feed` in order; each call returns the events completed by
    those bytes. An event is dispatched by the blank line that ends it, so an unterminated final
    event is never returned: :meth:`pending` tells whether the stream stopped mid-event.

    After :meth:`feed` raises, the decoder's state is undefined and it should be discarded.

    Args:
        max_event_size: the most bytes one event may hold while it is being built, counting
            the unfinished line and the data buffer so far. Must be at least 1.

    Raises:
        InputError: ``max_event_size`` is less than 1.
    """

    __slots__ = (
        "_after_cr",
        "_bom_buffer",
        "_data",
        "_data_size",
        "_error",
        "_event_type",
        "_id_buffer",
        "_last_event_id",
        "_line",
        "_max_event_size",
        "_more_data",
        "_retry",
        "_started",
    )

    def __init__(self, max_event_size: int = DEFAULT_MAX_EVENT_SIZE) -> None:
        if isinstance(max_event_size, bool) or not isinstance(max_event_size, int):
            raise InputError(f"max_event_size must be an int, got {type(max_event_size).__name__}")
        if max_event_size < 1:
            raise InputError(f"max_event_size must be at least 1, got {max_event_size}")
        self._max_event_size = max_event_size
        # Whether the first bytes of the stream have been checked for a byte order mark, and
        # the first one or two bytes while they may still turn out to be one.
        self._started = False
        self._bom_buffer = b""
        # Whether the last fed byte was a CR, so that an LF starting the next feed completes
        # that CRLF instead of ending a second, empty line.
        self._after_cr = False
        # The line that is not finished yet, without a CR or an LF.
        self._line = bytearray()
        # The event being built: its type; its first data line (None before one arrives) and
        # its other data lines, each after a "\n", as checked UTF-8; and their size in bytes.
        # One buffer rather than one string per line: many short lines cost their bytes only.
        self._event_type = ""
        self._data: str | None = None
        self._more_data = bytearray()
        self._data_size = 0
        # The spec's "last event ID buffer" (set by ``id:``) and the "last event ID string"
        # (copied from the buffer when a blank line dispatches).
        self._id_buffer = ""
        self._last_event_id = ""
        self._retry: int | None = None
        self._error: DecodeError | EventTooLargeError | None = None

    @property
    def last_event_id(self) -> str:
        """The last event id as of the latest blank line, to send back as ``Last-Event-ID``.

        An ``id:`` field takes effect here when the blank line that ends its event arrives,
        whether or not that event had data.
        """
        return self._last_event_id

    @property
    def retry(self) -> int | None:
        """The reconnection time in milliseconds from the latest valid ``retry:`` field."""
        return self._retry

    def pending(self) -> bool:
        """Return whether bytes of an unfinished line or an undispatched data buffer are held.

        True after the stream ends means it ended in the middle of an event.
        """
        return bool(self._line or self._data is not None or self._bom_buffer)

    def feed(self, data: bytes) -> list[ServerSentEvent]:
        """Return the events completed by these bytes (possibly none).

        When such an error follows complete events in the same bytes, those events are
        returned and the error is kept in :attr:`pending_error`, raised by the next call:
        events that arrived before an error are never lost.

        Raises:
            DecodeError: a field value the events depend on is not valid UTF-8.
            EventTooLargeError: the event being built grew past ``max_event_size`` bytes.
        """
        return [ServerSentEvent(*fields) for fields in self.feed_fields(data)]

    def feed_fields(self, data: bytes) -> list[EventFields]:
        """:meth:`feed`'s events as plain ``(event, data, id, retry)`` tuples, which cost less
        to build when each is read once (the client's own stream parsing uses this). Errors
        are raised, or kept, as :meth:`feed` does."""
        if self._error is not None:
            raise self._error
        if not data:
            return []
        if not self._started:
            data = self._strip_bom(data)
            if not data:
                return []
        if self._after_cr:
            self._after_cr = False
            if data[0] == 0x0A:  # the LF of a CRLF whose CR ended the previous feed
                data = data[1:]
                if not data:
                    return []
        if b"\r" in data:
            self._after_cr = data[-1] == 0x0D
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = data.split(b"\n")
        tail = lines.pop()
        events: list[EventFields] = []
        try:
            line = self._line
            if lines:
                if line:
                    line += lines[0]
                    lines[0] = bytes(line)
                    line.clear()
                self._process_lines(lines, events)
            if tail:
                line += tail
                if len(line) + self._data_size > self._max_event_size:
                    raise self._too_large()
        except (DecodeError, EventTooLargeError) as exc:
            if not events:
                raise
            self._error = exc
        return events

    @property
    def pending_error(self) -> DecodeError | EventTooLargeError | None:
        """An error met after the events the last :meth:`feed` returned; the next one raises it."""
        return self._error

    def _strip_bom(self, data: bytes) -> bytes:
        """Return the stream's first bytes without a leading byte order mark.

        Returns ``b""`` while the bytes seen so far are a proper prefix of the mark.
        """
        head = self._bom_buffer + data
        if len(head) < len(_BOM) and _BOM.startswith(head):
            self._bom_buffer = head
            return b""
        self._started = True
        self._bom_buffer = b""
        return head[len(_BOM) :] if head.startswith(_BOM) else head

    def _process_lines(self, lines: list[bytes], events: list[EventFields]) -> None:
        """Interpret complete lines (without their endings), appending dispatched events."""
        data = self._data
        more_data = self._more_data
        data_size = self._data_size
        event_type = self._event_type
        id_buffer = self._id_buffer
        last_id = self._last_event_id
        max_size = self._max_event_size
        line = b""
        try:
            for line in lines:
                if not line:
                    # A blank line: dispatch the event being built, if it has data.
                    last_id = id_buffer
                    if data is not None:
                        if more_data:
                            data += more_data.decode()
                            more_data.clear()
                        events.append((event_type or "message", data, id_buffer, self._retry))
                        data = None
                        data_size = 0
                    event_type = ""
                elif line.startswith(b"data:"):
                    # The common cases, handled without splitting the line.
                    value = line[6:] if line[5:6] == b" " else line[5:]
                    if data is None:
                        data = value.decode()
                    else:
                        value.decode()  # checked as its line ends; kept as bytes
                        more_data += b"\n"
                        more_data += value
                    data_size += len(value) + 1
                    if data_size > max_size:
                        raise self._too_large()
                elif line.startswith(b"event:"):
                    event_type = (line[7:] if line[6:7] == b" " else line[6:]).decode()
                elif line[0] != 0x3A:  # not a ":" comment
                    colon = line.find(b":")
                    if colon < 0:
                        name, value = line, b""
                    else:
                        name = line[:colon]
                        skip = 2 if line[colon + 1 : colon + 2] == b" " else 1
                        value = line[colon + skip :]
                    if name == b"event":  # "event" without a colon: no type
                        event_type = ""
                    elif name == b"data":  # "data" without a colon: an empty data line
                        if data is None:
                            data = ""
                        else:
                            more_data += b"\n"
                        data_size += 1
                        if data_size > max_size:
                            raise self._too_large()
                    elif name == b"id":
                        if b"\x00" not in value:
                            id_buffer = value.decode()
                    elif name == b"retry" and value.isdigit():
                        self._retry = _parse_retry(value, self._retry)
        except UnicodeDecodeError as exc:
            raise _decode_error(line) from exc
        finally:
            self._data = data
            self._data_size = data_size
            self._event_type = event_type
            self._id_buffer = id_buffer
            self._last_event_id = last_id

    def _too_large(self) -> EventTooLargeError:
        return EventTooLargeError(
            f"server-sent event exceeds max_event_size of {self._max_event_size} bytes"
        )


def _parse_retry(digits: bytes, current: int | None) -> int | None:
    """Return the reconnection time ``digits`` gives, or ``current`` if it cannot be read.

    ``digits`` is all ASCII digits; only a value longer than Python's limit on converting
    strings to integers (thousands of digits) cannot be read, and is then ignored.
    """
    try:
        return int(digits)
    except ValueError:
        return current


def _decode_error(line: bytes) -> DecodeError:
    """Build the error for a line that is not valid UTF-8, quoting a short escaped prefix."""
    size = min(len(line), _ERROR_PREFIX_BYTES)
    quoted = repr(line[:size])
    while len(quoted) > _ERROR_PREFIX_CHARS:
        size -= 1
        quoted = repr(line[:size])
    more = "..." if size < len(line) else ""
    return DecodeError(
        f"server-sent event bytes are not valid UTF-8; the line starts {quoted}{more}"
    )


# Named where users import them from, as in the reprs of the classes and in pickles.
for _public in (ServerSentEvent, SSEDecoder):
    _public.__module__ = "llmclient.sse"
del _public
