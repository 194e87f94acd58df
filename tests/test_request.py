"""Tests for turning a call into a checked ChatCall and the OpenAI HTTP request it sends.

Covers llmclient._config (ClientConfig, split_model, resolve_api_key), llmclient._core.request
(prepare_call, normalize_messages, encode_json) and OpenAIDialect.build_request. No I/O.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from conftest import authorized

from llmclient._config import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, ClientConfig, split_model
from llmclient._core.call import USER_AGENT, ChatCall
from llmclient._core.request import SENT_PARAMS, encode_json, prepare_call
from llmclient._providers import PROVIDERS, get_provider
from llmclient._version import __version__
from llmclient.errors import (
    InputError,
    InvalidRequestError,
    LlmError,
    MissingAPIKeyError,
    UnknownProviderError,
)
from llmclient.types import ChatCompletion, ChatParams, Delta, FunctionCall, Message, ToolCall

KEY = "sk-test-key-0123456789abcdef"
USER: list[dict[str, Any]] = [{"role": "user", "content": "Hello"}]
PER_CALL_ONLY = {
    "extra_body",
    "extra_headers",
    "timeout",
    "max_retries",
    "api_key",
    "first_chunk_timeout",
    "idle_timeout",
    "total_timeout",
    "fallbacks",
}


@pytest.fixture(autouse=True)
def _no_openai_key_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's real OPENAI_API_KEY out of every test."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def make_call(
    model: str = "openai/gpt-4o",
    messages: Sequence[Any] = USER,
    *,
    config: ClientConfig | None = None,
    stream: bool = False,
    method: str = "chat",
    **params: Any,
) -> ChatCall:
    """prepare_call with a keyed client unless a config is given."""
    return prepare_call(
        config or ClientConfig(api_key=KEY), method, model, messages, params, stream=stream
    )


def body_of(call: ChatCall) -> dict[str, Any]:
    """The decoded JSON body of the call's HTTP request."""
    body = json.loads(call.http_request().body)
    assert isinstance(body, dict)
    return body


def headers_of(call: ChatCall) -> dict[str, str]:
    """The headers the call's request is sent with: its auth applied."""
    return authorized(call).headers


# --- model and provider -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("openai/gpt-4o", "gpt-4o"),
        ("openai/meta-llama/llama-3-70b", "meta-llama/llama-3-70b"),
        ("openai/ft:gpt-4o-mini:org/custom:abc", "ft:gpt-4o-mini:org/custom:abc"),
        ("openai/a/b/c/", "a/b/c/"),
    ],
)
def test_model_splits_on_first_slash_only(model: str, expected: str) -> None:
    provider, name = split_model(model, "openai")
    assert provider.name == "openai"
    assert name == expected
    call = make_call(model)
    assert call.model == expected
    assert body_of(call)["model"] == expected


def test_bare_model_uses_default_provider() -> None:
    provider, name = split_model("gpt-4o", "openai")
    assert provider is PROVIDERS["openai"]
    assert name == "gpt-4o"
    call = make_call("gpt-4o", config=ClientConfig(api_key=KEY, default_provider="openai"))
    assert call.provider.name == "openai"
    assert body_of(call)["model"] == "gpt-4o"


def test_bare_model_with_unknown_default_provider_raises_unknown_provider() -> None:
    config = ClientConfig(api_key=KEY, default_provider="nosuch")
    with pytest.raises(UnknownProviderError, match="'nosuch'"):
        make_call("gpt-4o", config=config)


def test_unknown_prefix_lists_close_matches_and_known_providers() -> None:
    with pytest.raises(UnknownProviderError) as info:
        make_call("opnai/gpt-4o")
    message = str(info.value)
    assert message.startswith("Unknown provider 'opnai'. Did you mean 'openai'? Known providers: ")
    assert message.endswith(f"Known providers: {', '.join(sorted(PROVIDERS))}.")


