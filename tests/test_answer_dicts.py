"""``to_dict()`` and ``to_json()`` on every answer type: OpenAI's JSON shape, fresh containers,
and a message's dict taken back as a request message by every dialect."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from llmclient import types
from llmclient._config import ClientConfig
from llmclient._core.convert import structure_chunk, structure_completion
from llmclient._core.request import prepare_call
from llmclient._core.stream import ChunkParser
from llmclient._providers import anthropic, gemini
from llmclient.types import (
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ChoiceLogprobs,
    ChunkChoice,
    CompletionTokensDetails,
    Delta,
    Embedding,
    EmbeddingResponse,
    EmbeddingUsage,
    FunctionCall,
    FunctionCallDelta,
    Message,
    Model,
    PromptTokensDetails,
    ProviderState,
    Serializable,
    TokenLogprob,
    ToolCall,
    ToolCallDelta,
    TopLogprob,
    Usage,
)

WEATHER_ARGS = '{"city": "Paris"}'
SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"
ANTHROPIC_STATE = ProviderState(
    "anthropic",
    {
        "content": [
            {"type": "thinking", "thinking": "Ask the tool.", "signature": SIGNATURE},
            {"type": "text"},
            {"type": "tool_use", "id": "call_weather"},
        ]
    },
)
ANTHROPIC_STATE_DICT = {
    "dialect": "anthropic",
    "data": {
        "content": [
            {"type": "thinking", "thinking": "Ask the tool.", "signature": SIGNATURE},
            {"type": "text"},
            {"type": "tool_use", "id": "call_weather"},
        ]
    },
}
GEMINI_STATE = ProviderState("gemini", {"thoughtSignature": "Y2FsbA=="})
GEMINI_STATE_DICT = {"dialect": "gemini", "data": {"thoughtSignature": "Y2FsbA=="}}

TOP = TopLogprob("Hi", -0.25, [72, 105])
TOP_DICT = {"token": "Hi", "logprob": -0.25, "bytes": [72, 105]}
TOKEN = TokenLogprob("Hi", -0.25, [72, 105], [TOP, TopLogprob("Hey", -1.75)])
TOKEN_DICT = {
    "token": "Hi",
    "logprob": -0.25,
    "bytes": [72, 105],
    "top_logprobs": [TOP_DICT, {"token": "Hey", "logprob": -1.75}],
}
CALL = ToolCall("call_weather", FunctionCall("get_weather", WEATHER_ARGS))
CALL_DICT = {
    "id": "call_weather",
    "type": "function",
    "function": {"name": "get_weather", "arguments": WEATHER_ARGS},
}
USAGE = Usage(
    12,
    5,
    17,
    PromptTokensDetails(cached_tokens=0, audio_tokens=0),
    CompletionTokensDetails(reasoning_tokens=2, audio_tokens=0),
)
USAGE_DICT = {
    "prompt_tokens": 12,
    "completion_tokens": 5,
    "total_tokens": 17,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 2, "audio_tokens": 0},
}
MESSAGE = Message(
    content="Checking.",
    tool_calls=[CALL],
    reasoning_content="Ask the tool.",
    provider_state=ANTHROPIC_STATE,
)
MESSAGE_DICT = {
    "role": "assistant",
    "content": "Checking.",
    "tool_calls": [CALL_DICT],
    "reasoning_content": "Ask the tool.",
    "provider_state": ANTHROPIC_STATE_DICT,
}
CHOICE = Choice(0, MESSAGE, "tool_calls", ChoiceLogprobs(content=[TOKEN]))
CHOICE_DICT = {
    "index": 0,
    "message": MESSAGE_DICT,
    "finish_reason": "tool_calls",
    "logprobs": {"content": [TOKEN_DICT]},
}
CALL_DELTA = ToolCallDelta(0, "call_weather", "function", FunctionCallDelta("get_weather", ""))
CALL_DELTA_DICT = {
    "index": 0,
    "id": "call_weather",
    "type": "function",
    "function": {"name": "get_weather", "arguments": ""},
}

#: One value of every answer type (filled, and with its optional fields left None), and the
#: dict in OpenAI's JSON shape it must give.
SAMPLES: list[tuple[Serializable, dict[str, Any]]] = [
    (FunctionCall("get_weather", WEATHER_ARGS), {"name": "get_weather", "arguments": WEATHER_ARGS}),
    (FunctionCall(), {"name": "", "arguments": ""}),
    (CALL, CALL_DICT),
    (
        ToolCall("call_1", FunctionCall("f", "{}"), provider_state=GEMINI_STATE),
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "f", "arguments": "{}"},
            "provider_state": GEMINI_STATE_DICT,
        },
    ),
    (FunctionCallDelta(arguments='{"ci'), {"arguments": '{"ci'}),
    (FunctionCallDelta(), {}),
    (CALL_DELTA, CALL_DELTA_DICT),
    (ToolCallDelta(1), {"index": 1}),
    (TOP, TOP_DICT),
    (TopLogprob("Hey", -1.75), {"token": "Hey", "logprob": -1.75}),
    (TOKEN, TOKEN_DICT),
    (TokenLogprob("a", -0.5), {"token": "a", "logprob": -0.5, "top_logprobs": []}),
    (ChoiceLogprobs(content=[TOKEN]), {"content": [TOKEN_DICT]}),
    (ChoiceLogprobs(refusal=[]), {"refusal": []}),
    (
        PromptTokensDetails(cached_tokens=100, cache_creation_tokens=20),
        {"cached_tokens": 100, "cache_creation_tokens": 20},
    ),
    (PromptTokensDetails(), {}),
    (
        CompletionTokensDetails(1, 2, 3, 4),
        {
            "reasoning_tokens": 1,
            "audio_tokens": 2,
            "accepted_prediction_tokens": 3,
            "rejected_prediction_tokens": 4,
        },
    ),
    (CompletionTokensDetails(), {}),
    (USAGE, USAGE_DICT),
    (Usage(), {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}),
    (MESSAGE, MESSAGE_DICT),
    (Message(content="Hi"), {"role": "assistant", "content": "Hi"}),
    (
        Message(refusal="I can't help with that."),
        {"role": "assistant", "refusal": "I can't help with that."},
    ),
    (Message(), {"role": "assistant"}),
    (CHOICE, CHOICE_DICT),
    (Choice(), {"index": 0, "message": {"role": "assistant"}}),
    (
        ChatCompletion(
            "chatcmpl-1",
            "gpt-4o",
            [CHOICE],
            USAGE,
            1741570283,
            system_fingerprint="fp_1",
            service_tier="default",
        ),
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1741570283,
            "model": "gpt-4o",
            "choices": [CHOICE_DICT],
            "usage": USAGE_DICT,
            "system_fingerprint": "fp_1",
            "service_tier": "default",
        },
    ),
    (
        ChatCompletion(),
        {"id": "", "model": "", "choices": [], "created": 0, "object": "chat.completion"},
    ),
    (
        Delta("assistant", "Hi", [CALL_DELTA], None, "Hm", GEMINI_STATE),
        {
            "role": "assistant",
            "content": "Hi",
            "tool_calls": [CALL_DELTA_DICT],
            "reasoning_content": "Hm",
            "provider_state": GEMINI_STATE_DICT,
        },
    ),
    (Delta(), {}),
    (Delta(content=""), {"content": ""}),
    (
        ChunkChoice(0, Delta(content="Hi"), None, ChoiceLogprobs(content=[TOKEN])),
        {"index": 0, "delta": {"content": "Hi"}, "logprobs": {"content": [TOKEN_DICT]}},
    ),
    (ChunkChoice(2, finish_reason="stop"), {"index": 2, "delta": {}, "finish_reason": "stop"}),
    (
        ChatCompletionChunk(
            "chatcmpl-1",
            "gpt-4o",
            [ChunkChoice(0, Delta(content="Hi"))],
            None,
            7,
            system_fingerprint="fp_1",
        ),
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 7,
            "model": "gpt-4o",
            "system_fingerprint": "fp_1",
            "choices": [{"index": 0, "delta": {"content": "Hi"}}],
        },
    ),
    (
        ChatCompletionChunk("chatcmpl-1", "gpt-4o", [], USAGE, 7),
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 7,
            "model": "gpt-4o",
            "choices": [],
            "usage": USAGE_DICT,
        },
    ),
    (ANTHROPIC_STATE, ANTHROPIC_STATE_DICT),
    (ProviderState(), {"dialect": "", "data": {}}),
    (
        Embedding(0, [0.0023064255, -0.009327292]),
        {"object": "embedding", "index": 0, "embedding": [0.0023064255, -0.009327292]},
    ),
    (EmbeddingUsage(8, 8), {"prompt_tokens": 8, "total_tokens": 8}),
    (
        EmbeddingResponse(
            [Embedding(0, [0.5]), Embedding(1, [-0.5])],
            "text-embedding-3-small",
            EmbeddingUsage(8, 8),
        ),
        {
            "object": "list",
            "data": [
                {"object": "embedding", "index": 0, "embedding": [0.5]},
                {"object": "embedding", "index": 1, "embedding": [-0.5]},
            ],
            "model": "text-embedding-3-small",
            "usage": {"prompt_tokens": 8, "total_tokens": 8},
        },
    ),
    (
        EmbeddingResponse(model="text-embedding-004"),
        {"object": "list", "data": [], "model": "text-embedding-004"},
    ),
    (
        Model("gpt-4o", 1715367049, "system", "openai"),
        {
            "id": "gpt-4o",
            "object": "model",
            "created": 1715367049,
            "owned_by": "system",
            "provider": "openai",
        },
    ),
    (
        Model("claude-sonnet-4-5", provider="anthropic", display_name="Claude Sonnet 4.5"),
        {
            "id": "claude-sonnet-4-5",
            "object": "model",
            "provider": "anthropic",
            "display_name": "Claude Sonnet 4.5",
        },
    ),
]


def sample_id(n: int, value: Serializable) -> str:
    return f"{type(value).__name__}-{n}"


SAMPLE_PARAMS = [
    pytest.param(value, expected, id=sample_id(n, value))
    for n, (value, expected) in enumerate(SAMPLES)
]


VALUE_PARAMS = [pytest.param(value, id=sample_id(n, value)) for n, (value, _) in enumerate(SAMPLES)]


def answer_types() -> set[type]:
    """Every public type of :mod:`llmclient.types` that can become a dict."""
    found = set()
    for name in types.__all__:
        value = getattr(types, name)
        if (
            isinstance(value, type)
            and issubclass(value, Serializable)
            and value is not Serializable
        ):
            found.add(value)
    return found


def json_values(value: Any, where: str = "$") -> Iterator[str]:
    """The places in ``value`` that hold something JSON has no value for."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                yield f"{where} key {key!r}"
            yield from json_values(item, f"{where}.{key}")
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from json_values(item, f"{where}[{number}]")
    elif value is None or isinstance(value, (str, int, float, bool)):
        return
    else:
        yield f"{where}: {type(value).__name__}"


