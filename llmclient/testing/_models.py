"""Model lists: the models ``GET .../models`` lists by default, in the shape the request asks
for, and those Bedrock's ``GET .../foundation-models`` lists."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from ._anthropic import DEFAULT_ANTHROPIC_MODEL
from ._bedrock import TITAN_EMBEDDING_MODEL
from ._gemini import DEFAULT_GEMINI_MODEL
from ._openai import DEFAULT_EMBEDDING_MODEL, DEFAULT_MODEL
from ._reply import Reply
from ._request import Defaults, RecordedRequest

DEFAULT_MODEL_IDS: Mapping[str, tuple[str, ...]] = {
    "openai": (DEFAULT_MODEL, "gpt-4o", DEFAULT_EMBEDDING_MODEL),
    "anthropic": (DEFAULT_ANTHROPIC_MODEL, "claude-sonnet-4-20250514"),
    "gemini": (DEFAULT_GEMINI_MODEL, "gemini-2.5-pro", "gemini-embedding-001"),
    "bedrock": (
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "amazon.nova-pro-v1:0",
        TITAN_EMBEDDING_MODEL,
        "cohere.embed-english-v3",
    ),
}
"""The models ``GET .../models`` lists, by the shape it answers in (and Bedrock's
``GET .../foundation-models``)."""


def answer(request: RecordedRequest, server: Defaults) -> Reply:
    """List :data:`DEFAULT_MODEL_IDS` in one page, in the shape the request's headers ask for:
    Anthropic's with ``anthropic-version``, Gemini's with ``x-goog-api-key`` or Gemini's query
    parameters, else OpenAI's."""
    query = parse_qs(urlsplit(request.path).query)
    if "anthropic-version" in request.headers:
        return Reply.anthropic_models(DEFAULT_MODEL_IDS["anthropic"])
    if "x-goog-api-key" in request.headers or query.keys() & {"key", "pageSize", "pageToken"}:
        return Reply.gemini_models(DEFAULT_MODEL_IDS["gemini"])
    return Reply.openai_models(DEFAULT_MODEL_IDS["openai"])


def answer_bedrock(request: RecordedRequest, server: Defaults) -> Reply:
    """List the Bedrock models of :data:`DEFAULT_MODEL_IDS` as ``GET /foundation-models``
    answers: one page."""
    return Reply.bedrock_models(DEFAULT_MODEL_IDS["bedrock"])
