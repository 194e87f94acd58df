"""The provider registry: every entry builds its request and parses its answers; keys and base
URLs are found in the documented order; Azure, user-registered providers, and what real
OpenAI-compatible servers send (through the real HTTP path, on both facades)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import Facade, authorized, text_of

import llmclient
from llmclient import (
    InvalidRequestError,
    LlmClient,
    MissingAPIKeyError,
    ProviderSpec,
    UnknownProviderError,
)
from llmclient._config import ClientConfig
from llmclient._core.call import ChatCall
from llmclient._core.request import prepare_call
from llmclient._providers import AZURE_API_VERSION, PROVIDERS, markdown_table
from llmclient.testing import LocalServer, Reply, openai_chunk

KEY = "sk-test-provider-key-0123456789"
USER = [{"role": "user", "content": "Hello"}]
STORY = "Once upon a time every provider answered in the same shape."
README = Path(__file__).resolve().parent.parent / "README.md"

#: The providers the issue asks for, at least.
REQUIRED = {
    "openai", "groq", "mistral", "deepseek", "together", "fireworks", "openrouter", "xai",
    "perplexity", "cerebras", "deepinfra", "moonshot", "nvidia_nim", "ollama", "llamacpp",
    "vllm", "lmstudio", "azure", "gemini",
}  # fmt: skip

SPECS = llmclient.providers()
IDS = [spec.name for spec in SPECS]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's real keys, endpoints and versions out of every test."""
    for spec in SPECS:
        for name in (*spec.key_envs, spec.base_url_env, spec.api_version_env):
            if name:
                monkeypatch.delenv(name, raising=False)


def make_call(
    model: str, *, config: ClientConfig | None = None, stream: bool = False, **params: Any
) -> ChatCall:
    return prepare_call(
        config or ClientConfig(api_key=KEY), "chat", model, USER, params, stream=stream
    )


PROJECT = "test-project"


@pytest.fixture(autouse=True)
def _google_cloud_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", PROJECT)


def base_url_of(spec: ProviderSpec, monkeypatch: pytest.MonkeyPatch) -> str:
    """The registry's base URL; Azure has none, so its endpoint variable is set, and Bedrock's
    names its region, which AWS_REGION gives."""
    if "{region}" in spec.base_url:
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        return spec.base_url.replace("{region}", "us-east-1")
    if "{location}" in spec.base_url:
        monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "us-central1")
        return spec.base_url.replace("{location}", "us-central1")
    if spec.base_url:
        return spec.base_url
    assert spec.base_url_env is not None
    monkeypatch.setenv(spec.base_url_env, "https://example-resource.openai.azure.com")
    return "https://example-resource.openai.azure.com"


def expected_url(spec: ProviderSpec, base_url: str, model: str, stream: bool) -> str:
    if spec.dialect == "openai":
        return f"{base_url}/chat/completions"
    if spec.dialect == "azure":
        return (
            f"{base_url}/openai/deployments/{model}/chat/completions?api-version={spec.api_version}"
        )
    if spec.dialect == "gemini":
        method = "streamGenerateContent?alt=sse" if stream else "generateContent"
        return f"{base_url}/models/{model}:{method}"
    if spec.dialect == "vertex":
        method = "streamGenerateContent?alt=sse" if stream else "generateContent"
        where = "us-central1" if "aiplatform" in base_url else "global"
        return (
            f"{base_url}/v1/projects/{PROJECT}/locations/{where}/publishers/google/models/"
            f"{model}:{method}"
        )
    if spec.dialect == "bedrock":
        return f"{base_url}/model/{model}/{'converse-stream' if stream else 'converse'}"
    assert spec.dialect == "anthropic"
    return f"{base_url}/messages"


# --- the registry ---------------------------------------------------------------------------


def test_registry_has_every_required_provider() -> None:
    assert set(PROVIDERS) >= REQUIRED


def test_providers_lists_typed_specs_in_registry_order() -> None:
    listed = llmclient.providers()
    assert all(isinstance(spec, ProviderSpec) for spec in listed)
    assert [spec.name for spec in listed] == list(PROVIDERS)
    listed.clear()  # a copy: the registry is untouched
    assert llmclient.providers()