def keys_anywhere(value: Any) -> set[str]:
    """Every key of every object in a JSON value."""
    if isinstance(value, dict):
        return set(value).union(*(keys_anywhere(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_anywhere(item) for item in value))
    return set()


def scramble(value: Any) -> None:
    """Change every container in ``value``, innermost first."""
    if isinstance(value, dict):
        for item in value.values():
            scramble(item)
        value.clear()
        value["changed"] = True
    elif isinstance(value, list):
        for item in value:
            scramble(item)
        value.clear()
        value.append("changed")


def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


# --- every type, its shape ---------------------------------------------------------------------


def test_every_answer_type_has_a_sample() -> None:
    assert answer_types() == {type(value) for value, _ in SAMPLES}
    assert len(answer_types()) >= 21


@pytest.mark.parametrize(("value", "expected"), SAMPLE_PARAMS)
def test_to_dict_is_openais_shape_with_none_fields_left_out(
    value: Serializable, expected: dict[str, Any]
) -> None:
    assert value.to_dict() == expected


@pytest.mark.parametrize("value", VALUE_PARAMS)
def test_to_dict_holds_only_json_values_with_nested_objects_as_dicts(value: Serializable) -> None:
    assert list(json_values(value.to_dict())) == []


@pytest.mark.parametrize(("value", "expected"), SAMPLE_PARAMS)
def test_changing_a_dict_from_to_dict_leaves_the_object_as_it_was(
    value: Serializable, expected: dict[str, Any]
) -> None:
    before = copy.deepcopy(value)
    first = value.to_dict()
    scramble(first)
    assert value == before
    assert value.to_dict() == expected
    assert value.to_dict() is not value.to_dict()


@pytest.mark.parametrize(("value", "expected"), SAMPLE_PARAMS)
def test_to_json_is_compact_one_line_json_of_to_dict(
    value: Serializable, expected: dict[str, Any]
) -> None:
    text = value.to_json()
    assert text == json.dumps(value.to_dict(), ensure_ascii=False, separators=(",", ":"))
    assert "\n" not in text
    assert json.loads(text) == value.to_dict() == expected


def test_to_json_escapes_newlines_and_keeps_other_characters_as_they_are() -> None:
    message = Message(content='Zeile 1\nZeile 2 — ☀ "quoted"')
    text = message.to_json()
    assert text == '{"role":"assistant","content":"Zeile 1\\nZeile 2 — ☀ \\"quoted\\""}'
    assert json.loads(text) == message.to_dict()


def test_provider_state_data_is_copied_all_the_way_down() -> None:
    state = ProviderState(
        "anthropic", {"content": [{"type": "thinking", "thinking": "x", "signature": "s"}]}
    )
    message = Message(content="Hi", provider_state=state)
    out = message.to_dict()
    out["provider_state"]["data"]["content"][0]["signature"] = "forged"
    out["provider_state"]["data"]["content"].append({"type": "text"})
    assert state.data == {"content": [{"type": "thinking", "thinking": "x", "signature": "s"}]}


# --- real answers ------------------------------------------------------------------------------

#: A completion as OpenAI documents it, with fields llmclient does not model (annotations,
#: audio) and nulls.
OPENAI_COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
    "object": "chat.completion",
    "created": 1741570283,
    "model": "gpt-4o-2024-08-06",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "The image shows a wooden boardwalk through a lush green marshland.",
                "refusal": None,
                "annotations": [],
                "audio": None,
            },
            "logprobs": {
                "content": [
                    {
                        "token": "The",
                        "logprob": -0.0001,
                        "bytes": [84, 104, 101],
                        "top_logprobs": [
                            {"token": "The", "logprob": -0.0001, "bytes": [84, 104, 101]},
                            {"token": "This", "logprob": -9.25, "bytes": None},
                        ],
                    }
                ],
                "refusal": None,
            },
            "finish_reason": "stop",
        },
        {
            "index": 1,
            "message": {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_weather",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": WEATHER_ARGS},
                    }
                ],
                "refusal": None,
                "annotations": [],
            },
            "logprobs": None,
            "finish_reason": "tool_calls",
        },
    ],
    "usage": {
        "prompt_tokens": 1117,
        "completion_tokens": 46,
        "total_tokens": 1163,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    },
    "service_tier": "default",
    "system_fingerprint": "fp_fc9f1d7035",
}
UNMODELLED_MESSAGE_FIELDS = ("annotations", "audio")


