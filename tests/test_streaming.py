"""Streaming through the real HTTP path, on both facades."""

from __future__ import annotations

import pytest
from conftest import Facade, drain, in_flight, text_of

from llmclient import (
    APIConnectionError,
    BadRequestError,
    ChatCompletionChunk,
    DecodeError,
    IncompleteStreamError,
    InternalServerError,
    OverloadedError,
    RateLimitError,
)
from llmclient.testing import LocalServer, Reply, openai_chunk, openai_error_event

MODEL = "openai/gpt-4o-mini"
HELLO = [{"role": "user", "content": "Tell me a story"}]
STORY = "Once upon a time a small client streamed every byte correctly."


def make_client(facade: Facade, server: LocalServer, **kwargs: object):  # type: ignore[no-untyped-def]
    return facade.client(base_url=server.base_url, api_key="sk-test-secret", **kwargs)


def test_stream_delivers_the_whole_text_in_order(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.openai_stream(STORY, chunks=7))
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO))
    assert text_of(chunks) == STORY
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert {chunk.model for chunk in chunks} == {"gpt-4o-mini"}


def test_request_carries_model_messages_key_and_stream_flag(
    facade: Facade, server: LocalServer
) -> None:
    list(make_client(facade, server).chat_stream(MODEL, HELLO, temperature=0.2, seed=7))
    request = server.requests[0]
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test-secret"
    assert request.headers["accept"] == "text/event-stream"
    body = request.json()
    assert body["model"] == "gpt-4o-mini"
    assert body["messages"] == HELLO
    assert body["stream"] is True
    assert body["temperature"] == 0.2
    assert body["seed"] == 7


def test_stream_survives_one_byte_writes(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.openai_stream("Japanese 日本語 and emoji 🎉 split anywhere", write_size=1))
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO))
    assert text_of(chunks) == "Japanese 日本語 and emoji 🎉 split anywhere"


def test_usage_chunk_with_empty_choices_is_delivered(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.openai_stream(STORY, include_usage=True, prompt_tokens=5))
    chunks = list(
        make_client(facade, server).chat_stream(
            MODEL, HELLO, stream_options={"include_usage": True}
        )
    )
    assert chunks[-1].choices == []
    usage = chunks[-1].usage
    assert usage is not None
    assert usage.prompt_tokens == 5
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert server.requests[0].json()["stream_options"] == {"include_usage": True}


def test_tool_call_deltas_join_into_the_original_arguments(
    facade: Facade, server: LocalServer
) -> None:
    arguments = '{"city": "Paris", "unit": "celsius"}'
    fragments = [arguments[i : i + 5] for i in range(0, len(arguments), 5)]
    first = {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": ""},
    }
    events = [openai_chunk(role="assistant", tool_calls=[first])]
    events += [
        openai_chunk(tool_calls=[{"index": 0, "function": {"arguments": piece}}])
        for piece in fragments
    ]
    events.append(openai_chunk(finish_reason="tool_calls"))
    server.enqueue(Reply.sse(events))
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO, tools=tools))
    deltas = [
        call
        for chunk in chunks
        for choice in chunk.choices
        for call in choice.delta.tool_calls or []
    ]
    assert deltas[0].id == "call_1"
    assert deltas[0].function is not None
    assert deltas[0].function.name == "get_weather"
    joined = "".join(d.function.arguments or "" for d in deltas if d.function is not None)
    assert joined == arguments
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    assert server.requests[0].json()["tools"] == tools


def test_n_greater_than_one_keeps_choices_apart(facade: Facade, server: LocalServer) -> None:
    events = []
    for word in ["a ", "b ", "c"]:
        events.append(openai_chunk(content=word.upper(), index=0))
        events.append(openai_chunk(content=word, index=1))
    events.append(openai_chunk(finish_reason="stop", index=0))
    events.append(openai_chunk(finish_reason="stop", index=1))
    server.enqueue(Reply.sse(events))
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO, n=2))
    assert text_of(chunks, 0) == "A B C"
    assert text_of(chunks, 1) == "a b c"
    assert server.requests[0].json()["n"] == 2


