"""Tests for AnthropicStream: bytes of a Messages API stream in, OpenAI-shaped chunks out."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import attrs
import pytest

from llmclient._config import ClientConfig
from llmclient._core.call import ChatCall
from llmclient._core.request import prepare_call
from llmclient._core.stream import ChunkParser, error_from_response
from llmclient._providers.anthropic import DIALECT
from llmclient.errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    DecodeError,
    IncompleteStreamError,
    InternalServerError,
    OverloadedError,
    RateLimitError,
)
from llmclient.types import (
    ChatCompletionChunk,
    ChunkChoice,
    Delta,
    FunctionCallDelta,
    PromptTokensDetails,
    ProviderState,
    ToolCallDelta,
    Usage,
)

MSG_ID = "msg_01XFDUDYJgAACzvnptvVoYEL"
MODEL = "claude-3-5-sonnet-20241022"


def make_call(**params: Any) -> ChatCall:
    config = ClientConfig(api_key="sk-ant-test")
    messages = [{"role": "user", "content": "Hi"}]
    return prepare_call(config, "chat_stream", f"anthropic/{MODEL}", messages, params, stream=True)


def new_parser(**params: Any) -> ChunkParser:
    call = make_call(**params)
    return ChunkParser(DIALECT.new_stream(call), DIALECT.new_framing(call), "anthropic")


def event(type: str, **fields: Any) -> bytes:
    """One Anthropic event as it is sent: an ``event:`` line and its JSON ``data:``."""
    data = json.dumps({"type": type, **fields}, ensure_ascii=False)
    return f"event: {type}\ndata: {data}\n\n".encode()


def message_start(**usage: int) -> bytes:
    counts = {"input_tokens": 25, "output_tokens": 1, **usage}
    message = {
        "id": MSG_ID,
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": MODEL,
        "stop_reason": None,
        "stop_sequence": None,
        "usage": counts,
    }
    return event("message_start", message=message)


def block_start(index: int, block: dict[str, Any]) -> bytes:
    return event("content_block_start", index=index, content_block=block)


def text_start(index: int) -> bytes:
    return block_start(index, {"type": "text", "text": ""})


def tool_start(index: int, id: str, name: str) -> bytes:
    return block_start(index, {"type": "tool_use", "id": id, "name": name, "input": {}})


def delta(index: int, **fields: Any) -> bytes:
    return event("content_block_delta", index=index, delta=fields)


def text(index: int, value: str) -> bytes:
    return delta(index, type="text_delta", text=value)


def arguments(index: int, partial: str) -> bytes:
    return delta(index, type="input_json_delta", partial_json=partial)


def block_stop(index: int) -> bytes:
    return event("content_block_stop", index=index)


def message_delta(stop_reason: str | None, output_tokens: int = 15, **usage: int) -> bytes:
    return event(
        "message_delta",
        delta={"stop_reason": stop_reason, "stop_sequence": None},
        usage={"output_tokens": output_tokens, **usage},
    )


MESSAGE_STOP = event("message_stop")


def feed_all(pieces: Iterable[bytes], parser: ChunkParser) -> list[ChatCompletionChunk]:
    chunks: list[ChatCompletionChunk] = []
    for piece in pieces:
        chunks += parser.feed(piece)
    return [attrs.evolve(chunk, created=0) for chunk in chunks]  # created is the clock's


def translate(*events: bytes, **params: Any) -> list[ChatCompletionChunk]:
    parser = new_parser(**params)
    chunks = feed_all(events, parser)
    parser.end()
    return chunks


def chunk(delta: Delta | None = None, finish_reason: str | None = None) -> ChatCompletionChunk:
    choice = ChunkChoice(0, delta or Delta(), finish_reason)
    return ChatCompletionChunk(MSG_ID, MODEL, [choice])


def tool_deltas(chunks: list[ChatCompletionChunk]) -> list[ToolCallDelta]:
    return [call for c in chunks for choice in c.choices for call in choice.delta.tool_calls or []]


# --- a representative stream -------------------------------------------------------------------

STREAM_EVENTS = [
    message_start(cache_read_input_tokens=100, cache_creation_input_tokens=0),
    event("ping"),
    block_start(0, {"type": "thinking", "thinking": "", "signature": ""}),
    delta(0, type="thinking_delta", thinking="Paris — "),
    delta(0, type="thinking_delta", thinking="ask the tool."),
    delta(0, type="signature_delta", signature="EqQBCgIYAhIM1gbcDa9GJwZA2b3h"),
    block_stop(0),
    text_start(1),
    text(1, "Je vérifie 🌦"),
    text(1, " la météo."),
    block_stop(1),
    tool_start(2, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather"),
    arguments(2, ""),
    arguments(2, '{"city": "Pa'),
    arguments(2, 'ris", "unit": "°C"}'),
    block_stop(2),
    event("brand_new_event", detail="from the future"),
    message_delta("tool_use", 89),
    MESSAGE_STOP,
]
STREAM = b"".join(STREAM_EVENTS)
TOOL_ID = "toolu_01T1x1fJ34qAmk2tNTrN7Up6"
SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"
#: The answer's blocks in order: the signed thinking whole, text and the tool call as places.
STATE = ProviderState(
    "anthropic",
    {
        "content": [
            {"type": "thinking", "thinking": "Paris — ask the tool.", "signature": SIGNATURE},
            {"type": "text"},
            {"type": "tool_use", "id": TOOL_ID},
        ]
    },
)
EXPECTED = [
    chunk(Delta(role="assistant", reasoning_content="Paris — ")),
    chunk(Delta(reasoning_content="ask the tool.")),
    chunk(Delta(content="Je vérifie 🌦")),
    chunk(Delta(content=" la météo.")),
    chunk(
        Delta(
            tool_calls=[ToolCallDelta(0, TOOL_ID, "function", FunctionCallDelta("get_weather", ""))]
        )
    ),
    chunk(
        Delta(tool_calls=[ToolCallDelta(0, function=FunctionCallDelta(arguments='{"city": "Pa'))])
    ),
    chunk(
        Delta(
            tool_calls=[
                ToolCallDelta(0, function=FunctionCallDelta(arguments='ris", "unit": "°C"}'))
            ]
        )
    ),
    chunk(Delta(provider_state=STATE), finish_reason="tool_calls"),
    ChatCompletionChunk(
        MSG_ID,
        MODEL,
        [],
        Usage(125, 89, 214, PromptTokensDetails(cached_tokens=100, cache_creation_tokens=0)),
    ),
]


def test_representative_stream_gives_these_chunks() -> None:
    assert translate(*STREAM_EVENTS) == EXPECTED


def _event_spans(stream: bytes) -> list[tuple[int, int]]:
    ends = [i + 2 for i in range(len(stream)) if stream.startswith(b"\n\n", i)]
    return list(zip([0, *ends[:-1]], ends, strict=True))


SPANS = _event_spans(STREAM)


def test_event_spans_cover_the_stream() -> None:
    assert len(SPANS) == len(STREAM_EVENTS)
    assert SPANS[-1][1] == len(STREAM)


# Every two-feed split point, grouped by the event it falls in.
@pytest.mark.parametrize(("start", "end"), SPANS, ids=[f"event-{n}" for n in range(len(SPANS))])
def test_every_two_feed_split_gives_the_same_chunks(start: int, end: int) -> None:
    for at in range(max(start, 1), min(end, len(STREAM) - 1) + 1):
        parser = new_parser()
        assert feed_all([STREAM[:at], STREAM[at:]], parser) == EXPECTED, f"split at byte {at}"
        assert parser.finished, f"split at byte {at}"


def test_one_byte_feeds_give_the_same_chunks() -> None:
    parser = new_parser()
    assert feed_all([STREAM[i : i + 1] for i in range(len(STREAM))], parser) == EXPECTED
    parser.end()


def test_the_signed_thinking_reaches_the_answer_as_provider_state() -> None:
    parser = new_parser()
    parser.feed(STREAM)
    message = parser.completion().choices[0].message
    assert message.provider_state == STATE
    assert message.reasoning_content == "Paris — ask the tool."


def test_every_chunk_carries_the_message_id_and_model() -> None:
    chunks = translate(*STREAM_EVENTS)
    assert {(c.id, c.model, c.object) for c in chunks} == {(MSG_ID, MODEL, "chat.completion.chunk")}


def test_created_is_one_timestamp_for_the_whole_stream() -> None:
    parser = new_parser()
    chunks = parser.feed(STREAM)
    assert len({c.created for c in chunks}) == 1
    assert chunks[0].created > 1_700_000_000


# --- tool calls --------------------------------------------------------------------------------


def test_tool_calls_get_contiguous_indices_with_a_text_block_between() -> None:
    chunks = translate(
        message_start(),
        tool_start(1, "toolu_a", "get_weather"),
        arguments(1, '{"city": "Oslo"}'),
        block_stop(1),
        text_start(2),
        text(2, "and then"),
        block_stop(2),
        tool_start(3, "toolu_b", "get_time"),
        arguments(3, '{"tz": "CET"}'),
        block_stop(3),
        message_delta("tool_use"),
        MESSAGE_STOP,
    )
    calls = tool_deltas(chunks)
    assert [c.index for c in calls] == [0, 0, 1, 1]
    assert [(c.id, c.type) for c in calls] == [
        ("toolu_a", "function"),
        (None, None),
        ("toolu_b", "function"),
        (None, None),
    ]
    assert [c.function.name for c in calls if c.function] == ["get_weather", None, "get_time", None]
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(c.choices[0].delta.role is None for c in chunks[1:-1])


def test_a_tool_without_input_gets_empty_object_arguments() -> None:
    chunks = translate(
        message_start(),
        tool_start(0, "toolu_now", "now"),
        block_stop(0),
        message_delta("tool_use"),
        MESSAGE_STOP,
    )
    joined = "".join(c.function.arguments or "" for c in tool_deltas(chunks) if c.function)
    assert json.loads(joined) == {}


def test_a_response_format_tool_streams_as_content_and_finishes_with_stop() -> None:
    params = {
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "w", "schema": {"type": "object"}},
        }
    }
    chunks = translate(
        message_start(),
        tool_start(0, "toolu_w", "w"),
        arguments(0, '{"temp'),
        arguments(0, '": 21}'),
        block_stop(0),
        message_delta("tool_use"),
        MESSAGE_STOP,
        **params,
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == '{"temp": 21}'
    assert tool_deltas(chunks) == []
    assert chunks[-2].choices[0].finish_reason == "stop"


# --- finish reasons, usage, ignored events -----------------------------------------------------


@pytest.mark.parametrize(
    ("stop_reason", "finish_reason"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "stop"),  # no tool call came: nothing for the caller to run
        ("refusal", "content_filter"),
        ("pause_turn", "pause_turn"),
    ],
)
def test_stop_reasons_map_to_finish_reasons(stop_reason: str, finish_reason: str) -> None:
    chunks = translate(message_start(), message_delta(stop_reason), MESSAGE_STOP)
    assert [c.choices[0].finish_reason for c in chunks if c.choices] == [finish_reason]


def test_the_finish_reason_arrives_once() -> None:
    chunks = translate(
        message_start(), message_delta("end_turn"), message_delta("end_turn", 20), MESSAGE_STOP
    )
    assert [c.choices[0].finish_reason for c in chunks if c.choices] == ["stop"]
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 20


def test_usage_counts_cache_reads_and_writes_in_the_prompt() -> None:
    chunks = translate(
        message_start(input_tokens=10, cache_creation_input_tokens=5, cache_read_input_tokens=20),
        text_start(0),
        text(0, "Hi"),
        block_stop(0),
        message_delta("end_turn", 7),
        MESSAGE_STOP,
    )
    usage_chunks = [c for c in chunks if c.usage is not None]
    assert usage_chunks == [chunks[-1]]
    assert chunks[-1].choices == []
    assert chunks[-1].usage == Usage(
        prompt_tokens=35,
        completion_tokens=7,
        total_tokens=42,
        prompt_tokens_details=PromptTokensDetails(cached_tokens=20, cache_creation_tokens=5),
    )


def test_cumulative_input_counts_in_message_delta_replace_message_starts() -> None:
    chunks = translate(
        message_start(input_tokens=3),
        message_delta("end_turn", 4, input_tokens=9),
        MESSAGE_STOP,
    )
    assert chunks[-1].usage == Usage(9, 4, 13)


def test_ping_unknown_events_and_unknown_deltas_are_ignored() -> None:
    citation = {"type": "char_location", "cited_text": "x", "document_index": 0}
    chunks = translate(
        message_start(),
        event("ping"),
        text_start(0),
        delta(0, type="citations_delta", citation=citation),
        delta(0, type="hologram_delta", shape="cube"),
        text(0, "ok"),
        block_stop(0),
        block_start(1, {"type": "redacted_thinking", "data": "EmwKAhgB"}),
        block_stop(1),
        block_start(
            2, {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}}
        ),
        arguments(2, '{"query": "x"}'),
        block_stop(2),
        event("ping"),
        event("future_event"),
        message_delta("end_turn"),
        MESSAGE_STOP,
    )
    assert [c.choices[0].delta.content for c in chunks if c.choices] == ["ok", None]
    assert tool_deltas(chunks) == []


def test_an_event_without_chunks_before_the_first_text_gives_no_chunks() -> None:
    parser = new_parser()
    assert parser.feed(message_start() + event("ping") + text_start(0)) == []
    assert parser.feed(text(0, "")) == []


def test_events_after_message_stop_are_not_read() -> None:
    parser = new_parser()
    chunks = parser.feed(message_start() + MESSAGE_STOP + text_start(0) + text(0, "late"))
    assert len(chunks) == 1
    assert parser.finished


# --- errors and endings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error_type", "cls", "status"),
    [
        ("overloaded_error", OverloadedError, 529),
        ("rate_limit_error", RateLimitError, 429),
        ("api_error", InternalServerError, 500),
        ("invalid_request_error", BadRequestError, 400),
        ("authentication_error", AuthenticationError, 401),
        ("timeout_error", InternalServerError, 504),
    ],
)
def test_an_error_event_raises_the_typed_error(
    error_type: str, cls: type[APIStatusError], status: int
) -> None:
    parser = new_parser()
    parser.feed(message_start() + text_start(0) + text(0, "Hel"))
    error = event("error", error={"type": error_type, "message": "Something happened"})
    with pytest.raises(cls) as caught:
        parser.feed(error)
    assert type(caught.value) is cls
    assert caught.value.in_stream
    assert caught.value.status_code == status
    assert caught.value.error_type == error_type
    assert caught.value.message == "Something happened"
    assert caught.value.provider == "anthropic"


def test_a_stream_without_message_stop_is_incomplete() -> None:
    parser = new_parser()
    parser.feed(b"".join(STREAM_EVENTS[:-1]))
    assert not parser.finished
    with pytest.raises(IncompleteStreamError):
        parser.end()


def test_message_stop_without_its_blank_line_is_not_the_end() -> None:
    parser = new_parser()
    parser.feed(STREAM[:-1])
    with pytest.raises(IncompleteStreamError):
        parser.end()


@pytest.mark.parametrize(
    "data",
    [b"data: {not json\n\n", b"data: [1, 2]\n\n", b'data: {"type": "content_block_delta"}\n\n'],
    ids=["not-json", "not-an-object", "missing-delta"],
)
def test_malformed_events_are_decode_errors(data: bytes) -> None:
    parser = new_parser()
    parser.feed(message_start())
    with pytest.raises(DecodeError, match="event #2"):
        parser.feed(data)


def test_a_json_error_body_instead_of_a_stream_is_typed() -> None:
    body = b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
    error = error_from_response(make_call(), 200, {"content-type": "application/json"}, body)
    assert isinstance(error, OverloadedError)
    assert error.in_stream


# --- text deltas of one shape, read without parsing their JSON ----------------------------------

TEXTS = ["Hello", "", ' "quoted" ', "back\\slash", "wörld 🌍", "tab\there", "Hello", "end"]


def one_by_one(*events: bytes) -> list[ChatCompletionChunk]:
    """The chunks each text event gives when it is the only one after the stream's start."""
    chunks = []
    for data in events:
        parser = new_parser()
        feed_all([message_start(), text_start(0), text(0, "first")], parser)
        chunks += feed_all([data], parser)
    return chunks


