"""Tests for llmclient.sse: the incremental Server-Sent Events decoder."""

from __future__ import annotations

import random
from collections.abc import Iterable

import pytest

from llmclient.errors import DecodeError, EventTooLargeError, InputError
from llmclient.sse import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent, SSEDecoder

E = ServerSentEvent


def decode(
    chunks: Iterable[bytes], max_event_size: int = DEFAULT_MAX_EVENT_SIZE
) -> list[ServerSentEvent]:
    """Feed every chunk to one fresh decoder and return all the events, in order."""
    decoder = SSEDecoder(max_event_size=max_event_size)
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    return events


# Representative streams and the events each must decode to.
STREAMS: dict[str, tuple[bytes, list[ServerSentEvent]]] = {
    "lf": (b"data: one\n\ndata: two\n\n", [E(data="one"), E(data="two")]),
    "cr": (b"data: one\r\rdata: two\r\r", [E(data="one"), E(data="two")]),
    "crlf": (b"data: one\r\n\r\ndata: two\r\n\r\n", [E(data="one"), E(data="two")]),
    "mixed": (
        b"data: a\rdata: b\ndata: c\r\n\r\nevent: e\r\ndata: d\n\r",
        [E(data="a\nb\nc"), E(event="e", data="d")],
    ),
    "bom": (b"\xef\xbb\xbfdata: x\r\n\r\n", [E(data="x")]),
    "bom_then_bom_in_data": (b"\xef\xbb\xbfdata: \xef\xbb\xbfx\n\n", [E(data="\ufeffx")]),
    "comments": (b": hello\n:\ndata: x\n: mid: dle\r\n\n", [E(data="x")]),
    "multi_line_data": (b"data: a\ndata:\ndata:  b\ndata:c\n\n", [E(data="a\n\n b\nc")]),
    "fields_without_colon": (b"data\ndata\n\nevent\ndata\n\n", [E(data="\n"), E(data="")]),
    "multibyte": (
        "event: 日本語\ndata: こんにちは 🌍✨\ndata: é\n\n".encode(),
        [E(event="日本語", data="こんにちは 🌍✨\né")],
    ),
    "ids": (
        b"id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n",
        [E(data="a", id="1"), E(data="b", id="1"), E(data="c", id="")],
    ),
    "retry": (
        b"retry: 1500\ndata: a\n\nretry: 12x\ndata: b\n\nretry:300\ndata: c\n\n",
        [E(data="a", retry=1500), E(data="b", retry=1500), E(data="c", retry=300)],
    ),
    "nul_in_id": (
        b"id: 7\ndata: a\n\nid: 8\x009\ndata: b\n\n",
        [E(data="a", id="7"), E(data="b", id="7")],
    ),
    "unicode_line_separators": (
        "data: a\u2028b\u2029c\x85d\x0be\x0cf\x1cg\n\n".encode(),
        [E(data="a\u2028b\u2029c\x85d\x0be\x0cf\x1cg")],
    ),
    "provider_shapes": (
        b"event: a\ndata: 1\n\nevent: \ndata: 2\n\n: c\n\ndata: 3\n\n\n\nevent: b\n\n"
        b"data:4\n\nevent: e\ndata: 5\ndata: 6\n\nid: 9\n\ndata: 7\n\nevent:x\ndata: 8\n\n",
        [
            E(event="a", data="1"),
            E(data="2"),
            E(data="3"),
            E(data="4"),
            E(event="e", data="5\n6"),
            E(data="7", id="9"),
            E(event="x", data="8", id="9"),
        ],
    ),
    "unknown_fields_and_empty_data": (
        b"foo: bar\nevent: dropped\n\nDATA: no\ndata: kept\n\n",
        [E(data="kept")],
    ),
}


def _split_cases() -> list[object]:
    cases: list[object] = []
    for name, (stream, expected) in STREAMS.items():
        for at in range(len(stream) + 1):
            cases.append(pytest.param(stream, at, expected, id=f"{name}-at-{at}"))
    return cases


