"""Embeddings and model listing: each dialect's request and answer, then through the real HTTP
path on both facades against ``llmclient.testing``: inputs, dimensions, base64, usage, retries,
typed errors, refusals before sending, and pagination."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import Facade

import llmclient
from llmclient import (
    AuthenticationError,
    BadRequestError,
    DecodeError,
    Embedding,
    EmbeddingResponse,
    EmbeddingUsage,
    InvalidRequestError,
    MissingAPIKeyError,
    Model,
    RateLimitError,
    UnknownProviderError,
)
from llmclient._config import ClientConfig
from llmclient._core.embeddings import parse_embeddings, prepare_embed
from llmclient._core.models import ModelPage, next_page, parse_models_page, prepare_list_models
from llmclient._providers._vectors import decode_base64_floats
from llmclient.testing import (
    DEFAULT_ANTHROPIC_MODEL,
    DEFAULT_EMBEDDING_DIMENSIONS,
    DEFAULT_MODEL_IDS,
    LocalServer,
    RecordedRequest,
    Reply,
    embedding_for,
)

KEY = "sk-test-embeddings-key-0123456789"
EMBEDDER = "openai/text-embedding-3-small"
GEMINI_EMBEDDER = "gemini/gemini-embedding-001"
TEXTS = ["The cat sat on the mat.", "Dogs bark.", "A third, longer sentence about nothing."]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's real keys and endpoints out of every test."""
    for spec in llmclient.providers():
        for name in (*spec.key_envs, spec.base_url_env):
            if name:
                monkeypatch.delenv(name, raising=False)


def client_for(facade: Facade, server: LocalServer, **kwargs: Any) -> Any:
    return facade.client(base_url=server.base_url, api_key=KEY, **kwargs)


def query_of(request: RecordedRequest) -> dict[str, list[str]]:
    return parse_qs(urlsplit(request.path).query)


