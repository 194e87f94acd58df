"""Embeddings: ``embed(...)`` as each dialect's request, and each dialect's answer as an
:class:`~llmclient.types.EmbeddingResponse`. Nothing here does I/O.

- OpenAI-compatible providers: ``POST {base_url}/embeddings`` with ``{"model", "input",
  "dimensions", "encoding_format", "user"}``; Azure posts the same body to its deployment's
  ``/embeddings``.
- Gemini: ``POST {base_url}/models/{model}:embedContent`` for one text, and
  ``:batchEmbedContents`` for a list; ``dimensions`` is ``outputDimensionality``.
- Anthropic has no embeddings endpoint: asking is an ``InvalidRequestError`` before sending.

Vectors are always lists of floats. With ``encoding_format="base64"``, OpenAI sends each vector
as base64 of little-endian float32 values, decoded here; the floats are the same ones the
default encoding would have sent, at a quarter of the bytes on the wire.
"""

from __future__ import annotations

import array
import base64
import binascii
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import quote

from ._config import ClientConfig, split_model
from ._endpoint_types import Embedding, EmbeddingResponse, EmbeddingUsage, EmbedParams
from ._endpoints import Endpoint, check_keywords, endpoint_call, in_band_error, load_object
from ._providers import AZURE_API_VERSION, Dialect
from ._request import ChatCall, HttpRequest, encode_json
from .errors import DecodeError, InvalidRequestError

#: How the provider is asked to send vectors; answers hold floats either way.
EncodingFormat = Literal["float", "base64"]

#: The keyword arguments ``embed`` takes after ``input``.
KEYWORDS = frozenset(EmbedParams.__annotations__) | {"dimensions", "encoding_format"}
#: Those that are per-call settings rather than fields of the body.
OPTIONS = frozenset(EmbedParams.__annotations__) - {"user"}
ENCODINGS = ("float", "base64")
#: The dialects with an embeddings endpoint.
DIALECTS = ("openai", "azure", "gemini")


def prepare_embed(
    config: ClientConfig,
    model: str,
    input: Any,
    dimensions: Any,
    encoding_format: Any,
    params: Mapping[str, Any],
) -> ChatCall:
    """Check an ``embed`` call and resolve its provider, key, URL, timeout and retries.

    Raises ``TypeError`` for an unknown keyword and an ``InputError`` for anything else wrong
    (a provider without embeddings included), all before any network traffic.
    """
    check_keywords("embed", params, KEYWORDS)
    provider, model_name = split_model(model, config.default_provider, config.registry())
    if provider.dialect not in DIALECTS:
        raise InvalidRequestError(
            f"{provider.name} has no embeddings API: embed with an OpenAI-compatible provider "
            "or Gemini (e.g. 'openai/text-embedding-3-small' or 'gemini/gemini-embedding-001')."
        )
    texts = _texts(input)
    if dimensions is not None and (
        isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1
    ):
        raise InvalidRequestError(f"dimensions must be a positive int, got {dimensions!r}.")
    if encoding_format is not None and encoding_format not in ENCODINGS:
        raise InvalidRequestError(
            f"encoding_format must be 'float' or 'base64', got {encoding_format!r}."
        )
    user = params.get("user")
    if user is not None and not isinstance(user, str):
        raise InvalidRequestError(f"user must be a string, got {type(user).__name__}.")
    fields = {"input": texts, "dimensions": dimensions, "user": user}
    if provider.dialect == "gemini":
        if user is not None:
            raise InvalidRequestError(
                f"{provider.name} (Gemini) has no equivalent of the parameter 'user': leave it out."
            )
        # Gemini always sends floats, so the encoding asked for changes nothing in the answer.
        endpoint = _gemini_endpoint
    else:
        fields["encoding_format"] = encoding_format
        endpoint = _openai_endpoint
    sent = {name: value for name, value in fields.items() if value is not None}
    options = {name: value for name, value in params.items() if name in OPTIONS}
    return endpoint_call(config, provider, model_name, sent, options, endpoint)


def _texts(input: Any) -> str | list[str]:
    if isinstance(input, str):
        return input
    if isinstance(input, Sequence) and not isinstance(input, (bytes, bytearray)):
        if not input:
            raise InvalidRequestError("input is an empty list: pass at least one text.")
        for index, text in enumerate(input):
            if not isinstance(text, str):
                raise InvalidRequestError(
                    f"input[{index}] must be a string, got {type(text).__name__}."
                )
        return list(input)
    raise InvalidRequestError(
        f"input must be a string or a list of strings, got {type(input).__name__}."
    )


