"""Embeddings on Vertex AI: ``POST .../publishers/google/models/{model}:predict`` with one
instance per text (``text-embedding-005``, ``text-multilingual-embedding-002``,
``gemini-embedding-001``, which takes one text per request); ``dimensions`` is
``outputDimensionality``. Vectors are always floats; usage counts the tokens Vertex reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..._auth import BearerTokenAuth
from ..._core.call import ChatCall, HttpRequest
from ..._core.endpoint_types import Embedding, EmbeddingResponse, EmbeddingUsage
from ..._core.request import encode_json
from ..._core.status import build_status_error
from ...errors import InvalidRequestError
from .._common import float_embeddings_params, merged
from .._vectors import vector
from .auth import project
from .urls import model_url

#: Models that embed one text per request (Vertex AI's limit for them).
ONE_TEXT_MODELS = ("gemini-embedding-001",)


def embeddings_params(provider: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments the request is built from; ``user`` has no Vertex counterpart."""
    return float_embeddings_params(provider, fields, "Vertex AI")


def build_embeddings_request(call: ChatCall) -> HttpRequest:
    """``:predict`` with an instance per text; ``extra_body`` is merged into each instance
    (``task_type``, ``title``), except ``parameters``, merged into the parameters."""
    texts = call.params["input"]
    texts = [texts] if isinstance(texts, str) else texts
    if len(texts) > 1 and call.model.startswith(ONE_TEXT_MODELS):
        raise InvalidRequestError(
            f"{call.model} on {call.provider.name} embeds one text per request: call embed "
            "once per text, or use text-embedding-005."
        )
    extra = dict(call.extra_body)
    parameters: dict[str, Any] = {}
    if call.params.get("dimensions") is not None:
        parameters["outputDimensionality"] = call.params["dimensions"]
    given = extra.pop("parameters", None)
    if isinstance(given, Mapping):
        parameters = merged(parameters, given)
    instances = [merged({"content": text}, extra) for text in texts]
    body: dict[str, Any] = {"instances": instances}
    if parameters:
        body["parameters"] = parameters
    billed = project(call, adc=isinstance(call.auth, BearerTokenAuth))
    url = model_url(call, billed, "google", "predict")
    return HttpRequest("POST", url, call.base_headers(), encode_json(body))


def parse_embeddings(call: ChatCall, payload: dict[str, Any]) -> EmbeddingResponse:
    """``predictions[i].embeddings.values`` in input order, tokens from their statistics."""
    if "error" in payload and "predictions" not in payload:
        raise build_status_error(call.provider.name, 200, payload, in_stream=True)
    data = []
    tokens = 0
    for index, prediction in enumerate(payload["predictions"]):
        embeddings = prediction["embeddings"]
        data.append(Embedding(index, vector(embeddings["values"])))
        count = (embeddings.get("statistics") or {}).get("token_count")
        if isinstance(count, (int, float)) and not isinstance(count, bool):
            tokens += int(count)
    return EmbeddingResponse(data=data, model=call.model, usage=EmbeddingUsage(tokens, tokens))
