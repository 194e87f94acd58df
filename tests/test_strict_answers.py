"""Answers are read strictly, in one place: content blocks, wrong types, the order of an
Anthropic stream, bodies without choices, and tool calls that share an index.

Everything here drives the I/O-free core with bytes: a dialect's ``parse_completion`` for
whole answers, a :class:`ChunkParser` fed server-sent events for streams.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from llmclient import ChunkAccumulator, accumulate
from llmclient._config import ClientConfig
from llmclient._core.call import ChatCall
from llmclient._core.convert import structure_chunk
from llmclient._core.request import prepare_call
from llmclient._core.stream import ChunkParser
from llmclient._providers import anthropic, gemini, openai
from llmclient.errors import DecodeError, IncompleteStreamError
from llmclient.types import ChatCompletion, ChatCompletionChunk

CONFIG = ClientConfig(api_key="sk-test-strict")
HELLO = [{"role": "user", "content": "What is 2 + 2?"}]
OPENAI = "openai/gpt-4o"
MISTRAL = "mistral/magistral-medium-2506"
ANTHROPIC = "anthropic/claude-sonnet-4-5"
GEMINI = "gemini/gemini-2.5-flash"
DONE = "[DONE]"

#: A place in a JSON document: keys and list positions, outermost first.
Path = tuple[str | int, ...]


# --- helpers -----------------------------------------------------------------------------------


def make_call(model: str, *, stream: bool) -> ChatCall:
    method = "chat_stream" if stream else "chat"
    return prepare_call(CONFIG, method, model, HELLO, {}, stream=stream)


def parse(model: str, body: Any) -> ChatCompletion:
    """A whole answer's JSON through its provider's dialect, as ``chat()`` reads it."""
    call = make_call(model, stream=False)
    return call.dialect.parse_completion(call, json.dumps(body, ensure_ascii=False).encode())


def sse(model: str, payload: Any) -> bytes:
    """One server-sent event as the provider of ``model`` sends it."""
    if payload == DONE:
        return b"data: [DONE]\n\n"
    data = json.dumps(payload, ensure_ascii=False)
    if model.startswith("anthropic/"):
        kind = payload.get("type") if isinstance(payload, dict) else "message"
        return f"event: {kind}\ndata: {data}\n\n".encode()
    return f"data: {data}\n\n".encode()


def new_parser(model: str) -> ChunkParser:
    call = make_call(model, stream=True)
    return ChunkParser(
        call.dialect.new_stream(call), call.dialect.new_framing(call), call.provider.name
    )


def feed(model: str, events: Sequence[Any]) -> tuple[list[ChatCompletionChunk], ChunkParser]:
    parser = new_parser(model)
    chunks: list[ChatCompletionChunk] = []
    for payload in events:
        chunks += parser.feed(sse(model, payload))
    parser.end()
    return chunks, parser


def final_completion(model: str, events: Sequence[Any]) -> ChatCompletion:
    """The answer a whole stream adds up to (what ``final_completion()`` gives)."""
    return feed(model, events)[1].completion()


def replaced(document: Any, path: Path, value: Any) -> Any:
    """A deep copy of ``document`` with the value at ``path`` replaced (or added)."""
    if not path:
        return copy.deepcopy(value)
    out = copy.deepcopy(document)
    parent = out
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = copy.deepcopy(value)
    return out


def with_event(events: Sequence[Any], number: int, path: Path, value: Any) -> list[Any]:
    """``events`` with event ``number`` (counted from 1, as errors count them) changed."""
    out = list(events)
    out[number - 1] = replaced(events[number - 1], path, value)
    return out


def reason_of(message: str) -> str:
    """The part of an error message after an event's preview (which quotes its raw JSON)."""
    return re.split(r"""['"] is not """, message, maxsplit=1)[-1]


def assert_names(error: BaseException, field: str, event: int | None = None) -> None:
    """``error``'s message names ``field`` (as its JSON path, or a place inside it when the
    wrong value sits deeper) and, for a stream, the event it was found in."""
    message = str(error)
    pattern = rf"(?<![\w.\]]){re.escape(field)}(?:[.\[]\S*)? (must be|is missing)"
    assert re.search(pattern, reason_of(message)), message
    if event is not None:
        assert f"event #{event} " in message, message


def case_id(field: str, value: Any) -> str:
    return f"{field}={json.dumps(value)}"


# --- item 2: content as a list of typed blocks (Mistral's magistral models) ---------------------

MISTRAL_MESSAGE = {
    "role": "assistant",
    "content": [
        {"type": "thinking", "thinking": [{"type": "text", "text": "The user is asking for 2+2."}]},
        {"type": "text", "text": "2 + 2 = 4"},
    ],
}


def mistral_completion(message: Any) -> dict[str, Any]:
    return {
        "id": "cmpl-e5cc70bb28c444948073e77776eb30ef",
        "object": "chat.completion",
        "created": 1750000000,
        "model": "magistral-medium-2506",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 40, "total_tokens": 50},
    }