def test_unknown_prefix_without_close_match_still_lists_known_providers() -> None:
    with pytest.raises(UnknownProviderError) as info:
        get_provider("zzzzzz")
    message = str(info.value)
    assert "Did you mean" not in message
    assert message.endswith(f"Known providers: {', '.join(sorted(PROVIDERS))}.")


def test_unknown_provider_error_is_an_input_error_and_value_error() -> None:
    with pytest.raises(ValueError, match="opnai"):
        make_call("opnai/gpt-4o")
    assert issubclass(UnknownProviderError, InputError)
    assert issubclass(UnknownProviderError, LlmError)


@pytest.mark.parametrize("model", ["", "   ", None, 42])
def test_empty_or_non_string_model_raises_invalid_request(model: Any) -> None:
    with pytest.raises(InvalidRequestError, match="model must be a non-empty string"):
        make_call(model)


def test_provider_without_model_after_slash_raises_invalid_request() -> None:
    with pytest.raises(InvalidRequestError, match=r"'openai/' names a provider but no model"):
        make_call("openai/")


# --- API key resolution -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call_key", "provider_key", "client_key", "env_key", "expected"),
    [
        ("k-call", "k-provider", "k-client", "k-env", "k-call"),
        (None, "k-provider", "k-client", "k-env", "k-provider"),
        (None, None, "k-client", "k-env", "k-client"),
        (None, None, None, "k-env", "k-env"),
        ("k-call", None, None, None, "k-call"),
        ("", "k-provider", None, None, "k-provider"),
    ],
    ids=["call-wins", "provider-key-next", "client-key-next", "env-last", "call-only", "empty"],
)
def test_key_resolution_order(
    monkeypatch: pytest.MonkeyPatch,
    call_key: str | None,
    provider_key: str | None,
    client_key: str | None,
    env_key: str | None,
    expected: str,
) -> None:
    if env_key is not None:
        monkeypatch.setenv("OPENAI_API_KEY", env_key)
    config = ClientConfig(
        api_key=client_key, api_keys={"openai": provider_key} if provider_key else {}
    )
    params = {} if call_key is None else {"api_key": call_key}
    call = make_call(config=config, **params)
    assert call.api_key == expected
    assert headers_of(call)["authorization"] == f"Bearer {expected}"


def test_key_for_another_provider_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "k-env")
    call = make_call(config=ClientConfig(api_keys={"anthropic": "k-anthropic"}))
    assert call.api_key == "k-env"


@pytest.mark.parametrize("env_value", [None, ""], ids=["unset", "empty"])
def test_missing_key_raises_naming_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch, env_value: str | None
) -> None:
    if env_value is not None:
        monkeypatch.setenv("OPENAI_API_KEY", env_value)
    with pytest.raises(MissingAPIKeyError) as info:
        make_call(config=ClientConfig())
    message = str(info.value)
    assert "OPENAI_API_KEY" in message
    assert "'openai'" in message
    assert "api_key=" in message
    assert isinstance(info.value, ValueError)


def test_client_with_base_url_may_go_without_key() -> None:
    call = make_call(config=ClientConfig(base_url="http://localhost:8000/v1"))
    request = authorized(call)
    assert call.api_key is None
    assert request.url == "http://localhost:8000/v1/chat/completions"
    assert "authorization" not in {name.lower() for name in request.headers}


