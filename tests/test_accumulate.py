"""Rebuilding the whole answer from chunks, in the core and on the stream objects."""

from __future__ import annotations

import json

import pytest
from conftest import Facade

from llmclient import (
    ChatCompletionChunk,
    ChunkAccumulator,
    IncompleteStreamError,
    accumulate,
)
from llmclient._core.convert import structure_chunk
from llmclient.testing import LocalServer, Reply, openai_chunk
from llmclient.types import ChunkChoice, Delta, ProviderState

MODEL = "openai/gpt-4o-mini"
HELLO = [{"role": "user", "content": "Hi"}]
STORY = "A tale told in many small pieces, one word at a time."


def chunks(*dicts: dict[str, object]) -> list[ChatCompletionChunk]:
    return [structure_chunk(d) for d in dicts]


def test_text_finish_reason_usage_and_ids_add_up() -> None:
    stream = chunks(
        openai_chunk(role="assistant", content="", id="c9", model="gpt-x", created=7),
        openai_chunk(content="Hel"),
        openai_chunk(content="lo"),
        openai_chunk(finish_reason="stop"),
        openai_chunk(choices=[], usage={"prompt_tokens": 2, "completion_tokens": 3}),
    )
    completion = accumulate(stream)
    assert completion.id == "c9"
    assert completion.model == "gpt-x"
    assert completion.created == 7
    (choice,) = completion.choices
    assert choice.message.role == "assistant"
    assert choice.message.content == "Hello"
    assert choice.message.tool_calls is None
    assert choice.finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 3


def test_tool_call_arguments_join_by_index_with_id_and_name_taken_once() -> None:
    args_a, args_b = '{"city": "Paris"}', '{"q": "weather"}'
    first_a = {"index": 0, "id": "call_a", "type": "function", "function": {"name": "get_weather"}}
    first_b = {"index": 1, "id": "call_b", "type": "function", "function": {"name": "search"}}
    pieces = [openai_chunk(role="assistant", tool_calls=[first_a])]
    pieces += [
        openai_chunk(tool_calls=[{"index": 0, "function": {"arguments": args_a[i : i + 4]}}])
        for i in range(0, len(args_a), 4)
    ]
    pieces.append(openai_chunk(tool_calls=[first_b]))
    pieces += [
        openai_chunk(tool_calls=[{"index": 1, "function": {"arguments": args_b[i : i + 3]}}])
        for i in range(0, len(args_b), 3)
    ]
    pieces.append(openai_chunk(finish_reason="tool_calls"))
    message = accumulate(chunks(*pieces)).choices[0].message
    assert message.content is None
    assert message.tool_calls is not None
    assert [(c.id, c.function.name) for c in message.tool_calls] == [
        ("call_a", "get_weather"),
        ("call_b", "search"),
    ]
    assert json.loads(message.tool_calls[0].function.arguments) == {"city": "Paris"}
    assert json.loads(message.tool_calls[1].function.arguments) == {"q": "weather"}


def test_repeated_id_and_name_are_not_concatenated() -> None:
    # llama.cpp repeats the id and the whole name on every delta.
    arguments = '{"city": "Oslo"}'
    pieces = [
        openai_chunk(
            tool_calls=[
                {
                    "index": 0,
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": arguments[i : i + 5]},
                }
            ]
        )
        for i in range(0, len(arguments), 5)
    ]
    (call,) = accumulate(chunks(*pieces)).choices[0].message.tool_calls or []
    assert call.id == "call_1"
    assert call.function.name == "get_weather"
    assert call.function.arguments == arguments


def test_choices_refusal_reasoning_and_logprobs_are_kept_apart() -> None:
    token = {"token": "a", "logprob": -0.1, "bytes": [97], "top_logprobs": []}
    pieces = chunks(
        openai_chunk(content="A", index=0),
        openai_chunk(refusal="No", index=1),
        {"choices": [{"index": 0, "delta": {"reasoning_content": "think"}}]},
        {"choices": [{"index": 0, "delta": {"content": "B"}, "logprobs": {"content": [token]}}]},
        {"choices": [{"index": 0, "delta": {"content": "C"}, "logprobs": {"content": [token]}}]},
        openai_chunk(finish_reason="stop", index=0),
        openai_chunk(finish_reason="content_filter", index=1),
    )
    first, second = accumulate(pieces).choices
    assert first.message.content == "ABC"
    assert first.message.reasoning_content == "think"
    assert first.logprobs is not None
    assert [t.token for t in first.logprobs.content or []] == ["a", "a"]
    assert second.message.content is None
    assert second.message.refusal == "No"
    assert second.finish_reason == "content_filter"


def test_completion_can_be_asked_for_midway_and_again() -> None:
    accumulator = ChunkAccumulator()
    accumulator.add(structure_chunk(openai_chunk(content="one ")))
    assert accumulator.completion().choices[0].message.content == "one "
    accumulator.add(structure_chunk(openai_chunk(content="two")))
    assert accumulator.completion().choices[0].message.content == "one two"


def test_no_chunks_make_an_empty_completion() -> None:
    assert accumulate([]).choices == []


def test_final_completion_matches_what_chat_returns(facade: Facade, server: LocalServer) -> None:
    server.enqueue(
        Reply.openai_stream(STORY, include_usage=True, prompt_tokens=4),
        Reply.openai_completion(STORY, prompt_tokens=4),
    )
    client = facade.client(base_url=server.base_url)
    streamed = client.chat_stream(MODEL, HELLO).final_completion()
    whole = client.chat(MODEL, HELLO)
    assert streamed.choices[0].message == whole.choices[0].message
    assert streamed.choices[0].finish_reason == whole.choices[0].finish_reason
    assert streamed.usage == whole.usage


def test_final_completion_counts_chunks_already_iterated(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.openai_stream(STORY))
    stream = facade.client(base_url=server.base_url).chat_stream(MODEL, HELLO)
    next(stream)
    next(stream)
    assert stream.final_completion().choices[0].message.content == STORY


def test_final_completion_after_close_is_incomplete(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.openai_stream(STORY))
    stream = facade.client(base_url=server.base_url).chat_stream(MODEL, HELLO)
    next(stream)
    stream.close()
    with pytest.raises(IncompleteStreamError):
        stream.final_completion()


def test_text_yields_only_content(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.openai_stream(STORY, include_usage=True))
    stream = facade.client(base_url=server.base_url).chat_stream(MODEL, HELLO)
    pieces = list(stream.text())
    assert "".join(pieces) == STORY
    assert all(pieces)


def test_provider_state_keeps_the_last_signature_and_stays_the_answers_own() -> None:
    first = ProviderState("gemini", {"thoughtSignature": "early"})
    last = ProviderState("gemini", {"thoughtSignature": "late"})
    chunks = [
        ChatCompletionChunk(choices=[ChunkChoice(delta=Delta(content="Hi", provider_state=first))]),
        ChatCompletionChunk(choices=[ChunkChoice(delta=Delta(content="!", provider_state=last))]),
    ]
    message = accumulate(chunks).choices[0].message
    assert message.provider_state == ProviderState("gemini", {"thoughtSignature": "late"})
    assert first.data == {"thoughtSignature": "early"}  # a chunk's state is never changed
