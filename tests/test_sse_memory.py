"""The SSE decoder holds a small multiple of ``max_event_size`` whatever shape the bytes take.

The limit counts an event's bytes; what the decoder keeps for them must not be one object per
line or per fed piece, which costs tens of bytes each. Memory is measured with ``tracemalloc``
(what the decoder still holds after each feed), not with RSS or timing.
"""

from __future__ import annotations

import contextlib
import tracemalloc
from collections.abc import Iterator

import pytest

from llmclient.errors import EventTooLargeError
from llmclient.sse import SSEDecoder

LIMIT = 128 * 1024
#: What the decoder may hold beyond its limit: the event's data as a string and as bytes,
#: each buffer's spare capacity, and the decoder itself.
BOUND = 3 * LIMIT + 64 * 1024
READ = 16 * 1024  # the size of each feed, as a socket read would give


def pieces(pattern: bytes, size: int) -> Iterator[bytes]:
    """``pattern`` repeated without end, in pieces of ``size`` bytes."""
    block = pattern * (4 * READ // len(pattern) + 1)
    offset = 0
    while True:
        start = offset % len(pattern)
        yield block[start : start + size]
        offset += size


#: Input shapes that grow one event (or one line) toward the limit without ending it.
SHAPES = {
    "short-data-lines": (b"data: ab\n", READ),
    "empty-data-lines": (b"data\n", READ),
    "bare-data-colon-lines": (b"data:\n", READ),
    "long-line-in-tiny-pieces": (b"data: abcdefgh", 3),
    "long-comment-in-tiny-pieces": (b": ping ping", 2),
    "long-data-lines": (b"data: " + b"x" * 200 + b"\n", READ),
    "one-line-per-piece": (b"data: abc\n", 10),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_decoder_holds_a_small_multiple_of_max_event_size(shape: str) -> None:
    pattern, size = SHAPES[shape]
    feeds = pieces(pattern, size)
    first = next(feeds)
    decoder = SSEDecoder(max_event_size=LIMIT)
    held = 0
    fed = 0
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        data = first
        with contextlib.suppress(EventTooLargeError):
            while fed < 20 * LIMIT:  # the limit trips long before this
                decoder.feed_fields(data)
                fed += len(data)
                held = max(held, tracemalloc.get_traced_memory()[0] - baseline)
                data = next(feeds)
    finally:
        tracemalloc.stop()
    assert LIMIT // 2 < fed < 20 * LIMIT  # the event grew, then the limit tripped
    assert held < BOUND, f"held {held} bytes for a limit of {LIMIT}"


def test_after_a_huge_event_the_decoder_lets_its_memory_go() -> None:
    decoder = SSEDecoder(max_event_size=4 * LIMIT)
    line = b"data: " + b"y" * (2 * LIMIT) + b"\n"
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        for offset in range(0, len(line), READ):
            decoder.feed_fields(line[offset : offset + READ])
        decoder.feed_fields(b"data: more\n")
        events = decoder.feed_fields(b"\n")
        held = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    assert events[0][1] == "y" * (2 * LIMIT) + "\nmore"
    del events
    assert not decoder.pending()
    assert held < 3 * LIMIT + 64 * 1024  # the event itself (as the caller's), not the buffers


@pytest.mark.parametrize(
    ("stream", "data"),
    [
        (b"data: a\ndata: b\ndata\ndata:\ndata: c\n\n", "a\nb\n\n\nc"),
        (b"data\ndata\n\n", "\n"),
        (b"data:\n\n", ""),
        ("data: é\ndata: 🌍\n\n".encode(), "é\n🌍"),
    ],
)
def test_multi_line_data_is_joined_as_before(stream: bytes, data: str) -> None:
    for size in (1, 2, 3, len(stream)):
        decoder = SSEDecoder()
        events = []
        for offset in range(0, len(stream), size):
            events += decoder.feed_fields(stream[offset : offset + size])
        assert [event[1] for event in events] == [data]