def float32_base64(values: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()


# --- embeddings: OpenAI-compatible -------------------------------------------------------------


def test_one_text_gets_one_vector_of_floats(facade: Facade, server: LocalServer) -> None:
    answer = client_for(facade, server).embed(EMBEDDER, "Hello")

    assert isinstance(answer, EmbeddingResponse)
    assert answer.object == "list"
    assert answer.model == "text-embedding-3-small"
    assert answer.data == [Embedding(0, embedding_for("Hello"))]
    assert len(answer.data[0].embedding) == DEFAULT_EMBEDDING_DIMENSIONS
    assert all(type(value) is float for value in answer.data[0].embedding)
    request = server.requests[0]
    assert (request.method, request.path) == ("POST", "/v1/embeddings")
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.json() == {"model": "text-embedding-3-small", "input": "Hello"}


def test_a_list_of_texts_gets_one_vector_each_in_input_order(
    facade: Facade, server: LocalServer
) -> None:
    answer = client_for(facade, server).embed(EMBEDDER, TEXTS)

    assert [item.index for item in answer.data] == [0, 1, 2]
    assert [item.embedding for item in answer.data] == [embedding_for(text) for text in TEXTS]
    assert server.requests[0].json()["input"] == TEXTS


def test_usage_counts_the_input_tokens(facade: Facade, server: LocalServer) -> None:
    answer = client_for(facade, server).embed(EMBEDDER, TEXTS)

    words = sum(len(text.split()) for text in TEXTS)  # the local server counts words
    assert answer.usage == EmbeddingUsage(prompt_tokens=words, total_tokens=words)


def test_dimensions_are_sent_and_shorten_the_vectors(facade: Facade, server: LocalServer) -> None:
    answer = client_for(facade, server).embed(EMBEDDER, TEXTS, dimensions=3)

    assert server.requests[0].json()["dimensions"] == 3
    assert [len(item.embedding) for item in answer.data] == [3, 3, 3]


def test_base64_vectors_are_decoded_to_the_same_floats(facade: Facade, server: LocalServer) -> None:
    client = client_for(facade, server)
    as_floats = client.embed(EMBEDDER, TEXTS, dimensions=16)
    as_base64 = client.embed(EMBEDDER, TEXTS, dimensions=16, encoding_format="base64")

    assert server.requests[1].json()["encoding_format"] == "base64"
    assert as_base64 == as_floats
    assert as_base64.data[2].embedding == embedding_for(TEXTS[2], 16)


def test_base64_is_decoded_as_little_endian_float32(facade: Facade, server: LocalServer) -> None:
    values = [0.5, -1.25, 3.0, 1e-3]
    body = {"object": "list", "data": [{"index": 0, "embedding": float32_base64(values)}]}
    server.enqueue(Reply.json({**body, "model": "m"}))

    answer = client_for(facade, server).embed(EMBEDDER, "x", encoding_format="base64")

    assert answer.data[0].embedding == pytest.approx(values, rel=1e-7)
    assert answer.usage is None  # none sent, none made up


def test_per_call_settings_are_sent_as_for_chat(facade: Facade, server: LocalServer) -> None:
    client = client_for(facade, server, default_headers={"x-team": "search"})
    client.embed(
        EMBEDDER,
        "Hello",
        user="user-42",
        api_key="sk-per-call",
        extra_headers={"x-trace": "abc"},
        extra_body={"input_type": "query"},
    )

    request = server.requests[0]
    assert request.headers["authorization"] == "Bearer sk-per-call"
    assert request.headers["x-team"] == "search"
    assert request.headers["x-trace"] == "abc"
    assert request.json() == {
        "model": "text-embedding-3-small",
        "input": "Hello",
        "user": "user-42",
        "input_type": "query",
    }


def test_azure_embeds_through_its_deployment(facade: Facade, server: LocalServer) -> None:
    answer = client_for(facade, server).embed("azure/my-embedder", ["a", "b"])

    assert len(answer.data) == 2
    request = server.requests[0]
    assert urlsplit(request.path).path == "/v1/openai/deployments/my-embedder/embeddings"
    assert query_of(request) == {"api-version": ["2024-10-21"]}
    assert request.headers["api-key"] == KEY


# --- embeddings: Gemini ------------------------------------------------------------------------


def test_gemini_embeds_one_text_with_embed_content(facade: Facade, server: LocalServer) -> None:
    answer = client_for(facade, server).embed(GEMINI_EMBEDDER, "Hello", dimensions=5)

    assert answer.data == [Embedding(0, embedding_for("Hello", 5))]
    assert answer.model == "gemini-embedding-001"
    assert answer.usage is None  # Gemini does not count embedding tokens
    request = server.requests[0]
    assert request.path == "/v1/models/gemini-embedding-001:embedContent"
    assert request.headers["x-goog-api-key"] == KEY
    assert "authorization" not in request.headers
    assert request.json() == {"content": {"parts": [{"text": "Hello"}]}, "outputDimensionality": 5}


def test_gemini_embeds_a_list_with_batch_embed_contents(
    facade: Facade, server: LocalServer
) -> None:
    answer = client_for(facade, server).embed(
        GEMINI_EMBEDDER, TEXTS, dimensions=4, extra_body={"taskType": "RETRIEVAL_DOCUMENT"}
    )

    assert [item.index for item in answer.data] == [0, 1, 2]
    assert [item.embedding for item in answer.data] == [embedding_for(t, 4) for t in TEXTS]
    request = server.requests[0]
    assert request.path == "/v1/models/gemini-embedding-001:batchEmbedContents"
    assert request.json() == {
        "requests": [
            {
                "model": "models/gemini-embedding-001",
                "content": {"parts": [{"text": text}]},
                "outputDimensionality": 4,
                "taskType": "RETRIEVAL_DOCUMENT",
            }
            for text in TEXTS
        ]
    }


def test_gemini_takes_a_base64_request_and_still_answers_floats(
    facade: Facade, server: LocalServer
) -> None:
    answer = client_for(facade, server).embed(GEMINI_EMBEDDER, "Hi", encoding_format="base64")

    assert answer.data[0].embedding == embedding_for("Hi")
    assert "encoding_format" not in server.requests[0].json()


def test_gemini_error_is_typed_with_its_status(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.gemini_error(400, "Request contains an invalid argument."))

    with pytest.raises(BadRequestError) as caught:
        client_for(facade, server).embed(GEMINI_EMBEDDER, "Hi")

    assert caught.value.provider == "gemini"
    assert caught.value.error_type == "INVALID_ARGUMENT"
    assert server.request_count == 1


# --- embeddings: retries and errors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "refusal"),
    [
        (EMBEDDER, Reply.error(429, headers={"retry-after": "0"})),
        (GEMINI_EMBEDDER, Reply.gemini_error(503, headers={"retry-after": "0"})),
    ],
    ids=["openai-429", "gemini-503"],
)
def test_a_transient_error_is_retried_then_succeeds(
    facade: Facade, server: LocalServer, model: str, refusal: Reply
) -> None:
    server.enqueue(refusal)

    answer = client_for(facade, server).embed(model, "Hello")

    assert answer.data[0].embedding == embedding_for("Hello")
    assert server.request_count == 2
    assert server.requests[0].body == server.requests[1].body


