"""Embeddings through InvokeModel: ``POST {base}/model/{modelId}/invoke``, whose body is the
model family's own.

- Amazon Titan Text Embeddings (``amazon.titan-embed-text-v2:0``, ``amazon.titan-embed-text-v1``,
  ``amazon.titan-embed-g1-text-02``): ``{"inputText"}``, one text per request; V2 takes
  ``dimensions`` (256, 512 or 1024; AWS's default 1024) and normalizes unless told
  ``"normalize": false``. The answer counts the input's tokens (``inputTextTokenCount``).
- Cohere Embed (``cohere.embed-english-v3``, ``cohere.embed-multilingual-v3``,
  ``cohere.embed-v4:0``): ``{"texts", "input_type": "search_document", "embedding_types":
  ["float"]}``, up to 96 texts; v4 takes ``dimensions`` as ``output_dimension`` (256, 512, 1024
  or 1536). The answer counts no tokens: its usage is None.

The family is read from the model id, past an ARN's last ``/`` and a cross-region inference
profile's geography (``us.cohere.embed-v4:0``). ``extra_body`` is merged into the body last
(``{"input_type": "search_query"}``, ``{"normalize": false}``, ``{"truncate": "END"}``). Bedrock
always sends floats, so the encoding asked for changes nothing in the answer. What a model
cannot take raises ``InvalidRequestError`` before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..._core.call import ChatCall, HttpRequest
from ..._core.convert import FieldError
from ..._core.endpoint_types import Embedding, EmbeddingResponse, EmbeddingUsage
from ..._core.request import encode_json
from ...errors import InvalidRequestError
from .._common import float_embeddings_params, merged
from .._vectors import vector
from .urls import model_url

#: The most texts Cohere Embed takes in one request.
COHERE_MAX_TEXTS = 96


@attrs.frozen
class Family:
    """How one model's embeddings are asked for: its body's shape (``titan`` or ``cohere``)
    and the ``dimensions`` it offers (none: its vectors have one size)."""

    shape: str
    dimensions: tuple[int, ...] = ()


#: The embedding models Bedrock serves through InvokeModel, by model id without its version.
FAMILIES: Mapping[str, Family] = {
    "amazon.titan-embed-text-v2": Family("titan", (256, 512, 1024)),
    "amazon.titan-embed-text-v1": Family("titan"),
    "amazon.titan-embed-g1-text-02": Family("titan"),
    "cohere.embed-english-v3": Family("cohere"),
    "cohere.embed-multilingual-v3": Family("cohere"),
    "cohere.embed-v4": Family("cohere", (256, 512, 1024, 1536)),
}

_PROVIDERS = ("amazon.", "cohere.")


def family_of(call: ChatCall) -> Family:
    """The family of the call's model; ``InvalidRequestError`` naming those there are."""
    name = call.model.rpartition("/")[2]  # an ARN's resource: foundation-model/<id>
    if not name.startswith(_PROVIDERS):
        name = name.partition(".")[2]  # an inference profile's geography: us., eu., global.
    family = FAMILIES.get(name.partition(":")[0])
    if family is None:
        raise InvalidRequestError(
            f"{call.provider.name} embeds with Amazon Titan Text Embeddings "
            "(amazon.titan-embed-text-v2:0, amazon.titan-embed-text-v1, "
            "amazon.titan-embed-g1-text-02) and Cohere Embed (cohere.embed-english-v3, "
            f"cohere.embed-multilingual-v3, cohere.embed-v4:0); {call.model!r} is neither."
        )
    return family


def embeddings_params(provider: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments the request is built from; ``user`` has no InvokeModel counterpart."""
    return float_embeddings_params(provider, fields, "InvokeModel")


def build_embeddings_request(call: ChatCall) -> HttpRequest:
    """``POST {base}/model/{modelId}/invoke`` with the family's body, ``extra_body`` merged in."""
    family = family_of(call)
    texts = call.params["input"]
    dimensions = call.params.get("dimensions")
    if dimensions is not None and dimensions not in family.dimensions:
        if not family.dimensions:
            raise InvalidRequestError(
                f"{call.model} takes no dimensions: its vectors have one size; leave it out."
            )
        offered = ", ".join(str(size) for size in family.dimensions)
        raise InvalidRequestError(
            f"dimensions={dimensions} is not a size {call.model} offers: pick one of {offered}."
        )
    if family.shape == "titan":
        if isinstance(texts, list):
            if len(texts) > 1:
                raise InvalidRequestError(
                    f"{call.model} (Amazon Titan) embeds one text per request: call embed "
                    "once per text, or use a Cohere model (e.g. cohere.embed-english-v3)."
                )
            texts = texts[0]
        body: dict[str, Any] = {"inputText": texts}
        if dimensions is not None:
            body["dimensions"] = dimensions
    else:
        texts = [texts] if isinstance(texts, str) else texts
        if len(texts) > COHERE_MAX_TEXTS:
            raise InvalidRequestError(
                f"{call.model} (Cohere Embed) takes at most {COHERE_MAX_TEXTS} texts per "
                f"request, not {len(texts)}: split the list."
            )
        # Cohere requires input_type; search_document suits texts stored to be searched.
        body = {"texts": texts, "input_type": "search_document", "embedding_types": ["float"]}
        if dimensions is not None:
            body["output_dimension"] = dimensions
    if call.extra_body:
        body = merged(body, call.extra_body)
    return HttpRequest("POST", model_url(call, "invoke"), call.base_headers(), encode_json(body))


def parse_embeddings(call: ChatCall, payload: dict[str, Any]) -> EmbeddingResponse:
    """Titan's one ``embedding`` with its token count, or Cohere's ``embeddings`` (a list, or
    by type: ``{"float": [...]}``), one per text."""
    if family_of(call).shape == "titan":
        vectors = [_floats(payload.get("embedding", ...), "embedding")]
        count = payload.get("inputTextTokenCount")
        if count is not None and (count.__class__ is not int or count < 0):
            raise FieldError("inputTextTokenCount", "a count", count)
        usage = None if count is None else EmbeddingUsage(count, count)
    else:
        embeddings = payload.get("embeddings", ...)
        where = "embeddings"
        if isinstance(embeddings, dict):
            embeddings, where = embeddings.get("float", ...), "embeddings.float"
        if not isinstance(embeddings, list):
            raise FieldError(where, "a list of vectors", embeddings)
        texts = call.params["input"]
        sent = 1 if isinstance(texts, str) else len(texts)
        if len(embeddings) != sent:
            raise ValueError(f"{len(embeddings)} vectors came for {sent} texts")
        vectors = [_floats(item, f"{where}[{index}]") for index, item in enumerate(embeddings)]
        usage = None
    data = [Embedding(index, values) for index, values in enumerate(vectors)]
    return EmbeddingResponse(data, call.model, usage)


def _floats(value: Any, where: str) -> list[float]:
    if not isinstance(value, list):  # never base64: Bedrock sends numbers
        raise FieldError(where, "a list of numbers", value)
    return vector(value)