def test_to_dict_of_a_real_openai_completion_is_its_json_without_nulls_and_unmodelled_fields() -> (
    None
):
    expected = without_nulls(copy.deepcopy(OPENAI_COMPLETION))
    for choice in expected["choices"]:
        for name in UNMODELLED_MESSAGE_FIELDS:
            choice["message"].pop(name, None)
    completion = structure_completion(copy.deepcopy(OPENAI_COMPLETION))
    assert completion.to_dict() == expected
    assert json.loads(completion.to_json()) == expected


def test_a_completions_dict_reads_back_as_the_same_completion() -> None:
    completion = structure_completion(OPENAI_COMPLETION)
    assert structure_completion(completion.to_dict()) == completion
    assert structure_completion(json.loads(completion.to_json())) == completion


#: Chunks as OpenAI streams them: nulls, a padding field llmclient does not model, and the
#: usage chunk of ``include_usage``.
OPENAI_CHUNKS: list[dict[str, Any]] = [
    {
        "id": "chatcmpl-123",
        "object": "chat.completion.chunk",
        "created": 1694268190,
        "model": "gpt-4o-mini",
        "system_fingerprint": "fp_44709d6fcb",
        "choices": [
            {
                "index": 0,
                "delta": {"role": "assistant", "content": "", "refusal": None},
                "logprobs": None,
                "finish_reason": None,
            }
        ],
        "usage": None,
        "obfuscation": "p0T",
    },
    {
        "id": "chatcmpl-123",
        "object": "chat.completion.chunk",
        "created": 1694268190,
        "model": "gpt-4o-mini",
        "system_fingerprint": "fp_44709d6fcb",
        "choices": [
            {
                "index": 0,
                "delta": {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_weather",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": ""},
                        }
                    ]
                },
                "logprobs": None,
                "finish_reason": None,
            }
        ],
    },
    {
        "id": "chatcmpl-123",
        "object": "chat.completion.chunk",
        "created": 1694268190,
        "model": "gpt-4o-mini",
        "system_fingerprint": "fp_44709d6fcb",
        "service_tier": "default",
        "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}],
    },
    {
        "id": "chatcmpl-123",
        "object": "chat.completion.chunk",
        "created": 1694268190,
        "model": "gpt-4o-mini",
        "system_fingerprint": "fp_44709d6fcb",
        "choices": [],
        "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21},
    },
]