def test_client_with_base_url_still_sends_a_key_it_has() -> None:
    call = make_call(config=ClientConfig(base_url="http://localhost:8000/v1", api_key=KEY))
    assert headers_of(call)["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("bad", ["\n", "\r", "\r\n", "\0"], ids=["lf", "cr", "crlf", "nul"])
@pytest.mark.parametrize("where", ["call", "client", "api_keys"])
def test_key_with_line_break_is_rejected_without_echoing_the_key(bad: str, where: str) -> None:
    secret = f"sk-secret-{bad}X-Injected: yes"
    config = ClientConfig(
        api_key=secret if where == "client" else None,
        api_keys={"openai": secret} if where == "api_keys" else {},
    )
    params = {"api_key": secret} if where == "call" else {}
    with pytest.raises(InvalidRequestError) as info:
        make_call(config=config, **params)
    assert "line break" in str(info.value)
    assert "sk-secret" not in str(info.value)
    assert "sk-secret" not in repr(info.value)


def test_key_with_line_break_from_environment_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-secret\n")
    with pytest.raises(InvalidRequestError) as info:
        make_call(config=ClientConfig())
    assert "sk-env-secret" not in str(info.value)


def test_authorization_header_is_bearer_key() -> None:
    assert headers_of(make_call())["authorization"] == f"Bearer {KEY}"


# --- keyword arguments --------------------------------------------------------------------


def test_unknown_keyword_raises_type_error_with_did_you_mean() -> None:
    with pytest.raises(TypeError) as info:
        make_call(temprature=0.5)
    assert str(info.value) == (
        "chat() got an unexpected keyword argument 'temprature'. Did you mean 'temperature'?"
    )


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("max_token", "max_tokens"), ("top-p", "top_p"), ("extra_header", "extra_headers")],
)
def test_near_miss_keyword_suggests_the_right_parameter(name: str, suggestion: str) -> None:
    with pytest.raises(TypeError, match=f"Did you mean '{suggestion}'"):
        make_call(**{name: 1})


def test_unknown_keyword_names_the_method_and_has_no_hint_when_nothing_is_close() -> None:
    with pytest.raises(TypeError) as info:
        make_call(method="chat_stream", frobnicate=True)
    assert str(info.value) == "chat_stream() got an unexpected keyword argument 'frobnicate'."


def test_unknown_keyword_is_reported_before_other_problems() -> None:
    with pytest.raises(TypeError, match="bogus"):
        make_call("nosuch/model", [], bogus=1)


def test_params_with_value_none_are_not_sent() -> None:
    call = make_call(
        temperature=None,
        max_tokens=None,
        tools=None,
        response_format=None,
        extra_body=None,
        extra_headers=None,
        api_key=None,
    )
    assert call.params == {}
    assert body_of(call) == {"model": "gpt-4o", "messages": USER}


# One realistic value for every parameter sent to the provider, under its OpenAI name.
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
        "strict": True,
    },
}
SAMPLE_PARAMS: dict[str, Any] = {
    "temperature": 0.2,
    "top_p": 0.9,
    "max_tokens": 256,
    "max_completion_tokens": 1024,
    "stop": ["\n\n", "END"],
    "seed": 1234,
    "n": 2,
    "presence_penalty": 0.5,
    "frequency_penalty": -0.5,
    "logit_bias": {"50256": -100},
    "logprobs": True,
    "top_logprobs": 5,
    "tools": [WEATHER_TOOL],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "parallel_tool_calls": False,
    "response_format": {"type": "json_object"},
    "reasoning_effort": "low",
    "user": "user-42",
    "stream_options": {"include_usage": True},
}
JSON_SCHEMA_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "weather",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"temp_c": {"type": "number"}},
            "required": ["temp_c"],
            "additionalProperties": False,
        },
    },
}
PARAM_CASES = [pytest.param(name, value, id=name) for name, value in SAMPLE_PARAMS.items()]
PARAM_CASES += [
    pytest.param("response_format", JSON_SCHEMA_FORMAT, id="response_format-json_schema"),
    pytest.param("stop", "STOP", id="stop-string"),
    pytest.param("tool_choice", "required", id="tool_choice-string"),
    pytest.param("temperature", 0, id="temperature-zero"),
]


def test_sample_params_cover_every_sent_parameter() -> None:
    assert set(SAMPLE_PARAMS) == SENT_PARAMS
    assert set(ChatParams.__annotations__) == SENT_PARAMS | PER_CALL_ONLY


@pytest.mark.parametrize(("name", "value"), PARAM_CASES)
def test_sent_parameter_lands_in_body_under_its_openai_name(name: str, value: Any) -> None:
    body = body_of(make_call(**{name: value}))
    assert body == {"model": "gpt-4o", "messages": USER, name: value}


