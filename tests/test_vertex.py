"""Tests for the vertex dialect with no I/O: where Gemini and Claude calls go on Vertex AI,
their bodies, and the project and location checks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from llmclient._config import ClientConfig
from llmclient._core.call import ChatCall
from llmclient._core.request import prepare_call
from llmclient._providers.vertex import DIALECT, VERTEX_ANTHROPIC_VERSION
from llmclient.errors import InvalidRequestError

TOKEN = "ya29.given-token"
USER: list[dict[str, Any]] = [{"role": "user", "content": "Hello"}]


@pytest.fixture(autouse=True)
def _project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "my-project")


def make_call(model: str, *, stream: bool = False, **params: Any) -> ChatCall:
    config = ClientConfig(api_key=TOKEN)
    return prepare_call(config, "chat", f"vertex/{model}", USER, params, stream=stream)


def test_gemini_goes_to_the_google_publisher_in_the_global_location() -> None:
    request = DIALECT.build_request(make_call("gemini-2.5-flash"))
    assert request.url == (
        "https://aiplatform.googleapis.com/v1/projects/my-project/locations/global/"
        "publishers/google/models/gemini-2.5-flash:generateContent"
    )
    body = json.loads(request.body)
    assert body["contents"] == [{"role": "user", "parts": [{"text": "Hello"}]}]


def test_a_gemini_stream_asks_for_server_sent_events_in_the_location(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "europe-west4")
    request = DIALECT.build_request(make_call("gemini-2.5-flash", stream=True))
    assert request.url == (
        "https://europe-west4-aiplatform.googleapis.com/v1/projects/my-project/locations/"
        "europe-west4/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    )


def test_claude_goes_to_the_anthropic_publisher_with_vertexs_version_in_the_body(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLOUD_ML_REGION", "us-east5")
    request = DIALECT.build_request(
        make_call("claude-sonnet-4-5@20250929", stream=True, max_tokens=100)
    )
    assert request.url == (
        "https://us-east5-aiplatform.googleapis.com/v1/projects/my-project/locations/us-east5/"
        "publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict"
    )
    body = json.loads(request.body)
    assert "model" not in body
    assert body["anthropic_version"] == VERTEX_ANTHROPIC_VERSION
    assert body["stream"] is True
    assert body["max_tokens"] == 100
    assert "anthropic-version" not in request.headers
    whole = DIALECT.build_request(make_call("claude-sonnet-4-5@20250929"))
    assert whole.url.endswith(":rawPredict")


def test_a_token_given_as_the_key_is_the_bearer_token() -> None:
    call = make_call("gemini-2.5-flash")
    assert repr(call.auth) == "HeaderAuth('authorization')"
    assert call.auth.secrets() == (TOKEN,)


def test_vertex_base_url_replaces_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERTEX_BASE_URL", "https://vertex-proxy.example.com")
    request = DIALECT.build_request(make_call("gemini-2.5-flash"))
    assert request.url.startswith("https://vertex-proxy.example.com/v1/projects/my-project/")


def test_no_project_is_an_input_error_saying_what_to_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT")
    with pytest.raises(InvalidRequestError, match="GOOGLE_CLOUD_PROJECT"):
        make_call("gemini-2.5-flash")


@pytest.mark.parametrize(
    ("variable", "value", "match"),
    [
        ("GOOGLE_CLOUD_LOCATION", "evil.example.com/x", "not a location name"),
        ("GOOGLE_CLOUD_PROJECT", "a/b", "not a Google Cloud project id"),
    ],
)
def test_a_location_or_project_that_could_move_the_request_is_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, match: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidRequestError, match=match):
        make_call("gemini-2.5-flash")


def test_a_model_name_stays_one_path_segment() -> None:
    request = DIALECT.build_request(make_call("../../x?y"))
    assert "/models/..%2F..%2Fx%3Fy:generateContent" in request.url


def test_parameters_are_the_publishers_own() -> None:
    with pytest.raises(InvalidRequestError, match="logit_bias"):
        DIALECT.build_request(make_call("gemini-2.5-flash", logit_bias={"1": 1}))
    with pytest.raises(InvalidRequestError, match="seed"):
        DIALECT.build_request(make_call("claude-sonnet-4-5@20250929", seed=1))


# --- embeddings ------------------------------------------------------------------------------


def embed_call(model: str, input: Any, **options: Any) -> ChatCall:
    from llmclient._core.embeddings import prepare_embed

    config = ClientConfig(api_key=TOKEN)
    dimensions = options.pop("dimensions", None)
    return prepare_embed(config, f"vertex/{model}", input, dimensions, None, options)


def test_embeddings_predict_one_instance_per_text_with_the_dimensions() -> None:
    call = embed_call(
        "text-embedding-005",
        ["a", "b"],
        dimensions=256,
        extra_body={"task_type": "RETRIEVAL_DOCUMENT", "parameters": {"autoTruncate": False}},
    )
    request = DIALECT.build_embeddings_request(call)
    assert request.url == (
        "https://aiplatform.googleapis.com/v1/projects/my-project/locations/global/"
        "publishers/google/models/text-embedding-005:predict"
    )
    assert json.loads(request.body) == {
        "instances": [
            {"content": "a", "task_type": "RETRIEVAL_DOCUMENT"},
            {"content": "b", "task_type": "RETRIEVAL_DOCUMENT"},
        ],
        "parameters": {"outputDimensionality": 256, "autoTruncate": False},
    }


def test_gemini_embedding_takes_one_text_per_request() -> None:
    with pytest.raises(InvalidRequestError, match="one text per request"):
        DIALECT.build_embeddings_request(embed_call("gemini-embedding-001", ["a", "b"]))
    one = DIALECT.build_embeddings_request(embed_call("gemini-embedding-001", "a"))
    assert json.loads(one.body) == {"instances": [{"content": "a"}]}


def test_predictions_become_vectors_in_order_with_their_tokens() -> None:
    payload = {
        "predictions": [
            {"embeddings": {"values": [0.5, -1], "statistics": {"token_count": 3.0}}},
            {"embeddings": {"values": [1, 2], "statistics": {"token_count": 4}}},
        ]
    }
    answer = DIALECT.parse_embeddings(embed_call("text-embedding-005", ["a", "b"]), payload)
    assert [item.embedding for item in answer.data] == [[0.5, -1.0], [1.0, 2.0]]
    assert answer.usage is not None
    assert answer.usage.prompt_tokens == 7
