"""Embeddings: the vector a text always gets (:func:`embedding_for`), and the default answers
of OpenAI's (and Azure's) embeddings endpoint, Gemini's ``:embedContent`` /
``:batchEmbedContents``, Bedrock's InvokeModel for Titan and Cohere embedding models and Vertex
AI's ``:predict``."""

from __future__ import annotations

import hashlib
import math
import re
import struct
from collections.abc import Sequence
from urllib.parse import urlsplit

from ._openai import DEFAULT_EMBEDDING_MODEL
from ._reply import Reply
from ._request import Defaults, RecordedRequest, json_object, string_or
from ._vertex import VERTEX_MODEL_PATH
from ._wire import count_tokens

DEFAULT_EMBEDDING_DIMENSIONS = 8
"""How many values the vectors of :func:`embedding_for` have unless ``dimensions`` is asked for."""

GEMINI_EMBED_PATH = re.compile(
    r".*/models/(?P<model>[^/]+):(?P<method>embedContent|batchEmbedContents)"
)

BEDROCK_INVOKE_PATH = re.compile(r".*/model/[^/]+/invoke")

_COHERE_MODEL = "cohere.embed-english-v3"
_COHERE_INPUT_TYPES = ("search_document", "search_query", "classification", "clustering")
_MALFORMED = "Malformed input request, please reformat your input and try again."
# Vertex's limits: gemini-embedding models take one instance a request, the others 250.
_VERTEX_MAX_INSTANCES = 250
_VERTEX_TASK_TYPES = frozenset(
    (
        "RETRIEVAL_QUERY",
        "RETRIEVAL_DOCUMENT",
        "SEMANTIC_SIMILARITY",
        "CLASSIFICATION",
        "CLUSTERING",
        "QUESTION_ANSWERING",
        "FACT_VERIFICATION",
        "CODE_RETRIEVAL_QUERY",
    )
)


def embedding_for(text: str, dimensions: int = DEFAULT_EMBEDDING_DIMENSIONS) -> list[float]:
    """The vector a :class:`LocalServer` answers for ``text``: the same text always gets the
    same vector, and different texts different ones.

    It has unit length, and every value is a float32, so it is the same after the trip through
    ``encoding_format="base64"``.
    """
    if dimensions < 1:
        raise ValueError(f"dimensions must be at least 1, not {dimensions}")
    digest = b""
    while len(digest) < 4 * dimensions:
        digest += hashlib.sha256(f"{len(digest)}:{text}".encode()).digest()
    words = struct.unpack(f"<{dimensions}I", digest[: 4 * dimensions])
    raw = [word / 2**31 - 1.0 for word in words]
    norm = math.sqrt(sum(value * value for value in raw)) or 1.0
    return _float32([value / norm for value in raw])


def answer_openai(request: RecordedRequest, server: Defaults) -> Reply:
    """Embed each input with :func:`embedding_for`, as OpenAI's embeddings endpoint answers."""
    payload = json_object(request)
    if payload is None:
        message = "We could not parse the JSON body of your request."
        return Reply.error(400, message, headers={"Connection": "close"})
    texts = payload.get("input")
    texts = [texts] if isinstance(texts, str) else texts
    if not texts or not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        return Reply.error(400, "'input' must be a string or a non-empty array of strings.")
    dimensions = payload.get("dimensions", DEFAULT_EMBEDDING_DIMENSIONS)
    if not _is_dimensions(dimensions):
        return Reply.error(400, f"Invalid 'dimensions': {dimensions!r}.")
    encoding_format = payload.get("encoding_format") or "float"
    if encoding_format not in ("float", "base64"):
        return Reply.error(400, f"Invalid 'encoding_format': {encoding_format!r}.")
    return Reply.openai_embeddings(
        [embedding_for(text, dimensions) for text in texts],
        model=string_or(payload, "model", DEFAULT_EMBEDDING_MODEL),
        encoding_format=encoding_format,
        prompt_tokens=sum(count_tokens(text) for text in texts),
    )