def test_all_sent_parameters_together_make_the_exact_body() -> None:
    body = body_of(make_call(**SAMPLE_PARAMS))
    assert body == {"model": "gpt-4o", "messages": USER, **SAMPLE_PARAMS}


@pytest.mark.parametrize(
    ("name", "value"),
    [("timeout", 3.0), ("max_retries", 1), ("api_key", "sk-other"), ("extra_headers", {"x": "y"})],
)
def test_per_call_settings_are_not_sent_in_body(name: str, value: Any) -> None:
    body = body_of(make_call(**{name: value}))
    assert body == {"model": "gpt-4o", "messages": USER}


def test_extra_body_merges_into_body_and_can_override() -> None:
    call = make_call(
        temperature=0.9,
        extra_body={"temperature": 0.1, "top_k": 40, "safe_prompt": {"nested": [1, 2]}},
    )
    assert body_of(call) == {
        "model": "gpt-4o",
        "messages": USER,
        "temperature": 0.1,
        "top_k": 40,
        "safe_prompt": {"nested": [1, 2]},
    }


def test_extra_body_overrides_model_and_stream() -> None:
    call = make_call(stream=True, extra_body={"model": "other-model", "stream": False})
    body = body_of(call)
    assert body["model"] == "other-model"
    assert body["stream"] is False


def test_default_and_extra_headers_reach_the_request() -> None:
    config = ClientConfig(
        api_key=KEY, default_headers={"x-team": "search", "x-shared": "from-client"}
    )
    call = make_call(config=config, extra_headers={"x-trace": "t-1", "x-shared": "from-call"})
    headers = headers_of(call)
    assert headers["x-team"] == "search"
    assert headers["x-trace"] == "t-1"
    assert headers["x-shared"] == "from-call"


@pytest.mark.parametrize(
    ("where", "name", "value"),
    [
        ("extra_headers", "Authorization", "Bearer proxy-token"),
        ("default_headers", "User-Agent", "my-app/1.0"),
    ],
)
def test_user_header_replaces_builtin_header_whatever_its_case(
    where: str, name: str, value: str
) -> None:
    # HTTP header names are case-insensitive: exactly one header of that name must be sent.
    config = ClientConfig(
        api_key=KEY, default_headers={name: value} if where == "default_headers" else {}
    )
    params = {"extra_headers": {name: value}} if where == "extra_headers" else {}
    sent = httpx.Headers(list(headers_of(make_call(config=config, **params)).items()))
    assert sent.get_list(name) == [value]


def test_builtin_headers_for_a_plain_call() -> None:
    headers = headers_of(make_call())
    assert headers == {
        "content-type": "application/json",
        "accept": "application/json",
        "user-agent": f"llmclient/{__version__}",
        "authorization": f"Bearer {KEY}",
    }
    assert f"llmclient/{__version__}" == USER_AGENT


def test_stream_adds_stream_true_and_accepts_event_stream() -> None:
    call = make_call(stream=True, stream_options={"include_usage": True})
    body = body_of(call)
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert headers_of(call)["accept"] == "text/event-stream"


def test_non_stream_body_has_no_stream_key() -> None:
    assert "stream" not in body_of(make_call(stream=False))


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        (None, "https://api.openai.com/v1/chat/completions"),
        ("http://localhost:8000/v1", "http://localhost:8000/v1/chat/completions"),
        ("http://localhost:8000/v1/", "http://localhost:8000/v1/chat/completions"),
        ("https://proxy.example.com/openai//", "https://proxy.example.com/openai/chat/completions"),
    ],
)
def test_url_is_base_url_plus_chat_completions(base_url: str | None, expected: str) -> None:
    request = make_call(config=ClientConfig(api_key=KEY, base_url=base_url)).http_request()
    assert request.method == "POST"
    assert request.url == expected