@pytest.mark.parametrize(
    ("name", "base_url"),
    [
        ("ollama", "http://localhost:11434/v1"),
        ("llamacpp", "http://localhost:8080/v1"),
        ("vllm", "http://localhost:8000/v1"),
        ("lmstudio", "http://localhost:1234/v1"),
    ],
)
def test_local_servers_have_their_default_ports_and_need_no_key(name: str, base_url: str) -> None:
    spec = PROVIDERS[name]
    assert spec.base_url == base_url
    assert spec.api_key_env is None
    call = make_call(f"{name}/some-model", config=ClientConfig())
    assert call.api_key is None
    assert "authorization" not in authorized(call).headers


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_every_provider_builds_its_request(
    spec: ProviderSpec, stream: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    base_url = base_url_of(spec, monkeypatch)
    request = authorized(make_call(f"{spec.name}/some-model", stream=stream, temperature=0.5))
    assert request.method == "POST"
    assert request.url == expected_url(spec, base_url, "some-model", stream)
    assert request.headers[spec.auth_header] == f"{spec.auth_prefix}{KEY}"
    assert KEY not in request.url
    body = json.loads(request.body)
    if spec.dialect in ("gemini", "vertex"):
        assert body["contents"] == [{"role": "user", "parts": [{"text": "Hello"}]}]
        assert body["generationConfig"] == {"temperature": 0.5}
    elif spec.dialect == "bedrock":
        assert body["messages"] == [{"role": "user", "content": [{"text": "Hello"}]}]
        assert body["inferenceConfig"] == {"temperature": 0.5}
    else:
        assert body["model"] == "some-model"
        assert body["messages"][0]["content"] == "Hello"
        assert body["temperature"] == 0.5
        assert body.get("stream", False) is stream


def replies_for(spec: ProviderSpec, stream: bool) -> list[Reply]:
    """A representative answer in the provider's own format (Anthropic's is the server's own)."""
    if spec.dialect in ("openai", "azure"):
        return [Reply.openai_stream(STORY) if stream else Reply.openai_completion(STORY)]
    if spec.dialect in ("gemini", "vertex"):
        return [Reply.gemini_stream(STORY) if stream else Reply.gemini_response(STORY)]
    return []  # LocalServer answers /v1/messages and Converse as Anthropic and Bedrock do


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_provider_streams_through_the_local_server(
    spec: ProviderSpec, facade: Facade, server: LocalServer
) -> None:
    server.default_text = STORY
    server.enqueue(*replies_for(spec, stream=True))
    client = facade.client(base_url=server.base_url, api_key=KEY)
    chunks = list(client.chat_stream(f"{spec.name}/some-model", USER))
    assert text_of(chunks) == STORY
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    request = server.requests[0]
    assert server.url + request.path == expected_url(spec, server.base_url, "some-model", True)
    assert request.headers[spec.auth_header] == f"{spec.auth_prefix}{KEY}"


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_provider_answers_a_whole_chat_through_the_local_server(
    spec: ProviderSpec, facade: Facade, server: LocalServer
) -> None:
    server.default_text = STORY
    server.enqueue(*replies_for(spec, stream=False))
    client = facade.client(base_url=server.base_url, api_key=KEY)
    answer = client.chat(f"{spec.name}/some-model", USER)
    assert answer.choices[0].message.content == STORY
    assert answer.choices[0].finish_reason == "stop"
    assert answer.usage is not None
    request = server.requests[0]
    assert server.url + request.path == expected_url(spec, server.base_url, "some-model", False)


# --- keys and base URLs ---------------------------------------------------------------------


def test_base_url_variable_replaces_the_registry_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_BASE_URL", "http://gpu-box:11434/v1/")
    call = make_call("ollama/llama3.2")
    assert call.base_url == "http://gpu-box:11434/v1"
    assert call.http_request().url == "http://gpu-box:11434/v1/chat/completions"


def test_client_base_url_beats_the_base_url_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_BASE_URL", "http://gpu-box:11434/v1")
    call = make_call("ollama/llama3.2", config=ClientConfig(base_url="http://proxy:9000/v1"))
    assert call.base_url == "http://proxy:9000/v1"


def test_empty_base_url_variable_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROQ_BASE_URL", "")
    assert make_call("groq/llama-3.3-70b-versatile").base_url == "https://api.groq.com/openai/v1"


def test_second_key_variable_is_used_when_the_first_is_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", "k-google")
    assert make_call("gemini/gemini-2.5-flash", config=ClientConfig()).api_key == "k-google"
    monkeypatch.setenv("GEMINI_API_KEY", "k-gemini")
    assert make_call("gemini/gemini-2.5-flash", config=ClientConfig()).api_key == "k-gemini"


def test_missing_key_names_every_variable_tried() -> None:
    with pytest.raises(MissingAPIKeyError, match=r"set GEMINI_API_KEY \(or GOOGLE_API_KEY\)"):
        make_call("gemini/gemini-2.5-flash", config=ClientConfig())


def test_keys_per_provider_reach_only_their_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    config = ClientConfig(api_keys={"groq": "k-groq", "mistral": "k-mistral"})
    assert make_call("groq/llama", config=config).api_key == "k-groq"
    assert make_call("mistral/mistral-small-latest", config=config).api_key == "k-mistral"
    with pytest.raises(MissingAPIKeyError, match="DEEPSEEK_API_KEY"):
        make_call("deepseek/deepseek-chat", config=config)


def test_renamed_parameters_are_sent_under_the_provider_names() -> None:
    body = json.loads(
        make_call("mistral/mistral-small-latest", seed=7, max_completion_tokens=50)
        .http_request()
        .body
    )
    assert body["random_seed"] == 7
    assert body["max_tokens"] == 50
    assert "seed" not in body
    assert "max_completion_tokens" not in body


def test_provider_without_renames_keeps_openai_names() -> None:
    body = json.loads(make_call("groq/llama", max_completion_tokens=50).http_request().body)
    assert body["max_completion_tokens"] == 50


def test_a_parameter_and_its_rename_together_are_rejected() -> None:
    with pytest.raises(InvalidRequestError, match="'max_completion_tokens' as 'max_tokens'"):
        make_call("deepseek/deepseek-chat", max_tokens=10, max_completion_tokens=20)


# --- Azure ----------------------------------------------------------------------------------


def test_azure_posts_to_the_deployment_with_api_key_and_api_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://contoso.openai.azure.com/")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "k-azure")
    request = authorized(make_call("azure/gpt-4o-prod", config=ClientConfig(), stream=True))
    assert request.url == (
        "https://contoso.openai.azure.com/openai/deployments/gpt-4o-prod/chat/completions"
        f"?api-version={AZURE_API_VERSION}"
    )
    assert request.headers["api-key"] == "k-azure"
    assert "authorization" not in request.headers
    assert json.loads(request.body)["stream"] is True


def test_azure_api_version_variable_replaces_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://contoso.openai.azure.com")
    monkeypatch.setenv("AZURE_OPENAI_API_VERSION", "2025-04-01-preview")
    url = make_call("azure/gpt-4o").http_request().url
    assert url.endswith("/chat/completions?api-version=2025-04-01-preview")


def test_azure_endpoint_may_already_end_in_openai() -> None:
    config = ClientConfig(api_key=KEY, base_url="https://contoso.openai.azure.com/openai")
    url = make_call("azure/gpt-4o", config=config).http_request().url
    assert url.startswith("https://contoso.openai.azure.com/openai/deployments/gpt-4o/")


def test_azure_deployment_name_is_escaped_in_the_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://contoso.openai.azure.com")
    url = make_call("azure/team a/gpt?4").http_request().url
    assert "/deployments/team%20a%2Fgpt%3F4/chat/completions?" in url


def test_azure_without_an_endpoint_says_which_variable_to_set() -> None:
    with pytest.raises(InvalidRequestError, match="set AZURE_OPENAI_ENDPOINT or pass base_url"):
        make_call("azure/gpt-4o")


def test_azure_stream_skips_the_prompt_filter_chunk(facade: Facade, server: LocalServer) -> None:
    filters = {"prompt_index": 0, "content_filter_results": {"hate": {"filtered": False}}}
    first = {"id": "", "object": "", "created": 0, "model": "", "choices": []}
    first["prompt_filter_results"] = [filters]
    events: list[Any] = [first, openai_chunk(role="assistant", content="")]
    events += [openai_chunk(content=word) for word in ("Hello", " there")]
    last = openai_chunk(finish_reason="stop")
    last["choices"][0]["content_filter_results"] = {}
    server.enqueue(Reply.sse([*events, last]))
    client = facade.client(base_url=server.base_url, api_key=KEY)
    chunks = list(client.chat_stream("azure/gpt-4o-prod", USER))
    assert all(chunk.choices for chunk in chunks)
    assert text_of(chunks) == "Hello there"
    request = server.requests[0]
    assert request.path == (
        f"/v1/openai/deployments/gpt-4o-prod/chat/completions?api-version={AZURE_API_VERSION}"
    )
    assert request.headers["api-key"] == KEY


def test_azure_usage_chunk_is_kept(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.openai_stream(STORY, include_usage=True, prompt_tokens=3))
    client = facade.client(base_url=server.base_url, api_key=KEY)
    chunks = list(client.chat_stream("azure/dep", USER, stream_options={"include_usage": True}))
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.prompt_tokens == 3


# --- what OpenAI-compatible servers really send --------------------------------------------


def stream_of(facade: Facade, server: LocalServer, model: str, *events: Any, **params: Any):  # type: ignore[no-untyped-def]
    server.enqueue(Reply.sse(events))
    client = facade.client(base_url=server.base_url, api_key=KEY)
    return list(client.chat_stream(model, USER, **params))


def raw(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    """A chunk dict with one choice, spelled out as a server sends it."""
    choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
    return {"id": "raw-1", "choices": [choice]}


def test_reasoning_content_deltas_are_kept_apart_from_content(
    facade: Facade, server: LocalServer
) -> None:
    chunks = stream_of(
        facade,
        server,
        "deepseek/deepseek-reasoner",
        raw({"role": "assistant", "content": None, "reasoning_content": "Think"}),
        raw({"content": None, "reasoning_content": "ing."}),
        raw({"content": "42", "reasoning_content": None}),
        raw({}, finish_reason="stop"),
    )
    reasoning = [chunk.choices[0].delta.reasoning_content for chunk in chunks]
    assert reasoning == ["Think", "ing.", None, None]
    assert text_of(chunks) == "42"


def test_final_chunk_without_usage_when_usage_was_asked_for(
    facade: Facade, server: LocalServer
) -> None:
    chunks = stream_of(
        facade,
        server,
        "ollama/llama3.2",
        openai_chunk(role="assistant", content="Hi"),
        openai_chunk(finish_reason="stop"),
        stream_options={"include_usage": True},
    )
    assert text_of(chunks) == "Hi"
    assert [chunk.usage for chunk in chunks] == [None, None]
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_llamacpp_repeated_tool_call_id_and_name_arrive_as_sent(
    facade: Facade, server: LocalServer
) -> None:
    fragments = ['{"city"', ': "Par', 'is"}']
    calls = [
        {"index": 0, "id": "call_abc", "type": "function",
         "function": {"name": "get_weather", "arguments": fragment}}
        for fragment in fragments
    ]  # fmt: skip
    chunks = stream_of(
        facade,
        server,
        "llamacpp/qwen2.5",
        openai_chunk(role="assistant", content=None),
        *(openai_chunk(tool_calls=[call]) for call in calls),
        openai_chunk(finish_reason="tool_calls"),
    )
    deltas = [call for chunk in chunks for call in chunk.choices[0].delta.tool_calls or ()]
    assert [delta.id for delta in deltas] == ["call_abc"] * 3
    assert [delta.function.name if delta.function else None for delta in deltas] == [
        "get_weather"
    ] * 3
    assert "".join(delta.function.arguments or "" for delta in deltas if delta.function) == (
        '{"city": "Paris"}'
    )
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_legacy_function_call_next_to_tool_calls_does_not_break_the_stream(
    facade: Facade, server: LocalServer
) -> None:
    call = {"index": 0, "id": "call_1", "type": "function",
            "function": {"name": "lookup", "arguments": "{}"}}  # fmt: skip
    legacy = {"name": "lookup", "arguments": "{}"}
    chunks = stream_of(
        facade,
        server,
        "vllm/meta-llama/Llama-3.1-8B-Instruct",
        raw({"role": "assistant", "function_call": legacy, "tool_calls": [call]}),
        raw({}, finish_reason="tool_calls"),
    )
    tool_calls = chunks[0].choices[0].delta.tool_calls
    assert tool_calls is not None
    assert tool_calls[0].function is not None
    assert tool_calls[0].function.name == "lookup"


def test_json_written_with_spaces_is_read(facade: Facade, server: LocalServer) -> None:
    def spaced(chunk: dict[str, Any]) -> bytes:
        return b"data:  " + json.dumps(chunk, indent=None).encode() + b"  \n\n"

    chunks = stream_of(
        facade,
        server,
        "lmstudio/qwen2.5-7b-instruct",
        spaced(openai_chunk(role="assistant", content="Hello")),
        spaced(openai_chunk(content=", world")),
        spaced(openai_chunk(finish_reason="stop")),
    )
    assert text_of(chunks) == "Hello, world"


def test_missing_optional_fields_take_defaults(facade: Facade, server: LocalServer) -> None:
    chunks = stream_of(
        facade,
        server,
        "ollama/llama3.2",
        {"choices": [{"delta": {"content": "Hi"}}]},
        {"choices": [{"delta": {}, "finish_reason": "stop"}]},
    )
    assert text_of(chunks) == "Hi"
    assert chunks[0].id == ""
    assert chunks[0].choices[0].index == 0
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_extra_vendor_fields_are_ignored(facade: Facade, server: LocalServer) -> None:
    first = openai_chunk(role="assistant", content="Fast")
    first["x_groq"] = {"id": "req_01", "queue_time": 0.01}
    first["choices"][0]["logprobs"] = None
    first["choices"][0]["delta"]["channel"] = "final"
    last = openai_chunk(finish_reason="stop")
    last["x_groq"] = {"usage": {"prompt_tokens": 3, "completion_tokens": 1}}
    last["service_tier"] = "on_demand"
    last["timings"] = {"predicted_ms": 12.5}
    chunks = stream_of(facade, server, "groq/llama-3.1-8b-instant", first, last)
    assert text_of(chunks) == "Fast"
    assert chunks[-1].service_tier == "on_demand"


# --- providers of your own -----------------------------------------------------------------


def test_registered_provider_works_end_to_end(
    facade: Facade, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_TOKEN", "k-gateway")
    client = facade.client()
    spec = client.register_provider(
        "gateway",
        base_url=server.base_url,
        api_key_env="GATEWAY_TOKEN",
        auth_header="x-gateway-key",
        auth_prefix="",
    )
    assert isinstance(spec, ProviderSpec)
    server.enqueue(Reply.openai_stream(STORY), Reply.openai_completion(STORY))
    chunks = list(client.chat_stream("gateway/team/model-a", USER))
    answer = client.chat("gateway/team/model-a", USER)
    assert text_of(chunks) == STORY
    assert answer.choices[0].message.content == STORY
    for request in server.requests:
        assert request.path == "/v1/chat/completions"
        assert request.headers["x-gateway-key"] == "k-gateway"
        assert "authorization" not in request.headers
        assert request.json()["model"] == "team/model-a"


def test_providers_argument_registers_for_that_client(facade: Facade, server: LocalServer) -> None:
    spec = ProviderSpec("company", server.base_url, None)
    client = facade.client(providers=[spec])
    server.enqueue(Reply.openai_completion(STORY))
    assert client.chat("company/m", USER).choices[0].message.content == STORY
    assert "authorization" not in server.requests[0].headers


def test_registered_provider_belongs_to_its_client_only() -> None:
    with LlmClient(api_key=KEY) as one, LlmClient(api_key=KEY) as other:
        one.register_provider("gateway", base_url="https://gw.example.com/v1")
        assert one._prepare("chat", "gateway/m", USER, {}, stream=False)[0].base_url == (
            "https://gw.example.com/v1"
        )
        with pytest.raises(UnknownProviderError):
            other._prepare("chat", "gateway/m", USER, {}, stream=False)
    assert "gateway" not in PROVIDERS


def test_registered_provider_can_replace_a_built_in_one_for_its_client() -> None:
    client = LlmClient(api_key=KEY)
    client.register_provider(
        "azure",
        base_url="https://contoso.openai.azure.com",
        dialect="azure",
        auth_header="api-key",
        auth_prefix="",
        api_version="2025-04-01-preview",
    )
    call = client._prepare("chat", "azure/gpt-4o", USER, {}, stream=False)[0]
    assert call.http_request().url.endswith("?api-version=2025-04-01-preview")
    assert PROVIDERS["azure"].api_version == AZURE_API_VERSION
    client.close()


def test_registered_provider_is_suggested_for_a_typo() -> None:
    client = LlmClient(api_key=KEY)
    client.register_provider("gateway", base_url="https://gw.example.com/v1")
    with pytest.raises(UnknownProviderError, match="Did you mean 'gateway'"):
        client._prepare("chat", "gatewy/m", USER, {}, stream=False)
    client.close()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "team/gw"}, "without '/'"),
        ({"name": ""}, "non-empty"),
        ({"dialect": "soap"}, "no known dialect 'soap'"),
        ({"base_url": ""}, "needs a base_url or a base_url_env"),
        ({"auth_header": "x key"}, "invalid auth header name"),
    ],
)
def test_bad_registrations_are_refused(fields: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"name": "gw", "base_url": "https://gw.example.com/v1"}
    arguments.update(fields)
    client = LlmClient()
    with pytest.raises(InvalidRequestError, match=re.escape(message)):
        client.register_provider(arguments.pop("name"), **arguments)
    client.close()


