"""Tests for llmclient._core.convert: provider JSON into answer types, and messages back to JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest

from llmclient._config import ClientConfig
from llmclient._core.convert import (
    converter,
    is_answer_type,
    message_to_dict,
    structure_chunk,
    structure_completion,
)
from llmclient._core.request import prepare_call
from llmclient._providers.openai import OpenAIDialect
from llmclient.errors import DecodeError, RateLimitError
from llmclient.types import (
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ChoiceLogprobs,
    CompletionTokensDetails,
    FunctionCall,
    Message,
    PromptTokensDetails,
    TokenLogprob,
    ToolCall,
    TopLogprob,
    Usage,
)

WEATHER_ARGS = '{"city": "Paris", "unit": "celsius"}'
TIME_ARGS = '{"tz": "Europe/Paris"}'

# A full ChatCompletion as OpenAI returns it, with fields this library does not model.
FULL_COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
    "object": "chat.completion",
    "created": 1741570283,
    "model": "gpt-4o-2024-08-06",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_weather",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": WEATHER_ARGS},
                    },
                    {
                        "id": "call_time",
                        "type": "function",
                        "function": {"name": "get_time", "arguments": TIME_ARGS},
                    },
                ],
                "refusal": None,
                "annotations": [],
                "audio": None,
            },
            "logprobs": {
                "content": [
                    {
                        "token": "Hi",
                        "logprob": -0.25,
                        "bytes": [72, 105],
                        "top_logprobs": [
                            {"token": "Hi", "logprob": -0.25, "bytes": [72, 105]},
                            {"token": "Hey", "logprob": -1.75, "bytes": None},
                        ],
                    }
                ],
                "refusal": None,
            },
            "finish_reason": "tool_calls",
        },
        {
            "index": 1,
            "message": {"role": "assistant", "content": "Sunny, 21°C ☀️", "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        },
    ],
    "usage": {
        "prompt_tokens": 1117,
        "completion_tokens": 46,
        "total_tokens": 1163,
        "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 12,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 3,
            "rejected_prediction_tokens": 1,
        },
    },
    "service_tier": "default",
    "system_fingerprint": "fp_fc9f1d7035",
    "x_provider_extension": {"region": "eu", "ids": [1, 2]},
}

EXPECTED_FULL = ChatCompletion(
    id="chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
    object="chat.completion",
    created=1741570283,
    model="gpt-4o-2024-08-06",
    choices=[
        Choice(
            index=0,
            message=Message(
                role="assistant",
                content=None,
                tool_calls=[
                    ToolCall(
                        id="call_weather",
                        type="function",
                        function=FunctionCall(name="get_weather", arguments=WEATHER_ARGS),
                    ),
                    ToolCall(
                        id="call_time",
                        type="function",
                        function=FunctionCall(name="get_time", arguments=TIME_ARGS),
                    ),
                ],
            ),
            logprobs=ChoiceLogprobs(
                content=[
                    TokenLogprob(
                        token="Hi",
                        logprob=-0.25,
                        bytes=[72, 105],
                        top_logprobs=[
                            TopLogprob(token="Hi", logprob=-0.25, bytes=[72, 105]),
                            TopLogprob(token="Hey", logprob=-1.75, bytes=None),
                        ],
                    )
                ]
            ),
            finish_reason="tool_calls",
        ),
        Choice(
            index=1,
            message=Message(role="assistant", content="Sunny, 21°C ☀️"),
            finish_reason="stop",
        ),
    ],
    usage=Usage(
        prompt_tokens=1117,
        completion_tokens=46,
        total_tokens=1163,
        prompt_tokens_details=PromptTokensDetails(cached_tokens=1024, audio_tokens=0),
        completion_tokens_details=CompletionTokensDetails(
            reasoning_tokens=12,
            audio_tokens=0,
            accepted_prediction_tokens=3,
            rejected_prediction_tokens=1,
        ),
    ),
    service_tier="default",
    system_fingerprint="fp_fc9f1d7035",
)


def test_full_completion_structures_into_typed_values() -> None:
    assert structure_completion(FULL_COMPLETION) == EXPECTED_FULL


def test_full_completion_nested_values_have_the_right_types() -> None:
    completion = structure_completion(FULL_COMPLETION)
    message = completion.choices[0].message
    assert isinstance(message, Message)
    assert message.tool_calls is not None
    assert all(isinstance(tc, ToolCall) for tc in message.tool_calls)
    assert all(isinstance(tc.function, FunctionCall) for tc in message.tool_calls)
    assert json.loads(message.tool_calls[0].function.arguments) == json.loads(WEATHER_ARGS)
    assert isinstance(completion.usage, Usage)
    assert isinstance(completion.usage.completion_tokens_details, CompletionTokensDetails)
    assert completion.usage.completion_tokens_details.reasoning_tokens == 12
    logprobs = completion.choices[0].logprobs
    assert logprobs is not None
    assert logprobs.content is not None
    assert logprobs.content[0].top_logprobs[1].bytes is None


def test_structuring_does_not_change_the_input() -> None:
    before = json.dumps(FULL_COMPLETION, sort_keys=True)
    structure_completion(FULL_COMPLETION)
    assert json.dumps(FULL_COMPLETION, sort_keys=True) == before


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param({"choices": []}, ChatCompletion(), id="no-choices"),
        pytest.param(
            {"choices": [{"message": {"content": "hi"}}]},
            ChatCompletion(choices=[Choice(message=Message(content="hi"))]),
            id="content-only",
        ),
        pytest.param(
            {
                "id": "cmpl-1",
                "model": "llama3",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "ok"},
                        "finish_reason": "stop",
                    }
                ],
            },
            ChatCompletion(
                id="cmpl-1",
                model="llama3",
                choices=[Choice(message=Message(content="ok"), finish_reason="stop")],
            ),
            id="no-usage-no-created",
        ),
        pytest.param(
            {
                "id": None,
                "created": None,
                "model": None,
                "usage": None,
                "system_fingerprint": None,
                "choices": [{"index": None, "message": None, "finish_reason": None}],
            },
            ChatCompletion(choices=[Choice()]),
            id="nulls",
        ),
        pytest.param(
            {
                "choices": [],
                "usage": {"prompt_tokens": 5, "completion_tokens": None, "total_tokens": 5},
            },
            ChatCompletion(usage=Usage(prompt_tokens=5, total_tokens=5)),
            id="usage-without-details",
        ),
    ],
)
def test_minimal_completion_fills_missing_optional_fields(
    payload: dict[str, Any], expected: ChatCompletion
) -> None:
    assert structure_completion(payload) == expected


def test_minimal_completion_defaults() -> None:
    completion = structure_completion({"choices": [{"message": {"content": "hi"}}]})
    choice = completion.choices[0]
    assert (completion.id, completion.model, completion.created) == ("", "", 0)
    assert completion.object == "chat.completion"
    assert completion.usage is None
    assert completion.system_fingerprint is None
    assert choice.index == 0
    assert choice.finish_reason is None
    assert choice.logprobs is None
    assert choice.message.role == "assistant"
    assert choice.message.tool_calls is None


def test_null_logprob_falls_back_to_default() -> None:
    # The module promises that null where a number is expected falls back to the default.
    payload = {
        "choices": [
            {
                "message": {"content": "x"},
                "logprobs": {"content": [{"token": "x", "logprob": None, "top_logprobs": []}]},
            }
        ]
    }
    logprobs = structure_completion(payload).choices[0].logprobs
    assert logprobs == ChoiceLogprobs(content=[TokenLogprob(token="x", logprob=0.0)])


def test_reasoning_content_and_refusal_are_kept() -> None:
    payload = {
        "choices": [
            {
                "message": {
                    "role": "assistant",
                    "content": None,
                    "refusal": "I can't help with that.",
                    "reasoning_content": "The request is disallowed.",
                }
            }
        ]
    }
    message = structure_completion(payload).choices[0].message
    assert message.refusal == "I can't help with that."
    assert message.reasoning_content == "The request is disallowed."
    assert message.content is None


def test_chunk_structures_with_defaults() -> None:
    assert (
        structure_chunk({"choices": [{"delta": {"content": "a"}}]}).choices[0].delta.content == "a"
    )
    assert structure_chunk({}) == ChatCompletionChunk()


# --- parse_completion (the dialect's use of structure_completion) ------------------------

CALL = prepare_call(
    ClientConfig(api_key="sk-test"),
    "chat",
    "openai/gpt-4o",
    [{"role": "user", "content": "Hi"}],
    {},
    stream=False,
)


def test_parse_completion_reads_a_response_body() -> None:
    body = json.dumps(FULL_COMPLETION).encode()
    assert OpenAIDialect().parse_completion(CALL, body) == EXPECTED_FULL


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"not json", r"openai: the response body is not valid JSON .*'not json'"),
        (b'{"ok": "\xff"}', "openai: the response body is not valid UTF-8"),
        (b"[1, 2]", "openai: expected a JSON object, got list"),
        (b'{"choices": 5}', "openai: the response is not a chat completion"),
    ],
)
def test_parse_completion_rejects_bodies_that_are_not_completions(body: bytes, match: str) -> None:
    with pytest.raises(DecodeError, match=match) as info:
        OpenAIDialect().parse_completion(CALL, body)
    assert info.value.provider == "openai"


def test_parse_completion_raises_in_band_error() -> None:
    body = b'{"error": {"message": "Too many tokens", "type": "tokens"}}'
    with pytest.raises(RateLimitError) as info:
        OpenAIDialect().parse_completion(CALL, body)
    assert info.value.in_stream is True
    assert info.value.message == "Too many tokens"


# --- message_to_dict ----------------------------------------------------------------------


def test_message_with_tool_calls_becomes_the_request_shape_openai_expects() -> None:
    message = structure_completion(FULL_COMPLETION).choices[0].message
    assert message_to_dict(message) == {
        "role": "assistant",
        "tool_calls": [
            {
                "id": "call_weather",
                "type": "function",
                "function": {"name": "get_weather", "arguments": WEATHER_ARGS},
            },
            {
                "id": "call_time",
                "type": "function",
                "function": {"name": "get_time", "arguments": TIME_ARGS},
            },
        ],
    }


def test_message_to_dict_round_trips_the_wire_message_without_nones_or_extras() -> None:
    wire = FULL_COMPLETION["choices"][0]["message"]
    expected = {k: v for k, v in wire.items() if v is not None and k in {"role", "tool_calls"}}
    message = structure_completion(FULL_COMPLETION).choices[0].message
    as_dict = message_to_dict(message)
    assert as_dict == expected
    assert json.loads(json.dumps(as_dict)) == as_dict


def test_message_to_dict_drops_reasoning_content_and_none_fields() -> None:
    message = Message(content="4", reasoning_content="2+2=4", refusal=None, tool_calls=None)
    assert message_to_dict(message) == {"role": "assistant", "content": "4"}


def test_message_to_dict_keeps_empty_content_and_refusal() -> None:
    message = Message(content="", refusal="No.")
    assert message_to_dict(message) == {"role": "assistant", "content": "", "refusal": "No."}


def test_message_to_dict_returns_fresh_containers() -> None:
    message = Message(tool_calls=[ToolCall(id="c1", function=FunctionCall("f", "{}"))])
    as_dict = message_to_dict(message)
    as_dict["tool_calls"][0]["function"]["arguments"] = "changed"
    assert message.tool_calls is not None
    assert message.tool_calls[0].function.arguments == "{}"


def test_message_to_dict_output_is_sent_in_the_next_request() -> None:
    message = structure_completion(FULL_COMPLETION).choices[0].message
    call = prepare_call(
        ClientConfig(api_key="sk-test"),
        "chat",
        "openai/gpt-4o",
        [{"role": "user", "content": "Weather?"}, message],
        {},
        stream=False,
    )
    sent = json.loads(call.http_request().body)["messages"][1]
    assert sent == message_to_dict(message)
    assert "content" not in sent
    assert "reasoning_content" not in sent


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Message(), True),
        (ChatCompletion(), True),
        (ToolCall(), True),
        ({"role": "user"}, False),
        ("text", False),
        (None, False),
    ],
)
def test_is_answer_type_only_for_attrs_answer_objects(value: object, expected: bool) -> None:
    assert is_answer_type(value) is expected


def test_null_choices_become_an_empty_list_in_a_chunk() -> None:
    assert structure_chunk({"id": "c", "choices": None}).choices == []


FAST_PATH_CHUNKS: list[dict[str, Any]] = [
    {"id": "c1", "model": "m", "created": 5, "choices": [{"index": 0, "delta": {"content": "hi"}}]},
    {"id": "c1", "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]},
    {"id": None, "model": None, "choices": [{"index": 1, "delta": None, "finish_reason": "stop"}]},
    {"id": "c1", "choices": None, "usage": {"prompt_tokens": 3, "completion_tokens": 4}},
    {"choices": [], "usage": {"prompt_tokens": 1, "prompt_tokens_details": {"cached_tokens": 1}}},
    {
        "id": "c1",
        "system_fingerprint": "fp",
        "service_tier": "default",
        "vendor_field": {"x": 1},
        "choices": [
            {
                "index": 0,
                "delta": {
                    "tool_calls": [
                        {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f"}},
                        {"index": 1, "function": {"arguments": '{"a"'}},
                    ],
                    "reasoning_content": "thinking",
                    "refusal": None,
                    "extra": True,
                },
                "logprobs": {
                    "content": [{"token": "a", "logprob": -0.5, "bytes": [97], "top_logprobs": []}]
                },
            }
        ],
    },
]


@pytest.mark.parametrize("data", FAST_PATH_CHUNKS)
def test_hand_written_chunk_structure_matches_the_converter(data: dict[str, Any]) -> None:
    assert structure_chunk(data) == converter.structure(data, ChatCompletionChunk)


def test_reasoning_is_read_as_reasoning_content() -> None:
    chunk = structure_chunk({"choices": [{"index": 0, "delta": {"reasoning": "hmm"}}]})
    assert chunk.choices[0].delta.reasoning_content == "hmm"
    both = {"reasoning_content": "kept", "reasoning": "other"}
    chunk = structure_chunk({"choices": [{"index": 0, "delta": both}]})
    assert chunk.choices[0].delta.reasoning_content == "kept"
    completion = structure_completion(
        {"choices": [{"message": {"role": "assistant", "content": "4", "reasoning": "2+2"}}]}
    )
    assert completion.choices[0].message.reasoning_content == "2+2"
