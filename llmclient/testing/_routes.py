"""Which default answer a request gets when no reply is queued, by its method and path; a
path the server does not know is a 404 in OpenAI's shape (in Anthropic's under
``/v1/messages``, in Bedrock's under Bedrock's paths, in Google's under Vertex AI's), and a
path with ``/v1`` twice is a 404 that says which URL to give the client."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from . import _chat, _embeddings, _models
from ._reply import Reply
from ._request import Defaults, RecordedRequest
from ._request_ids import is_anthropic
from ._vertex import VERTEX_MODEL_PATH, VERTEX_PATH

_Route = Callable[[RecordedRequest, Defaults], Reply]

_ROUTES: dict[tuple[str, str], _Route] = {
    ("POST", "/v1/chat/completions"): _chat.answer_openai,
    ("POST", "/v1/messages"): _chat.answer_anthropic,
    ("POST", "/v1/messages/count_tokens"): _chat.answer_anthropic_count_tokens,
    ("POST", "/v1/embeddings"): _embeddings.answer_openai,
}
"""The default answer for each (method, path); other dialects add their endpoints here."""

_AZURE_PATH = re.compile(r".*/openai/deployments/[^/]+/chat/completions")

_AZURE_EMBED_PATH = re.compile(r".*/openai/deployments/[^/]+/embeddings")

_MODELS_PATH = re.compile(r".*/models")

_BEDROCK_MODELS_PATH = re.compile(r".*/foundation-models")

BEDROCK_PATH = re.compile(r".*/(model/[^/]+/[^/]+|foundation-models(/.*)?)")
"""The paths of Bedrock's runtime (``/model/{modelId}/{operation}``) and control plane
(``/foundation-models``): answered and refused in Bedrock's shape."""

_PATTERN_ROUTES: list[tuple[str, re.Pattern[str], _Route]] = [
    ("POST", _chat.GEMINI_PATH, _chat.answer_gemini),
    ("POST", _AZURE_PATH, _chat.answer_openai),
    ("POST", _embeddings.GEMINI_EMBED_PATH, _embeddings.answer_gemini),
    ("POST", _AZURE_EMBED_PATH, _embeddings.answer_openai),
    ("POST", _chat.BEDROCK_PATH, _chat.answer_bedrock),
    ("POST", _embeddings.BEDROCK_INVOKE_PATH, _embeddings.answer_bedrock),
    ("GET", _BEDROCK_MODELS_PATH, _models.answer_bedrock),
    ("GET", _MODELS_PATH, _models.answer),
]
"""Default answers for paths with a variable part (a model name), tried after ``_ROUTES``."""


_VERTEX_ROUTES: dict[tuple[str, str, str], _Route] = {
    ("POST", "google", "generateContent"): _chat.answer_gemini,
    ("POST", "google", "streamGenerateContent"): _chat.answer_gemini,
    ("POST", "google", "predict"): _embeddings.answer_vertex,
    ("POST", "anthropic", "rawPredict"): _chat.answer_vertex_anthropic,
    ("POST", "anthropic", "streamRawPredict"): _chat.answer_vertex_anthropic,
}
"""Vertex AI's answers by (method, publisher, the model's method), for the paths under a
project's location, which no other route answers."""


def default_reply(request: RecordedRequest, server: Defaults) -> Reply:
    """The answer ``server`` gives ``request`` when nothing is queued."""
    route = _find_route(request.method, urlsplit(request.path).path)
    return _answer_unknown(request) if route is None else route(request, server)


def _find_route(method: str, path: str) -> _Route | None:
    if VERTEX_PATH.fullmatch(path):
        found = VERTEX_MODEL_PATH.fullmatch(path)
        if found is None:
            return None
        return _VERTEX_ROUTES.get((method, found["publisher"], found["method"]))
    route = _ROUTES.get((method, path))
    if route is None:
        for route_method, pattern, answer in _PATTERN_ROUTES:
            if route_method == method and pattern.fullmatch(path):
                return answer
    return route


_ANY_PREFIX = re.compile(
    "|".join(p.pattern for p in (VERTEX_PATH, BEDROCK_PATH, _chat.GEMINI_PATH, _AZURE_PATH))
)
"""The paths answered under any prefix (Vertex AI's, Bedrock's, Gemini's, Azure's)."""


def misdirected(request: RecordedRequest) -> Reply | None:
    """A 404 for a path that starts ``/v1/v1/`` (except those answered under any prefix),
    saying what to change, in the shape of the
    wire it was meant for; None for any other path.

    A client that adds ``/v1`` itself (the official ``anthropic`` SDK) given
    ``server.base_url``, which ends in ``/v1``, sends such paths; ``server.url`` is the one
    it needs.
    """
    path = urlsplit(request.path).path
    if not path.startswith("/v1/v1/") or _ANY_PREFIX.fullmatch(path):
        return None
    message = (
        f"Invalid URL ({request.method} {path}): the path has /v1 twice. This client adds /v1 "
        "itself: give it the server's url (no /v1) rather than its base_url."
    )
    if is_anthropic(request):
        return Reply.anthropic_error(404, message, error_type="not_found_error")
    return Reply.error(404, message, error_type="invalid_request_error")


def _answer_unknown(request: RecordedRequest) -> Reply:
    path = urlsplit(request.path).path
    message = f"Invalid URL ({request.method} {path})"
    if is_anthropic(request):
        return Reply.anthropic_error(404, message, error_type="not_found_error")
    if BEDROCK_PATH.fullmatch(path):
        return Reply.bedrock_error(404, message, error_type="UnknownOperationException")
    if VERTEX_PATH.fullmatch(path):
        return Reply.vertex_error(404, message)
    return Reply.error(404, message, error_type="invalid_request_error")