def test_refusal_deltas_are_delivered(facade: Facade, server: LocalServer) -> None:
    events = [openai_chunk(role="assistant", refusal="I can't "), openai_chunk(refusal="help.")]
    events.append(openai_chunk(finish_reason="stop"))
    server.enqueue(Reply.sse(events))
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO))
    refusal = "".join(c.choices[0].delta.refusal or "" for c in chunks if c.choices)
    assert refusal == "I can't help."


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 529])
def test_transient_status_before_first_chunk_is_retried_then_streams(
    facade: Facade, server: LocalServer, status: int
) -> None:
    server.enqueue(Reply.error(status, repeat=2), Reply.openai_stream(STORY))
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO))
    assert text_of(chunks) == STORY
    assert server.request_count == 3


def test_rate_limit_is_raised_by_the_call_after_all_retries(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.error(429, "slow down", headers={"retry-after": "0"}, repeat=5))
    client = make_client(facade, server, max_retries=2)
    with pytest.raises(RateLimitError) as caught:
        client.chat_stream(MODEL, HELLO)
    assert server.request_count == 3
    assert caught.value.attempts == 3
    assert caught.value.status_code == 429
    assert caught.value.message == "slow down"
    assert in_flight(facade, client) == 0


def test_per_call_max_retries_overrides_the_client(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.error(503, repeat=5))
    client = make_client(facade, server, max_retries=4)
    with pytest.raises(InternalServerError):
        client.chat_stream(MODEL, HELLO, max_retries=0)
    assert server.request_count == 1


def test_bad_request_is_not_retried(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.error(400, "bad temperature", code="invalid_value"))
    with pytest.raises(BadRequestError) as caught:
        make_client(facade, server).chat_stream(MODEL, HELLO)
    assert server.request_count == 1
    assert caught.value.code == "invalid_value"


def test_should_retry_header_false_stops_retries(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.error(503, headers={"x-should-retry": "false"}, repeat=3))
    with pytest.raises(InternalServerError):
        make_client(facade, server).chat_stream(MODEL, HELLO)
    assert server.request_count == 1


def test_retry_after_past_the_cap_is_raised_at_once(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.error(429, headers={"retry-after": "3600"}, repeat=3))
    with pytest.raises(RateLimitError) as caught:
        make_client(facade, server).chat_stream(MODEL, HELLO)
    assert server.request_count == 1
    assert caught.value.retry_after == 3600


def test_overloaded_error_event_before_first_chunk_is_retried(
    facade: Facade, server: LocalServer
) -> None:
    overloaded = openai_error_event("Overloaded", "overloaded_error")
    server.enqueue(Reply.sse([overloaded], done=False), Reply.openai_stream(STORY))
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO))
    assert text_of(chunks) == STORY
    assert server.request_count == 2


def test_connection_refused_is_retried_then_raised_by_the_call(facade: Facade) -> None:
    with LocalServer() as gone:
        base_url = gone.base_url
    client = facade.client(base_url=base_url, api_key="k", max_retries=1)
    with pytest.raises(APIConnectionError) as caught:
        client.chat_stream(MODEL, HELLO)
    assert caught.value.attempts == 2
    assert isinstance(caught.value.__cause__, Exception)


def test_error_event_after_first_chunk_is_raised_from_the_iterator_and_not_retried(
    facade: Facade, server: LocalServer
) -> None:
    events = [openai_chunk(role="assistant", content="Hello"), openai_chunk(content=" wor")]
    events.append(openai_error_event("Overloaded", "overloaded_error"))
    server.enqueue(Reply.sse(events, done=False))
    stream = make_client(facade, server).chat_stream(MODEL, HELLO)
    received = []
    with pytest.raises(OverloadedError) as caught:
        drain(stream, received)
    assert text_of(received) == "Hello wor"
    assert caught.value.in_stream
    assert server.request_count == 1