@pytest.mark.parametrize(
    ("stream", "expected"), [pytest.param(*value, id=name) for name, value in STREAMS.items()]
)
def test_whole_stream_in_one_feed_decodes_to_expected_events(
    stream: bytes, expected: list[ServerSentEvent]
) -> None:
    decoder = SSEDecoder()
    assert decoder.feed(stream) == expected
    assert not decoder.pending()


@pytest.mark.parametrize(
    ("stream", "expected"), [pytest.param(*value, id=name) for name, value in STREAMS.items()]
)
def test_feed_fields_gives_the_same_events_as_tuples(
    stream: bytes, expected: list[ServerSentEvent]
) -> None:
    fields = SSEDecoder().feed_fields(stream)
    assert fields == [(e.event, e.data, e.id, e.retry) for e in expected]


@pytest.mark.parametrize(("stream", "at", "expected"), _split_cases())
def test_every_two_feed_split_gives_the_same_events(
    stream: bytes, at: int, expected: list[ServerSentEvent]
) -> None:
    assert decode([stream[:at], stream[at:]]) == expected


@pytest.mark.parametrize(
    ("stream", "expected"), [pytest.param(*value, id=name) for name, value in STREAMS.items()]
)
def test_one_byte_at_a_time_gives_the_same_events(
    stream: bytes, expected: list[ServerSentEvent]
) -> None:
    assert decode(stream[i : i + 1] for i in range(len(stream))) == expected


# Line endings


def test_crlf_split_across_feeds_is_one_line_ending() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    # Were the LF a second line ending, it would dispatch "a" on its own.
    assert decoder.feed(b"\ndata: b\n\n") == [E(data="a\nb")]


def test_crlf_split_across_feeds_with_empty_feed_between_is_one_line_ending() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"") == []
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"data: b\r\n\r\n") == [E(data="a\nb")]


def test_lone_lf_after_split_crlf_is_consumed_without_extra_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"\n") == [E(data="a")]


def test_cr_at_end_of_feed_then_cr_is_two_line_endings() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\r") == [E(data="a")]


def test_cr_at_end_of_feed_then_text_starts_a_new_line() -> None:
    assert decode([b"data: a\r", b"data: b\r\r"]) == [E(data="a\nb")]


def test_cr_cr_lf_is_two_line_endings() -> None:
    assert decode([b"data: a\r\r\ndata: b\n\n"]) == [E(data="a"), E(data="b")]


# Byte order mark


def test_leading_bom_is_stripped() -> None:
    assert decode([b"\xef\xbb\xbfdata: x\n\n"]) == [E(data="x")]


def test_leading_bom_split_across_feeds_is_stripped() -> None:
    assert decode([b"\xef", b"\xbb", b"\xbf", b"data: x\n\n"]) == [E(data="x")]


def test_only_one_leading_bom_is_stripped() -> None:
    # The second BOM becomes part of the field name "\ufeffdata", which is unknown.
    assert decode([b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\n"]) == []


def test_bom_after_the_start_of_the_stream_is_not_stripped() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n") == []
    assert decoder.feed(b"\xef\xbb\xbfdata: b\n\n") == [E(data="a")]


def test_bom_inside_data_is_kept() -> None:
    assert decode([b"data: \xef\xbb\xbf\n\n"]) == [E(data="\ufeff")]


def test_partial_bom_followed_by_other_bytes_is_not_stripped() -> None:
    # "\xef\xbb" + "data" is not a BOM; the line's field name is unknown, so it is ignored.
    assert decode([b"\xef\xbb", b"data: x\n\ndata: y\n\n"]) == [E(data="y")]


def test_stream_shorter_than_a_bom_decodes() -> None:
    assert decode([b"\n", b"\n"]) == []
    assert decode([b"d", b"ata\n\n"]) == [E(data="")]


# Fields


def test_comment_lines_are_ignored() -> None:
    assert decode([b":comment\n: another\ndata: x\n:\n\n"]) == [E(data="x")]


def test_comment_only_block_dispatches_nothing() -> None:
    assert decode([b": keep-alive\n\n: ping\n\n"]) == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(b"data:x", "x", id="no-space"),
        pytest.param(b"data: x", "x", id="one-space"),
        pytest.param(b"data:  x", " x", id="two-spaces"),
        pytest.param(b"data:\tx", "\tx", id="tab"),
        pytest.param(b"data: x ", "x ", id="trailing-space"),
        pytest.param(b"data: a:b: c", "a:b: c", id="later-colons"),
        pytest.param(b"data:", "", id="empty-value"),
        pytest.param(b"data: ", "", id="only-space"),
        pytest.param(b"data", "", id="no-colon"),
    ],
)
def test_data_value_loses_exactly_one_leading_space(line: bytes, expected: str) -> None:
    assert decode([line + b"\n\n"]) == [E(data=expected)]


