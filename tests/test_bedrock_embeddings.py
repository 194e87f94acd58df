"""Bedrock's embeddings (InvokeModel with Amazon Titan Text Embeddings and Cohere Embed bodies)
and model list (the control plane's ListFoundationModels): requests, answers and refusals with
no I/O, then through the real HTTP path on both facades against ``llmclient.testing``.

The shapes follow AWS's model parameter pages for Titan Text Embeddings (G1 and V2) and Cohere
Embed (v3 and v4), and the ListFoundationModels reference.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Facade

from llmclient import (
    BadRequestError,
    DecodeError,
    Embedding,
    EmbeddingUsage,
    InvalidRequestError,
    Model,
    PermissionDeniedError,
)
from llmclient._config import ClientConfig
from llmclient._core.call import ChatCall
from llmclient._core.embeddings import parse_embeddings, prepare_embed
from llmclient._core.models import parse_models_page, prepare_list_models
from llmclient.testing import LocalServer, Reply

KEY = "bedrock-api-key-embeddings-0123456789"
TITAN = "bedrock/amazon.titan-embed-text-v2:0"
TITAN_G1 = "bedrock/amazon.titan-embed-text-v1"
COHERE = "bedrock/cohere.embed-english-v3"
COHERE_V4 = "bedrock/cohere.embed-v4:0"
RUNTIME = "https://bedrock-runtime.us-west-2.amazonaws.com"
TEXTS = ["The cat sat on the mat.", "Dogs bark.", "A third sentence."]
THROTTLED = "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"


@pytest.fixture(autouse=True)
def _region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")


def embed_call(
    model: str,
    input: Any,
    dimensions: int | None = None,
    encoding_format: str | None = None,
    config: ClientConfig | None = None,
    **params: Any,
) -> ChatCall:
    config = config or ClientConfig(api_key=KEY)
    return prepare_embed(config, model, input, dimensions, encoding_format, params)


def sent(call: ChatCall) -> tuple[str, dict[str, Any]]:
    """The URL and JSON body of the call's request."""
    request = call.http_request()
    assert request.method == "POST"
    body: dict[str, Any] = json.loads(request.body)
    return request.url, body


def answer(call: ChatCall, payload: Any) -> Any:
    return parse_embeddings(call, json.dumps(payload).encode())


def vectors(count: int, size: int = 3) -> list[list[float]]:
    return [
        [round(0.1 * (row + 1) + 0.01 * column, 4) for column in range(size)]
        for row in range(count)
    ]


def summaries(*ids: str) -> dict[str, Any]:
    """A ListFoundationModels answer naming ``ids``, each with the fields AWS sends."""
    return {
        "modelSummaries": [
            {
                "modelArn": f"arn:aws:bedrock:us-west-2::foundation-model/{model_id}",
                "modelId": model_id,
                "modelName": model_id.partition(".")[2].upper(),
                "providerName": model_id.partition(".")[0].capitalize(),
                "inputModalities": ["TEXT"],
                "outputModalities": ["EMBEDDING"],
                "responseStreamingSupported": False,
                "inferenceTypesSupported": ["ON_DEMAND"],
                "modelLifecycle": {"status": "ACTIVE"},
            }
            for model_id in ids
        ]
    }


# --- Titan: requests -----------------------------------------------------------------------


def test_titan_invokes_the_model_with_its_id_encoded() -> None:
    url, body = sent(embed_call(TITAN, "Hello"))

    assert url == f"{RUNTIME}/model/amazon.titan-embed-text-v2%3A0/invoke"
    assert body == {"inputText": "Hello"}  # AWS's defaults: 1024 dimensions, normalized


def test_titan_v2_sends_the_dimensions_asked_for() -> None:
    assert sent(embed_call(TITAN, "Hello", 256))[1] == {"inputText": "Hello", "dimensions": 256}


def test_a_list_of_one_text_is_sent_as_that_text() -> None:
    assert sent(embed_call(TITAN, ["Hello"]))[1] == {"inputText": "Hello"}


def test_titan_refuses_more_than_one_text_saying_what_to_do() -> None:
    call = embed_call(TITAN, TEXTS)

    with pytest.raises(InvalidRequestError, match="one text per request") as caught:
        call.http_request()

    assert "call embed once per text, or use a Cohere model" in str(caught.value)


