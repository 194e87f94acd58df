"""Google's Gemini API (``generateContent``), spoken natively and answered in OpenAI's shapes.

Requests: system messages become ``systemInstruction``, assistant messages role ``model``,
tool calls and tool results ``functionCall`` / ``functionResponse`` parts; parameters go to
``generationConfig``, tools to ``functionDeclarations`` and ``tool_choice`` to ``toolConfig``.
A parameter Gemini has no field for is an ``InvalidRequestError`` naming it, never dropped.

Answers: text parts become ``content``, ``thought`` parts ``reasoning_content`` and
``functionCall`` parts tool calls with generated ids (in a stream, a call's arguments may come
in pieces, ``partialArgs``, joined into JSON text as they come); ``finishReason`` maps onto
OpenAI's finish reasons and ``usageMetadata`` onto :class:`~llmclient.types.Usage`. A Gemini
stream has no ``[DONE]``: it ends with a candidate that has a ``finishReason``. Nothing here
does I/O.

Its modules: :mod:`.request` (the body), :mod:`.messages` (messages as contents),
:mod:`.answer` (whole answers), :mod:`.stream` (stream events as chunks),
:mod:`.partial_args` (streamed call arguments as JSON text), :mod:`.errors`,
:mod:`.embeddings` and :mod:`.models`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .._common import header_auth, sse_framing
from . import answer, embeddings, errors, models, request, stream
from .answer import FINISH_REASONS
from .request import THINKING_BUDGETS, model_path, request_body
from .stream import GeminiStream

if TYPE_CHECKING:
    from .. import EmbeddingsDialect, ModelsDialect

__all__ = [
    "DIALECT",
    "FINISH_REASONS",
    "THINKING_BUDGETS",
    "GeminiDialect",
    "GeminiStream",
    "model_path",
    "request_body",
]


class GeminiDialect:
    """Requests to ``{base_url}/models/{model}:generateContent`` (or
    ``:streamGenerateContent?alt=sse``), ``:embedContent`` and ``/models``; answers
    translated into OpenAI's shapes."""

    endpoints = frozenset({"chat", "embeddings", "models"})
    missing_endpoints: Mapping[str, str] = {}
    models_paging = models.PAGING

    build_request = staticmethod(request.build_request)
    #: The body alone, for wires that send it elsewhere (Gemini on Vertex AI).
    request_body = staticmethod(request.request_body)
    parse_completion = staticmethod(answer.parse_completion)
    parse_error = staticmethod(errors.parse_error)
    new_stream = staticmethod(stream.new_stream)
    new_framing = staticmethod(sse_framing)
    new_auth = staticmethod(header_auth)

    embeddings_params = staticmethod(embeddings.embeddings_params)
    build_embeddings_request = staticmethod(embeddings.build_embeddings_request)
    parse_embeddings = staticmethod(embeddings.parse_embeddings)

    build_models_request = staticmethod(models.build_models_request)
    parse_models_page = staticmethod(models.parse_models_page)


DIALECT = GeminiDialect()

if TYPE_CHECKING:  # the endpoints it declares, checked against their protocols
    _SPEAKS: tuple[EmbeddingsDialect, ModelsDialect] = (DIALECT, DIALECT)