def mistral_chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {
        "id": "d4e1f0a5b8f54f26a2b35fd21a0c9d0e",
        "object": "chat.completion.chunk",
        "created": 1750000000,
        "model": "magistral-medium-2506",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


MISTRAL_STREAM = [
    mistral_chunk({"role": "assistant", "content": ""}),
    mistral_chunk(
        {
            "content": [
                {"type": "thinking", "thinking": [{"type": "text", "text": "The user is asking"}]}
            ]
        }
    ),
    mistral_chunk({"content": [{"type": "text", "text": "2 + 2 = 4"}]}),
    mistral_chunk({"content": ""}, "stop"),
    DONE,
]


def test_text_blocks_join_into_content_and_thinking_blocks_into_reasoning_content() -> None:
    completion = openai.DIALECT.parse_completion(
        make_call(MISTRAL, stream=False), json.dumps(mistral_completion(MISTRAL_MESSAGE)).encode()
    )
    message = completion.choices[0].message
    assert message.content == "2 + 2 = 4"
    assert message.reasoning_content == "The user is asking for 2+2."
    assert message.role == "assistant"
    assert completion.choices[0].finish_reason == "stop"


def test_thinking_given_as_a_string_joins_into_reasoning_content() -> None:
    blocks = [{"type": "thinking", "thinking": "Two and two."}, {"type": "text", "text": "4"}]
    message = parse(MISTRAL, mistral_completion({"content": blocks})).choices[0].message
    assert (message.content, message.reasoning_content) == ("4", "Two and two.")


def test_several_blocks_of_each_kind_join_in_their_order() -> None:
    blocks = [
        {"type": "thinking", "thinking": [{"type": "text", "text": "First, "}]},
        {"type": "text", "text": "2 + 2 "},
        {"type": "thinking", "thinking": "then "},
        {
            "type": "thinking",
            "thinking": [{"type": "text", "text": "a"}, {"type": "text", "text": "dd."}],
        },
        {"type": "text", "text": "= 4"},
    ]
    message = parse(MISTRAL, mistral_completion({"content": blocks})).choices[0].message
    assert message.content == "2 + 2 = 4"
    assert message.reasoning_content == "First, then add."


def test_blocks_of_unknown_types_are_passed_over() -> None:
    blocks = [
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        {"type": "reference", "reference_ids": [1, 2]},
        {"type": "text", "text": "A cat."},
        {
            "type": "thinking",
            "thinking": [{"type": "note", "note": "not text"}, {"type": "text", "text": "Hm."}],
        },
        {"kind": "no type at all"},
    ]
    message = parse(MISTRAL, mistral_completion({"content": blocks})).choices[0].message
    assert (message.content, message.reasoning_content) == ("A cat.", "Hm.")


def test_only_thinking_blocks_leave_content_none() -> None:
    blocks = [{"type": "thinking", "thinking": [{"type": "text", "text": "Hm."}]}]
    message = parse(MISTRAL, mistral_completion({"content": blocks})).choices[0].message
    assert message.content is None
    assert message.reasoning_content == "Hm."


def test_an_empty_block_list_has_no_text_and_no_thinking() -> None:
    message = parse(MISTRAL, mistral_completion({"content": []})).choices[0].message
    assert (message.content, message.reasoning_content) == (None, None)


def test_thinking_blocks_follow_a_reasoning_content_field_of_the_same_message() -> None:
    blocks = [{"type": "thinking", "thinking": "and blocks."}, {"type": "text", "text": "4"}]
    body = mistral_completion({"content": blocks, "reasoning_content": "A field, "})
    message = parse(MISTRAL, body).choices[0].message
    assert message.reasoning_content == "A field, and blocks."


BAD_BLOCKS = [
    pytest.param([5], "content[0]", id="a-number-for-a-block"),
    pytest.param(["2 + 2 = 4"], "content[0]", id="a-string-for-a-block"),
    pytest.param([None], "content[0]", id="null-for-a-block"),
    pytest.param([{"type": "text", "text": 4}], "content[0].text", id="text-a-number"),
    pytest.param([{"type": "text", "text": ["4"]}], "content[0].text", id="text-a-list"),
    pytest.param(
        [{"type": "text", "text": "ok"}, {"type": "text", "text": {"value": "4"}}],
        "content[1].text",
        id="second-block-text-an-object",
    ),
    pytest.param(
        [{"type": "thinking", "thinking": 7}], "content[0].thinking", id="thinking-a-number"
    ),
    pytest.param(
        [{"type": "thinking", "thinking": [7]}], "content[0].thinking[0]", id="inner-block-a-number"
    ),
    pytest.param(
        [{"type": "thinking", "thinking": [{"type": "text", "text": False}]}],
        "content[0].thinking[0].text",
        id="inner-text-a-bool",
    ),
    pytest.param({"type": "text", "text": "4"}, "content", id="one-block-not-in-a-list"),
    pytest.param(4, "content", id="a-number-for-content"),
]


@pytest.mark.parametrize(("content", "field"), BAD_BLOCKS)
def test_bad_content_blocks_in_a_completion_are_decode_errors_naming_the_field(
    content: Any, field: str
) -> None:
    with pytest.raises(DecodeError) as caught:
        parse(MISTRAL, mistral_completion({"role": "assistant", "content": content}))
    assert_names(caught.value, f"choices[0].message.{field}")


def test_streamed_content_blocks_join_into_content_and_reasoning_content() -> None:
    chunks, parser = feed(MISTRAL, MISTRAL_STREAM)
    deltas = [chunk.choices[0].delta for chunk in chunks]
    assert [(d.content, d.reasoning_content) for d in deltas] == [
        ("", None),
        (None, "The user is asking"),
        ("2 + 2 = 4", None),
        ("", None),
    ]
    completion = parser.completion()
    (choice,) = completion.choices
    assert choice.message.content == "2 + 2 = 4"
    assert choice.message.reasoning_content == "The user is asking"
    assert choice.finish_reason == "stop"
    assert completion.id == "d4e1f0a5b8f54f26a2b35fd21a0c9d0e"


def test_streamed_thinking_given_as_a_string_is_reasoning_content() -> None:
    events = [
        mistral_chunk({"role": "assistant", "content": [{"type": "thinking", "thinking": "Hm, "}]}),
        mistral_chunk(
            {"content": [{"type": "thinking", "thinking": "four."}, {"type": "text", "text": "4"}]}
        ),
        mistral_chunk({}, "stop"),
        DONE,
    ]
    message = final_completion(MISTRAL, events).choices[0].message
    assert (message.content, message.reasoning_content) == ("4", "Hm, four.")


def test_block_content_after_many_text_deltas_is_still_read_as_blocks() -> None:
    # Equal text events let the stream read later ones by their shape; a block list must not
    # be mistaken for one.
    words = [mistral_chunk({"content": "word "}) for _ in range(10)]
    blocks = mistral_chunk(
        {"content": [{"type": "thinking", "thinking": "x"}, {"type": "text", "text": "!"}]}
    )
    events = [mistral_chunk({"role": "assistant"}), *words, blocks, mistral_chunk({}, "stop"), DONE]
    message = final_completion(MISTRAL, events).choices[0].message
    assert message.content == "word " * 10 + "!"
    assert message.reasoning_content == "x"


@pytest.mark.parametrize(("content", "field"), BAD_BLOCKS)
def test_bad_content_blocks_in_a_stream_are_decode_errors_naming_the_field_and_event(
    content: Any, field: str
) -> None:
    events = with_event(MISTRAL_STREAM, 3, ("choices", 0, "delta", "content"), content)
    with pytest.raises(DecodeError) as caught:
        feed(MISTRAL, events)
    assert_names(caught.value, f"choices[0].delta.{field}", event=3)


# --- item 3: one strict boundary: OpenAI-shaped completions ------------------------------------

WEATHER_ARGS = '{"city": "Paris"}'
OPENAI_COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
    "object": "chat.completion",
    "created": 1741570283,
    "model": "gpt-4o-2024-08-06",
    "system_fingerprint": "fp_f9f4fb6dbf",
    "service_tier": "default",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Checking.",
                "refusal": None,
                "reasoning_content": "Ask the tool.",
                "tool_calls": [
                    {
                        "id": "call_weather",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": WEATHER_ARGS},
                    }
                ],
            },
            "logprobs": {
                "content": [
                    {"token": "Checking", "logprob": -0.1, "bytes": [67], "top_logprobs": []}
                ],
                "refusal": None,
            },
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {
        "prompt_tokens": 12,
        "completion_tokens": 5,
        "total_tokens": 17,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 2},
    },
}

MESSAGE: Path = ("choices", 0, "message")
CALL: Path = (*MESSAGE, "tool_calls", 0)
#: (where, bad value, the field the error names)
OPENAI_COMPLETION_CASES: list[tuple[Path, Any, str]] = [
    ((*MESSAGE, "content"), 5, "choices[0].message.content"),
    ((*MESSAGE, "content"), True, "choices[0].message.content"),
    ((*MESSAGE, "content"), {"text": "hi"}, "choices[0].message.content"),
    ((*MESSAGE, "reasoning_content"), 5, "choices[0].message.reasoning_content"),
    ((*MESSAGE, "reasoning_content"), ["think"], "choices[0].message.reasoning_content"),
    ((*MESSAGE, "refusal"), ["no"], "choices[0].message.refusal"),
    ((*MESSAGE, "refusal"), 0, "choices[0].message.refusal"),
    ((*MESSAGE, "role"), 1, "choices[0].message.role"),
    (("choices", 0, "finish_reason"), 0, "choices[0].finish_reason"),
    (("choices", 0, "finish_reason"), ["stop"], "choices[0].finish_reason"),
    (("choices", 0, "index"), "0", "choices[0].index"),
    (("choices", 0, "index"), 0.0, "choices[0].index"),
    (("choices", 0, "index"), True, "choices[0].index"),
    (("id",), 123, "id"),
    (("model",), ["gpt-4o"], "model"),
    (("created",), "1741570283", "created"),
    (("created",), 1741570283.5, "created"),
    (("object",), 5, "object"),
    (("system_fingerprint",), 5, "system_fingerprint"),
    (("service_tier",), {"tier": "default"}, "service_tier"),
    (("choices",), {"0": {}}, "choices"),
    (("choices",), "none", "choices"),
    (("choices", 0), "the answer", "choices[0]"),
    (MESSAGE, "Checking.", "choices[0].message"),
    ((*MESSAGE, "tool_calls"), {"id": "call_weather"}, "choices[0].message.tool_calls"),
    (CALL, "call_weather", "choices[0].message.tool_calls[0]"),
    ((*CALL, "id"), 1, "choices[0].message.tool_calls[0].id"),
    ((*CALL, "type"), 1, "choices[0].message.tool_calls[0].type"),
    ((*CALL, "function"), "get_weather", "choices[0].message.tool_calls[0].function"),
    ((*CALL, "function", "name"), 5, "choices[0].message.tool_calls[0].function.name"),
    ((*CALL, "function", "arguments"), 5, "choices[0].message.tool_calls[0].function.arguments"),
    (
        (*CALL, "function", "arguments"),
        ["a"],
        "choices[0].message.tool_calls[0].function.arguments",
    ),
    (("usage",), "17 tokens", "usage"),
    (("usage",), [12, 5, 17], "usage"),
    (("usage", "prompt_tokens"), "12", "usage"),
    (("usage", "completion_tokens"), True, "usage"),
    (("usage", "total_tokens"), 17.5, "usage"),
    (("usage", "prompt_tokens_details", "cached_tokens"), "0", "usage"),
    (("usage", "completion_tokens_details"), "none", "usage"),
    (("choices", 0, "logprobs"), "high", "choices[0].logprobs"),
    (("choices", 0, "logprobs", "content", 0, "logprob"), "low", "choices[0].logprobs"),
    (("choices", 0, "logprobs", "content", 0, "token"), 5, "choices[0].logprobs"),
]


