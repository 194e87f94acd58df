"""Bad input is refused up front, typed and named: constructor and call arguments, nesting too
deep to encode, and model names that would change the URL path."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import Facade

from llmclient import Hooks, InvalidRequestError, ProviderSpec
from llmclient.testing import LocalServer, Reply

KEY = "sk-test-input-checks"
HELLO = [{"role": "user", "content": "Hi"}]


def start(client: Any, stream: bool, model: str, messages: Any, **params: Any) -> Any:
    """``chat`` or ``chat_stream``, up to its answer or first chunk."""
    if stream:
        return client.chat_stream(model, messages, **params)
    return client.chat(model, messages, **params)


# --- constructor arguments ---------------------------------------------------------------------

#: A wrong constructor argument, and the name its error starts with or names.
BAD_CLIENT_ARGS: dict[str, tuple[dict[str, Any], str]] = {
    "max_retries-str": ({"max_retries": "2"}, "max_retries must be an int of 0 or more"),
    "max_retries-float": ({"max_retries": 1.5}, "max_retries must be an int of 0 or more"),
    "max_retries-bool": ({"max_retries": True}, "max_retries must be an int of 0 or more"),
    "max_retries-negative": ({"max_retries": -1}, "max_retries must be an int of 0 or more"),
    "api_key-int": ({"api_key": 5}, "api_key must be a string"),
    "api_keys-str": ({"api_keys": "x"}, "api_keys must be a dict of provider names"),
    "api_keys-list": ({"api_keys": [("openai", "k")]}, "api_keys must be a dict"),
    "api_keys-int-value": ({"api_keys": {"openai": 5}}, "api_keys['openai'] must be a string"),
    "api_keys-int-name": ({"api_keys": {5: "k"}}, "api_keys must have provider names as keys"),
    "providers-of-int": ({"providers": [5]}, "A provider must be a ProviderSpec, got int"),
    "providers-str": ({"providers": "openai"}, "providers must be a list of ProviderSpec"),
    "providers-int": ({"providers": 5}, "providers must be a list of ProviderSpec"),
    "http_client-str": ({"http_client": "x"}, "http_client must be an httpx."),
    "default_headers-int": ({"default_headers": 5}, "default_headers must be a dict"),
    "default_headers-empty-list": ({"default_headers": []}, "default_headers must be a dict"),
    "default_headers-int-value": ({"default_headers": {"x-a": 5}}, "default_headers['x-a']"),
    "default_provider-int": ({"default_provider": 5}, "default_provider must be a provider"),
    "default_provider-empty": ({"default_provider": ""}, "default_provider must be a provider"),
    "base_url-int": ({"base_url": 5}, "base_url must be a string URL"),
    "max_event_size-zero": ({"max_event_size": 0}, "max_event_size must be an int of 1 or more"),
    "max_event_size-str": ({"max_event_size": "1"}, "max_event_size must be an int of 1 or more"),
    "max_event_size-inf": (
        {"max_event_size": float("inf")},
        "max_event_size must be an int of 1 or more",
    ),
    "max_response_size-bool": (
        {"max_response_size": True},
        "max_response_size must be an int of 1 or more",
    ),
    "max_response_size-negative": (
        {"max_response_size": -1},
        "max_response_size must be an int of 1 or more",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CLIENT_ARGS))
def test_bad_constructor_argument_is_an_invalid_request_naming_it(
    case: str, facade: Facade
) -> None:
    kwargs, expected = BAD_CLIENT_ARGS[case]
    with pytest.raises(InvalidRequestError) as caught:
        facade.client(**kwargs)
    assert expected in str(caught.value)


def test_http_client_of_the_other_facade_is_refused_with_a_hint(facade: Facade) -> None:
    other: httpx.Client | httpx.AsyncClient
    if facade.name == "sync":
        other, hint = httpx.AsyncClient(), "use AsyncLlmClient with an httpx.AsyncClient"
    else:
        other, hint = httpx.Client(), "use LlmClient with an httpx.Client"
    try:
        with pytest.raises(InvalidRequestError, match=hint):
            facade.client(http_client=other)
    finally:
        if isinstance(other, httpx.Client):
            other.close()


@pytest.mark.parametrize("hooks", [object(), 5, "on_end"], ids=["object", "int", "str"])
def test_hooks_that_are_not_a_list_of_hooks_are_a_type_error_naming_hooks(
    hooks: Any, facade: Facade
) -> None:
    with pytest.raises(TypeError, match="hooks must be"):
        facade.client(hooks=hooks)


def test_a_single_hooks_object_is_still_taken(facade: Facade) -> None:
    class Counter(Hooks):
        def on_end(self, event: Any) -> None:
            pass

    facade.client(hooks=Counter())


def test_good_providers_are_taken_from_any_iterable(facade: Facade, server: LocalServer) -> None:
    spec = ProviderSpec("gateway", server.base_url, None)
    client = facade.client(providers=(s for s in [spec]))
    answer = client.chat("gateway/some-model", HELLO)
    assert answer.choices[0].message.content
    assert server.requests[0].path == "/v1/chat/completions"


# --- call arguments ----------------------------------------------------------------------------

BAD_CALL_ARGS: dict[str, tuple[dict[str, Any], str]] = {
    "max_retries-bool": ({"max_retries": True}, "max_retries must be an int of 0 or more"),
    "max_retries-str": ({"max_retries": "1"}, "max_retries must be an int of 0 or more"),
    "api_key-int": ({"api_key": 5}, "api_key must be a string"),
    "api_key-zero": ({"api_key": 0}, "api_key must be a string"),
    "fallbacks-int": ({"fallbacks": 5}, "fallbacks must be a list of model names"),
    "fallbacks-str": ({"fallbacks": "openai/x"}, "fallbacks must be a list of model names"),
    "extra_headers-list": ({"extra_headers": []}, "extra_headers must be a dict"),
    "extra_body-empty-str": ({"extra_body": ""}, "extra_body must be a dict"),
}


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
@pytest.mark.parametrize("case", list(BAD_CALL_ARGS))
def test_bad_call_argument_is_refused_before_sending(
    case: str, stream: bool, facade: Facade, server: LocalServer
) -> None:
    params, expected = BAD_CALL_ARGS[case]
    client = facade.client(base_url=server.base_url, api_key=KEY)
    with pytest.raises(InvalidRequestError) as caught:
        start(client, stream, "openai/gpt-4o-mini", HELLO, **params)
    assert expected in str(caught.value)
    assert server.request_count == 0


# --- nesting too deep to encode ----------------------------------------------------------------


def nested(depth: int) -> dict[str, Any]:
    """``{"a": {"a": ... {}}}``, ``depth`` levels deep, built without recursion."""
    root: dict[str, Any] = {}
    node = root
    for _ in range(depth):
        node["a"] = {}
        node = node["a"]
    return root


def circular() -> dict[str, Any]:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    return loop


DEEP_INPUTS: dict[str, tuple[str, Any, dict[str, Any]]] = {
    "extra_body": ("openai/gpt-4o-mini", HELLO, {"extra_body": nested(50_000)}),
    "message-field": (
        "openai/gpt-4o-mini",
        [{"role": "user", "content": "Hi", "x": nested(50_000)}],
        {},
    ),
    "tool-schema": (
        "anthropic/claude-3-5-haiku-20241022",
        HELLO,
        {"tools": [{"type": "function", "function": {"name": "f", "parameters": nested(50_000)}}]},
    ),
    "gemini-extra_body": ("gemini/gemini-2.5-flash", HELLO, {"extra_body": nested(50_000)}),
    "circular-extra_body": ("openai/gpt-4o-mini", HELLO, {"extra_body": circular()}),
}


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
@pytest.mark.parametrize("case", list(DEEP_INPUTS))
def test_deeply_nested_input_is_an_invalid_request_not_a_recursion_error(
    case: str, stream: bool, facade: Facade, server: LocalServer
) -> None:
    model, messages, params = DEEP_INPUTS[case]
    client = facade.client(base_url=server.base_url, api_key=KEY, max_retries=0)
    with pytest.raises(InvalidRequestError, match="cannot be sent as JSON"):
        start(client, stream, model, messages, **params)
    assert server.request_count == 0


def test_deeply_nested_embedding_extra_body_is_an_invalid_request(
    facade: Facade, server: LocalServer
) -> None:
    client = facade.client(base_url=server.base_url, api_key=KEY, max_retries=0)
    with pytest.raises(InvalidRequestError, match="nested too deeply"):
        client.embed("openai/text-embedding-3-small", "hi", extra_body=nested(50_000))
    assert server.request_count == 0


# --- model names cannot change the URL path ----------------------------------------------------

HOSTILE_MODELS = ["../../x", "a?b", "a#b", "%2e%2e", "a/../../b", "..%2F..", "x y"]

#: How each hostile model name reaches the path: escaped as one segment.
ESCAPED = {
    "../../x": "..%2F..%2Fx",
    "a?b": "a%3Fb",
    "a#b": "a%23b",
    "%2e%2e": "%252e%252e",
    "a/../../b": "a%2F..%2F..%2Fb",
    "..%2F..": "..%252F..",
    "x y": "x%20y",
}


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
@pytest.mark.parametrize("model", HOSTILE_MODELS)
def test_gemini_model_name_stays_one_path_segment(
    model: str, stream: bool, facade: Facade, server: LocalServer
) -> None:
    client = facade.client(base_url=f"{server.url}/v1beta", api_key=KEY)
    if stream:
        list(client.chat_stream(f"gemini/{model}", HELLO))
        method = "streamGenerateContent?alt=sse"
    else:
        client.chat(f"gemini/{model}", HELLO)
        method = "generateContent"
    assert server.requests[0].path == f"/v1beta/models/{ESCAPED[model]}:{method}"


@pytest.mark.parametrize("prefix", ["models/", "tunedModels/"])
def test_gemini_named_collections_are_kept_and_the_rest_escaped(
    prefix: str, facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.gemini_response("Hi"))  # the local server routes only models/
    client = facade.client(base_url=f"{server.url}/v1beta", api_key=KEY)
    client.chat(f"gemini/{prefix}../../x", HELLO)
    assert server.requests[0].path == f"/v1beta/{prefix}..%2F..%2Fx:generateContent"


@pytest.mark.parametrize("model", HOSTILE_MODELS)
def test_gemini_embedding_model_name_stays_one_path_segment(
    model: str, facade: Facade, server: LocalServer
) -> None:
    client = facade.client(base_url=f"{server.url}/v1beta", api_key=KEY)
    client.embed(f"gemini/{model}", "hi")
    assert server.requests[0].path == f"/v1beta/models/{ESCAPED[model]}:embedContent"


@pytest.mark.parametrize("model", HOSTILE_MODELS)
def test_azure_deployment_name_stays_one_path_segment(
    model: str, facade: Facade, server: LocalServer
) -> None:
    client = facade.client(base_url=server.url, api_key=KEY)
    client.chat(f"azure/{model}", HELLO)
    client.embed(f"azure/{model}", "hi")
    chat, embed = (request.path.partition("?")[0] for request in server.requests)
    assert chat == f"/openai/deployments/{ESCAPED[model]}/chat/completions"
    assert embed == f"/openai/deployments/{ESCAPED[model]}/embeddings"


@pytest.mark.parametrize("model", ["azure/..", "azure/.", "gemini/..", "openai/.."])
def test_dot_segment_model_names_are_refused(
    model: str, facade: Facade, server: LocalServer
) -> None:
    client = facade.client(base_url=server.url, api_key=KEY)
    with pytest.raises(InvalidRequestError, match="is not a model name"):
        client.chat(model, HELLO)
    assert server.request_count == 0


@pytest.mark.parametrize(
    ("params", "messages", "named"),
    [
        ({"temperature": "hot"}, HELLO, "temperature"),
        ({"max_retries": -1}, HELLO, "max_retries"),
        ({}, "Hi", "messages"),
    ],
)
def test_input_is_reported_before_a_missing_key(
    facade: Facade,
    monkeypatch: pytest.MonkeyPatch,
    params: dict[str, Any],
    messages: Any,
    named: str,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    client = facade.client()

    with pytest.raises(InvalidRequestError, match=named):
        client.chat("openai/gpt-4o-mini", messages, **params)
