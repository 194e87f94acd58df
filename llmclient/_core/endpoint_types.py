"""The answer types of the embeddings and model-listing endpoints, public in :mod:`llmclient.types`.

They live apart from the chat types so that ``import llmclient`` builds only those: this module
is imported when an embeddings or model-listing call, or a name from here, first needs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

import attrs

from .serializable import Serializable
from .timeouts import HttpTimeout

__all__ = [
    "EmbedParams",
    "Embedding",
    "EmbeddingResponse",
    "EmbeddingUsage",
    "ListModelsParams",
    "Model",
]


@attrs.define(slots=True)
class Embedding(Serializable):
    """One input's vector in an :class:`EmbeddingResponse`; ``index`` is the input's position."""

    index: int = 0
    embedding: list[float] = attrs.field(factory=list)
    object: str = "embedding"


@attrs.define(slots=True)
class EmbeddingUsage(Serializable):
    """Token counts for one embeddings request (embeddings have no completion tokens)."""

    prompt_tokens: int = 0
    total_tokens: int = 0


@attrs.define(slots=True)
class EmbeddingResponse(Serializable):
    """The vectors of an ``embed(...)`` call, one per input, in input order.

    Each vector is a list of floats, whatever ``encoding_format`` was asked for. ``usage`` is
    None when the provider does not count tokens (Gemini).
    """

    data: list[Embedding] = attrs.field(factory=list)
    model: str = ""
    usage: EmbeddingUsage | None = None
    object: str = "list"


@attrs.define(slots=True)
class Model(Serializable):
    """One model a provider offers, as returned by ``list_models(...)``.

    ``id`` is what goes after ``provider/`` in a model name (Gemini's ``models/`` prefix is
    removed). ``created`` is a Unix time in seconds and ``owned_by`` the owner, when the provider
    says (OpenAI-compatible providers; Anthropic gives ``created`` only); ``display_name`` is
    the human-readable name Anthropic and Gemini give.
    """

    id: str = ""
    created: int | None = None
    owned_by: str | None = None
    provider: str = ""
    display_name: str | None = None
    object: str = "model"


class EmbedParams(TypedDict, total=False):
    """The keyword arguments ``embed`` accepts besides ``dimensions`` and ``encoding_format``.

    ``user`` is sent as OpenAI names it (Gemini has no such field). The others are per-call
    settings, as for ``chat``: ``extra_body`` is merged into the JSON body (into each request of
    a Gemini batch), ``extra_headers`` into the headers, and ``timeout``, ``max_retries`` and
    ``api_key`` override the client's for this call.
    """

    user: str | None
    extra_body: Mapping[str, Any]
    extra_headers: Mapping[str, str]
    timeout: float | HttpTimeout | None
    max_retries: int
    api_key: str


class ListModelsParams(TypedDict, total=False):
    """The per-call settings ``list_models`` accepts, as for ``chat``: ``extra_headers`` is
    merged into the headers, and ``timeout``, ``max_retries`` (for each page) and ``api_key``
    override the client's for this call."""

    extra_headers: Mapping[str, str]
    timeout: float | HttpTimeout | None
    max_retries: int
    api_key: str


# Named where users import them from, as in the reprs of the classes and in pickles.
for _public in (Embedding, EmbeddingUsage, EmbeddingResponse, Model, EmbedParams, ListModelsParams):
    _public.__module__ = "llmclient.types"
del _public