def test_the_base_completion_of_the_cases_parses() -> None:
    completion = openai.DIALECT.parse_completion(
        make_call(OPENAI, stream=False), json.dumps(OPENAI_COMPLETION).encode()
    )
    message = completion.choices[0].message
    assert (message.content, message.reasoning_content) == ("Checking.", "Ask the tool.")
    assert message.tool_calls is not None
    assert message.tool_calls[0].function.arguments == WEATHER_ARGS


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [pytest.param(p, v, f, id=case_id(f, v)) for p, v, f in OPENAI_COMPLETION_CASES],
)
def test_a_wrong_type_in_a_completion_is_a_decode_error_naming_the_field(
    path: Path, value: Any, field: str
) -> None:
    body = replaced(OPENAI_COMPLETION, path, value)
    with pytest.raises(DecodeError) as caught:
        openai.DIALECT.parse_completion(make_call(OPENAI, stream=False), json.dumps(body).encode())
    assert_names(caught.value, field)
    assert caught.value.provider == "openai"


def test_null_fields_of_a_completion_take_their_defaults() -> None:
    body = replaced(OPENAI_COMPLETION, (*MESSAGE, "role"), None)
    for path in [("id",), ("model",), ("created",), ("choices", 0, "index"), (*CALL, "type")]:
        body = replaced(body, path, None)
    completion = parse(OPENAI, body)
    assert (completion.id, completion.model, completion.created) == ("", "", 0)
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.tool_calls is not None
    assert completion.choices[0].message.tool_calls[0].type == "function"


@pytest.mark.parametrize("value", [5, ["think"], {"text": "think"}])
def test_a_wrong_type_in_groq_and_vllm_reasoning_is_a_decode_error_naming_it(value: Any) -> None:
    message = {"role": "assistant", "content": "4", "reasoning": value}
    with pytest.raises(DecodeError) as caught:
        parse(OPENAI, mistral_completion(message))
    assert_names(caught.value, "choices[0].message.reasoning")
    events = with_event(MISTRAL_STREAM, 2, ("choices", 0, "delta"), {"reasoning": value})
    with pytest.raises(DecodeError) as caught:
        feed(OPENAI, events)
    assert_names(caught.value, "choices[0].delta.reasoning", event=2)


def test_tool_call_arguments_sent_as_an_object_are_encoded_as_json() -> None:
    body = replaced(OPENAI_COMPLETION, (*CALL, "function", "arguments"), {"city": "Paris"})
    calls = parse(OPENAI, body).choices[0].message.tool_calls
    assert calls is not None
    assert json.loads(calls[0].function.arguments) == {"city": "Paris"}


# --- item 3: OpenAI-shaped streams -------------------------------------------------------------


def openai_chunk(choices: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-9xYz",
        "object": "chat.completion.chunk",
        "created": 1741570283,
        "model": "gpt-4o-2024-08-06",
        "system_fingerprint": "fp_abc123",
        "choices": choices,
        **extra,
    }


def openai_choice(delta: Any, finish_reason: str | None = None, index: int = 0) -> dict[str, Any]:
    return {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish_reason}


OPENAI_STREAM: list[Any] = [
    openai_chunk([openai_choice({"role": "assistant", "content": ""})]),
    openai_chunk(
        [
            openai_choice(
                {
                    "content": "Checking.",
                    "reasoning_content": "Ask the tool.",
                    "refusal": None,
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_weather",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": WEATHER_ARGS},
                        }
                    ],
                }
            )
        ]
    ),
    openai_chunk([openai_choice({}, "tool_calls")]),
    openai_chunk([], usage={"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}),
    DONE,
]

DELTA: Path = ("choices", 0, "delta")
CALL_DELTA: Path = (*DELTA, "tool_calls", 0)
#: (where in event #2, bad value, the field the error names)
OPENAI_CHUNK_CASES: list[tuple[Path, Any, str]] = [
    ((*DELTA, "content"), 5, "choices[0].delta.content"),
    ((*DELTA, "content"), False, "choices[0].delta.content"),
    ((*DELTA, "reasoning_content"), 5, "choices[0].delta.reasoning_content"),
    ((*DELTA, "refusal"), 5, "choices[0].delta.refusal"),
    ((*DELTA, "role"), 5, "choices[0].delta.role"),
    (DELTA, "Checking.", "choices[0].delta"),
    (("choices", 0, "finish_reason"), 5, "choices[0].finish_reason"),
    (("choices", 0, "index"), "0", "choices[0].index"),
    (("choices", 0, "index"), 0.5, "choices[0].index"),
    (("choices", 0), 5, "choices[0]"),
    (("choices",), "all", "choices"),
    (("id",), 5, "id"),
    (("model",), {"name": "gpt-4o"}, "model"),
    (("created",), "1741570283", "created"),
    (("created",), 1741570283.0, "created"),
    (("system_fingerprint",), 7, "system_fingerprint"),
    ((*DELTA, "tool_calls"), "get_weather", "choices[0].delta.tool_calls"),
    (CALL_DELTA, 5, "choices[0].delta.tool_calls[0]"),
    ((*CALL_DELTA, "index"), "0", "choices[0].delta.tool_calls[0].index"),
    ((*CALL_DELTA, "id"), 5, "choices[0].delta.tool_calls[0].id"),
    ((*CALL_DELTA, "type"), ["function"], "choices[0].delta.tool_calls[0].type"),
    ((*CALL_DELTA, "function"), "get_weather", "choices[0].delta.tool_calls[0].function"),
    ((*CALL_DELTA, "function", "name"), 5, "choices[0].delta.tool_calls[0].function.name"),
    (
        (*CALL_DELTA, "function", "arguments"),
        5,
        "choices[0].delta.tool_calls[0].function.arguments",
    ),
    (("usage",), {"prompt_tokens": "12"}, "usage"),
    (("usage",), "17 tokens", "usage"),
    (("usage",), [12, 5, 17], "usage"),
    (("usage",), {"completion_tokens_details": "none"}, "usage"),
    (("usage",), {"total_tokens": 1.5}, "usage"),
    (
        ("choices", 0, "logprobs"),
        {"content": [{"token": 5, "logprob": -1.0}]},
        "choices[0].logprobs",
    ),
    (("choices", 0, "logprobs"), "high", "choices[0].logprobs"),
    (("choices", 0, "logprobs"), [{"token": "Hi", "logprob": -1.0}], "choices[0].logprobs"),
]


def test_the_base_stream_of_the_cases_adds_up() -> None:
    completion = final_completion(OPENAI, OPENAI_STREAM)
    message = completion.choices[0].message
    assert (message.content, message.reasoning_content) == ("Checking.", "Ask the tool.")
    assert completion.choices[0].finish_reason == "tool_calls"
    assert completion.usage is not None
    assert completion.usage.total_tokens == 17


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [pytest.param(p, v, f, id=case_id(f, v)) for p, v, f in OPENAI_CHUNK_CASES],
)
def test_a_wrong_type_in_a_chunk_is_a_decode_error_naming_the_field_and_event(
    path: Path, value: Any, field: str
) -> None:
    events = with_event(OPENAI_STREAM, 2, path, value)
    with pytest.raises(DecodeError) as caught:
        feed(OPENAI, events)
    assert_names(caught.value, field, event=2)
    assert caught.value.provider == "openai"


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (5, "choices[0].delta.content"),
        (True, "choices[0].delta.content"),
        ({"text": "word"}, "choices[0].delta.content"),
        ([5], "choices[0].delta.content[0]"),
        ([{"type": "text", "text": 5}], "choices[0].delta.content[0].text"),
    ],
)
def test_a_wrong_type_after_many_equal_text_events_is_still_a_decode_error(
    value: Any, field: str
) -> None:
    # After equal events the stream reads text by its place in the event, without JSON.
    same = [openai_chunk([openai_choice({"content": "word"})]) for _ in range(10)]
    bad = openai_chunk([openai_choice({"content": value})])
    parser = new_parser(OPENAI)
    for payload in [OPENAI_STREAM[0], *same]:
        parser.feed(sse(OPENAI, payload))
    with pytest.raises(DecodeError) as caught:
        parser.feed(sse(OPENAI, bad))
    assert_names(caught.value, field, event=12)


