"""OpenAI's wire format, spoken by OpenAI and every OpenAI-compatible server: chat
completions, embeddings and the model list.

Its modules: :mod:`.request` (the chat request), :mod:`.answer` (whole answers and errors),
:mod:`.stream` (stream events as chunks), :mod:`.embeddings` and :mod:`.models`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..._framing import SSEFraming
from ..._request import ChatCall, HttpRequest
from ...errors import APIStatusError
from ...types import ChatCompletion
from . import answer, embeddings, models, request
from .stream import OpenAIStream

if TYPE_CHECKING:
    from ..._endpoint_types import EmbeddingResponse
    from .. import EmbeddingsDialect, ModelPage, ModelsDialect

__all__ = ["DIALECT", "OpenAIDialect", "OpenAIStream"]


class OpenAIDialect:
    """Requests to ``{base_url}/chat/completions``, ``/embeddings`` and ``/models``; answers
    and chunks are already our shape."""

    endpoints = frozenset({"chat", "embeddings", "models"})
    missing_endpoints: Mapping[str, str] = {}
    models_paging = None

    def build_request(self, call: ChatCall) -> HttpRequest:
        return request.build_request(call)

    def parse_completion(self, call: ChatCall, body: bytes) -> ChatCompletion:
        return answer.parse_completion(call, body)

    def parse_error(
        self, call: ChatCall, status: int, headers: Mapping[str, str], body: bytes
    ) -> APIStatusError:
        return answer.parse_error(call, status, headers, body)

    def new_stream(self, call: ChatCall) -> OpenAIStream:
        return OpenAIStream(call.provider.name)

    def new_framing(self, call: ChatCall) -> SSEFraming:
        return SSEFraming(call.max_event_size)

    def embeddings_params(self, provider: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        return embeddings.embeddings_params(fields)

    def build_embeddings_request(self, call: ChatCall) -> HttpRequest:
        return embeddings.build_embeddings_request(call)

    def parse_embeddings(self, call: ChatCall, payload: dict[str, Any]) -> EmbeddingResponse:
        return embeddings.parse_embeddings(call, payload)

    def build_models_request(self, call: ChatCall) -> HttpRequest:
        return models.build_models_request(call)

    def parse_models_page(self, call: ChatCall, payload: Any) -> ModelPage:
        return models.parse_models_page(call, payload)


DIALECT = OpenAIDialect()

if TYPE_CHECKING:  # the endpoints it declares, checked against their protocols
    _SPEAKS: tuple[EmbeddingsDialect, ModelsDialect] = (DIALECT, DIALECT)