def test_body_is_compact_utf8_json() -> None:
    call = make_call(messages=[{"role": "user", "content": "héllo 日本 🌍"}])
    body = call.http_request().body
    assert "héllo 日本 🌍".encode() in body
    assert b", " not in body
    assert b'": ' not in body


def test_reprs_do_not_contain_keys_or_headers() -> None:
    config = ClientConfig(
        api_key=KEY,
        api_keys={"openai": "sk-provider-secret"},
        default_headers={"x-secret-header": "hdr-secret"},
    )
    call = make_call(config=config, api_key="sk-call-secret", extra_headers={"x-h": "hdr-2"})
    texts = [repr(config), str(config), repr(call), repr(call.http_request())]
    for text in texts:
        for secret in (KEY, "sk-provider-secret", "sk-call-secret", "hdr-secret", "hdr-2"):
            assert secret not in text
    assert "gpt-4o" in repr(call)
    assert "https://api.openai.com/v1/chat/completions" in repr(call.http_request())


# --- messages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("messages", "match"),
    [
        pytest.param("Hello", r"messages must be a list .* got str", id="str"),
        pytest.param(b"Hello", r"messages must be a list .* got bytes", id="bytes"),
        pytest.param({"role": "user", "content": "x"}, r"got dict", id="single-dict"),
        pytest.param(None, r"got NoneType", id="none"),
        pytest.param([], r"messages is empty", id="empty"),
        pytest.param([USER[0], "Hello"], r"messages\[1\] must be a dict .* got str", id="item"),
        pytest.param([None], r"messages\[0\] must be a dict .* got NoneType", id="none-item"),
        pytest.param([{"content": "x"}], r"messages\[0\] has no 'role'", id="no-role"),
        pytest.param(
            [USER[0], {"role": "", "content": "x"}], r"messages\[1\] has no 'role'", id="empty-role"
        ),
        pytest.param([{"role": 1, "content": "x"}], r"messages\[0\] has no 'role'", id="int-role"),
        pytest.param(
            [USER[0], USER[0], {"role": "user", "content": 5}],
            r"messages\[2\]\['content'\] must be a string or a list .* got int",
            id="int-content",
        ),
        pytest.param(
            [{"role": "user", "content": {"type": "text", "text": "x"}}],
            r"messages\[0\]\['content'\] .* got dict",
            id="dict-content",
        ),
    ],
)
def test_malformed_messages_raise_invalid_request_naming_the_problem(
    messages: Any, match: str
) -> None:
    with pytest.raises(InvalidRequestError, match=match):
        make_call(messages=messages)


def test_input_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="messages is empty"):
        make_call(messages=[])
    for cls in (InvalidRequestError, MissingAPIKeyError, UnknownProviderError):
        assert issubclass(cls, InputError)
        assert issubclass(cls, ValueError)


def test_well_formed_messages_are_sent_as_given() -> None:
    messages = (
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "What is in this image?"}]},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temp_c": 21}'},
        {"role": "user", "name": "alice", "content": "Thanks"},
    )
    call = make_call(messages=messages)
    assert body_of(call)["messages"] == list(messages)


def test_messages_are_copied_so_later_changes_do_not_leak_in() -> None:
    message = {"role": "user", "content": "first"}
    call = make_call(messages=[message])
    message["content"] = "changed"
    assert body_of(call)["messages"] == [{"role": "user", "content": "first"}]


def test_message_object_becomes_dict_without_none_fields() -> None:
    answer = Message(
        content=None,
        tool_calls=[
            ToolCall(
                id="call_abc",
                function=FunctionCall(name="get_weather", arguments='{"city": "Paris"}'),
            )
        ],
        reasoning_content="The user wants the weather, so call the tool.",
    )
    tool_result = {"role": "tool", "tool_call_id": "call_abc", "content": "21C"}
    call = make_call(messages=[USER[0], answer, tool_result])
    assert body_of(call)["messages"] == [
        USER[0],
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_abc",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        tool_result,
    ]