def test_a_decode_error_after_chunks_in_the_same_bytes_comes_on_the_next_feed() -> None:
    bad = with_event(OPENAI_STREAM, 2, (*DELTA, "content"), 5)
    parser = new_parser(OPENAI)
    chunks = parser.feed(sse(OPENAI, bad[0]) + sse(OPENAI, bad[1]))
    assert len(chunks) == 1
    with pytest.raises(DecodeError) as caught:
        parser.feed(b"")
    assert_names(caught.value, "choices[0].delta.content", event=2)


# --- item 3: Anthropic -------------------------------------------------------------------------

ANTHROPIC_MODEL_ID = "claude-sonnet-4-5-20250929"
TOOL_ID = "toolu_01T1x1fJ34qAmk2tNTrN7Up6"
SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"


def anthropic_message_start(**usage: Any) -> dict[str, Any]:
    return {
        "type": "message_start",
        "message": {
            "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": ANTHROPIC_MODEL_ID,
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 25, "output_tokens": 1, **usage},
        },
    }


def block_start(index: int, block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def block_delta(index: int, **delta: Any) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": delta}


def block_stop(index: int) -> dict[str, Any]:
    return {"type": "content_block_stop", "index": index}


def message_delta(stop_reason: Any, **usage: Any) -> dict[str, Any]:
    return {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": None},
        "usage": {"output_tokens": 15, **usage},
    }


TEXT_START = block_start(1, {"type": "text", "text": ""})
MESSAGE_STOP = {"type": "message_stop"}

#: A stream with signed thinking, text and a tool call; events are counted from 1 in errors.
ANTHROPIC_STREAM: list[Any] = [
    anthropic_message_start(),  # 1
    block_start(0, {"type": "thinking", "thinking": "", "signature": ""}),  # 2
    block_delta(0, type="thinking_delta", thinking="Ask the tool."),  # 3
    block_delta(0, type="signature_delta", signature=SIGNATURE),  # 4
    block_stop(0),  # 5
    TEXT_START,  # 6
    block_delta(1, type="text_delta", text="Checking."),  # 7
    block_stop(1),  # 8
    block_start(2, {"type": "tool_use", "id": TOOL_ID, "name": "get_weather", "input": {}}),  # 9
    block_delta(2, type="input_json_delta", partial_json=WEATHER_ARGS),  # 10
    block_stop(2),  # 11
    message_delta("tool_use"),  # 12
    MESSAGE_STOP,  # 13
]

#: (event number, where in it, bad value, the field the error names)
ANTHROPIC_STREAM_CASES: list[tuple[int, Path, Any, str]] = [
    (7, ("delta", "text"), 5, "delta.text"),
    (7, ("delta", "text"), ["Checking."], "delta.text"),
    (7, ("delta",), "text_delta", "delta"),
    (1, ("message",), "msg_01", "message"),
    (1, ("message",), ["msg_01"], "message"),
    (1, ("message", "id"), 5, "message.id"),
    (1, ("message", "model"), {"name": "claude"}, "message.model"),
    (1, ("message", "usage"), "25 tokens", "message.usage"),
    (6, ("content_block", "text"), 5, "content_block.text"),
    (6, ("content_block",), "text", "content_block"),
    (2, ("content_block", "thinking"), 5, "content_block.thinking"),
    (3, ("delta", "thinking"), 5, "delta.thinking"),
    (4, ("delta", "signature"), 5, "delta.signature"),
    (9, ("content_block", "id"), 5, "content_block.id"),
    (9, ("content_block", "name"), [], "content_block.name"),
    (10, ("delta", "partial_json"), {"city": "Paris"}, "delta.partial_json"),
    (12, ("usage",), "15 tokens", "usage"),
]


def test_the_base_anthropic_stream_of_the_cases_adds_up() -> None:
    completion = final_completion(ANTHROPIC, ANTHROPIC_STREAM)
    message = completion.choices[0].message
    assert (message.content, message.reasoning_content) == ("Checking.", "Ask the tool.")
    assert message.tool_calls is not None
    assert message.tool_calls[0].function.arguments == WEATHER_ARGS
    assert completion.choices[0].finish_reason == "tool_calls"


@pytest.mark.parametrize(
    ("number", "path", "value", "field"),
    [pytest.param(n, p, v, f, id=case_id(f, v)) for n, p, v, f in ANTHROPIC_STREAM_CASES],
)
def test_a_wrong_type_in_an_anthropic_event_is_a_decode_error_naming_the_field_and_event(
    number: int, path: Path, value: Any, field: str
) -> None:
    events = with_event(ANTHROPIC_STREAM, number, path, value)
    with pytest.raises(DecodeError) as caught:
        feed(ANTHROPIC, events)
    assert_names(caught.value, field, event=number)
    assert caught.value.provider == "anthropic"


@pytest.mark.parametrize("value", [5, True, 2.5])
def test_a_stop_reason_that_is_no_string_is_a_decode_error_in_an_anthropic_stream(
    value: Any,
) -> None:
    events = with_event(ANTHROPIC_STREAM, 12, ("delta", "stop_reason"), value)
    with pytest.raises(DecodeError) as caught:
        feed(ANTHROPIC, events)
    assert "stop_reason" in reason_of(str(caught.value))
    assert "event #12 " in str(caught.value)


ANTHROPIC_USAGE_CASES = [
    pytest.param(1, ("message", "usage", "input_tokens"), "25", id="input_tokens-a-string"),
    pytest.param(1, ("message", "usage", "input_tokens"), 25.5, id="input_tokens-a-float"),
    pytest.param(
        1,
        ("message", "usage", "cache_read_input_tokens"),
        2.5,
        id="cache_read_input_tokens-a-float",
    ),
    pytest.param(12, ("usage", "output_tokens"), "15", id="output_tokens-a-string"),
    pytest.param(12, ("usage", "output_tokens"), 15.5, id="output_tokens-a-float"),
    pytest.param(12, ("usage", "output_tokens"), True, id="output_tokens-a-bool"),
]


@pytest.mark.parametrize(("number", "path", "value"), ANTHROPIC_USAGE_CASES)
def test_a_usage_count_of_the_wrong_type_in_an_anthropic_stream_is_a_decode_error_naming_it(
    number: int, path: Path, value: Any
) -> None:
    events = with_event(ANTHROPIC_STREAM, number, path, value)
    with pytest.raises(DecodeError) as caught:
        feed(ANTHROPIC, events)
    assert str(path[-1]) in reason_of(str(caught.value)), str(caught.value)


ANTHROPIC_MESSAGE: dict[str, Any] = {
    "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
    "type": "message",
    "role": "assistant",
    "model": ANTHROPIC_MODEL_ID,
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "content": [
        {"type": "thinking", "thinking": "Ask the tool.", "signature": SIGNATURE},
        {"type": "text", "text": "Checking."},
        {"type": "tool_use", "id": TOOL_ID, "name": "get_weather", "input": {"city": "Paris"}},
    ],
    "usage": {"input_tokens": 25, "output_tokens": 15},
}

ANTHROPIC_MESSAGE_CASES: list[tuple[Path, Any, str]] = [
    (("content", 1, "text"), 5, "content[1].text"),
    (("content", 1, "text"), ["Checking."], "content[1].text"),
    (("content", 0, "thinking"), 5, "content[0].thinking"),
    (("content", 2, "id"), 5, "content[2].id"),
    (("content", 2, "name"), {"name": "get_weather"}, "content[2].name"),
    (("content",), "Checking.", "content"),
    (("content",), ["Checking."], "content"),
    (("content",), {"type": "text", "text": "Checking."}, "content"),
    (("id",), 5, "message.id"),
    (("model",), ["claude"], "message.model"),
]


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [pytest.param(p, v, f, id=case_id(f, v)) for p, v, f in ANTHROPIC_MESSAGE_CASES],
)
def test_a_wrong_type_in_an_anthropic_message_is_a_decode_error_naming_the_field(
    path: Path, value: Any, field: str
) -> None:
    body = replaced(ANTHROPIC_MESSAGE, path, value)
    with pytest.raises(DecodeError) as caught:
        anthropic.DIALECT.parse_completion(
            make_call(ANTHROPIC, stream=False), json.dumps(body).encode()
        )
    assert_names(caught.value, field)


