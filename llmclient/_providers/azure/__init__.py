"""Azure OpenAI: OpenAI's wire format behind a deployment URL, an ``api-key`` header and an
``api-version`` query parameter.

``azure/<deployment>`` posts to
``{endpoint}/openai/deployments/{deployment}/chat/completions?api-version={version}``, and
embeddings to the deployment's ``/embeddings``; bodies, answers, chunks and errors are
OpenAI's, so everything but the URL is the openai dialect's: this package builds on that
dialect's object, never on the openai package's modules.

Azure OpenAI lists its deployments through Azure's management API, not its inference
endpoint: the dialect has no model list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ..._request import ChatCall, HttpRequest
from ...errors import APIStatusError
from ...types import ChatCompletion
from ..openai import DIALECT as OPENAI
from .stream import AzureStream
from .urls import deployment_url

if TYPE_CHECKING:
    from ..._endpoint_types import EmbeddingResponse
    from ..._framing import Framing
    from .. import EmbeddingsDialect

__all__ = ["DIALECT", "AzureDialect", "AzureStream", "deployment_url"]


class AzureDialect:
    """The openai dialect with Azure's URLs; streams drop Azure's content-filter-only chunks."""

    endpoints = frozenset({"chat", "embeddings"})
    missing_endpoints: Mapping[str, str] = {
        "models": "(Azure OpenAI) lists its deployments in the Azure portal or through "
        "Azure's management API, not through its inference endpoint."
    }

    def build_request(self, call: ChatCall) -> HttpRequest:
        return attrs.evolve(
            OPENAI.build_request(call), url=deployment_url(call, "chat/completions")
        )

    def parse_completion(self, call: ChatCall, body: bytes) -> ChatCompletion:
        return OPENAI.parse_completion(call, body)

    def parse_error(
        self, call: ChatCall, status: int, headers: Mapping[str, str], body: bytes
    ) -> APIStatusError:
        return OPENAI.parse_error(call, status, headers, body)

    def new_stream(self, call: ChatCall) -> AzureStream:
        return AzureStream(OPENAI.new_stream(call))

    def new_framing(self, call: ChatCall) -> Framing:
        return OPENAI.new_framing(call)

    def embeddings_params(self, provider: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        return OPENAI.embeddings_params(provider, fields)

    def build_embeddings_request(self, call: ChatCall) -> HttpRequest:
        request = OPENAI.build_embeddings_request(call)
        return attrs.evolve(request, url=deployment_url(call, "embeddings"))

    def parse_embeddings(self, call: ChatCall, payload: dict[str, Any]) -> EmbeddingResponse:
        return OPENAI.parse_embeddings(call, payload)


DIALECT = AzureDialect()

if TYPE_CHECKING:  # the endpoints it declares, checked against their protocols
    _SPEAKS: EmbeddingsDialect = DIALECT