@pytest.mark.parametrize("raw", OPENAI_CHUNKS, ids=["role", "tool-call", "finish", "usage"])
def test_to_dict_of_a_real_openai_chunk_is_its_json_without_nulls_and_padding(
    raw: dict[str, Any],
) -> None:
    expected = without_nulls(copy.deepcopy(raw))
    expected.pop("obfuscation", None)
    chunk = structure_chunk(copy.deepcopy(raw))
    assert chunk.to_dict() == expected
    assert structure_chunk(chunk.to_dict()) == chunk


# --- a message's dict as the next request's message --------------------------------------------

CONFIG = ClientConfig(api_key="k")
USER = {"role": "user", "content": "What is the weather in Paris?"}
MODELS = {
    "openai": "openai/gpt-4o",
    "anthropic": "anthropic/claude-sonnet-4-5",
    "gemini": "gemini/gemini-2.5-flash",
}


def request_body(dialect: str, message: Any, call_id: str) -> dict[str, Any]:
    """The JSON body each dialect sends for a turn with ``message`` and its tool's result."""
    result = {"role": "tool", "tool_call_id": call_id, "content": '{"temperature": 21}'}
    call = prepare_call(CONFIG, "chat", MODELS[dialect], [USER, message, result], {}, stream=False)
    body = json.loads(call.http_request().body)
    assert isinstance(body, dict)
    return body