@pytest.mark.parametrize(
    ("model", "dimensions", "message"),
    [
        (TITAN, 300, "dimensions=300 is not a size .* pick one of 256, 512, 1024"),
        (TITAN_G1, 256, "amazon.titan-embed-text-v1 takes no dimensions"),
        (COHERE, 256, "cohere.embed-english-v3 takes no dimensions"),
        (COHERE_V4, 300, "pick one of 256, 512, 1024, 1536"),
    ],
)
def test_dimensions_a_model_does_not_offer_are_refused(
    model: str, dimensions: int, message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        embed_call(model, "Hello", dimensions).http_request()


def test_extra_body_is_merged_into_the_titan_body() -> None:
    call = embed_call(TITAN, "Hello", 512, extra_body={"normalize": False})

    assert sent(call)[1] == {"inputText": "Hello", "dimensions": 512, "normalize": False}


# --- Cohere: requests ----------------------------------------------------------------------


def test_cohere_sends_every_text_as_search_documents_in_floats() -> None:
    url, body = sent(embed_call(COHERE, TEXTS))

    assert url == f"{RUNTIME}/model/cohere.embed-english-v3/invoke"
    assert body == {"texts": TEXTS, "input_type": "search_document", "embedding_types": ["float"]}


def test_cohere_takes_one_text_as_a_list_of_one() -> None:
    assert sent(embed_call(COHERE, "Hello"))[1]["texts"] == ["Hello"]


def test_extra_body_replaces_cohere_s_input_type() -> None:
    call = embed_call(COHERE, "Hello", extra_body={"input_type": "search_query", "truncate": "END"})

    body = sent(call)[1]
    assert (body["input_type"], body["truncate"]) == ("search_query", "END")


def test_cohere_v4_sends_dimensions_as_output_dimension() -> None:
    body = sent(embed_call(COHERE_V4, TEXTS, 512))[1]

    assert body["output_dimension"] == 512
    assert "dimensions" not in body


def test_cohere_refuses_more_texts_than_one_request_takes() -> None:
    with pytest.raises(InvalidRequestError, match="at most 96 texts per request, not 97"):
        embed_call(COHERE, ["text"] * 97).http_request()


# --- which models ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "path", "key"),
    [
        ("us.cohere.embed-v4:0", "us.cohere.embed-v4%3A0", "texts"),
        ("global.cohere.embed-v4:0", "global.cohere.embed-v4%3A0", "texts"),
        ("amazon.titan-embed-text-v1:2:8k", "amazon.titan-embed-text-v1%3A2%3A8k", "inputText"),
        ("amazon.titan-embed-g1-text-02", "amazon.titan-embed-g1-text-02", "inputText"),
        ("cohere.embed-multilingual-v3", "cohere.embed-multilingual-v3", "texts"),
        (
            "arn:aws:bedrock:us-west-2::foundation-model/amazon.titan-embed-text-v2:0",
            "arn%3Aaws%3Abedrock%3Aus-west-2%3A%3Afoundation-model%2Famazon.titan-embed-text-v2%3A0",
            "inputText",
        ),
    ],
)
def test_a_model_s_family_is_read_past_profiles_arns_and_versions(
    model: str, path: str, key: str
) -> None:
    url, body = sent(embed_call(f"bedrock/{model}", "Hello"))

    assert url == f"{RUNTIME}/model/{path}/invoke"
    assert key in body