@pytest.mark.parametrize("value", [5, True, 2.5])
def test_a_stop_reason_that_is_no_string_is_a_decode_error_in_an_anthropic_message(
    value: Any,
) -> None:
    with pytest.raises(DecodeError) as caught:
        parse(ANTHROPIC, replaced(ANTHROPIC_MESSAGE, ("stop_reason",), value))
    assert "stop_reason" in str(caught.value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("input_tokens", "25"),
        ("input_tokens", 25.5),
        ("output_tokens", True),
        ("output_tokens", [15]),
    ],
)
def test_a_usage_count_of_the_wrong_type_in_an_anthropic_message_is_a_decode_error_naming_it(
    key: str, value: Any
) -> None:
    with pytest.raises(DecodeError) as caught:
        parse(ANTHROPIC, replaced(ANTHROPIC_MESSAGE, ("usage", key), value))
    assert key in str(caught.value)


# --- item 3: Gemini ----------------------------------------------------------------------------

GEMINI_ANSWER: dict[str, Any] = {
    "responseId": "mAitaJ6uO5CxgLUPlKS62Ak",
    "modelVersion": "gemini-2.5-flash",
    "candidates": [
        {
            "index": 0,
            "finishReason": "STOP",
            "content": {
                "role": "model",
                "parts": [
                    {"text": "Ask the tool.", "thought": True},
                    {"text": "Checking."},
                    {
                        "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                        "thoughtSignature": "c2ln",
                    },
                ],
            },
        }
    ],
    "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 5, "totalTokenCount": 17},
}
PARTS: Path = ("candidates", 0, "content", "parts")
GEMINI_CASES: list[tuple[Path, Any, str]] = [
    ((*PARTS, 1, "text"), 5, "candidates[0].content.parts[1].text"),
    ((*PARTS, 0, "text"), ["Ask the tool."], "candidates[0].content.parts[0].text"),
    ((*PARTS, 0), "Ask the tool.", "candidates[0].content.parts[0]"),
    (
        (*PARTS, 2, "functionCall"),
        {"args": {"city": "Paris"}},
        "candidates[0].content.parts[2].functionCall",
    ),
    ((*PARTS, 2, "functionCall", "name"), 5, "candidates[0].content.parts[2].functionCall"),
    ((*PARTS, 2, "functionCall"), "get_weather", "candidates[0].content.parts[2].functionCall"),
    ((*PARTS, 2, "thoughtSignature"), 5, "candidates[0].content.parts[2].thoughtSignature"),
    (("candidates", 0, "index"), "0", "candidates[0].index"),
    (("candidates", 0, "index"), 0.0, "candidates[0].index"),
    (("candidates", 0, "index"), True, "candidates[0].index"),
    (("candidates", 0, "finishReason"), 5, "candidates[0].finishReason"),
    (("candidates", 0), "Checking.", "candidates[0]"),
]
#: The string fields of the envelope; their wrong types are checked as the candidates' are.
GEMINI_ENVELOPE_CASES = [
    pytest.param(("responseId",), 5, "responseId", id="responseId-a-number"),
    pytest.param(("responseId",), ["id"], "responseId", id="responseId-a-list"),
    pytest.param(("modelVersion",), 2.5, "modelVersion", id="modelVersion-a-number"),
    pytest.param(("modelVersion",), {"v": 2}, "modelVersion", id="modelVersion-an-object"),
]


def test_the_base_gemini_answer_of_the_cases_parses() -> None:
    completion = gemini.DIALECT.parse_completion(
        make_call(GEMINI, stream=False), json.dumps(GEMINI_ANSWER).encode()
    )
    message = completion.choices[0].message
    assert (message.content, message.reasoning_content) == ("Checking.", "Ask the tool.")
    assert message.tool_calls is not None
    assert message.tool_calls[0].function.name == "get_weather"
    assert completion.choices[0].finish_reason == "tool_calls"


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [pytest.param(p, v, f, id=case_id(f, v)) for p, v, f in GEMINI_CASES],
)
def test_a_wrong_type_in_a_gemini_answer_is_a_decode_error_naming_the_field(
    path: Path, value: Any, field: str
) -> None:
    body = replaced(GEMINI_ANSWER, path, value)
    with pytest.raises(DecodeError) as caught:
        gemini.DIALECT.parse_completion(make_call(GEMINI, stream=False), json.dumps(body).encode())
    assert_names(caught.value, field)


GEMINI_FIRST_EVENT: dict[str, Any] = {
    "responseId": "mAitaJ6uO5CxgLUPlKS62Ak",
    "modelVersion": "gemini-2.5-flash",
    "candidates": [{"index": 0, "content": {"role": "model", "parts": [{"text": "Let me "}]}}],
}


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [pytest.param(p, v, f, id=case_id(f, v)) for p, v, f in GEMINI_CASES],
)
def test_a_wrong_type_in_a_gemini_event_is_a_decode_error_naming_the_field_and_event(
    path: Path, value: Any, field: str
) -> None:
    events = [GEMINI_FIRST_EVENT, replaced(GEMINI_ANSWER, path, value)]
    with pytest.raises(DecodeError) as caught:
        feed(GEMINI, events)
    assert_names(caught.value, field, event=2)


@pytest.mark.parametrize(("path", "value", "field"), GEMINI_ENVELOPE_CASES)
def test_an_id_or_model_of_the_wrong_type_in_a_gemini_answer_is_a_decode_error(
    path: Path, value: Any, field: str
) -> None:
    with pytest.raises(DecodeError) as caught:
        parse(GEMINI, replaced(GEMINI_ANSWER, path, value))
    assert field in str(caught.value)


@pytest.mark.parametrize(("path", "value", "field"), GEMINI_ENVELOPE_CASES)
def test_an_id_or_model_of_the_wrong_type_in_a_gemini_event_is_a_decode_error(
    path: Path, value: Any, field: str
) -> None:
    events = [replaced(GEMINI_FIRST_EVENT, path, value), GEMINI_ANSWER]
    with pytest.raises(DecodeError) as caught:
        feed(GEMINI, events)
    assert field in reason_of(str(caught.value))


# --- item 3: nothing but DecodeError escapes, and what parses has its declared types ----------

#: Values of every JSON kind, put in place of each value of a good answer in turn.
BAD_VALUES: tuple[Any, ...] = (None, 0, -1, 2.5, True, "", "x", [], [None], {}, {"type": "text"})