def parsed_anthropic_message() -> Message:
    body = {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "stop_reason": "tool_use",
        "content": [
            {"type": "thinking", "thinking": "Ask the tool.", "signature": SIGNATURE},
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix"},
            {"type": "text", "text": "Checking."},
            {
                "type": "tool_use",
                "id": "toolu_01A",
                "name": "get_weather",
                "input": {"city": "Paris"},
            },
        ],
        "usage": {"input_tokens": 25, "output_tokens": 15},
    }
    call = prepare_call(CONFIG, "chat", MODELS["anthropic"], [USER], {}, stream=False)
    return anthropic.DIALECT.parse_completion(call, json.dumps(body).encode()).choices[0].message


def streamed_anthropic_message() -> Message:
    def event(kind: str, **fields: Any) -> bytes:
        return f"event: {kind}\ndata: {json.dumps({'type': kind, **fields})}\n\n".encode()

    start = {
        "id": "msg_02",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "claude",
        "usage": {},
    }
    events = [
        event("message_start", message=start),
        event(
            "content_block_start",
            index=0,
            content_block={"type": "thinking", "thinking": "", "signature": ""},
        ),
        event("content_block_delta", index=0, delta={"type": "thinking_delta", "thinking": "Ask "}),
        event(
            "content_block_delta",
            index=0,
            delta={"type": "thinking_delta", "thinking": "the tool."},
        ),
        event(
            "content_block_delta",
            index=0,
            delta={"type": "signature_delta", "signature": SIGNATURE},
        ),
        event("content_block_stop", index=0),
        event("content_block_start", index=1, content_block={"type": "text", "text": ""}),
        event("content_block_delta", index=1, delta={"type": "text_delta", "text": "Checking."}),
        event("content_block_stop", index=1),
        event(
            "content_block_start",
            index=2,
            content_block={
                "type": "tool_use",
                "id": "toolu_01A",
                "name": "get_weather",
                "input": {},
            },
        ),
        event(
            "content_block_delta",
            index=2,
            delta={"type": "input_json_delta", "partial_json": WEATHER_ARGS},
        ),
        event("content_block_stop", index=2),
        event("message_delta", delta={"stop_reason": "tool_use"}, usage={"output_tokens": 15}),
        event("message_stop"),
    ]
    call = prepare_call(CONFIG, "chat_stream", MODELS["anthropic"], [USER], {}, stream=True)
    parser = ChunkParser(
        anthropic.DIALECT.new_stream(call), anthropic.DIALECT.new_framing(call), "anthropic"
    )
    for piece in events:
        parser.feed(piece)
    parser.end()
    return parser.completion().choices[0].message