@pytest.mark.parametrize(
    "model",
    [
        "meta.llama3-8b-instruct-v1:0",
        "amazon.titan-embed-image-v1",
        "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/a1b2c3",
    ],
)
def test_a_model_of_no_supported_family_is_refused_naming_those_there_are(model: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        embed_call(f"bedrock/{model}", "Hello").http_request()

    message = str(caught.value)
    assert "Amazon Titan Text Embeddings" in message
    assert "Cohere Embed" in message
    assert repr(model) in message


def test_user_is_refused_when_the_call_is_made() -> None:
    with pytest.raises(InvalidRequestError, match="no equivalent of the parameter 'user'"):
        embed_call(TITAN, "Hello", user="u-1")


def test_base64_asks_for_nothing_more_bedrock_sends_floats() -> None:
    assert sent(embed_call(COHERE, TEXTS, encoding_format="base64")) == sent(
        embed_call(COHERE, TEXTS)
    )


# --- answers ---------------------------------------------------------------------------------


def test_a_titan_answer_is_one_vector_with_its_token_count() -> None:
    payload = {
        "embedding": [0.25, -0.5, 1],
        "inputTextTokenCount": 4,
        "embeddingsByType": {"float": [0.25, -0.5, 1.0]},
    }

    result = answer(embed_call(TITAN, "Hello"), payload)

    assert result.data == [Embedding(0, [0.25, -0.5, 1.0])]
    assert all(type(value) is float for value in result.data[0].embedding)
    assert result.usage == EmbeddingUsage(prompt_tokens=4, total_tokens=4)
    assert result.model == "amazon.titan-embed-text-v2:0"


def test_a_titan_answer_without_a_count_has_no_usage() -> None:
    assert answer(embed_call(TITAN_G1, "Hello"), {"embedding": [1.0]}).usage is None


@pytest.mark.parametrize(
    "embeddings",
    [vectors(3), {"float": vectors(3)}],
    ids=["embeddings_floats", "embeddings_by_type"],
)
def test_a_cohere_answer_is_one_vector_per_text_in_order(embeddings: Any) -> None:
    payload = {"id": "e-1", "embeddings": embeddings, "texts": TEXTS}

    result = answer(embed_call(COHERE, TEXTS), payload)

    assert result.data == [Embedding(index, row) for index, row in enumerate(vectors(3))]
    assert result.usage is None  # Cohere's answer counts no tokens


@pytest.mark.parametrize(
    ("model", "input", "body"),
    [
        (TITAN, "Hi", b"not json"),
        (TITAN, "Hi", b"[]"),
        (TITAN, "Hi", b"{}"),
        (TITAN, "Hi", b'{"embedding": "AAAAAA=="}'),
        (TITAN, "Hi", b'{"embedding": [1.0, {}]}'),
        (TITAN, "Hi", b'{"embedding": [1.0], "inputTextTokenCount": "4"}'),
        (TITAN, "Hi", b'{"embedding": [1.0], "inputTextTokenCount": -1}'),
        (COHERE, "Hi", b'{"embeddings": "x"}'),
        (COHERE, "Hi", b'{"embeddings": {"int8": [[1, 2]]}}'),
        (COHERE, "Hi", b'{"embeddings": [1.0, 2.0]}'),
        (COHERE, ["a", "b"], b'{"embeddings": [[1.0]]}'),
        (COHERE, "Hi", b'{"message": "no vectors"}'),
    ],
)
def test_an_answer_of_another_shape_is_a_decode_error(model: str, input: Any, body: bytes) -> None:
    with pytest.raises(DecodeError, match="bedrock"):
        parse_embeddings(embed_call(model, input), body)


# --- the model list --------------------------------------------------------------------------


def models_call(config: ClientConfig | None = None) -> ChatCall:
    return prepare_list_models(config or ClientConfig(api_key=KEY), "bedrock", {})


def test_the_model_list_asks_the_control_plane_of_the_region() -> None:
    request = models_call().http_request()

    assert request.method == "GET"
    assert request.url == "https://bedrock.us-west-2.amazonaws.com/foundation-models"
    assert "content-type" not in request.headers
    assert request.body == b""


def test_a_base_url_of_the_caller_s_own_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEDROCK_BASE_URL", "https://gateway.example.internal/bedrock")

    request = models_call(ClientConfig(api_key=KEY)).http_request()

    assert request.url == "https://gateway.example.internal/bedrock/foundation-models"


def test_a_runtime_host_given_as_the_base_url_becomes_its_control_plane() -> None:
    config = ClientConfig(
        api_key=KEY, base_url="https://bedrock-runtime-fips.us-east-1.amazonaws.com"
    )

    request = models_call(config).http_request()

    assert request.url == "https://bedrock-fips.us-east-1.amazonaws.com/foundation-models"


def test_the_model_list_is_one_page_owned_by_each_model_s_provider() -> None:
    body = json.dumps(summaries("amazon.titan-embed-text-v2:0", "cohere.embed-v4:0")).encode()

    page = parse_models_page(models_call(), body)

    assert page.next is None
    assert page.models == [
        Model(
            "amazon.titan-embed-text-v2:0",
            owned_by="Amazon",
            provider="bedrock",
            display_name="TITAN-EMBED-TEXT-V2:0",
        ),
        Model(
            "cohere.embed-v4:0", owned_by="Cohere", provider="bedrock", display_name="EMBED-V4:0"
        ),
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"{}",
        b"[]",
        b'{"modelSummaries": "x"}',
        b'{"modelSummaries": [{"modelName": "no id"}]}',
        b'{"modelSummaries": [{"modelId": 7}]}',
    ],
)
def test_a_model_list_of_another_shape_is_a_decode_error(body: bytes) -> None:
    with pytest.raises(DecodeError, match="model list"):
        parse_models_page(models_call(), body)