def test_space_stripping_applies_to_other_fields() -> None:
    assert decode([b"event:  e\nid:  1\ndata: x\n\n"]) == [E(event=" e", id=" 1", data="x")]


def test_field_names_are_case_sensitive() -> None:
    assert decode([b"Data: x\nEVENT: e\nId: 1\n\n"]) == []


def test_unknown_fields_are_ignored() -> None:
    assert decode([b"foo: bar\nbaz\ndata: x\n\n"]) == [E(data="x")]


def test_multi_line_data_joins_with_newline() -> None:
    assert decode([b"data: a\ndata: b\ndata: c\n\n"]) == [E(data="a\nb\nc")]


def test_data_line_without_colon_appends_an_empty_line() -> None:
    assert decode([b"data: a\ndata\ndata: b\n\n"]) == [E(data="a\n\nb")]


def test_only_one_trailing_newline_is_stripped() -> None:
    assert decode([b"data: a\ndata\ndata\n\n"]) == [E(data="a\n\n")]


def test_line_separators_inside_data_are_not_line_breaks() -> None:
    text = "one\u2028two\u2029three\x85four"
    assert decode([f"data: {text}\n\n".encode()]) == [E(data=text)]


# Dispatch


def test_event_with_empty_data_buffer_is_not_dispatched_and_resets_event_type() -> None:
    assert decode([b"event: first\n\ndata: x\n\n"]) == [E(event="message", data="x")]


def test_event_type_resets_after_each_dispatch() -> None:
    stream = b"event: update\ndata: a\n\ndata: b\n\n"
    assert decode([stream]) == [E(event="update", data="a"), E(event="message", data="b")]


def test_empty_event_field_means_message() -> None:
    assert decode([b"event:\ndata: x\n\n"]) == [E(event="message", data="x")]


def test_empty_data_value_is_dispatched_as_empty_string() -> None:
    assert decode([b"data:\n\n"]) == [E(data="")]


def test_consecutive_blank_lines_dispatch_nothing_extra() -> None:
    assert decode([b"\n\n\ndata: x\n\n\n\n"]) == [E(data="x")]


def test_later_event_field_wins() -> None:
    assert decode([b"event: a\nevent: b\ndata: x\n\n"]) == [E(event="b", data="x")]


# Last event id


def test_id_persists_across_events() -> None:
    events = decode([b"id: 1\ndata: a\n\ndata: b\n\n"])
    assert events == [E(data="a", id="1"), E(data="b", id="1")]


def test_empty_id_resets_last_event_id() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"id: 1\ndata: a\n\nid:\ndata: b\n\n")
    assert events == [E(data="a", id="1"), E(data="b", id="")]
    assert decoder.last_event_id == ""


def test_id_containing_nul_is_ignored() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"id: 1\n\nid: 2\x00\ndata: x\n\n")
    assert events == [E(data="x", id="1")]
    assert decoder.last_event_id == "1"


def test_last_event_id_updates_when_the_blank_line_arrives() -> None:
    decoder = SSEDecoder()
    assert decoder.last_event_id == ""
    decoder.feed(b"id: 5\n")
    assert decoder.last_event_id == ""
    decoder.feed(b"\n")  # dispatches nothing (no data), but commits the id
    assert decoder.last_event_id == "5"


def test_id_without_colon_sets_empty_id() -> None:
    assert decode([b"id: 3\n\nid\ndata: x\n\n"]) == [E(data="x", id="")]


# Retry


def test_retry_sets_reconnection_time_immediately() -> None:
    decoder = SSEDecoder()
    assert decoder.retry is None
    assert decoder.feed(b"retry: 2500\n") == []
    assert decoder.retry == 2500


