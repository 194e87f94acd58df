"""Anthropic through the real HTTP path, on both facades, against the local /v1/messages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Facade, drain, in_flight, text_of

from llmclient import (
    APIConnectionError,
    APIStatusError,
    BadRequestError,
    ChatCompletionChunk,
    IncompleteStreamError,
    InvalidRequestError,
    OverloadedError,
    RateLimitError,
)
from llmclient.testing import LocalServer, Reply, anthropic_event

MODEL = "anthropic/claude-3-5-sonnet-20241022"
WIRE_MODEL = "claude-3-5-sonnet-20241022"
HELLO = [{"role": "user", "content": "Tell me a story"}]
STORY = "Once upon a time a small client streamed every Anthropic byte correctly."
KEY = "sk-ant-test-secret"
MSG_ID = "msg_01Integration"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


@pytest.fixture(autouse=True)
def _no_anthropic_key_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)


def make_client(facade: Facade, server: LocalServer, **kwargs: object):  # type: ignore[no-untyped-def]
    kwargs.setdefault("api_key", KEY)
    return facade.client(base_url=server.base_url, **kwargs)


def start(input_tokens: int = 10, **usage: int) -> bytes:
    message = {
        "id": MSG_ID,
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": WIRE_MODEL,
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": 1, **usage},
    }
    return anthropic_event("message_start", message=message)


def text_block(index: int, *pieces: str) -> list[bytes]:
    events = [
        anthropic_event(
            "content_block_start", index=index, content_block={"type": "text", "text": ""}
        )
    ]
    events += [
        anthropic_event(
            "content_block_delta", index=index, delta={"type": "text_delta", "text": piece}
        )
        for piece in pieces
    ]
    return [*events, anthropic_event("content_block_stop", index=index)]


def tool_block(index: int, id: str, name: str, *fragments: str) -> list[bytes]:
    block = {"type": "tool_use", "id": id, "name": name, "input": {}}
    events = [anthropic_event("content_block_start", index=index, content_block=block)]
    events += [
        anthropic_event(
            "content_block_delta",
            index=index,
            delta={"type": "input_json_delta", "partial_json": fragment},
        )
        for fragment in fragments
    ]
    return [*events, anthropic_event("content_block_stop", index=index)]


def finish(stop_reason: str, output_tokens: int = 5) -> list[bytes]:
    return [
        anthropic_event(
            "message_delta",
            delta={"stop_reason": stop_reason, "stop_sequence": None},
            usage={"output_tokens": output_tokens},
        ),
        anthropic_event("message_stop"),
    ]


def stream_of(*events: bytes, **faults: Any) -> Reply:
    return Reply.sse(events, done=False, **faults)


def finish_reasons(chunks: list[ChatCompletionChunk]) -> list[str]:
    return [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]


def joined_arguments(chunks: list[ChatCompletionChunk], index: int) -> str:
    return "".join(
        call.function.arguments or ""
        for chunk in chunks
        for choice in chunk.choices
        for call in choice.delta.tool_calls or []
        if call.index == index and call.function is not None
    )


# --- text --------------------------------------------------------------------------------------


def test_plain_text_streams_as_openai_chunks(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.anthropic_stream(STORY, chunks=7, model=WIRE_MODEL, id=MSG_ID))
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO))
    assert text_of(chunks) == STORY
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(c.choices[0].delta.role is None for c in chunks[1:] if c.choices)
    assert {(c.id, c.model) for c in chunks} == {(MSG_ID, WIRE_MODEL)}
    assert finish_reasons(chunks) == ["stop"]
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None


def test_the_default_answer_names_the_requested_model(facade: Facade, server: LocalServer) -> None:
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO))
    assert text_of(chunks) == server.default_text
    assert {c.model for c in chunks} == {WIRE_MODEL}


def test_request_goes_to_messages_with_anthropic_headers(
    facade: Facade, server: LocalServer
) -> None:
    list(make_client(facade, server).chat_stream(MODEL, HELLO, max_tokens=50, temperature=0.3))
    request = server.requests[0]
    assert request.path == "/v1/messages"
    assert request.headers["x-api-key"] == KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert request.headers["accept"] == "text/event-stream"
    assert "authorization" not in request.headers
    assert request.json() == {
        "model": WIRE_MODEL,
        "messages": HELLO,
        "max_tokens": 50,
        "temperature": 0.3,
        "stream": True,
    }


def test_anthropic_beta_goes_through_extra_headers(facade: Facade, server: LocalServer) -> None:
    client = make_client(facade, server)
    list(client.chat_stream(MODEL, HELLO, extra_headers={"anthropic-beta": "feature-2025-01-01"}))
    assert server.requests[0].headers["anthropic-beta"] == "feature-2025-01-01"


def test_key_comes_from_anthropic_api_key(
    facade: Facade, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-not-this-one")
    list(facade.client(base_url=server.base_url).chat_stream(MODEL, HELLO))
    assert server.requests[0].headers["x-api-key"] == "sk-ant-from-env"


def test_multi_turn_with_system_is_sent_as_anthropic_turns(
    facade: Facade, server: LocalServer
) -> None:
    messages = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "A story, please."},
    ]
    server.enqueue(Reply.anthropic_stream(STORY))
    chunks = list(make_client(facade, server).chat_stream(MODEL, messages))
    assert text_of(chunks) == STORY
    body = server.requests[0].json()
    assert body["system"] == "You are terse."
    assert body["messages"] == messages[1:]


# --- tools and thinking ------------------------------------------------------------------------


def test_tool_arguments_split_across_many_deltas_join_into_the_original(
    facade: Facade, server: LocalServer
) -> None:
    arguments = '{"city": "São Paulo", "unit": "celsius", "days": [1, 2, 3]}'
    fragments = [arguments[i : i + 3] for i in range(0, len(arguments), 3)]
    server.enqueue(
        stream_of(
            start(),
            *text_block(0, "Let me check."),
            *tool_block(1, "toolu_01", "get_weather", *fragments),
            *finish("tool_use"),
        )
    )
    client = make_client(facade, server)
    chunks = list(client.chat_stream(MODEL, HELLO, tools=[WEATHER_TOOL]))
    assert text_of(chunks) == "Let me check."
    joined = joined_arguments(chunks, 0)
    assert joined == arguments
    assert json.loads(joined) == json.loads(arguments)
    calls = [call for c in chunks if c.choices for call in c.choices[0].delta.tool_calls or []]
    assert {call.index for call in calls} == {0}
    assert calls[0].id == "toolu_01"
    assert calls[0].type == "function"
    assert calls[0].function is not None
    assert calls[0].function.name == "get_weather"
    assert all(call.id is None and call.type is None for call in calls[1:])
    assert finish_reasons(chunks) == ["tool_calls"]
    assert server.requests[0].json()["tools"] == [
        {"name": "get_weather", "input_schema": WEATHER_TOOL["function"]["parameters"]}  # type: ignore[index]
    ]


def test_two_tool_calls_get_indices_zero_and_one(facade: Facade, server: LocalServer) -> None:
    server.enqueue(
        stream_of(
            start(),
            *tool_block(0, "toolu_a", "get_weather", '{"city":', ' "Oslo"}'),
            *text_block(1, " "),
            *tool_block(2, "toolu_b", "get_weather", '{"city": "Rome"}'),
            *finish("tool_use"),
        )
    )
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO, tools=[WEATHER_TOOL]))
    assert json.loads(joined_arguments(chunks, 0)) == {"city": "Oslo"}
    assert json.loads(joined_arguments(chunks, 1)) == {"city": "Rome"}
    ids = [
        call.id
        for c in chunks
        if c.choices
        for call in c.choices[0].delta.tool_calls or []
        if call.id is not None
    ]
    assert ids == ["toolu_a", "toolu_b"]


def test_thinking_streams_as_reasoning_content_and_signatures_are_absorbed(
    facade: Facade, server: LocalServer
) -> None:
    thinking_block = {"type": "thinking", "thinking": "", "signature": ""}
    server.enqueue(
        stream_of(
            start(),
            anthropic_event("content_block_start", index=0, content_block=thinking_block),
            anthropic_event(
                "content_block_delta",
                index=0,
                delta={"type": "thinking_delta", "thinking": "Twelve is "},
            ),
            anthropic_event(
                "content_block_delta",
                index=0,
                delta={"type": "thinking_delta", "thinking": "three times four."},
            ),
            anthropic_event(
                "content_block_delta",
                index=0,
                delta={"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9G"},
            ),
            anthropic_event("content_block_stop", index=0),
            *text_block(1, "It is ", "12."),
            *finish("end_turn"),
        )
    )
    client = make_client(facade, server)
    chunks = list(client.chat_stream(MODEL, HELLO, reasoning_effort="low"))
    reasoning = "".join(c.choices[0].delta.reasoning_content or "" for c in chunks if c.choices)
    assert reasoning == "Twelve is three times four."
    assert text_of(chunks) == "It is 12."
    assert chunks[0].choices[0].delta.role == "assistant"
    body = server.requests[0].json()
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert body["max_tokens"] > 1024


def test_refusal_finishes_with_content_filter(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.anthropic_stream("I can't help with that.", stop_reason="refusal"))
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO))
    assert text_of(chunks) == "I can't help with that."
    assert finish_reasons(chunks) == ["content_filter"]


def test_max_tokens_cut_off_finishes_with_length(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.anthropic_stream("Once upon a", stop_reason="max_tokens"))
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO, max_tokens=3))
    assert text_of(chunks) == "Once upon a"
    assert finish_reasons(chunks) == ["length"]
    assert server.requests[0].json()["max_tokens"] == 3


def test_usage_arrives_whole_on_the_last_chunk(facade: Facade, server: LocalServer) -> None:
    server.enqueue(
        stream_of(
            start(12, cache_creation_input_tokens=100, cache_read_input_tokens=1000),
            *text_block(0, "Hi"),
            *finish("end_turn", output_tokens=9),
        )
    )
    client = make_client(facade, server)
    chunks = list(client.chat_stream(MODEL, HELLO, stream_options={"include_usage": True}))
    assert [c for c in chunks if c.usage is not None] == [chunks[-1]]
    usage = chunks[-1].usage
    assert usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (1112, 9, 1121)
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens == 1000
    assert usage.prompt_tokens_details.cache_creation_tokens == 100
    assert "stream_options" not in server.requests[0].json()


def test_usage_totals_of_a_built_stream(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.anthropic_stream(STORY, input_tokens=21))
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO))
    usage = chunks[-1].usage
    assert usage is not None
    assert usage.prompt_tokens == 21
    assert usage.completion_tokens == len(STORY.split())
    assert usage.total_tokens == 21 + len(STORY.split())


def test_ping_and_unknown_events_are_ignored(facade: Facade, server: LocalServer) -> None:
    server.enqueue(
        stream_of(
            start(),
            anthropic_event("ping"),
            *text_block(0, "Still "),
            anthropic_event("ping"),
            anthropic_event("telemetry_2030", payload={"x": 1}),
            *text_block(1, "here."),
            anthropic_event("ping"),
            *finish("end_turn"),
        )
    )
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO))
    assert text_of(chunks) == "Still here."
    assert finish_reasons(chunks) == ["stop"]


# --- errors ------------------------------------------------------------------------------------

OVERLOADED = anthropic_event("error", error={"type": "overloaded_error", "message": "Overloaded"})


def test_mid_stream_overloaded_error_is_typed_after_the_chunks_before_it(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(stream_of(start(), *text_block(0, "Hello", " wor")[:-1], OVERLOADED))
    stream = make_client(facade, server).chat_stream(MODEL, HELLO)
    received: list[ChatCompletionChunk] = []
    with pytest.raises(OverloadedError) as caught:
        drain(stream, received)
    assert text_of(received) == "Hello wor"
    assert caught.value.in_stream
    assert caught.value.status_code == 529
    assert caught.value.error_type == "overloaded_error"
    assert caught.value.message == "Overloaded"
    assert server.request_count == 1


def test_overloaded_before_the_first_chunk_is_retried_then_streams(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(
        stream_of(start(), anthropic_event("ping"), OVERLOADED), Reply.anthropic_stream(STORY)
    )
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO))
    assert text_of(chunks) == STORY
    assert server.request_count == 2


@pytest.mark.parametrize(
    ("status", "cls"), [(529, OverloadedError), (429, RateLimitError), (400, BadRequestError)]
)
def test_status_and_in_band_errors_are_the_same_class(
    facade: Facade, server: LocalServer, status: int, cls: type[APIStatusError]
) -> None:
    client = make_client(facade, server, max_retries=0)
    server.enqueue(Reply.anthropic_error(status, "nope"))
    with pytest.raises(cls) as by_status:
        client.chat_stream(MODEL, HELLO)
    error_type = {529: "overloaded_error", 429: "rate_limit_error", 400: "invalid_request_error"}
    in_band = anthropic_event("error", error={"type": error_type[status], "message": "nope"})
    server.enqueue(stream_of(start(), *text_block(0, "Hi")[:-1], in_band))
    stream = client.chat_stream(MODEL, HELLO)
    with pytest.raises(cls) as in_stream:
        list(stream)
    assert not by_status.value.in_stream
    assert in_stream.value.in_stream
    assert by_status.value.message == in_stream.value.message == "nope"
    assert by_status.value.error_type == in_stream.value.error_type == error_type[status]


def test_http_529_is_retried_then_streams(facade: Facade, server: LocalServer) -> None:
    server.enqueue(
        Reply.anthropic_error(529, "Overloaded", repeat=2), Reply.anthropic_stream(STORY)
    )
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO))
    assert text_of(chunks) == STORY
    assert server.request_count == 3


def test_a_stream_cut_before_message_stop_is_incomplete(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.anthropic_stream(STORY, done=False))
    stream = make_client(facade, server).chat_stream(MODEL, HELLO)
    received: list[ChatCompletionChunk] = []
    with pytest.raises(IncompleteStreamError):
        drain(stream, received)
    assert text_of(received) == STORY
    assert finish_reasons(received) == ["stop"]


UNICODE = "Japanese 日本語, emoji 🎉 and accents: ça marche"


def test_one_byte_writes_split_every_utf8_character(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.anthropic_stream(UNICODE, chunks=4, write_size=1))
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO))
    assert text_of(chunks) == UNICODE


def test_a_stream_cut_inside_a_utf8_character(facade: Facade, server: LocalServer) -> None:
    full = Reply.anthropic_stream(UNICODE, chunks=4)
    cut = full.body.index("🎉".encode()) + 2  # two of the emoji's four bytes
    server.enqueue(Reply.anthropic_stream(UNICODE, chunks=4, write_size=7, drop_after=cut))
    client = make_client(facade, server)
    stream = client.chat_stream(MODEL, HELLO)
    received: list[ChatCompletionChunk] = []
    with pytest.raises(APIConnectionError):
        drain(stream, received)
    text = text_of(received)
    assert UNICODE.startswith(text)
    assert "\ufffd" not in text
    assert server.request_count == 1
    assert in_flight(facade, client) == 0


def test_a_clean_close_inside_a_utf8_character_is_incomplete(
    facade: Facade, server: LocalServer
) -> None:
    full = Reply.anthropic_stream(UNICODE, chunks=4)
    cut = full.body.index("ç".encode()) + 1  # one of its two bytes
    server.enqueue(Reply.anthropic_stream(UNICODE, chunks=4, chunked=False, drop_after=cut))
    stream = make_client(facade, server).chat_stream(MODEL, HELLO)
    received: list[ChatCompletionChunk] = []
    with pytest.raises(IncompleteStreamError):
        drain(stream, received)
    assert UNICODE.startswith(text_of(received))


def test_a_parameter_anthropic_cannot_take_raises_before_sending(
    facade: Facade, server: LocalServer
) -> None:
    client = make_client(facade, server)
    with pytest.raises(InvalidRequestError, match="n=2 is not supported by anthropic"):
        client.chat_stream(MODEL, HELLO, n=2)
    with pytest.raises(InvalidRequestError, match="seed"):
        client.chat(MODEL, HELLO, seed=1)
    assert server.request_count == 0


# --- chat() ------------------------------------------------------------------------------------


def test_chat_returns_the_whole_answer(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.anthropic_message(STORY, model=WIRE_MODEL, id=MSG_ID, input_tokens=4))
    completion = make_client(facade, server).chat(MODEL, HELLO)
    assert completion.id == MSG_ID
    assert completion.model == WIRE_MODEL
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == STORY
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == 4
    assert completion.usage.completion_tokens == len(STORY.split())
    request = server.requests[0]
    assert request.headers["accept"] == "application/json"
    assert "stream" not in request.json()


def test_chat_default_answer(facade: Facade, server: LocalServer) -> None:
    completion = make_client(facade, server).chat(MODEL, HELLO)
    assert completion.choices[0].message.content == server.default_text
    assert completion.model == WIRE_MODEL


def test_chat_translates_tool_use_and_thinking_blocks(facade: Facade, server: LocalServer) -> None:
    body = {
        "id": MSG_ID,
        "type": "message",
        "role": "assistant",
        "model": WIRE_MODEL,
        "content": [
            {"type": "thinking", "thinking": "Need the weather.", "signature": "Eq=="},
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Köln"}},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 30,
            "output_tokens": 20,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 50,
        },
    }
    server.enqueue(Reply.json(body))
    completion = make_client(facade, server).chat(MODEL, HELLO, tools=[WEATHER_TOOL])
    message = completion.choices[0].message
    assert message.content == "Checking."
    assert message.reasoning_content == "Need the weather."
    assert message.tool_calls is not None
    call = message.tool_calls[0]
    assert (call.id, call.type, call.function.name) == ("toolu_1", "function", "get_weather")
    assert json.loads(call.function.arguments) == {"city": "Köln"}
    assert completion.choices[0].finish_reason == "tool_calls"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.total_tokens) == (80, 100)


def test_chat_with_json_schema_returns_the_json_as_content(
    facade: Facade, server: LocalServer
) -> None:
    schema = {"type": "object", "properties": {"temp": {"type": "number"}}}
    body = {
        "id": MSG_ID,
        "type": "message",
        "role": "assistant",
        "model": WIRE_MODEL,
        "content": [
            {"type": "tool_use", "id": "toolu_j", "name": "weather", "input": {"temp": 21}}
        ],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 5, "output_tokens": 5},
    }
    server.enqueue(Reply.json(body))
    response_format = {"type": "json_schema", "json_schema": {"name": "weather", "schema": schema}}
    completion = make_client(facade, server).chat(MODEL, HELLO, response_format=response_format)
    assert completion.choices[0].message.content is not None
    assert json.loads(completion.choices[0].message.content) == {"temp": 21}
    assert completion.choices[0].message.tool_calls is None
    assert completion.choices[0].finish_reason == "stop"
    sent = server.requests[0].json()
    assert sent["tool_choice"] == {"type": "tool", "name": "weather"}


@pytest.mark.parametrize(("status", "cls"), [(400, BadRequestError), (529, OverloadedError)])
def test_chat_raises_typed_errors_from_anthropic_bodies(
    facade: Facade, server: LocalServer, status: int, cls: type[APIStatusError]
) -> None:
    server.enqueue(
        Reply.anthropic_error(status, "max_tokens: too large", headers={"request-id": "req_01"})
    )
    client = make_client(facade, server, max_retries=0)
    with pytest.raises(cls) as caught:
        client.chat(MODEL, HELLO)
    assert caught.value.status_code == status
    assert caught.value.message == "max_tokens: too large"
    assert caught.value.request_id == "req_01"
    assert caught.value.provider == "anthropic"