# --- requests ----------------------------------------------------------------------------------


def _openai_endpoint(errors: Dialect) -> Endpoint:
    return Endpoint("embeddings", openai_request, errors)


def _gemini_endpoint(errors: Dialect) -> Endpoint:
    return Endpoint("embeddings", gemini_request, errors)


def openai_request(call: ChatCall) -> HttpRequest:
    """``POST /embeddings`` (Azure: the deployment's ``/embeddings``), ``extra_body`` merged in."""
    body = {"model": call.model, **call.params}
    body.update(call.extra_body)
    return HttpRequest("POST", embeddings_url(call), call.base_headers(), encode_json(body))


def embeddings_url(call: ChatCall) -> str:
    """The embeddings URL of an OpenAI-compatible provider, or of an Azure deployment."""
    if call.provider.dialect != "azure":
        return f"{call.base_url}/embeddings"
    endpoint = call.base_url
    if not endpoint.endswith("/openai"):
        endpoint += "/openai"
    deployment = quote(call.model, safe="")
    version = quote(call.api_version or AZURE_API_VERSION, safe="")
    return f"{endpoint}/deployments/{deployment}/embeddings?api-version={version}"


def gemini_request(call: ChatCall) -> HttpRequest:
    """``:embedContent`` for one text, ``:batchEmbedContents`` (one request per text) for a
    list; ``extra_body`` (``taskType``, ``title``, ...) is merged into each text's request."""
    from ._providers._common import merged
    from ._providers.gemini import model_path

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


# --- answers -----------------------------------------------------------------------------------


def parse_embeddings(call: ChatCall, body: bytes) -> EmbeddingResponse:
    """An embeddings answer of the call's dialect as an :class:`EmbeddingResponse`.

    Raises ``DecodeError`` for an answer of another shape, and the typed error for an error
    object sent with status 200.
    """
    provider = call.provider.name
    payload = load_object(body, provider, "embeddings response")
    try:
        if call.provider.dialect == "gemini":
            if "error" in payload and not payload.keys() & {"embedding", "embeddings"}:
                raise in_band_error(call, payload)
            return _gemini_response(payload, call.model)
        if "error" in payload and "data" not in payload:
            raise in_band_error(call, payload)
        return _openai_response(payload, call.model)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise DecodeError(
            f"{provider}: the response is not an embeddings answer ({exc!r}).", provider=provider
        ) from exc


def _openai_response(payload: Mapping[str, Any], model: str) -> EmbeddingResponse:
    data = [
        Embedding(int(item.get("index", number)), _vector(item["embedding"]))
        for number, item in enumerate(payload["data"])
    ]
    data.sort(key=lambda item: item.index)
    counts = payload.get("usage")
    usage = None
    if counts:
        usage = EmbeddingUsage(
            int(counts.get("prompt_tokens") or 0), int(counts.get("total_tokens") or 0)
        )
    return EmbeddingResponse(data, payload.get("model") or model, usage)


def _gemini_response(payload: Mapping[str, Any], model: str) -> EmbeddingResponse:
    # :embedContent answers one "embedding", :batchEmbedContents a list of "embeddings".
    vectors = [payload["embedding"]] if "embedding" in payload else payload["embeddings"]
    data = [Embedding(index, _vector(vector["values"])) for index, vector in enumerate(vectors)]
    return EmbeddingResponse(data=data, model=model)


def _vector(value: Any) -> list[float]:
    """A vector sent as a JSON list of numbers, or as base64 of little-endian float32."""
    if isinstance(value, str):
        return decode_base64_floats(value)
    if not isinstance(value, list):
        raise TypeError(f"an embedding is a list of numbers or a base64 string, not {value!r:.40}")
    return [float(number) for number in value]


def decode_base64_floats(data: str) -> list[float]:
    """The floats of base64-encoded little-endian float32 values (OpenAI's ``base64`` format).

    Raises ``ValueError`` when ``data`` is not base64 or not a whole number of float32 values.
    """
    try:
        raw = base64.b64decode(data, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"an embedding is not valid base64 ({exc})") from exc
    if len(raw) % 4:
        raise ValueError(f"a base64 embedding holds {len(raw)} bytes, not whole float32 values")
    values = array.array("f")
    values.frombytes(raw)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()
