"""Vertex AI's paths and replies as data: which paths are Vertex's, the model and method each
names, and the ``:predict`` embeddings answer, for :class:`~llmclient.testing.Reply` to frame.
Vertex answers Gemini's bodies on Google's models and Anthropic's on Claude, so those replies
are Gemini's and Anthropic's own."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ._wire import count_tokens

VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16"
"""The ``anthropic_version`` a Claude request body on Vertex carries."""

VERTEX_PATH = re.compile(r".*/projects/[^/]+/locations/[^/]+(/.*)?")
"""Every path under a project's location: answered and refused in Google's shape."""

VERTEX_MODEL_PATH = re.compile(
    r".*/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
    r"/publishers/(?P<publisher>[^/]+)/models/(?P<model>[^/:]+):(?P<method>[A-Za-z]+)"
)
"""A publisher model's method: ``.../publishers/{publisher}/models/{model}:{method}``."""

UNAUTHENTICATED = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
    "cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
"""The message of Vertex's 401 for a missing, unknown or expired token."""


def embeddings(
    vectors: Sequence[Sequence[float]], *, texts: Sequence[str] | None
) -> dict[str, Any]:
    """The body of :meth:`Reply.vertex_embeddings`: ``texts`` give each prediction's
    ``token_count`` (words) and the ``billableCharacterCount``; without them both are 0."""
    if texts is not None and len(texts) != len(vectors):
        raise ValueError(f"{len(texts)} texts for {len(vectors)} vectors")
    counted = [""] * len(vectors) if texts is None else list(texts)
    predictions = [
        {
            "embeddings": {
                "values": list(vector),
                "statistics": {"token_count": count_tokens(text), "truncated": False},
            }
        }
        for vector, text in zip(vectors, counted, strict=True)
    ]
    billable = sum(len(text) for text in counted)
    return {"predictions": predictions, "metadata": {"billableCharacterCount": billable}}