def parsed_gemini_message() -> Message:
    body = {
        "responseId": "resp-1",
        "modelVersion": "gemini-2.5-flash",
        "candidates": [
            {
                "index": 0,
                "finishReason": "STOP",
                "content": {
                    "role": "model",
                    "parts": [
                        {"text": "Ask the tool.", "thought": True},
                        {"text": "Checking.", "thoughtSignature": "dGV4dA=="},
                        {
                            "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                            "thoughtSignature": "Y2FsbA==",
                        },
                    ],
                },
            }
        ],
    }
    call = prepare_call(CONFIG, "chat", MODELS["gemini"], [USER], {}, stream=False)
    return gemini.DIALECT.parse_completion(call, json.dumps(body).encode()).choices[0].message


def parsed_openai_message() -> Message:
    return structure_completion(OPENAI_COMPLETION).choices[1].message


SOURCES = {
    "anthropic": parsed_anthropic_message,
    "anthropic-stream": streamed_anthropic_message,
    "gemini": parsed_gemini_message,
    "openai": parsed_openai_message,
}


def call_id_of(message: Message) -> str:
    assert message.tool_calls is not None
    return message.tool_calls[0].id


def test_the_parsed_messages_carry_their_providers_state() -> None:
    anthropic_message = parsed_anthropic_message()
    assert anthropic_message.to_dict()["provider_state"]["dialect"] == "anthropic"
    assert anthropic_message.reasoning_content == "Ask the tool."
    gemini_message = parsed_gemini_message().to_dict()
    assert gemini_message["provider_state"] == {
        "dialect": "gemini",
        "data": {"thoughtSignature": "dGV4dA=="},
    }
    assert gemini_message["tool_calls"][0]["provider_state"] == {
        "dialect": "gemini",
        "data": {"thoughtSignature": "Y2FsbA=="},
    }


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("dialect", MODELS)
def test_a_messages_dict_its_json_and_the_message_make_the_same_request(
    source: str, dialect: str
) -> None:
    message = SOURCES[source]()
    call_id = call_id_of(message)
    as_object = request_body(dialect, message, call_id)
    assert request_body(dialect, message.to_dict(), call_id) == as_object
    assert request_body(dialect, json.loads(message.to_json()), call_id) == as_object