def paths(document: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every place in ``document`` that holds a value, outermost first (not the root)."""
    if isinstance(document, dict):
        items: Iterator[tuple[str | int, Any]] = iter(document.items())
    elif isinstance(document, list):
        items = iter(enumerate(document))
    else:
        return
    for key, value in items:
        yield (*prefix, key)
        yield from paths(value, (*prefix, key))


def mutations(events: Sequence[Any]) -> Iterator[tuple[str, list[Any]]]:
    """Each event of ``events`` with one value replaced by each of :data:`BAD_VALUES`."""
    for number, payload in enumerate(events, 1):
        for path in paths(payload):
            for value in BAD_VALUES:
                label = f"event #{number} {'.'.join(map(str, path))}={json.dumps(value)}"
                yield label, with_event(events, number, path, value)


SERVER_TOOL_ID = "srvtoolu_014hJH82Qum7Td6UV8gDXThB"
SEARCH_RESULT: dict[str, Any] = {
    "type": "web_search_tool_result",
    "tool_use_id": SERVER_TOOL_ID,
    "content": [
        {
            "type": "web_search_result",
            "title": "Paris weather",
            "url": "https://weather.example.com/paris",
            "encrypted_content": "EqgfCioIARgBIiQ3YTAwMjY1Mi1mZjM5LTQ1NGUtODgxNC1kNjNjNTk1ZWI3Y",
            "page_age": "1 hour ago",
        }
    ],
}
REDACTED = {
    "type": "redacted_thinking",
    "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPn",
}
#: Every kind of block in one Anthropic stream, for the mutation loop.
ANTHROPIC_EVERY_BLOCK: list[Any] = [
    *ANTHROPIC_STREAM[:11],
    block_start(
        3, {"type": "server_tool_use", "id": SERVER_TOOL_ID, "name": "web_search", "input": {}}
    ),
    block_delta(3, type="input_json_delta", partial_json='{"query": "Paris"}'),
    block_stop(3),
    block_start(4, SEARCH_RESULT),
    block_stop(4),
    block_start(5, REDACTED),
    block_stop(5),
    *ANTHROPIC_STREAM[11:],
]
GEMINI_STREAM: list[Any] = [GEMINI_FIRST_EVENT, GEMINI_ANSWER]
#: The good streams and answers the mutations start from, by name.
STREAMS: dict[str, tuple[str, list[Any]]] = {
    "openai": (OPENAI, OPENAI_STREAM),
    "mistral-blocks": (MISTRAL, MISTRAL_STREAM),
    "anthropic": (ANTHROPIC, ANTHROPIC_EVERY_BLOCK),
    "gemini": (GEMINI, GEMINI_STREAM),
}
COMPLETIONS: dict[str, tuple[str, Any]] = {
    "openai": (OPENAI, OPENAI_COMPLETION),
    "mistral-blocks": (MISTRAL, mistral_completion(MISTRAL_MESSAGE)),
    "anthropic": (
        ANTHROPIC,
        replaced(
            ANTHROPIC_MESSAGE,
            ("content",),
            [*ANTHROPIC_MESSAGE["content"], SEARCH_RESULT, REDACTED],
        ),
    ),
    "gemini": (GEMINI, GEMINI_ANSWER),
}
#: A mutation's label, and the answer it gave or the exception it raised.
Outcome = tuple[str, ChatCompletion | None, BaseException | None]


@functools.cache
def mutated_stream_outcomes(name: str) -> tuple[Outcome, ...]:
    """Each mutation of a good stream, fed whole: its answer, or the error feeding it raised.

    After every feed that succeeds, the answer so far is built and serialized, so an error in
    accumulating shows up too.
    """
    model, events = STREAMS[name]
    final_completion(model, events)  # the unmutated stream is fine
    outcomes: list[Outcome] = []
    for label, mutated in mutations(events):
        parser = new_parser(model)
        try:
            for payload in mutated:
                parser.feed(sse(model, payload))
                parser.answer.completion().to_json()
            parser.end()
            completion = parser.completion()
            completion.to_json()
        except BaseException as exc:  # any exception: that is what is looked for
            outcomes.append((label, None, exc))
        else:
            outcomes.append((label, completion, None))
    return tuple(outcomes)


@functools.cache
def mutated_completion_outcomes(name: str) -> tuple[Outcome, ...]:
    model, body = COMPLETIONS[name]
    parse(model, body)  # the unmutated answer is fine
    outcomes: list[Outcome] = []
    for label, (mutated,) in mutations([body]):
        try:
            completion = parse(model, mutated)
            completion.to_json()
        except BaseException as exc:  # any exception: that is what is looked for
            outcomes.append((label, None, exc))
        else:
            outcomes.append((label, completion, None))
    return tuple(outcomes)


@pytest.mark.parametrize("name", STREAMS)
def test_a_mutated_stream_raises_decode_error_or_succeeds_and_then_accumulates(name: str) -> None:
    escaped = [
        f"{label}: {type(exc).__name__}: {exc}"
        for label, _, exc in mutated_stream_outcomes(name)
        if exc is not None and not isinstance(exc, (DecodeError, IncompleteStreamError))
    ]
    assert escaped == []
    outcomes = mutated_stream_outcomes(name)
    assert sum(isinstance(exc, DecodeError) for _, _, exc in outcomes) > 50  # not vacuous
    assert sum(completion is not None for _, completion, _ in outcomes) > 50


@pytest.mark.parametrize("name", COMPLETIONS)
def test_a_mutated_completion_raises_decode_error_or_succeeds(name: str) -> None:
    escaped = [
        f"{label}: {type(exc).__name__}: {exc}"
        for label, _, exc in mutated_completion_outcomes(name)
        if exc is not None and not isinstance(exc, DecodeError)
    ]
    assert escaped == []
    outcomes = mutated_completion_outcomes(name)
    assert sum(isinstance(exc, DecodeError) for _, _, exc in outcomes) > 20  # not vacuous
    assert sum(completion is not None for _, completion, _ in outcomes) > 20


def wrong_types(completion: ChatCompletion) -> list[str]:
    """The fields of ``completion`` whose values are not of their declared types."""
    found: list[str] = []

    def check(where: str, value: Any, kind: type, *, optional: bool = False) -> None:
        if value is None and optional:
            return
        if value.__class__ is not kind:
            found.append(f"{where}={value!r}")

    check("id", completion.id, str)
    check("model", completion.model, str)
    check("object", completion.object, str)
    check("created", completion.created, int)
    for n, choice in enumerate(completion.choices):
        check(f"choices[{n}].index", choice.index, int)
        check(f"choices[{n}].finish_reason", choice.finish_reason, str, optional=True)
        message = choice.message
        check(f"choices[{n}].message.role", message.role, str)
        for name in ("content", "refusal", "reasoning_content"):
            check(f"choices[{n}].message.{name}", getattr(message, name), str, optional=True)
        for c, call in enumerate(message.tool_calls or ()):
            where = f"choices[{n}].message.tool_calls[{c}]"
            check(f"{where}.id", call.id, str)
            check(f"{where}.type", call.type, str)
            check(f"{where}.function.name", call.function.name, str)
            check(f"{where}.function.arguments", call.function.arguments, str)
    usage = completion.usage
    if usage is not None:
        for name in ("prompt_tokens", "completion_tokens", "total_tokens"):
            check(f"usage.{name}", getattr(usage, name), int)
    return found


@pytest.mark.parametrize("name", STREAMS)
def test_a_mutated_stream_that_succeeds_has_only_values_of_the_declared_types(name: str) -> None:
    leaks = [
        f"{label}: {', '.join(wrong)}"
        for label, completion, _ in mutated_stream_outcomes(name)
        if completion is not None and (wrong := wrong_types(completion))
    ]
    assert leaks == []


@pytest.mark.parametrize("name", COMPLETIONS)
def test_a_mutated_completion_that_succeeds_has_only_values_of_the_declared_types(
    name: str,
) -> None:
    leaks = [
        f"{label}: {', '.join(wrong)}"
        for label, completion, _ in mutated_completion_outcomes(name)
        if completion is not None and (wrong := wrong_types(completion))
    ]
    assert leaks == []


# --- item 4: the Anthropic stream is a state machine -------------------------------------------


def anthropic_error(events: Sequence[Any]) -> DecodeError:
    with pytest.raises(DecodeError) as caught:
        feed(ANTHROPIC, events)
    return caught.value


def test_a_second_message_start_is_a_decode_error() -> None:
    events = [*ANTHROPIC_STREAM[:8], anthropic_message_start(), *ANTHROPIC_STREAM[8:]]
    error = anthropic_error(events)
    assert "event #9 " in str(error)
    assert "second message_start" in str(error)


def test_ordering_errors_say_what_happened_not_that_a_field_is_missing() -> None:
    second_start = anthropic_error([anthropic_message_start(), anthropic_message_start()])
    no_start = anthropic_error([TEXT_START])
    for error in (second_start, no_start):
        assert "is missing" not in str(error), str(error)


def test_a_delta_for_a_block_never_started_is_a_decode_error() -> None:
    events = [anthropic_message_start(), block_delta(0, type="text_delta", text="Hi"), MESSAGE_STOP]
    error = anthropic_error(events)
    assert "event #2 " in str(error)
    assert_names(error, "index")


@pytest.mark.parametrize(
    "late",
    [
        pytest.param(
            block_delta(1, type="text_delta", text="late"), id="shaped-like-the-last-delta"
        ),
        pytest.param(block_delta(1, type="text_delta", text="late", x=1), id="shaped-otherwise"),
    ],
)
def test_a_delta_for_a_block_already_stopped_is_a_decode_error(late: dict[str, Any]) -> None:
    # Event 7 was a text delta of block 1, which event 8 stopped.
    events = [*ANTHROPIC_STREAM[:8], late, *ANTHROPIC_STREAM[8:]]
    error = anthropic_error(events)
    assert "event #9 " in str(error)
    assert_names(error, "index")


def test_a_text_delta_for_an_index_a_tool_call_took_over_is_a_decode_error() -> None:
    # Shaped like event 7, the text delta of block 1; block 1 is now a tool call.
    tool = {"type": "tool_use", "id": TOOL_ID, "name": "get_weather", "input": {}}
    late = block_delta(1, type="text_delta", text="late")
    events = [*ANTHROPIC_STREAM[:8], block_start(1, tool), late, block_stop(1), MESSAGE_STOP]
    error = anthropic_error(events)
    assert "event #10 " in str(error)
    assert_names(error, "delta.type")


def test_a_block_started_twice_at_one_index_is_a_decode_error() -> None:
    events = [anthropic_message_start(), TEXT_START, TEXT_START]
    error = anthropic_error(events)
    assert "event #3 " in str(error)
    assert_names(error, "index")


BLOCKS: dict[str, dict[str, Any]] = {
    "text": {"type": "text", "text": ""},
    "thinking": {"type": "thinking", "thinking": "", "signature": ""},
    "tool_use": {"type": "tool_use", "id": TOOL_ID, "name": "get_weather", "input": {}},
}
DELTAS: dict[str, dict[str, Any]] = {
    "text_delta": {"type": "text_delta", "text": "Hi"},
    "input_json_delta": {"type": "input_json_delta", "partial_json": "{}"},
    "thinking_delta": {"type": "thinking_delta", "thinking": "Hm"},
    "signature_delta": {"type": "signature_delta", "signature": SIGNATURE},
}


@pytest.mark.parametrize(
    ("block", "delta"),
    [
        ("tool_use", "text_delta"),
        ("text", "input_json_delta"),
        ("text", "thinking_delta"),
        ("text", "signature_delta"),
        ("thinking", "text_delta"),
        ("thinking", "input_json_delta"),
        ("tool_use", "thinking_delta"),
        ("tool_use", "signature_delta"),
    ],
)
def test_a_delta_that_does_not_fit_its_block_is_a_decode_error(block: str, delta: str) -> None:
    events = [
        anthropic_message_start(),
        block_start(0, BLOCKS[block]),
        {"type": "content_block_delta", "index": 0, "delta": DELTAS[delta]},
    ]
    error = anthropic_error(events)
    assert "event #3 " in str(error)
    assert_names(error, "delta.type")
    assert repr(delta) in str(error)


@pytest.mark.parametrize(
    "first",
    [
        TEXT_START,
        block_delta(1, type="text_delta", text="Hi"),
        block_stop(1),
        message_delta("end_turn"),
    ],
    ids=["content_block_start", "content_block_delta", "content_block_stop", "message_delta"],
)
def test_a_message_event_before_message_start_is_a_decode_error(first: dict[str, Any]) -> None:
    error = anthropic_error([first, *ANTHROPIC_STREAM[1:]])
    assert "event #1 " in str(error)
    assert "message_start" in reason_of(str(error))


def test_message_stop_before_message_start_is_a_decode_error() -> None:
    anthropic_error([MESSAGE_STOP])


def test_an_unknown_delta_type_is_ignored() -> None:
    unknown = block_delta(1, type="brand_new_delta", text="not text", detail={"a": 1})
    events = [*ANTHROPIC_STREAM[:7], unknown, *ANTHROPIC_STREAM[7:]]
    chunks, parser = feed(ANTHROPIC, events)
    expected, _ = feed(ANTHROPIC, ANTHROPIC_STREAM)
    assert len(chunks) == len(expected)
    assert parser.completion().choices[0].message.content == "Checking."


def test_events_of_unknown_types_are_ignored_between_blocks() -> None:
    events = [*ANTHROPIC_STREAM[:5], {"type": "brand_new_event", "x": 1}, *ANTHROPIC_STREAM[5:]]
    assert final_completion(ANTHROPIC, events).choices[0].message.content == "Checking."


SERVER_TOOL_STREAM: list[Any] = [
    anthropic_message_start(),
    block_start(0, {"type": "text", "text": ""}),
    block_delta(0, type="text_delta", text="Let me search."),
    block_stop(0),
    block_start(
        1, {"type": "server_tool_use", "id": SERVER_TOOL_ID, "name": "web_search", "input": {}}
    ),
    block_delta(1, type="input_json_delta", partial_json=""),
    block_delta(1, type="input_json_delta", partial_json='{"query": "weather'),
    block_delta(1, type="input_json_delta", partial_json=' in Paris"}'),
    block_stop(1),
    block_start(2, SEARCH_RESULT),
    block_stop(2),
    block_start(3, {"type": "text", "text": ""}),
    block_delta(3, type="text_delta", text=" It is sunny."),
    block_stop(3),
    message_delta("tool_use"),
    MESSAGE_STOP,
]
SERVER_TOOL_CALL = {
    "type": "server_tool_use",
    "id": SERVER_TOOL_ID,
    "name": "web_search",
    "input": {"query": "weather in Paris"},
}
SERVER_TOOL_STATE = [{"type": "text"}, SERVER_TOOL_CALL, SEARCH_RESULT, {"type": "text"}]


def test_streamed_server_tool_blocks_are_kept_in_order_in_the_provider_state() -> None:
    completion = final_completion(ANTHROPIC, SERVER_TOOL_STREAM)
    (choice,) = completion.choices
    message = choice.message
    assert message.content == "Let me search. It is sunny."
    assert message.tool_calls is None
    assert message.provider_state is not None
    assert message.provider_state.dialect == "anthropic"
    assert message.provider_state.data["content"] == SERVER_TOOL_STATE


def test_a_stream_where_only_server_tools_ran_finishes_with_stop() -> None:
    chunks, parser = feed(ANTHROPIC, SERVER_TOOL_STREAM)
    reasons = [c.finish_reason for chunk in chunks for c in chunk.choices if c.finish_reason]
    assert reasons == ["stop"]
    assert parser.completion().choices[0].finish_reason == "stop"


def test_a_stream_with_a_client_tool_next_to_server_tools_finishes_with_tool_calls() -> None:
    client_tool = [
        block_start(4, {"type": "tool_use", "id": TOOL_ID, "name": "get_weather", "input": {}}),
        block_delta(4, type="input_json_delta", partial_json=WEATHER_ARGS),
        block_stop(4),
    ]
    events = [*SERVER_TOOL_STREAM[:-2], *client_tool, *SERVER_TOOL_STREAM[-2:]]
    completion = final_completion(ANTHROPIC, events)
    (choice,) = completion.choices
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls is not None
    assert [call.id for call in choice.message.tool_calls] == [TOOL_ID]
    assert choice.message.provider_state is not None
    state = choice.message.provider_state.data["content"]
    assert state == [*SERVER_TOOL_STATE, {"type": "tool_use", "id": TOOL_ID}]


def server_tool_message(stop_reason: str) -> dict[str, Any]:
    return {
        **ANTHROPIC_MESSAGE,
        "stop_reason": stop_reason,
        "content": [
            {"type": "text", "text": "Let me search."},
            SERVER_TOOL_CALL,
            SEARCH_RESULT,
            {"type": "text", "text": " It is sunny."},
        ],
    }


def test_a_message_where_only_server_tools_ran_keeps_them_and_finishes_with_stop() -> None:
    completion = anthropic.DIALECT.parse_completion(
        make_call(ANTHROPIC, stream=False), json.dumps(server_tool_message("tool_use")).encode()
    )
    (choice,) = completion.choices
    assert choice.finish_reason == "stop"
    assert choice.message.content == "Let me search. It is sunny."
    assert choice.message.tool_calls is None
    assert choice.message.provider_state is not None
    assert choice.message.provider_state.data["content"] == SERVER_TOOL_STATE


def test_streamed_and_whole_server_tool_answers_have_the_same_message() -> None:
    streamed = final_completion(ANTHROPIC, SERVER_TOOL_STREAM).choices[0]
    whole = parse(ANTHROPIC, server_tool_message("tool_use")).choices[0]
    assert streamed.message == whole.message
    assert streamed.finish_reason == whole.finish_reason


def test_a_streamed_redacted_thinking_block_is_kept_whole() -> None:
    events = [
        anthropic_message_start(),
        block_start(0, REDACTED),
        block_stop(0),
        block_start(1, {"type": "text", "text": ""}),
        block_delta(1, type="text_delta", text="4"),
        block_stop(1),
        message_delta("end_turn"),
        MESSAGE_STOP,
    ]
    message = final_completion(ANTHROPIC, events).choices[0].message
    assert message.content == "4"
    assert message.reasoning_content is None
    assert message.provider_state is not None
    assert message.provider_state.data["content"] == [REDACTED, {"type": "text"}]


def test_a_redacted_thinking_block_of_a_whole_message_is_kept_whole() -> None:
    body = {
        **ANTHROPIC_MESSAGE,
        "stop_reason": "end_turn",
        "content": [REDACTED, {"type": "text", "text": "4"}],
    }
    message = parse(ANTHROPIC, body).choices[0].message
    assert message.provider_state is not None
    assert message.provider_state.data["content"] == [REDACTED, {"type": "text"}]
    assert message.reasoning_content is None


def test_a_server_tool_input_that_is_not_json_is_a_decode_error() -> None:
    events = with_event(SERVER_TOOL_STREAM, 7, ("delta", "partial_json"), '{"query": weather')
    error = anthropic_error(events)
    assert "event #9 " in str(error)  # its content_block_stop, where the input is read


# --- item 5: bodies without an answer ----------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"{}",
        b'{"object": "list"}',
        b'{"choices": null}',
        b"[]",
        b"null",
        b'"chat.completion"',
        b"5",
    ],
    ids=["empty-object", "a-list-object", "null-choices", "a-list", "null", "a-string", "a-number"],
)
def test_an_openai_body_without_choices_is_a_decode_error(body: bytes) -> None:
    with pytest.raises(DecodeError) as caught:
        openai.DIALECT.parse_completion(make_call(OPENAI, stream=False), body)
    assert caught.value.provider == "openai"


def test_the_error_for_a_body_without_choices_names_choices() -> None:
    with pytest.raises(DecodeError) as caught:
        parse(OPENAI, {"id": "chatcmpl-1", "object": "chat.completion"})
    assert_names(caught.value, "choices")


def test_an_anthropic_body_without_content_is_a_decode_error() -> None:
    with pytest.raises(DecodeError) as caught:
        anthropic.DIALECT.parse_completion(make_call(ANTHROPIC, stream=False), b"{}")
    assert_names(caught.value, "content")
    assert caught.value.provider == "anthropic"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"promptFeedback": {}},
        {"promptFeedback": {"safetyRatings": []}},
        {"modelVersion": "gemini-2.5-flash"},
    ],
    ids=["empty", "feedback-without-block-reason", "feedback-with-ratings-only", "model-only"],
)
def test_a_gemini_body_without_candidates_or_a_block_reason_is_a_decode_error(
    body: dict[str, Any],
) -> None:
    with pytest.raises(DecodeError) as caught:
        gemini.DIALECT.parse_completion(make_call(GEMINI, stream=False), json.dumps(body).encode())
    assert "candidates" in str(caught.value)
    assert caught.value.provider == "gemini"


def test_a_gemini_body_with_only_a_block_reason_is_a_content_filter_answer() -> None:
    body = {
        "promptFeedback": {"blockReason": "SAFETY", "safetyRatings": []},
        "usageMetadata": {"promptTokenCount": 7, "totalTokenCount": 7},
        "modelVersion": "gemini-2.5-flash",
        "responseId": "blocked-1",
    }
    completion = parse(GEMINI, body)
    (choice,) = completion.choices
    assert choice.finish_reason == "content_filter"
    assert choice.message.content is None
    assert choice.message.tool_calls is None
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == 7


# --- item 6: tool-call deltas that share an index ----------------------------------------------


def call_delta(
    index: int, arguments: str, id: str | None = None, name: str | None = None
) -> dict[str, Any]:
    delta: dict[str, Any] = {"index": index, "function": {"arguments": arguments}}
    if id is not None:
        delta.update(id=id, type="function")
    if name is not None:
        delta["function"]["name"] = name
    return delta


def tool_chunks(*calls: dict[str, Any]) -> list[dict[str, Any]]:
    """A stream's chunk dicts: a role, one chunk per tool-call delta, and the finish."""
    return [
        openai_chunk([openai_choice({"role": "assistant", "content": None})]),
        *(openai_chunk([openai_choice({"tool_calls": [call]})]) for call in calls),
        openai_chunk([openai_choice({}, "tool_calls")]),
    ]


#: Two calls, both at index 0: the second starts with a new id (openai-python #3201).
TWO_CALLS_AT_ONE_INDEX = tool_chunks(
    call_delta(0, "", id="call_a", name="get_weather"),
    call_delta(0, '{"city": '),
    call_delta(0, '"Paris"}'),
    call_delta(0, "", id="call_b", name="get_time"),
    call_delta(0, '{"tz": '),
    call_delta(0, '"Europe/Paris"}'),
)
#: llama.cpp repeats the id and the whole name on every delta of one call.
LLAMACPP_REPEATS = tool_chunks(
    call_delta(0, '{"ci', id="call_x", name="get_weather"),
    call_delta(0, 'ty": "Pa', id="call_x", name="get_weather"),
    call_delta(0, 'ris"}', id="call_x", name="get_weather"),
)


def calls_of(completion: ChatCompletion) -> list[tuple[str, str, str]]:
    calls = completion.choices[0].message.tool_calls or []
    return [(call.id, call.function.name, call.function.arguments) for call in calls]


TWO_CALLS = [
    ("call_a", "get_weather", '{"city": "Paris"}'),
    ("call_b", "get_time", '{"tz": "Europe/Paris"}'),
]
ONE_CALL = [("call_x", "get_weather", '{"city": "Paris"}')]


def test_a_new_id_at_a_used_index_starts_a_new_call() -> None:
    completion = accumulate(structure_chunk(chunk) for chunk in TWO_CALLS_AT_ONE_INDEX)
    assert calls_of(completion) == TWO_CALLS
    assert completion.choices[0].finish_reason == "tool_calls"


def test_an_id_and_name_repeated_on_every_delta_stay_one_call() -> None:
    completion = accumulate(structure_chunk(chunk) for chunk in LLAMACPP_REPEATS)
    assert calls_of(completion) == ONE_CALL


def test_the_accumulator_shows_the_second_call_as_soon_as_its_id_arrives() -> None:
    accumulator = ChunkAccumulator()
    seen = []
    for chunk in TWO_CALLS_AT_ONE_INDEX:
        accumulator.add(structure_chunk(chunk))
        seen.append(len(calls_of(accumulator.completion())))
    assert seen == [0, 1, 1, 1, 2, 2, 2, 2]
    assert calls_of(accumulator.completion()) == TWO_CALLS


def test_calls_at_other_indexes_keep_their_own_arguments_around_a_new_id() -> None:
    chunks = tool_chunks(
        call_delta(0, '{"city": "Paris"}', id="call_a", name="get_weather"),
        call_delta(1, '{"q": ', id="call_s", name="search"),
        call_delta(0, '{"tz": "UTC"}', id="call_b", name="get_time"),
        call_delta(1, '"news"}'),
    )
    completion = accumulate(structure_chunk(chunk) for chunk in chunks)
    assert calls_of(completion) == [
        ("call_a", "get_weather", '{"city": "Paris"}'),
        ("call_b", "get_time", '{"tz": "UTC"}'),
        ("call_s", "search", '{"q": "news"}'),
    ]


def test_a_repeated_id_after_another_call_at_that_index_is_not_merged_back() -> None:
    # Once call_b took index 0, a delta naming call_a again is a call of its own.
    chunks = tool_chunks(
        call_delta(0, "{}", id="call_a", name="a"),
        call_delta(0, "{}", id="call_b", name="b"),
        call_delta(0, "{}", id="call_a", name="a"),
    )
    completion = accumulate(structure_chunk(chunk) for chunk in chunks)
    assert [call_id for call_id, _, _ in calls_of(completion)] == ["call_a", "call_b", "call_a"]


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        pytest.param(TWO_CALLS_AT_ONE_INDEX, TWO_CALLS, id="new-id-new-call"),
        pytest.param(LLAMACPP_REPEATS, ONE_CALL, id="llamacpp-repeats"),
    ],
)
def test_tool_call_deltas_fed_as_bytes_add_up_as_chunks_do(
    chunks: list[dict[str, Any]], expected: list[tuple[str, str, str]]
) -> None:
    completion = final_completion(OPENAI, [*chunks, DONE])
    assert calls_of(completion) == expected
    assert completion == accumulate(structure_chunk(chunk) for chunk in chunks)


def test_tool_call_deltas_in_one_feed_add_up_as_event_by_event() -> None:
    parser = new_parser(OPENAI)
    parser.feed(b"".join(sse(OPENAI, chunk) for chunk in [*TWO_CALLS_AT_ONE_INDEX, DONE]))
    parser.end()
    assert calls_of(parser.completion()) == TWO_CALLS