def test_a_single_alternative_key_variable_may_be_given_as_a_string() -> None:
    spec = ProviderSpec("gw", "https://gw.example.com/v1", "GW_KEY", alt_api_key_envs="GW_TOKEN")
    assert spec.key_envs == ("GW_KEY", "GW_TOKEN")


# --- unknown providers ----------------------------------------------------------------------


def test_unknown_prefix_fails_before_any_request(facade: Facade, server: LocalServer) -> None:
    client = facade.client(base_url=server.base_url, api_key=KEY)
    with pytest.raises(UnknownProviderError, match="Did you mean 'groq'"):
        client.chat_stream("grok/grok-4", USER)
    with pytest.raises(UnknownProviderError, match=r"Known providers: .*ollama"):
        client.chat("olama/llama3.2", USER)
    assert server.request_count == 0


# --- the README's table ---------------------------------------------------------------------


def test_table_has_a_row_per_provider() -> None:
    table = markdown_table()
    assert table.count("\n") == len(PROVIDERS) + 2
    ollama = "| `ollama` | openai | `http://localhost:11434/v1` | none | - | `OLLAMA_BASE_URL` |"
    assert ollama in table
    assert "| `AZURE_OPENAI_API_KEY` | `api-key: …` | `AZURE_OPENAI_ENDPOINT` |" in table
    assert "`GEMINI_API_KEY` or `GOOGLE_API_KEY`" in table


