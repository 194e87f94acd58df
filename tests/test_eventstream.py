"""The AWS event-stream framing, driven with bytes: every split point, CRCs, limits, headers.

Messages are encoded here from AWS's published format (prelude of total length, headers length
and CRC32; headers; payload; CRC32 of the whole), with events shaped like Bedrock
ConverseStream's (``messageStart``, ``contentBlockDelta`` with its ``p`` padding, ``messageStop``,
``metadata``) and its exception frames. botocore's own decoder, which the dev extra installs,
reads the same bytes as a cross-check.
"""

from __future__ import annotations

import json
import struct
import uuid
import zlib
from typing import Any

import pytest
from botocore.eventstream import EventStreamBuffer

from llmclient._core.eventstream import MEDIA_TYPE, EventStreamFraming
from llmclient.errors import DecodeError, EventTooLargeError


def header(name: str, kind: int, value: bytes) -> bytes:
    encoded = name.encode()
    return bytes([len(encoded)]) + encoded + bytes([kind]) + value


def string_header(name: str, value: str) -> bytes:
    raw = value.encode()
    return header(name, 7, struct.pack(">H", len(raw)) + raw)


def message(headers: bytes, payload: bytes) -> bytes:
    total = 16 + len(headers) + len(payload)
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + headers + payload
    return body + struct.pack(">I", zlib.crc32(body))


def event(event_type: str, payload: dict[str, Any]) -> bytes:
    headers = (
        string_header(":event-type", event_type)
        + string_header(":content-type", "application/json")
        + string_header(":message-type", "event")
    )
    return message(headers, json.dumps(payload).encode())


def exception(exception_type: str, text: str) -> bytes:
    headers = (
        string_header(":exception-type", exception_type)
        + string_header(":content-type", "application/json")
        + string_header(":message-type", "exception")
    )
    return message(headers, json.dumps({"message": text}).encode())


EVENTS = [
    ("messageStart", {"p": "abcdefg", "role": "assistant"}),
    ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Why"}, "p": "abcdefghij"}),
    ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": " did ☃ the"}, "p": "ab"}),
    ("contentBlockStop", {"contentBlockIndex": 0, "p": "abcdefghijklmnop"}),
    ("messageStop", {"p": "abcd", "stopReason": "end_turn"}),
    (
        "metadata",
        {"metrics": {"latencyMs": 319}, "usage": {"inputTokens": 27, "outputTokens": 13}},
    ),
]
STREAM = b"".join(event(name, payload) for name, payload in EVENTS)
EXPECTED = [(name, json.dumps(payload), "event") for name, payload in EVENTS]


def feed_all(pieces: list[bytes], framing: EventStreamFraming | None = None) -> list[Any]:
    framing = framing or EventStreamFraming()
    frames: list[Any] = []
    for piece in pieces:
        frames += framing.feed_frames(piece)
    assert not framing.pending()
    return frames


def test_a_stream_in_one_piece_gives_every_frame() -> None:
    assert feed_all([STREAM]) == EXPECTED


@pytest.mark.parametrize("at", range(1, len(STREAM)))
def test_every_two_piece_split_gives_the_same_frames(at: int) -> None:
    assert feed_all([STREAM[:at], STREAM[at:]]) == EXPECTED


def test_one_byte_pieces_give_the_same_frames() -> None:
    assert feed_all([STREAM[i : i + 1] for i in range(len(STREAM))]) == EXPECTED


def test_botocore_reads_the_same_frames() -> None:
    buffer = EventStreamBuffer()
    buffer.add_data(STREAM)
    theirs = [
        (m.headers[":event-type"], m.payload.decode(), m.headers[":message-type"]) for m in buffer
    ]
    assert theirs == EXPECTED


def test_a_cut_frame_is_held_until_its_bytes_come() -> None:
    framing = EventStreamFraming()
    first = event(*EVENTS[0])
    assert framing.feed_frames(first[:-3]) == []
    assert framing.pending()
    assert framing.feed_frames(first[-3:]) == EXPECTED[:1]
    assert not framing.pending()


def test_the_media_type_is_amazons() -> None:
    assert EventStreamFraming.media_type == MEDIA_TYPE == "application/vnd.amazon.eventstream"


# --- exceptions and errors ---------------------------------------------------------------------


def test_an_exception_frame_names_its_exception_type() -> None:
    frames = feed_all([exception("throttlingException", "Too many requests")])
    assert frames == [
        ("exception:throttlingException", json.dumps({"message": "Too many requests"}), "exception")
    ]