@pytest.mark.parametrize("source", SOURCES)
def test_the_openai_body_has_no_provider_state_and_no_reasoning_content(source: str) -> None:
    message = SOURCES[source]()
    body = request_body("openai", message.to_dict(), call_id_of(message))
    assert {"provider_state", "reasoning_content"}.isdisjoint(keys_anywhere(body))
    assistant = body["messages"][1]
    assert assistant["role"] == "assistant"
    assert assistant.get("content") == message.content
    assert assistant["tool_calls"][0]["function"]["name"] == "get_weather"
    assert json.loads(assistant["tool_calls"][0]["function"]["arguments"]) == {"city": "Paris"}


@pytest.mark.parametrize("source", ["anthropic", "anthropic-stream"])
def test_the_anthropic_body_carries_anthropics_state_in_answer_order(source: str) -> None:
    message = SOURCES[source]()
    body = request_body("anthropic", message.to_dict(), call_id_of(message))
    assistant = body["messages"][1]
    assert assistant["role"] == "assistant"
    blocks = assistant["content"]
    thinking = {"type": "thinking", "thinking": "Ask the tool.", "signature": SIGNATURE}
    text = {"type": "text", "text": "Checking."}
    tool_use = {
        "type": "tool_use",
        "id": "toolu_01A",
        "name": "get_weather",
        "input": {"city": "Paris"},
    }
    if source == "anthropic":
        assert blocks == [
            thinking,
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix"},
            text,
            tool_use,
        ]
    else:
        assert blocks == [thinking, text, tool_use]
    assert {"provider_state", "reasoning_content"}.isdisjoint(keys_anywhere(body))


@pytest.mark.parametrize("source", ["gemini", "openai"])
def test_the_anthropic_body_drops_another_dialects_state(source: str) -> None:
    message = SOURCES[source]()
    body = request_body("anthropic", message.to_dict(), call_id_of(message))
    assert {"provider_state", "reasoning_content", "thoughtSignature"}.isdisjoint(
        keys_anywhere(body)
    )
    blocks = body["messages"][1]["content"]
    assert [block["type"] for block in blocks] == (
        ["text", "tool_use"] if message.content else ["tool_use"]
    )
    assert "Ask the tool." not in json.dumps(body)


def test_the_gemini_body_puts_each_signature_back_on_its_part() -> None:
    message = parsed_gemini_message()
    body = request_body("gemini", message.to_dict(), call_id_of(message))
    model_turn = body["contents"][1]
    assert model_turn == {
        "role": "model",
        "parts": [
            {"text": "Checking.", "thoughtSignature": "dGV4dA=="},
            {
                "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                "thoughtSignature": "Y2FsbA==",
            },
        ],
    }
    assert "Ask the tool." not in json.dumps(body)  # the thought was for reading
    assert "provider_state" not in keys_anywhere(body)


@pytest.mark.parametrize("source", ["anthropic", "anthropic-stream", "openai"])
def test_the_gemini_body_drops_another_dialects_state(source: str) -> None:
    message = SOURCES[source]()
    body = request_body("gemini", message.to_dict(), call_id_of(message))
    assert {"provider_state", "reasoning_content", "thoughtSignature", "signature"}.isdisjoint(
        keys_anywhere(body)
    )
    parts = body["contents"][1]["parts"]
    assert parts[-1] == {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}
    assert SIGNATURE not in json.dumps(body)
    assert "Ask the tool." not in json.dumps(body)