def test_readme_table_is_the_rendered_registry() -> None:
    """Fails until the README holds ``markdown_table()`` between the markers."""
    found = re.search(
        r"<!-- providers:start -->\n(.*?)<!-- providers:end -->",
        README.read_text(encoding="utf-8"),
        re.S,
    )
    assert found is not None, "README.md has no <!-- providers:start/end --> markers"
    assert found.group(1) == markdown_table()


# --- documented rows and provider quirks ------------------------------------------------------


@pytest.mark.parametrize(
    "spec", [s for s in SPECS if s.docs], ids=[s.name for s in SPECS if s.docs]
)
def test_documented_rows_name_an_https_page_and_a_base_url_variable(spec: ProviderSpec) -> None:
    assert spec.docs.startswith("https://")
    assert spec.base_url_env


def test_registry_has_at_least_sixty_providers() -> None:
    assert len(llmclient.providers()) >= 60


def test_a_provider_that_rejects_stream_options_is_sent_none() -> None:
    call = make_call("cohere/command-a", stream=True, stream_options={"include_usage": True})
    assert "stream_options" not in json.loads(authorized(call).body)


def test_cohere_sends_its_key_from_co_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CO_API_KEY", KEY)
    request = authorized(make_call("cohere/command-a", config=ClientConfig()))
    assert request.url == "https://api.cohere.ai/compatibility/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_a_provider_without_max_completion_tokens_gets_max_tokens() -> None:
    body = json.loads(authorized(make_call("sambanova/m", max_completion_tokens=9)).body)
    assert body["max_tokens"] == 9
    assert "max_completion_tokens" not in body


