"""Google's Gemini API (``generateContent``), spoken natively and answered in OpenAI's shapes.

Requests: system messages become ``systemInstruction``, assistant messages role ``model``,
tool calls and tool results ``functionCall`` / ``functionResponse`` parts; parameters go to
``generationConfig``, tools to ``functionDeclarations`` and ``tool_choice`` to ``toolConfig``.
A parameter Gemini has no field for is an ``InvalidRequestError`` naming it, never dropped.

Answers: text parts become ``content``, ``thought`` parts ``reasoning_content`` and
``functionCall`` parts tool calls with generated ids; ``finishReason`` maps onto OpenAI's
finish reasons and ``usageMetadata`` onto :class:`~llmclient.types.Usage`. A Gemini stream has
no ``[DONE]``: it ends with a candidate that has a ``finishReason``. Nothing here does I/O.

Its modules: :mod:`.request` (the body), :mod:`.messages` (messages as contents),
:mod:`.answer` (whole answers), :mod:`.stream` (stream events as chunks), :mod:`.errors`,
:mod:`.embeddings` and :mod:`.models`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..._framing import SSEFraming
from ..._request import ChatCall, HttpRequest
from ...errors import APIStatusError
from ...types import ChatCompletion
from . import answer, embeddings, errors, models, request, stream
from .answer import FINISH_REASONS
from .request import THINKING_BUDGETS, model_path, request_body
from .stream import GeminiStream

if TYPE_CHECKING:
    from ..._endpoint_types import EmbeddingResponse
    from .. import EmbeddingsDialect, ModelPage, ModelsDialect

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

    def build_request(self, call: ChatCall) -> HttpRequest:
        return request.build_request(call)

    def parse_completion(self, call: ChatCall, body: bytes) -> ChatCompletion:
        return answer.parse_completion(call, body)

    def parse_error(
        self, call: ChatCall, status: int, headers: Mapping[str, str], body: bytes
    ) -> APIStatusError:
        return errors.parse_error(call, status, headers, body)

    def new_stream(self, call: ChatCall) -> GeminiStream:
        return stream.new_stream(call)

    def new_framing(self, call: ChatCall) -> SSEFraming:
        return SSEFraming(call.max_event_size)

    def embeddings_params(self, provider: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        return embeddings.embeddings_params(provider, fields)

    def build_embeddings_request(self, call: ChatCall) -> HttpRequest:
        return embeddings.build_embeddings_request(call)

    def parse_embeddings(self, call: ChatCall, payload: dict[str, Any]) -> EmbeddingResponse:
        return embeddings.parse_embeddings(call, payload)

    def build_models_request(self, call: ChatCall) -> HttpRequest:
        return models.build_models_request(call)

    def parse_models_page(self, call: ChatCall, payload: Any) -> ModelPage:
        return models.parse_models_page(call, payload)


DIALECT = GeminiDialect()

if TYPE_CHECKING:  # the endpoints it declares, checked against their protocols
    _SPEAKS: tuple[EmbeddingsDialect, ModelsDialect] = (DIALECT, DIALECT)