# --- through HTTP ----------------------------------------------------------------------------


def client_for(facade: Facade, server: LocalServer, **kwargs: Any) -> Any:
    return facade.client(base_url=server.base_url, api_key="k", **kwargs)


def aws_error(status: int, error_type: str, message: str, **faults: Any) -> Reply:
    headers = {"x-amzn-errortype": error_type, "x-amzn-requestid": "req-9", "retry-after": "0"}
    return Reply.json({"message": message}, status, headers, **faults)


def test_titan_embeds_through_invoke_model(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.json({"embedding": [0.5, -0.25, 0.125], "inputTextTokenCount": 2}))

    result = client_for(facade, server).embed(TITAN, "Hello world", dimensions=256)

    assert result.data == [Embedding(0, [0.5, -0.25, 0.125])]
    assert result.usage == EmbeddingUsage(2, 2)
    request = server.requests[0]
    assert (request.method, request.path) == (
        "POST",
        "/v1/model/amazon.titan-embed-text-v2%3A0/invoke",
    )
    assert request.headers["authorization"] == "Bearer k"
    assert request.json() == {"inputText": "Hello world", "dimensions": 256}


def test_cohere_embeds_a_list_in_one_request(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.json({"id": "e-1", "embeddings": {"float": vectors(3)}, "texts": TEXTS}))

    result = client_for(facade, server).embed(
        COHERE_V4, TEXTS, dimensions=1024, extra_body={"input_type": "clustering"}
    )

    assert [item.embedding for item in result.data] == vectors(3)
    request = server.requests[0]
    assert request.path == "/v1/model/cohere.embed-v4%3A0/invoke"
    assert request.json() == {
        "texts": TEXTS,
        "input_type": "clustering",
        "embedding_types": ["float"],
        "output_dimension": 1024,
    }


def test_a_throttled_embedding_is_retried(facade: Facade, server: LocalServer) -> None:
    server.enqueue(
        aws_error(429, THROTTLED, "Too many requests, please wait before trying again."),
        Reply.json({"embedding": [1.0, 2.0], "inputTextTokenCount": 1}),
    )

    result = client_for(facade, server).embed(TITAN, "Hi")

    assert result.data[0].embedding == [1.0, 2.0]
    assert server.request_count == 2
    assert server.requests[0].body == server.requests[1].body


def test_a_validation_error_is_typed_and_not_retried(facade: Facade, server: LocalServer) -> None:
    server.enqueue(aws_error(400, "ValidationException", "Malformed input request"))

    with pytest.raises(BadRequestError) as caught:
        client_for(facade, server).embed(COHERE, TEXTS)

    error = caught.value
    assert (error.provider, error.error_type) == ("bedrock", "ValidationException")
    assert (error.message, error.request_id) == ("Malformed input request", "req-9")
    assert server.request_count == 1


@pytest.mark.parametrize(
    ("model", "input", "params"),
    [
        (TITAN, TEXTS, {}),
        (COHERE, "Hi", {"dimensions": 256}),
        ("bedrock/meta.llama3-8b-instruct-v1:0", "Hi", {}),
        (TITAN, "Hi", {"user": "u-1"}),
    ],
    ids=["titan-list", "cohere-v3-dimensions", "not-an-embedder", "user"],
)
def test_what_bedrock_cannot_embed_is_refused_before_sending(
    facade: Facade, server: LocalServer, model: str, input: Any, params: dict[str, Any]
) -> None:
    with pytest.raises(InvalidRequestError):
        client_for(facade, server).embed(model, input, **params)

    assert server.request_count == 0


def test_bedrock_models_are_listed_from_the_control_plane(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.json(summaries("anthropic.claude-3-haiku-20240307-v1:0")))

    models = client_for(facade, server).list_models("bedrock")

    assert models == [
        Model(
            "anthropic.claude-3-haiku-20240307-v1:0",
            owned_by="Anthropic",
            provider="bedrock",
            display_name="CLAUDE-3-HAIKU-20240307-V1:0",
        )
    ]
    request = server.requests[0]
    assert (request.method, request.path) == ("GET", "/v1/foundation-models")
    assert request.headers["authorization"] == "Bearer k"
    assert request.body == b""


def test_a_refused_model_list_is_typed(facade: Facade, server: LocalServer) -> None:
    server.enqueue(aws_error(403, "AccessDeniedException", "User is not authorized"))

    with pytest.raises(PermissionDeniedError, match="User is not authorized"):
        client_for(facade, server).list_models("bedrock")

    assert server.request_count == 1