def answer_gemini(request: RecordedRequest, server: Defaults) -> Reply:
    """Embed each text with :func:`embedding_for`, as Gemini's ``:embedContent`` and
    ``:batchEmbedContents`` answer; a batch request naming another model is refused."""
    found = GEMINI_EMBED_PATH.fullmatch(urlsplit(request.path).path)
    assert found is not None  # the route matched this pattern
    payload = json_object(request)
    if payload is None:
        return Reply.gemini_error(400, "Invalid JSON payload received.")
    batch = found["method"] == "batchEmbedContents"
    requests = payload.get("requests") if batch else [payload]
    if not isinstance(requests, list) or not requests:
        return Reply.gemini_error(400, "* BatchEmbedContentsRequest.requests: is empty")
    vectors: list[list[float]] = []
    for number, item in enumerate(requests):
        if not isinstance(item, dict):
            return Reply.gemini_error(400, f"Invalid value at 'requests[{number}]'.")
        if batch and item.get("model") != f"models/{found['model']}":
            message = f"Model in request {number} does not match the model in the URL."
            return Reply.gemini_error(400, message)
        content = item.get("content")
        parts = content.get("parts") if isinstance(content, dict) else None
        texts = [part.get("text") if isinstance(part, dict) else None for part in parts or ()]
        text = "".join(text for text in texts if isinstance(text, str))
        if not texts or not all(isinstance(text, str) for text in texts):
            return Reply.gemini_error(400, "* EmbedContentRequest.content: contents is not set")
        dimensions = item.get("outputDimensionality", DEFAULT_EMBEDDING_DIMENSIONS)
        if not _is_dimensions(dimensions):
            return Reply.gemini_error(400, f"Invalid outputDimensionality: {dimensions!r}.")
        vectors.append(embedding_for(text, dimensions))
    return Reply.gemini_embeddings(vectors, batch=batch)


def answer_bedrock(request: RecordedRequest, server: Defaults) -> Reply:
    """Embed with :func:`embedding_for` as Bedrock's InvokeModel answers for a Titan text
    embedding model (``{"inputText": ...}``) or a Cohere one (``{"texts": [...],
    "input_type": ...}``), told apart by the body; any other body is refused."""
    payload = json_object(request) or {}
    if isinstance(payload.get("inputText"), str):
        text = payload["inputText"]
        dimensions = payload.get("dimensions", DEFAULT_EMBEDDING_DIMENSIONS)
        if not _is_dimensions(dimensions):
            return Reply.bedrock_error(400, f"Malformed input request: dimensions {dimensions!r}.")
        return Reply.bedrock_embeddings(
            [embedding_for(text, dimensions)], input_tokens=count_tokens(text)
        )
    texts = payload.get("texts")
    if not texts or not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        return Reply.bedrock_error(400, _MALFORMED)
    if payload.get("input_type") not in _COHERE_INPUT_TYPES:
        message = f"Malformed input request: input_type must be one of {_COHERE_INPUT_TYPES}."
        return Reply.bedrock_error(400, message)
    types = payload.get("embedding_types")
    if types is not None and types != ["float"]:
        message = "Malformed input request: llmclient.testing answers embedding_types ['float']."
        return Reply.bedrock_error(400, message)
    return Reply.bedrock_embeddings(
        [embedding_for(text) for text in texts],
        model=_COHERE_MODEL,
        texts=texts,
        by_type=types is not None,
    )


def answer_vertex(request: RecordedRequest, server: Defaults) -> Reply:
    """Embed each instance's ``content`` with :func:`embedding_for`, as Vertex AI's
    ``:predict`` answers for a text embedding model, ``parameters.outputDimensionality``
    values long; a body Vertex would refuse gets its 400 (``INVALID_ARGUMENT``)."""
    found = VERTEX_MODEL_PATH.fullmatch(urlsplit(request.path).path)
    assert found is not None  # the route matched this pattern
    payload = json_object(request)
    if payload is None:
        return Reply.vertex_error(400, "Invalid JSON payload received.")
    instances = payload.get("instances")
    limit = 1 if found["model"].startswith("gemini-embedding") else _VERTEX_MAX_INSTANCES
    if not isinstance(instances, list) or not instances:
        return Reply.vertex_error(400, "instances: must be a non-empty list.")
    if len(instances) > limit:
        message = f"{found['model']} takes at most {limit} instances a request."
        return Reply.vertex_error(400, message)
    texts: list[str] = []
    for number, instance in enumerate(instances):
        content = instance.get("content") if isinstance(instance, dict) else None
        if not isinstance(content, str):
            return Reply.vertex_error(400, f"instances[{number}].content: must be a string.")
        task_type = instance.get("task_type", "RETRIEVAL_QUERY")
        if task_type not in _VERTEX_TASK_TYPES:
            message = f"instances[{number}].task_type: unknown task type {task_type!r}."
            return Reply.vertex_error(400, message)
        texts.append(content)
    parameters = payload.get("parameters", {})
    if not isinstance(parameters, dict):
        return Reply.vertex_error(400, "parameters: must be an object.")
    dimensions = parameters.get("outputDimensionality", DEFAULT_EMBEDDING_DIMENSIONS)
    if not _is_dimensions(dimensions):
        return Reply.vertex_error(400, f"Invalid outputDimensionality: {dimensions!r}.")
    if not isinstance(parameters.get("autoTruncate", True), bool):
        return Reply.vertex_error(400, "parameters.autoTruncate: must be a boolean.")
    return Reply.vertex_embeddings([embedding_for(text, dimensions) for text in texts], texts=texts)


def _is_dimensions(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _float32(values: Sequence[float]) -> list[float]:
    """``values`` rounded to float32, as a base64 embedding carries them."""
    return list(struct.unpack(f"<{len(values)}f", struct.pack(f"<{len(values)}f", *values)))