def test_drop_mid_stream_raises_connection_error_after_delivering_chunks(
    facade: Facade, server: LocalServer
) -> None:
    reply = Reply.openai_stream(STORY, chunks=6)
    server.enqueue(Reply.openai_stream(STORY, chunks=6, drop_after=len(reply.body) // 2))
    client = make_client(facade, server)
    stream = client.chat_stream(MODEL, HELLO)
    received = []
    with pytest.raises(APIConnectionError):
        drain(stream, received)
    assert received
    assert STORY.startswith(text_of(received))
    assert server.request_count == 1
    assert in_flight(facade, client) == 0


def test_stream_ending_without_done_raises_incomplete(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.openai_stream(STORY, done=False))
    stream = make_client(facade, server).chat_stream(MODEL, HELLO)
    received = []
    with pytest.raises(IncompleteStreamError):
        drain(stream, received)
    assert text_of(received) == STORY


def test_connection_closed_cleanly_mid_stream_is_incomplete(
    facade: Facade, server: LocalServer
) -> None:
    reply = Reply.openai_stream(STORY, chunks=6)
    server.enqueue(
        Reply.openai_stream(STORY, chunks=6, chunked=False, drop_after=len(reply.body) // 2)
    )
    stream = make_client(facade, server).chat_stream(MODEL, HELLO)
    with pytest.raises(IncompleteStreamError):
        list(stream)


def test_malformed_json_mid_stream_names_the_event(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.sse([openai_chunk(content="ok"), "{not json"], done=True))
    stream = make_client(facade, server).chat_stream(MODEL, HELLO)
    assert text_of([next(stream)]) == "ok"
    with pytest.raises(DecodeError, match=r"event #2 '\{not json'"):
        next(stream)


def test_html_page_with_status_200_is_a_decode_error_from_the_call(
    facade: Facade, server: LocalServer
) -> None:
    page = Reply(200, {"Content-Type": "text/html"}, b"<html>proxy login</html>")
    server.enqueue(page)
    with pytest.raises(DecodeError, match="text/html"):
        make_client(facade, server).chat_stream(MODEL, HELLO)


def test_json_error_body_with_status_200_is_typed(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.json(openai_error_event("bad model", "invalid_request_error")))
    with pytest.raises(BadRequestError, match="bad model"):
        make_client(facade, server).chat_stream(MODEL, HELLO)


def test_break_releases_the_connection(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.openai_stream(STORY * 50, chunks=400))
    client = make_client(facade, server)
    for chunk in client.chat_stream(MODEL, HELLO):
        if chunk.choices and chunk.choices[0].delta.content:
            break
    assert in_flight(facade, client) == 0
    assert server.wait_for_open_connections(0)


def test_with_block_exit_releases_the_connection(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.openai_stream(STORY * 50, chunks=400))
    client = make_client(facade, server)
    with client.chat_stream(MODEL, HELLO) as stream:
        next(stream)
    assert in_flight(facade, client) == 0


def test_close_releases_the_connection_and_ends_iteration(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.openai_stream(STORY * 50, chunks=400))
    client = make_client(facade, server)
    stream = client.chat_stream(MODEL, HELLO)
    next(stream)
    stream.close()
    stream.close()
    assert in_flight(facade, client) == 0


def test_finished_stream_leaves_the_connection_reusable(
    facade: Facade, server: LocalServer
) -> None:
    client = make_client(facade, server)
    for _ in range(3):
        assert text_of(list(client.chat_stream(MODEL, HELLO)))
    assert in_flight(facade, client) == 0
    assert len(facade.pool(client).connections) == 1


def test_chunk_and_error_event_in_one_write_deliver_the_chunk_first(
    facade: Facade, server: LocalServer
) -> None:
    events = [openai_chunk(role="assistant", content="Partial")]
    events.append(openai_error_event("Overloaded", "overloaded_error"))
    server.enqueue(Reply.sse(events, done=False, split_at=[]))
    stream = make_client(facade, server).chat_stream(MODEL, HELLO)
    received: list[ChatCompletionChunk] = []
    with pytest.raises(OverloadedError):
        drain(stream, received)
    assert text_of(received) == "Partial"
    assert server.request_count == 1