def test_rate_limit_after_every_retry_is_raised_with_its_attempts(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.error(429, headers={"retry-after": "0"}, repeat=3))

    with pytest.raises(RateLimitError) as caught:
        client_for(facade, server, max_retries=1).embed(EMBEDDER, "Hello")

    assert caught.value.attempts == 2
    assert server.request_count == 2


def test_bad_key_is_an_authentication_error_and_not_retried(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.error(401, "Incorrect API key provided.", code="invalid_api_key"))

    with pytest.raises(AuthenticationError) as caught:
        client_for(facade, server).embed(EMBEDDER, "Hello")

    error = caught.value
    assert (error.status_code, error.provider, error.code) == (401, "openai", "invalid_api_key")
    assert error.message == "Incorrect API key provided."
    assert KEY not in str(error)
    assert server.request_count == 1


def test_an_error_sent_with_status_200_is_typed(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.json({"error": {"message": "Slow down", "type": "rate_limit_error"}}))

    with pytest.raises(RateLimitError):
        client_for(facade, server, max_retries=0).embed(EMBEDDER, "Hello")


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"data": [{"index": 0}]}',
        b'{"data": [{"index": 0, "embedding": "not base64!"}]}',
        b'{"data": [{"index": 0, "embedding": "AAAAAAA="}]}',  # 5 bytes: no whole float32
    ],
)
def test_a_malformed_answer_is_a_decode_error(
    facade: Facade, server: LocalServer, body: bytes
) -> None:
    server.enqueue(Reply(200, {"content-type": "application/json"}, body, content_length=True))

    with pytest.raises(DecodeError):
        client_for(facade, server).embed(EMBEDDER, "Hello")


def test_anthropic_embeddings_are_refused_before_any_request(
    facade: Facade, server: LocalServer
) -> None:
    with pytest.raises(InvalidRequestError, match="anthropic has no embeddings API"):
        client_for(facade, server).embed("anthropic/claude-3-5-haiku-latest", "Hello")

    assert server.request_count == 0