def test_an_error_frame_gives_its_code_and_message() -> None:
    headers = (
        string_header(":message-type", "error")
        + string_header(":error-code", "InternalFailure")
        + string_header(":error-message", "Something broke")
    )
    assert feed_all([message(headers, b"")]) == [
        ("error:InternalFailure", "Something broke", "error")
    ]


# --- broken bytes ----------------------------------------------------------------------------


def corrupt(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


FIRST = event(*EVENTS[0])


@pytest.mark.parametrize(
    ("at", "match"),
    [
        (0, "prelude CRC"),  # the total length
        (5, "prelude CRC"),  # the headers length
        (9, "prelude CRC"),  # the prelude CRC itself
        (20, "message's CRC"),  # a header
        (len(FIRST) - 10, "message's CRC"),  # the payload
        (len(FIRST) - 1, "message's CRC"),  # the message CRC itself
    ],
)
def test_a_flipped_bit_anywhere_is_a_decode_error(at: int, match: str) -> None:
    with pytest.raises(DecodeError, match=match):
        EventStreamFraming().feed_frames(corrupt(FIRST, at))


def test_frames_before_an_error_come_first_and_the_error_next() -> None:
    framing = EventStreamFraming()
    second = event(*EVENTS[1])
    frames = framing.feed_frames(FIRST + corrupt(second, len(second) - 8))
    assert frames == EXPECTED[:1]
    assert isinstance(framing.pending_error, DecodeError)
    with pytest.raises(DecodeError):
        framing.feed_frames(event(*EVENTS[2]))  # a broken stream stays broken
    assert not framing.pending()  # and holds nothing


def test_a_frame_past_the_limit_is_refused_from_its_prelude() -> None:
    framing = EventStreamFraming(max_frame_size=1024)
    big = event("contentBlockDelta", {"delta": {"text": "x" * 4096}})
    with pytest.raises(EventTooLargeError, match="max_event_size"):
        framing.feed_frames(big[:12])  # its prelude alone says it is too large
    assert not framing.pending()


@pytest.mark.parametrize(
    ("total", "headers_length"),
    [(15, 0), (16, 1), (40, 30)],
    ids=["shorter-than-a-message", "headers-past-the-end", "headers-past-the-payload"],
)
def test_impossible_lengths_are_decode_errors(total: int, headers_length: int) -> None:
    prelude = struct.pack(">II", total, headers_length)
    prelude += struct.pack(">I", zlib.crc32(prelude))
    with pytest.raises(DecodeError, match="claims"):
        EventStreamFraming().feed_frames(prelude + b"\0" * total)


def test_a_payload_that_is_not_utf8_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="not UTF-8"):
        EventStreamFraming().feed_frames(message(string_header(":event-type", "x"), b"\xff"))


@pytest.mark.parametrize(
    "headers",
    [
        header(":event-type", 7, b"\x00\x09abc"),  # a string longer than the headers
        header(":event-type", 12, b""),  # a header type that does not exist
        b"\x10:event",  # a name longer than the headers
    ],
    ids=["string-overrun", "unknown-type", "name-overrun"],
)
def test_malformed_headers_are_decode_errors(headers: bytes) -> None:
    with pytest.raises(DecodeError, match="header"):
        EventStreamFraming().feed_frames(message(headers, b"{}"))


def test_headers_of_every_type_are_read_past() -> None:
    headers = (
        header("t", 0, b"")
        + header("f", 1, b"")
        + header("byte", 2, b"\x7f")
        + header("short", 3, struct.pack(">h", -2))
        + header("int", 4, struct.pack(">i", 7))
        + header("long", 5, struct.pack(">q", 1 << 40))
        + header("bytes", 6, struct.pack(">H", 3) + b"\x00\x01\x02")
        + header("time", 8, struct.pack(">q", 1_700_000_000_000))
        + header("id", 9, uuid.UUID(int=5).bytes)
        + string_header(":event-type", "contentBlockDelta")
    )
    frames = feed_all([message(headers, b'{"ok": true}')])
    assert frames == [("contentBlockDelta", '{"ok": true}', "event")]
    buffer = EventStreamBuffer()
    buffer.add_data(message(headers, b'{"ok": true}'))
    assert [m.headers[":event-type"] for m in buffer] == ["contentBlockDelta"]


def test_many_frames_in_one_piece_are_read_in_one_pass() -> None:
    many = STREAM * 500
    assert feed_all([many]) == EXPECTED * 500
