"""Embeddings: ``POST {base_url}/models/{model}:embedContent`` for one text, and
``:batchEmbedContents`` for a list; ``dimensions`` is ``outputDimensionality``.

Gemini always sends floats, so the encoding asked for changes nothing in the answer, and it
counts no tokens: the answer has no usage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..._core.call import ChatCall, HttpRequest
from ..._core.endpoint_types import Embedding, EmbeddingResponse
from ..._core.request import encode_json
from ..._core.status import build_status_error
from .._common import float_embeddings_params, merged
from .._vectors import vector
from .request import model_path


def embeddings_params(provider: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments the requests are built from; ``user`` has no Gemini counterpart."""
    return float_embeddings_params(provider, fields, "Gemini")


def build_embeddings_request(call: ChatCall) -> HttpRequest:
    """``:embedContent`` for one text, ``:batchEmbedContents`` (one request per text) for a
    list; ``extra_body`` (``taskType``, ``title``, ...) is merged into each text's request."""
    texts = call.params["input"]
    dimensions = call.params.get("dimensions")

    def content_request(text: str) -> dict[str, Any]:
        request: dict[str, Any] = {"content": {"parts": [{"text": text}]}}
        if dimensions is not None:
            request["outputDimensionality"] = dimensions
        return merged(request, call.extra_body) if call.extra_body else request

    path = model_path(call.model)
    if isinstance(texts, str):
        url, body = f"{call.base_url}/{path}:embedContent", content_request(texts)
    else:
        # Each request of a batch names its model, the one in the URL.
        own = call.model.startswith(("models/", "tunedModels/"))
        name = call.model if own else f"models/{call.model}"
        requests = [{"model": name, **content_request(text)} for text in texts]
        url, body = f"{call.base_url}/{path}:batchEmbedContents", {"requests": requests}
    return HttpRequest("POST", url, call.base_headers(), encode_json(body))


def parse_embeddings(call: ChatCall, payload: dict[str, Any]) -> EmbeddingResponse:
    """One ``embedding`` (``:embedContent``) or a list of ``embeddings`` (a batch)."""
    if "error" in payload and not payload.keys() & {"embedding", "embeddings"}:
        raise build_status_error(call.provider.name, 200, payload, in_stream=True)
    vectors = [payload["embedding"]] if "embedding" in payload else payload["embeddings"]
    data = [Embedding(index, vector(item["values"])) for index, item in enumerate(vectors)]
    return EmbeddingResponse(data=data, model=call.model)