@pytest.mark.parametrize(
    ("model", "input", "params", "message"),
    [
        (EMBEDDER, [], {}, "input is an empty list"),
        (EMBEDDER, ["ok", 3], {}, r"input\[1\] must be a string"),
        (EMBEDDER, b"bytes", {}, "input must be a string or a list of strings"),
        (EMBEDDER, "x", {"dimensions": 0}, "dimensions must be a positive int"),
        (EMBEDDER, "x", {"dimensions": True}, "dimensions must be a positive int"),
        (EMBEDDER, "x", {"encoding_format": "int8"}, "encoding_format must be"),
        (EMBEDDER, "x", {"max_retries": -1}, "max_retries"),
        (EMBEDDER, "x", {"timeout": 0}, "timeout"),
        (EMBEDDER, "x", {"extra_headers": {"bad name": "v"}}, "extra_headers"),
        (EMBEDDER, "x", {"extra_body": ["not", "a", "dict"]}, "extra_body must be a dict"),
        (GEMINI_EMBEDDER, "x", {"user": "u1"}, "no equivalent of the parameter 'user'"),
    ],
)
def test_bad_input_is_refused_before_any_request(
    facade: Facade,
    server: LocalServer,
    model: str,
    input: Any,
    params: dict[str, Any],
    message: str,
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        client_for(facade, server).embed(model, input, **params)

    assert server.request_count == 0


def test_an_unknown_keyword_is_a_type_error_with_a_suggestion(
    facade: Facade, server: LocalServer
) -> None:
    with pytest.raises(TypeError, match="Did you mean 'dimensions'"):
        client_for(facade, server).embed(EMBEDDER, "x", dimension=3)


def test_embedding_answers_are_put_in_input_order() -> None:
    call = prepare_embed(ClientConfig(api_key=KEY), EMBEDDER, ["a", "b"], None, None, {})
    body = {"data": [{"index": 1, "embedding": [2.0]}, {"index": 0, "embedding": [1.0]}]}

    answer = parse_embeddings(call, json.dumps(body).encode())

    assert answer.data == [Embedding(0, [1.0]), Embedding(1, [2.0])]
    assert answer.model == "text-embedding-3-small"  # the answer named none: the call's


def test_base64_decoding_needs_no_server() -> None:
    values = [1.0, -2.5, 0.125]
    assert decode_base64_floats(float32_base64(values)) == values
    with pytest.raises(ValueError, match="whole float32"):
        decode_base64_floats(base64.b64encode(b"\x00\x00\x80").decode())


# --- model listing -----------------------------------------------------------------------------


def test_openai_models_are_listed(facade: Facade, server: LocalServer) -> None:
    models = client_for(facade, server).list_models("openai")

    assert [model.id for model in models] == list(DEFAULT_MODEL_IDS["openai"])
    first = DEFAULT_MODEL_IDS["openai"][0]
    assert models[0] == Model(first, created=1_700_000_000, owned_by="system", provider="openai")
    request = server.requests[0]
    assert (request.method, request.path) == ("GET", "/v1/models")
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert "content-type" not in request.headers
    assert request.body == b""


def test_the_default_provider_is_listed_when_none_is_named(
    facade: Facade, server: LocalServer
) -> None:
    models = client_for(facade, server, default_provider="groq").list_models()

    assert {model.provider for model in models} == {"groq"}


def test_an_openai_compatible_server_may_send_the_list_bare(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.json([{"id": "llama3", "object": "model"}]))

    models = client_for(facade, server).list_models("ollama")

    assert models == [Model(id="llama3", provider="ollama")]


def test_anthropic_models_follow_pagination_with_after_id(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(
        Reply.anthropic_models(["claude-a", "claude-b"], has_more=True),
        Reply.anthropic_models(["claude-c"], created_at="2025-02-19T00:00:00Z"),
    )

    models = client_for(facade, server).list_models("anthropic")

    assert [model.id for model in models] == ["claude-a", "claude-b", "claude-c"]
    assert models[2].created == 1_739_923_200
    assert models[2].display_name == "Claude C"
    assert models[2].owned_by is None
    first, second = server.requests
    assert query_of(first) == {"limit": ["1000"]}
    assert query_of(second) == {"limit": ["1000"], "after_id": ["claude-b"]}
    for request in (first, second):
        assert request.headers["x-api-key"] == KEY
        assert request.headers["anthropic-version"] == "2023-06-01"
        assert "authorization" not in request.headers


def test_anthropic_models_from_the_local_server_come_in_anthropic_shape(
    facade: Facade, server: LocalServer
) -> None:
    models = client_for(facade, server).list_models("anthropic")

    assert [model.id for model in models] == list(DEFAULT_MODEL_IDS["anthropic"])
    assert models[0].id == DEFAULT_ANTHROPIC_MODEL
    assert models[0].created is not None


def test_gemini_models_follow_page_tokens_and_lose_their_prefix(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(
        Reply.gemini_models(["gemini-2.5-flash"], next_page_token="page-2"),
        Reply.gemini_models(["gemini-2.5-pro", "gemini-embedding-001"]),
    )

    models = client_for(facade, server).list_models("gemini")

    assert [model.id for model in models] == [
        "gemini-2.5-flash",
        "gemini-2.5-pro",
        "gemini-embedding-001",
    ]
    assert models[0].display_name == "Gemini 2.5 Flash"
    assert {model.provider for model in models} == {"gemini"}
    first, second = server.requests
    assert query_of(first) == {"pageSize": ["1000"]}
    assert query_of(second) == {"pageSize": ["1000"], "pageToken": ["page-2"]}
    assert second.headers["x-goog-api-key"] == KEY


def test_gemini_models_from_the_local_server_come_in_gemini_shape(
    facade: Facade, server: LocalServer
) -> None:
    models = client_for(facade, server).list_models("gemini")

    assert [model.id for model in models] == list(DEFAULT_MODEL_IDS["gemini"])


def test_a_page_that_fails_is_retried_on_its_own(facade: Facade, server: LocalServer) -> None:
    server.enqueue(
        Reply.gemini_models(["gemini-a"], next_page_token="page-2"),
        Reply.gemini_error(429, headers={"retry-after": "0"}),
        Reply.gemini_models(["gemini-b"]),
    )

    models = client_for(facade, server).list_models("gemini")

    assert [model.id for model in models] == ["gemini-a", "gemini-b"]
    assert [query_of(request).get("pageToken") for request in server.requests] == [
        None,
        ["page-2"],
        ["page-2"],
    ]


def test_listing_with_a_bad_key_is_an_authentication_error(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.anthropic_error(401, "invalid x-api-key"))

    with pytest.raises(AuthenticationError, match="invalid x-api-key") as caught:
        client_for(facade, server).list_models("anthropic")

    assert caught.value.error_type == "authentication_error"
    assert server.request_count == 1


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        ("openai", b"not json"),
        ("openai", b'{"data": "gpt-4o"}'),
        ("anthropic", b'{"data": [{"display_name": "no id"}]}'),
        ("gemini", b'[{"name": "models/gemini-x"}]'),
    ],
)
def test_a_malformed_model_list_is_a_decode_error(
    facade: Facade, server: LocalServer, provider: str, body: bytes
) -> None:
    server.enqueue(Reply(200, {"content-type": "application/json"}, body, content_length=True))

    with pytest.raises(DecodeError, match="model list"):
        client_for(facade, server).list_models(provider)


def test_a_model_list_error_sent_with_status_200_is_typed(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.json({"error": {"message": "Bad key", "type": "authentication_error"}}))

    with pytest.raises(AuthenticationError, match="Bad key"):
        client_for(facade, server).list_models("openai")


def test_a_next_page_that_does_not_move_on_is_a_decode_error(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.anthropic_models(["claude-a"], has_more=True, repeat=2))

    with pytest.raises(DecodeError, match="next page is the page just read"):
        client_for(facade, server).list_models("anthropic")

    assert server.request_count == 2


def test_an_unknown_provider_is_refused_before_any_request(
    facade: Facade, server: LocalServer
) -> None:
    with pytest.raises(UnknownProviderError, match="Did you mean 'openai'"):
        client_for(facade, server).list_models("opneai")

    assert server.request_count == 0


@pytest.mark.parametrize(
    ("provider", "error", "message"),
    [
        ("azure", InvalidRequestError, "Azure's management API"),
        ("", InvalidRequestError, "provider must be a provider name"),
    ],
)
def test_providers_without_a_list_are_refused_before_any_request(
    facade: Facade, server: LocalServer, provider: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        client_for(facade, server).list_models(provider)

    assert server.request_count == 0


def test_a_missing_key_names_the_variable_to_set(facade: Facade) -> None:
    with pytest.raises(MissingAPIKeyError, match="ANTHROPIC_API_KEY"):
        facade.client().list_models("anthropic")


def test_pages_are_read_without_a_server() -> None:
    call = prepare_list_models(ClientConfig(api_key=KEY), "gemini", {})
    assert call.http_request().url == (
        "https://generativelanguage.googleapis.com/v1beta/models?pageSize=1000"
    )
    body = {"models": [{"name": "models/gemini-x"}], "nextPageToken": "t2"}

    page = parse_models_page(call, json.dumps(body).encode())

    assert page == ModelPage([Model(id="gemini-x", provider="gemini")], "t2")
    following = next_page(call, page)
    assert following is not None
    assert following.http_request().url.endswith("/models?pageSize=1000&pageToken=t2")
    assert next_page(following, ModelPage([])) is None