def test_retry_persists_across_events() -> None:
    events = decode([b"retry: 10\ndata: a\n\ndata: b\n\n"])
    assert events == [E(data="a", retry=10), E(data="b", retry=10)]


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"  5", id="extra-space"),
        pytest.param(b"-1", id="negative"),
        pytest.param(b"+1", id="plus"),
        pytest.param(b"1.5", id="decimal"),
        pytest.param(b"1e3", id="exponent"),
        pytest.param(b"5 ", id="trailing-space"),
        pytest.param("١٢٣".encode(), id="non-ascii-digits"),
        pytest.param(b"0x10", id="hex"),
    ],
)
def test_retry_that_is_not_all_ascii_digits_is_ignored(value: bytes) -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"retry: 7\nretry: " + value + b"\ndata: x\n\n")
    assert events == [E(data="x", retry=7)]
    assert decoder.retry == 7


def test_retry_zero_and_leading_zeros_are_valid() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"retry: 0\n")
    assert decoder.retry == 0
    decoder.feed(b"retry:007\n")
    assert decoder.retry == 7


def test_retry_without_colon_is_ignored() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"retry\n")
    assert decoder.retry is None


def test_retry_too_long_to_convert_to_int_is_ignored() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"retry: 9\nretry: " + b"9" * 10_000 + b"\n")
    assert decoder.retry == 9


# Unterminated events and pending()


def test_new_decoder_has_nothing_pending() -> None:
    assert not SSEDecoder().pending()


def test_unterminated_final_event_is_not_returned_and_is_pending() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\ndata: b\n") == [E(data="a")]
    assert decoder.pending()


def test_unfinished_line_is_pending() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a") == []
    assert decoder.pending()


def test_unfinished_comment_line_is_pending() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b": ping") == []
    assert decoder.pending()


def test_partial_bom_is_pending() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"\xef\xbb") == []
    assert decoder.pending()


def test_nothing_pending_after_a_complete_event() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"data: a\n")
    assert decoder.feed(b"\n") == [E(data="a")]
    assert not decoder.pending()


def test_nothing_pending_after_complete_event_ending_in_cr() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r\r") == [E(data="a")]
    assert not decoder.pending()


def test_empty_feed_returns_no_events() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"") == []
    assert not decoder.pending()


# Invalid UTF-8


def test_invalid_utf8_in_data_raises_decode_error() -> None:
    decoder = SSEDecoder()
    with pytest.raises(DecodeError, match="not valid UTF-8") as info:
        decoder.feed(b"data: ab\xffcd\n\n")
    message = str(info.value)
    assert r"data: ab\xffcd" in message


def test_invalid_utf8_raises_as_soon_as_its_line_is_complete() -> None:
    decoder = SSEDecoder()
    with pytest.raises(DecodeError, match="not valid UTF-8"):
        decoder.feed(b"data: \xc3\x28\n")


def test_truncated_multibyte_character_at_line_end_raises_decode_error() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: \xe3\x81") == []
    with pytest.raises(DecodeError, match="not valid UTF-8"):
        decoder.feed(b"\n\n")


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(b"event: \xff", id="event"),
        pytest.param(b"id: \xff", id="id"),
        pytest.param(b"data:\xfe", id="data-no-space"),
    ],
)
def test_invalid_utf8_in_used_field_values_raises_decode_error(line: bytes) -> None:
    with pytest.raises(DecodeError, match="not valid UTF-8"):
        decode([line + b"\ndata: x\n\n"])


def test_decode_error_quotes_only_a_short_escaped_prefix() -> None:
    decoder = SSEDecoder()
    with pytest.raises(DecodeError) as info:
        decoder.feed(b"data: " + b"\xff" * 10_000 + b"\n")
    message = str(info.value)
    quoted = message[message.index("b'") :]
    assert len(quoted) <= 83
    assert quoted.endswith("...")
    assert "\\xff" in quoted


def test_invalid_utf8_in_ignored_lines_is_ignored() -> None:
    # Comments, unknown fields and retry values never reach an event, as in a browser.
    stream = b": \xff\nx\xff: y\nretry: \xff\ndata: ok\n\n"
    assert decode([stream]) == [E(data="ok")]