@pytest.mark.parametrize("ensure_ascii", [False, True])
def test_text_deltas_differing_only_in_text_read_as_when_parsed_alone(ensure_ascii: bool) -> None:
    events = [
        b"event: content_block_delta\ndata: "
        + json.dumps(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": t}},
            ensure_ascii=ensure_ascii,
        ).encode()
        + b"\n\n"
        for t in TEXTS
    ]
    parser = new_parser()
    feed_all([message_start(), text_start(0), text(0, "first")], parser)
    assert feed_all(events, parser) == one_by_one(*events)


def test_a_later_member_named_text_is_not_mistaken_for_the_delta_text() -> None:
    events = [
        event("content_block_delta", index=0, delta={"type": "text_delta", "text": "a"}, x=x)
        for x in ({"text": "a"}, {"text": "b"}, {"text": "c"})
    ]
    chunks = translate(message_start(), text_start(0), *events, block_stop(0), MESSAGE_STOP)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "aaa"


def test_an_event_without_type_of_a_known_shape_is_still_read() -> None:
    data = b'data: {"index":0,"delta":{"type":"text_delta","text":"%s"}}\n\n'
    data = b"event: content_block_delta\n" + data
    chunks = translate(
        message_start(), text_start(0), data % b"a", data % b"b", data % b"c", MESSAGE_STOP
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "abc"