def test_plain_text_message_object_keeps_its_content() -> None:
    call = make_call(messages=[USER[0], Message(content="Hi there!"), USER[0]])
    assert call.messages[1] == {"role": "assistant", "content": "Hi there!"}


@pytest.mark.parametrize("obj", [ChatCompletion(), Delta(content="x")])
def test_other_answer_objects_are_rejected_as_messages(obj: object) -> None:
    with pytest.raises(InvalidRequestError, match=rf"messages\[1\] is a {type(obj).__name__}"):
        make_call(messages=[USER[0], obj])


# --- JSON encoding ------------------------------------------------------------------------


def test_encode_json_is_compact_utf8() -> None:
    assert encode_json({"a": [1, 2], "b": "é"}) == '{"a":[1,2],"b":"é"}'.encode()


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"stop": {"a", "b"}}, id="set"),
        pytest.param({"user": b"bytes"}, id="bytes"),
        pytest.param({"extra_body": {"when": object()}}, id="object-in-extra-body"),
        pytest.param({"logit_bias": {1.5j: 1}}, id="complex-key"),
    ],
)
def test_non_json_serializable_params_raise_invalid_request(params: dict[str, Any]) -> None:
    call = make_call(**params)
    with pytest.raises(InvalidRequestError, match="cannot be sent as JSON"):
        call.http_request()


def test_lone_surrogate_in_content_raises_invalid_request() -> None:
    call = make_call(messages=[{"role": "user", "content": "bad \ud800 text"}])
    with pytest.raises(InvalidRequestError, match="cannot be sent as JSON"):
        call.http_request()


def test_circular_reference_raises_invalid_request() -> None:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(InvalidRequestError, match="cannot be sent as JSON"):
        encode_json({"x": loop})


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_float_is_rejected_instead_of_sending_invalid_json(value: float) -> None:
    # NaN and Infinity are not JSON (RFC 8259): json.dumps would emit the bare words.
    call = make_call(temperature=value)
    with pytest.raises(InvalidRequestError, match="cannot be sent as JSON"):
        call.http_request()


# --- timeout and retries ------------------------------------------------------------------


def test_client_defaults_for_timeout_and_retries() -> None:
    call = make_call()
    assert call.timeout is DEFAULT_TIMEOUT
    assert call.max_retries == DEFAULT_MAX_RETRIES == 2


def test_call_inherits_client_timeout_and_retries() -> None:
    call = make_call(config=ClientConfig(api_key=KEY, timeout=30.0, max_retries=5))
    assert call.timeout == 30.0
    assert call.max_retries == 5


def test_per_call_timeout_and_max_retries_override_client() -> None:
    config = ClientConfig(api_key=KEY, timeout=30.0, max_retries=5)
    timeout = httpx.Timeout(2.5, connect=1.0)
    call = make_call(config=config, timeout=timeout, max_retries=0)
    assert call.timeout is timeout
    assert call.max_retries == 0


@pytest.mark.parametrize("value", [-1, "3", 1.5])
def test_bad_per_call_max_retries_is_rejected(value: Any) -> None:
    with pytest.raises(InvalidRequestError, match="max_retries must be an int of 0 or more"):
        make_call(max_retries=value)


def test_negative_client_max_retries_is_rejected() -> None:
    with pytest.raises(InvalidRequestError, match="must be an int of 0 or more, got -1"):
        ClientConfig(max_retries=-1)


def test_prepared_call_resolves_everything_once() -> None:
    call = make_call(
        "openai/gpt-4o-mini",
        config=ClientConfig(api_key=KEY, base_url="https://gw.example.com/v1/"),
        temperature=0.3,
        extra_body={"x": 1},
        extra_headers={"x-h": "v"},
    )
    assert call.provider is PROVIDERS["openai"]
    assert call.model == "gpt-4o-mini"
    assert call.base_url == "https://gw.example.com/v1"
    assert call.params == {"temperature": 0.3}
    assert call.extra_body == {"x": 1}
    assert dict(call.headers) == {"x-h": "v"}
    assert call.stream is False