# Size limit


def test_invalid_max_event_size_raises_input_error() -> None:
    with pytest.raises(InputError, match="max_event_size"):
        SSEDecoder(max_event_size=0)


def test_growing_line_trips_size_limit_before_its_terminator() -> None:
    decoder = SSEDecoder(max_event_size=100)
    assert decoder.feed(b"data: " + b"x" * 50) == []
    with pytest.raises(EventTooLargeError, match="100"):
        decoder.feed(b"x" * 50)


def test_growing_comment_line_trips_size_limit() -> None:
    decoder = SSEDecoder(max_event_size=100)
    decoder.feed(b":")
    for _ in range(9):
        assert decoder.feed(b"0123456789") == []  # 91 bytes held
    with pytest.raises(EventTooLargeError, match="max_event_size"):
        decoder.feed(b"0123456789")


def test_growing_multi_line_data_buffer_trips_size_limit() -> None:
    decoder = SSEDecoder(max_event_size=100)
    # Each line adds its 9-byte value plus a newline; the 11th line makes 110 bytes.
    for _ in range(10):
        assert decoder.feed(b"data: 123456789\n") == []
    with pytest.raises(EventTooLargeError, match="100"):
        decoder.feed(b"data: 123456789\n")


def test_growing_data_buffer_trips_size_limit_within_one_feed() -> None:
    decoder = SSEDecoder(max_event_size=100)
    with pytest.raises(EventTooLargeError):
        decoder.feed(b"data: 123456789\n" * 11)


def test_data_buffer_plus_unfinished_line_trips_size_limit() -> None:
    decoder = SSEDecoder(max_event_size=100)
    assert decoder.feed(b"data: " + b"x" * 59 + b"\n") == []  # 60 bytes held
    with pytest.raises(EventTooLargeError):
        decoder.feed(b"data: " + b"y" * 35)  # 41 more unfinished


def test_bare_data_lines_count_toward_size_limit() -> None:
    decoder = SSEDecoder(max_event_size=10)
    with pytest.raises(EventTooLargeError):
        decoder.feed(b"data\n" * 11)


def test_event_exactly_at_size_limit_is_accepted() -> None:
    decoder = SSEDecoder(max_event_size=10)
    assert decoder.feed(b"data:12345") == []  # 10 bytes unfinished
    with pytest.raises(EventTooLargeError):
        decoder.feed(b"6")
    decoder = SSEDecoder(max_event_size=10)
    assert decoder.feed(b"data:" + b"x" * 5) == []  # 10 bytes unfinished
    assert decoder.feed(b"xxxx\n\n") == [E(data="x" * 9)]  # 9 + 1 bytes of data


def test_size_limit_applies_per_event() -> None:
    stream = b"data: " + b"x" * 80 + b"\n\n"
    assert decode([stream * 50], max_event_size=100) == [E(data="x" * 80)] * 50


def test_discarded_long_comment_does_not_count_toward_next_event() -> None:
    decoder = SSEDecoder(max_event_size=100)
    for _ in range(8):
        assert decoder.feed(b": 0123456789") == []  # up to 96 bytes held
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"data: " + b"x" * 90 + b"\n\n") == [E(data="x" * 90)]


def test_a_whole_event_in_one_feed_is_held_to_the_size_limit() -> None:
    assert decode([b"data: " + b"x" * 9 + b"\n\n"], max_event_size=10) == [E(data="x" * 9)]
    with pytest.raises(EventTooLargeError):
        decode([b"data: " + b"x" * 10 + b"\n\n"], max_event_size=10)
    with pytest.raises(EventTooLargeError):
        decode([b"event: big\ndata: " + b"x" * 10 + b"\n\n"], max_event_size=10)


def test_an_id_fed_before_a_whole_event_applies_to_it() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 5\n") == []
    assert decoder.feed(b"data: x\n\n") == [E(data="x", id="5")]
    assert decoder.last_event_id == "5"
    assert decoder.feed(b"id: 6\n") == []
    assert decoder.feed(b"\n\n") == []
    assert decoder.last_event_id == "6"