@pytest.mark.parametrize("param", [("n", 2), ("seed", 1), ("logprobs", True)])
def test_a_rejected_parameter_raises_before_sending_naming_the_provider(
    param: tuple[str, Any],
) -> None:
    spec = ProviderSpec("strict", "https://strict.example/v1", None, rejected_params={param[0]})
    config = ClientConfig(api_key=KEY, providers={"strict": spec})
    with pytest.raises(InvalidRequestError, match=rf"'strict'.*'{param[0]}'"):
        make_call("strict/m", config=config, **dict([param]))


def test_cohere_refuses_n() -> None:
    with pytest.raises(InvalidRequestError, match="cohere"):
        make_call("cohere/command-a", n=2)


def test_azure_foundry_takes_its_v1_endpoint_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AZURE_FOUNDRY_BASE_URL", "https://res.openai.azure.com/openai/v1")
    request = authorized(make_call("azure_foundry/gpt-4.1"))
    assert request.url == "https://res.openai.azure.com/openai/v1/chat/completions"
    assert "api-version" not in request.url
    assert request.headers["api-key"] == KEY


def test_azure_foundry_without_an_endpoint_says_what_to_set() -> None:
    with pytest.raises(InvalidRequestError, match="AZURE_FOUNDRY_BASE_URL"):
        make_call("azure_foundry/gpt-4.1")
