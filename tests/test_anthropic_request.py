"""Tests for AnthropicDialect's request side: OpenAI-style calls to Messages API requests. No I/O.

The round-trip test compares against a body written by hand from Anthropic's Messages API
reference; the others check one mapping or one rejection each.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from conftest import authorized

from llmclient._config import ClientConfig
from llmclient._core.call import ChatCall
from llmclient._core.request import prepare_call
from llmclient._providers import get_dialect
from llmclient._providers.anthropic import (
    ANTHROPIC_VERSION,
    DEFAULT_MAX_TOKENS,
    DIALECT,
    THINKING_BUDGETS,
)
from llmclient.errors import InvalidRequestError, MissingAPIKeyError

MODEL = "anthropic/claude-3-5-sonnet-20241022"
KEY = "sk-ant-test-0123456789"
USER: list[dict[str, Any]] = [{"role": "user", "content": "Hello"}]
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": WEATHER_SCHEMA,
    },
}


@pytest.fixture(autouse=True)
def _no_anthropic_key_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)


def make_call(
    messages: Sequence[Any] = USER,
    *,
    model: str = MODEL,
    stream: bool = False,
    config: ClientConfig | None = None,
    **params: Any,
) -> ChatCall:
    return prepare_call(
        config or ClientConfig(api_key=KEY), "chat", model, messages, params, stream=stream
    )


def body_of(messages: Sequence[Any] = USER, **params: Any) -> dict[str, Any]:
    body = json.loads(make_call(messages, **params).http_request().body)
    assert isinstance(body, dict)
    return body


# --- the request line and headers --------------------------------------------------------------


def test_anthropic_models_use_the_anthropic_dialect() -> None:
    call = make_call()
    assert call.dialect is DIALECT
    assert get_dialect("anthropic") is DIALECT
    assert call.model == "claude-3-5-sonnet-20241022"


def test_request_posts_to_messages_with_key_and_version_headers() -> None:
    request = authorized(make_call())
    assert request.method == "POST"
    assert request.url == "https://api.anthropic.com/v1/messages"
    assert request.headers["x-api-key"] == KEY
    assert request.headers["anthropic-version"] == ANTHROPIC_VERSION == "2023-06-01"
    assert request.headers["content-type"] == "application/json"
    assert "authorization" not in request.headers


def test_a_base_url_override_keeps_the_messages_path() -> None:
    config = ClientConfig(api_key=KEY, base_url="http://127.0.0.1:9/v1/")
    request = make_call(config=config).http_request()
    assert request.url == "http://127.0.0.1:9/v1/messages"


def test_extra_headers_pass_through_and_the_callers_version_wins() -> None:
    headers = {"anthropic-beta": "prompt-caching-2024-07-31", "Anthropic-Version": "2099-01-01"}
    request = authorized(make_call(extra_headers=headers))
    assert request.headers["anthropic-beta"] == "prompt-caching-2024-07-31"
    assert request.headers["anthropic-version"] == "2099-01-01"
    assert "Anthropic-Version" not in request.headers


def test_key_comes_from_anthropic_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env")
    request = authorized(make_call(config=ClientConfig()))
    assert request.headers["x-api-key"] == "sk-ant-from-env"


def test_a_missing_key_names_anthropic_api_key() -> None:
    with pytest.raises(MissingAPIKeyError, match="ANTHROPIC_API_KEY"):
        make_call(config=ClientConfig())


# --- the round trip ----------------------------------------------------------------------------


def test_openai_conversation_with_tools_becomes_the_hand_written_anthropic_body() -> None:
    openai_messages = [
        {"role": "system", "content": "You are a concise weather assistant."},
        {"role": "user", "content": "What is the weather in Paris and in London?"},
        {
            "role": "assistant",
            "content": "I will look both up.",
            "tool_calls": [
                {
                    "id": "toolu_01A",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                },
                {
                    "id": "toolu_01B",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "London"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "toolu_01A", "content": "18 degrees, sunny"},
        {"role": "tool", "tool_call_id": "toolu_01B", "content": "12 degrees, rain"},
        {"role": "user", "content": "Which one is warmer?"},
    ]
    body = body_of(
        openai_messages,
        stream=True,
        max_tokens=1024,
        temperature=0.5,
        stop="END",
        tools=[WEATHER_TOOL],
        tool_choice="auto",
    )
    # As written from Anthropic's Messages API reference (tool use, streaming).
    assert body == {
        "model": "claude-3-5-sonnet-20241022",
        "max_tokens": 1024,
        "system": "You are a concise weather assistant.",
        "messages": [
            {"role": "user", "content": "What is the weather in Paris and in London?"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "I will look both up."},
                    {
                        "type": "tool_use",
                        "id": "toolu_01A",
                        "name": "get_weather",
                        "input": {"city": "Paris"},
                    },
                    {
                        "type": "tool_use",
                        "id": "toolu_01B",
                        "name": "get_weather",
                        "input": {"city": "London"},
                    },
                ],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_01A",
                        "content": "18 degrees, sunny",
                    },
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_01B",
                        "content": "12 degrees, rain",
                    },
                    {"type": "text", "text": "Which one is warmer?"},
                ],
            },
        ],
        "stop_sequences": ["END"],
        "temperature": 0.5,
        "tools": [
            {
                "name": "get_weather",
                "description": "The current weather in a city.",
                "input_schema": WEATHER_SCHEMA,
            }
        ],
        "tool_choice": {"type": "auto"},
        "stream": True,
    }


def test_non_streamed_body_has_no_stream_flag_and_the_default_max_tokens() -> None:
    body = body_of()
    assert body == {
        "model": "claude-3-5-sonnet-20241022",
        "messages": [{"role": "user", "content": "Hello"}],
        "max_tokens": DEFAULT_MAX_TOKENS,
    }


# --- messages ----------------------------------------------------------------------------------


def test_system_and_developer_messages_join_into_the_top_level_system() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "developer", "content": [{"type": "text", "text": "Answer in French."}]},
    ]
    body = body_of(messages)
    assert body["system"] == "Be brief.\n\nAnswer in French."
    assert body["messages"] == [{"role": "user", "content": "Hi"}]


def test_a_system_part_with_cache_control_keeps_the_block_form() -> None:
    cache = {"type": "ephemeral"}
    messages = [
        {"role": "system", "content": [{"type": "text", "text": "Long", "cache_control": cache}]},
        {"role": "user", "content": "Hi"},
    ]
    assert body_of(messages)["system"] == [{"type": "text", "text": "Long", "cache_control": cache}]


def test_a_system_message_with_an_image_is_rejected() -> None:
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    with pytest.raises(InvalidRequestError, match=r"messages\[0\]\['content'\]\[0\]"):
        body_of([{"role": "system", "content": [image]}, *USER])


def test_consecutive_user_messages_merge_into_one_turn() -> None:
    messages = [{"role": "user", "content": "One"}, {"role": "user", "content": "Two"}]
    assert body_of(messages)["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "One"}, {"type": "text", "text": "Two"}],
        }
    ]


def test_tool_results_go_first_in_a_merged_user_turn() -> None:
    messages = [
        {"role": "user", "content": "Weather?"},
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "t1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        {"role": "user", "content": "Also, hurry."},
        {"role": "tool", "tool_call_id": "t1", "content": "sunny"},
    ]
    turn = body_of(messages)["messages"][2]
    assert turn["content"][0] == {"type": "tool_result", "tool_use_id": "t1", "content": "sunny"}
    assert turn["content"][1] == {"type": "text", "text": "Also, hurry."}


def test_assistant_tool_call_without_arguments_gets_an_empty_input() -> None:
    messages = [
        *USER,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "t1", "function": {"name": "now", "arguments": ""}}],
        },
    ]
    assert body_of(messages)["messages"][1]["content"] == [
        {"type": "tool_use", "id": "t1", "name": "now", "input": {}}
    ]


def test_invalid_tool_call_arguments_name_the_message() -> None:
    messages = [
        *USER,
        {
            "role": "assistant",
            "tool_calls": [{"id": "t1", "function": {"name": "f", "arguments": "{not json"}}],
        },
    ]
    with pytest.raises(InvalidRequestError, match=r"messages\[1\]\['tool_calls'\]\[0\]"):
        body_of(messages)


def test_tool_call_arguments_that_are_not_an_object_are_rejected() -> None:
    messages = [
        *USER,
        {
            "role": "assistant",
            "tool_calls": [{"id": "t", "function": {"name": "f", "arguments": "[1]"}}],
        },
    ]
    with pytest.raises(InvalidRequestError, match="JSON object"):
        body_of(messages)


def test_tool_message_with_content_parts_becomes_a_tool_result_with_blocks() -> None:
    messages = [
        *USER,
        {"role": "assistant", "tool_calls": [{"id": "t1", "function": {"name": "f"}}]},
        {"role": "tool", "tool_call_id": "t1", "content": [{"type": "text", "text": "ok"}]},
    ]
    assert body_of(messages)["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": "ok"}]}
    ]


def test_tool_message_without_tool_call_id_is_rejected() -> None:
    with pytest.raises(InvalidRequestError, match=r"messages\[1\].*tool_call_id"):
        body_of([*USER, {"role": "tool", "content": "x"}])


def test_images_become_base64_and_url_sources() -> None:
    content = [
        {"type": "text", "text": "Compare these."},
        {"type": "image_url", "image_url": {"url": "data:image/PNG;base64,iVBORw0KGgo="}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg", "detail": "low"}},
    ]
    assert body_of([{"role": "user", "content": content}])["messages"][0]["content"] == [
        {"type": "text", "text": "Compare these."},
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
        },
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
    ]


def test_a_pdf_file_part_becomes_a_document() -> None:
    part = {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0="}}
    assert body_of([{"role": "user", "content": [part]}])["messages"][0]["content"] == [
        {
            "type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="},
        }
    ]


@pytest.mark.parametrize(
    "part",
    [
        {"type": "image_url", "image_url": {"url": "ftp://example.com/a.png"}},
        {"type": "image_url", "image_url": {"url": "data:image/png,not-base64"}},
        {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
        {"type": "file", "file": {"file_id": "file-abc"}},
    ],
    ids=["ftp-url", "data-url-without-base64", "audio", "file-id"],
)
def test_content_parts_anthropic_cannot_take_are_rejected(part: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequestError, match=r"messages\[0\]\['content'\]\[0\]"):
        body_of([{"role": "user", "content": [part]}])


def test_content_parts_already_in_anthropic_form_pass_through() -> None:
    block = {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "x"},
    }
    assert body_of([{"role": "user", "content": [block]}])["messages"][0]["content"] == [block]


def test_cache_control_on_a_text_part_is_kept() -> None:
    part = {"type": "text", "text": "Big context", "cache_control": {"type": "ephemeral"}}
    assert body_of([{"role": "user", "content": [part]}])["messages"][0]["content"] == [part]


def test_empty_user_content_is_rejected_before_sending() -> None:
    with pytest.raises(InvalidRequestError, match=r"messages\[0\] has empty content"):
        body_of([{"role": "user", "content": ""}])


def test_an_unknown_role_is_rejected() -> None:
    with pytest.raises(InvalidRequestError, match=r"messages\[0\] has role 'function'"):
        body_of([{"role": "function", "name": "f", "content": "x"}])


def test_answer_messages_can_be_sent_back() -> None:
    from llmclient.types import FunctionCall, Message, ToolCall

    answer = Message(
        content="Checking.",
        tool_calls=[ToolCall("toolu_9", FunctionCall("get_weather", '{"city":"Oslo"}'))],
        reasoning_content="The user wants Oslo.",
    )
    body = body_of([*USER, answer, {"role": "tool", "tool_call_id": "toolu_9", "content": "-3"}])
    assert body["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "toolu_9", "name": "get_weather", "input": {"city": "Oslo"}},
        ],
    }


# --- parameters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"max_tokens": 100}, {"max_tokens": 100}),
        ({"max_completion_tokens": 200}, {"max_tokens": 200}),
        ({"max_tokens": 100, "max_completion_tokens": 200}, {"max_tokens": 200}),
        ({"stop": "###"}, {"stop_sequences": ["###"]}),
        ({"stop": ["a", "b"]}, {"stop_sequences": ["a", "b"]}),
        ({"temperature": 0.0}, {"temperature": 0.0}),
        ({"top_p": 0.9}, {"top_p": 0.9}),
        ({"user": "user-42"}, {"metadata": {"user_id": "user-42"}}),
        ({"tool_choice": "auto"}, {"tool_choice": {"type": "auto"}}),
        ({"tool_choice": "required"}, {"tool_choice": {"type": "any"}}),
        ({"tool_choice": "none"}, {"tool_choice": {"type": "none"}}),
        (
            {"tool_choice": {"type": "function", "function": {"name": "get_weather"}}},
            {"tool_choice": {"type": "tool", "name": "get_weather"}},
        ),
        (
            {"parallel_tool_calls": False},
            {"tool_choice": {"type": "auto", "disable_parallel_tool_use": True}},
        ),
        (
            {"parallel_tool_calls": False, "tool_choice": "required"},
            {"tool_choice": {"type": "any", "disable_parallel_tool_use": True}},
        ),
        ({"parallel_tool_calls": False, "tool_choice": "none"}, {"tool_choice": {"type": "none"}}),
        ({"parallel_tool_calls": True}, {}),
        ({"stream_options": {"include_usage": True}}, {}),
        ({"n": 1, "logprobs": False, "presence_penalty": 0, "frequency_penalty": 0.0}, {}),
        ({"logit_bias": {}}, {}),
        ({"response_format": {"type": "text"}}, {}),
    ],
    ids=repr,
)
def test_parameter_translation(params: dict[str, Any], expected: dict[str, Any]) -> None:
    body = body_of(**params)
    del body["model"], body["messages"]
    assert body == {"max_tokens": DEFAULT_MAX_TOKENS, **expected}


def test_tools_become_name_description_input_schema() -> None:
    bare = {"type": "function", "function": {"name": "now"}}
    native = {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}
    body = body_of(tools=[WEATHER_TOOL, bare, native])
    assert body["tools"] == [
        {
            "name": "get_weather",
            "description": "The current weather in a city.",
            "input_schema": WEATHER_SCHEMA,
        },
        {"name": "now", "input_schema": {"type": "object", "properties": {}}},
        native,
    ]


@pytest.mark.parametrize(
    "tools",
    [[{"type": "function"}], [{"type": "code_interpreter"}], ["get_weather"]],
    ids=["no-function", "openai-builtin", "not-a-dict"],
)
def test_malformed_tools_are_rejected(tools: list[Any]) -> None:
    with pytest.raises(InvalidRequestError, match=r"tools\[0\]"):
        body_of(tools=tools)


def test_an_unknown_tool_choice_is_rejected() -> None:
    with pytest.raises(InvalidRequestError, match=r"tool_choice='sometimes'.*anthropic"):
        body_of(tool_choice="sometimes")


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"n": 2}, "n=2"),
        ({"seed": 7}, "seed"),
        ({"presence_penalty": 0.5}, "presence_penalty"),
        ({"frequency_penalty": -1.0}, "frequency_penalty"),
        ({"logit_bias": {"50256": -100}}, "logit_bias"),
        ({"logprobs": True}, "logprobs"),
        ({"top_logprobs": 3}, "top_logprobs"),
        ({"temperature": 1.5}, "temperature"),
        ({"reasoning_effort": "maximal"}, "reasoning_effort='maximal'"),
        ({"response_format": {"type": "xml"}}, "response_format"),
    ],
    ids=repr,
)
def test_parameters_anthropic_cannot_take_are_rejected_naming_them(
    params: dict[str, Any], name: str
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        make_call(**params).http_request()
    assert name in str(caught.value)
    assert "anthropic" in str(caught.value)


def test_extra_body_merges_last() -> None:
    body = body_of(extra_body={"top_k": 5, "max_tokens": 77})
    assert body["top_k"] == 5
    assert body["max_tokens"] == 77


# --- reasoning ---------------------------------------------------------------------------------


@pytest.mark.parametrize("effort", ["low", "medium", "high"])
def test_reasoning_effort_becomes_a_thinking_budget(effort: str) -> None:
    body = body_of(reasoning_effort=effort)
    budget = THINKING_BUDGETS[effort]
    assert body["thinking"] == {"type": "enabled", "budget_tokens": budget}
    assert body["max_tokens"] == DEFAULT_MAX_TOKENS + budget


@pytest.mark.parametrize(
    "tool_choice",
    ["required", {"type": "function", "function": {"name": "get_weather"}}],
    ids=["required", "named"],
)
def test_a_forced_tool_choice_with_thinking_is_rejected(tool_choice: Any) -> None:
    with pytest.raises(InvalidRequestError, match="forces a tool call"):
        body_of(reasoning_effort="medium", tools=[WEATHER_TOOL], tool_choice=tool_choice)


def test_auto_tool_choice_with_thinking_is_sent() -> None:
    body = body_of(reasoning_effort="medium", tools=[WEATHER_TOOL], tool_choice="auto")
    assert body["tool_choice"] == {"type": "auto"}
    assert body["thinking"]["type"] == "enabled"


def test_reasoning_effort_with_a_max_tokens_below_the_budget_is_rejected() -> None:
    with pytest.raises(InvalidRequestError, match=r"max_tokens \(1000\).*budget \(1024\)"):
        body_of(reasoning_effort="low", max_tokens=1000)


def test_an_explicit_thinking_budget_passes_through() -> None:
    thinking = {"type": "enabled", "budget_tokens": 2000}
    body = body_of(extra_body={"thinking": thinking})
    assert body["thinking"] == thinking
    assert body["max_tokens"] == DEFAULT_MAX_TOKENS + 2000


def test_explicit_thinking_replaces_reasoning_effort() -> None:
    body = body_of(reasoning_effort="high", extra_body={"thinking": {"type": "disabled"}})
    assert body["thinking"] == {"type": "disabled"}
    assert body["max_tokens"] == DEFAULT_MAX_TOKENS


# --- response_format ---------------------------------------------------------------------------


def test_json_schema_becomes_a_forced_tool() -> None:
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "weather", "schema": WEATHER_SCHEMA, "strict": True},
    }
    body = body_of(response_format=response_format)
    assert body["tools"] == [
        {
            "name": "weather",
            "description": (
                "Give the answer as a JSON object: the input of this tool is the answer."
            ),
            "input_schema": WEATHER_SCHEMA,
        }
    ]
    assert body["tool_choice"] == {"type": "tool", "name": "weather"}


def test_json_object_becomes_a_forced_tool_taking_any_object() -> None:
    body = body_of(response_format={"type": "json_object"})
    assert body["tools"][0]["name"] == "json_object"
    assert body["tools"][0]["input_schema"] == {"type": "object"}
    assert body["tool_choice"] == {"type": "tool", "name": "json_object"}


@pytest.mark.parametrize(
    "params",
    [
        {"tools": [WEATHER_TOOL]},
        {"tool_choice": "none"},
        {"reasoning_effort": "low"},
    ],
    ids=["tools", "tool_choice", "thinking"],
)
def test_response_format_cannot_be_combined_with_tools_or_thinking(params: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequestError, match="forced tool call"):
        body_of(response_format={"type": "json_object"}, **params)


def test_json_schema_that_is_not_an_object_is_rejected() -> None:
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "xs", "schema": {"type": "array"}},
    }
    with pytest.raises(InvalidRequestError, match="type 'object'"):
        body_of(response_format=response_format)