@pytest.mark.parametrize("block", [b"data: \xff\n\n", b"event: \xff\ndata: x\n\n"])
def test_invalid_utf8_in_a_whole_event_names_its_line(block: bytes) -> None:
    with pytest.raises(DecodeError, match=r"starts b'(data|event): \\xff'"):
        SSEDecoder().feed(block)


_LINES = [
    b'data: {"a": 1}',
    b"data:x",
    b"data",
    b"data: ",
    b"event: delta",
    b"event:",
    b": ping",
    b"id: 3",
    b"id",
    b"retry: 250",
    b"",
    b"",
    b"",
    "data: é 🌍".encode(),
]


@pytest.mark.parametrize("seed", range(40))
def test_any_stream_fed_in_any_pieces_decodes_as_one_byte_at_a_time(seed: int) -> None:
    """Whole events read at once and lines read one by one must agree, whatever the split."""
    chooser = random.Random(seed)
    ending = chooser.choice([b"\n", b"\r\n", b"\r"])
    stream = ending.join(chooser.choice(_LINES) for _ in range(200)) + ending * 2
    cuts = sorted(chooser.sample(range(len(stream)), 12))
    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    reference = SSEDecoder()
    expected = [event for i in range(len(stream)) for event in reference.feed(stream[i : i + 1])]
    decoder = SSEDecoder()
    assert [event for piece in [stream] for event in decoder.feed(piece)] == expected
    decoder = SSEDecoder()
    assert [event for piece in pieces for event in decoder.feed(piece)] == expected
    assert (decoder.last_event_id, decoder.retry) == (reference.last_event_id, reference.retry)


# Large inputs (results only; never timed)


def test_large_single_event_fed_in_small_pieces_decodes() -> None:
    unit = "xyzあ🌍"  # 10 bytes: ASCII, 3-byte and 4-byte characters
    text = unit * (8 * 1024 * 1024 // len(unit.encode()) + 1)
    stream = b"id: big\ndata: " + text.encode() + b"\r\n\r\n"
    assert len(stream) > 8 * 1024 * 1024
    step = 4096  # 4 KiB pieces split multi-byte characters many times
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for start in range(0, len(stream), step):
        events.extend(decoder.feed(stream[start : start + step]))
    assert len(events) == 1
    assert events[0].id == "big"
    assert events[0].data == text
    assert not decoder.pending()


def test_large_multi_line_event_fed_in_small_pieces_decodes() -> None:
    lines = [f"line {i}" for i in range(100_000)]
    stream = "".join(f"data: {line}\n" for line in lines).encode() + b"\n"
    events = decode(stream[start : start + 4096] for start in range(0, len(stream), 4096))
    assert events == [E(data="\n".join(lines))]


def test_many_tiny_events_in_one_feed_decode() -> None:
    count = 100_000
    stream = b"".join(b"id: %d\ndata: %d\n\n" % (i, i * 2) for i in range(count))
    decoder = SSEDecoder()
    events = decoder.feed(stream)
    assert len(events) == count
    assert events[0] == E(data="0", id="0")
    assert events[12_345] == E(data="24690", id="12345")
    assert events[-1] == E(data=str((count - 1) * 2), id=str(count - 1))
    assert decoder.last_event_id == str(count - 1)
    assert not decoder.pending()


def test_many_tiny_crlf_events_in_one_feed_decode() -> None:
    count = 50_000
    stream = b"event: t\r\ndata: x\r\n\r\n" * count
    assert decode([stream]) == [E(event="t", data="x")] * count


# ServerSentEvent


def test_server_sent_event_defaults() -> None:
    event = ServerSentEvent()
    assert (event.event, event.data, event.id, event.retry) == ("message", "", "", None)


def test_each_event_is_a_fresh_object_the_decoder_does_not_share() -> None:
    # Events are mutable attrs objects (cheaper to build than frozen ones, one per event),
    # so the decoder must never hand out an object it keeps or reuses.
    decoder = SSEDecoder()
    first, second = decoder.feed(b"id: 1\ndata: a\n\ndata: b\n\n")
    first.data = "changed"
    first.id = "changed"
    assert second == ServerSentEvent(data="b", id="1")
    assert decoder.feed(b"data: c\n\n") == [ServerSentEvent(data="c", id="1")]
