"""An incremental, sans-I/O decoder for Server-Sent Events.

:class:`SSEDecoder` turns the bytes of a ``text/event-stream`` body into
:class:`ServerSentEvent` objects, following the WHATWG HTML rules for interpreting an event
stream. It never reads a socket: the caller feeds it bytes in pieces of any size, split at any
point, and it returns the events those bytes complete::

    decoder = SSEDecoder()
    for chunk in response.iter_bytes():
        for event in decoder.feed(chunk):
            handle(event)
    if decoder.pending():
        ...  # the stream ended in the middle of an event

The decoder splits on bytes first and decodes only complete lines, so a multi-byte UTF-8
character split across two chunks decodes correctly. Its work is linear in the input: each fed
byte is searched once, and the pieces of an unfinished line are joined once, when the line ends.
Its memory is bounded by ``max_event_size`` whatever the input's shape: an unfinished line is
kept in one ``bytearray``, and an event's data as its first line plus one ``bytearray`` of the
rest, never as one object per line.

Two things differ from a browser's ``EventSource``: invalid UTF-8 in a field value raises
:class:`~llmclient.errors.DecodeError` instead of becoming U+FFFD, and an event that grows past
``max_event_size`` bytes raises :class:`~llmclient.errors.EventTooLargeError`.
"""

from __future__ import annotations

from ._core.sse import DEFAULT_MAX_EVENT_SIZE, EventFields, ServerSentEvent, SSEDecoder

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "EventFields", "SSEDecoder", "ServerSentEvent"]
