"""OpenAI's wire format, spoken by OpenAI and every OpenAI-compatible server: chat
completions, embeddings and the model list.

Its modules: :mod:`.request` (the chat request), :mod:`.answer` (whole answers and errors),
:mod:`.stream` (stream events as chunks), :mod:`.embeddings` and :mod:`.models`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .._common import header_auth, sse_framing
from . import answer, embeddings, models, request, stream
from .stream import OpenAIStream

if TYPE_CHECKING:
    from .. import EmbeddingsDialect, ModelsDialect

__all__ = ["DIALECT", "OpenAIDialect", "OpenAIStream"]


class OpenAIDialect:
    """Requests to ``{base_url}/chat/completions``, ``/embeddings`` and ``/models``; answers
    and chunks are already our shape."""

    endpoints = frozenset({"chat", "embeddings", "models"})
    missing_endpoints: Mapping[str, str] = {}
    models_paging = None

    build_request = staticmethod(request.build_request)
    parse_completion = staticmethod(answer.parse_completion)
    parse_error = staticmethod(answer.parse_error)
    new_stream = staticmethod(stream.new_stream)
    new_framing = staticmethod(sse_framing)
    new_auth = staticmethod(header_auth)

    embeddings_params = staticmethod(embeddings.embeddings_params)
    build_embeddings_request = staticmethod(embeddings.build_embeddings_request)
    parse_embeddings = staticmethod(embeddings.parse_embeddings)

    build_models_request = staticmethod(models.build_models_request)
    parse_models_page = staticmethod(models.parse_models_page)


DIALECT = OpenAIDialect()

if TYPE_CHECKING:  # the endpoints it declares, checked against their protocols
    _SPEAKS: tuple[EmbeddingsDialect, ModelsDialect] = (DIALECT, DIALECT)
