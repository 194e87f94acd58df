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
from typing import TYPE_CHECKING

import attrs

from ..._core.call import ChatCall, HttpRequest
from ..openai import DIALECT as OPENAI
from .stream import AzureStream
from .urls import deployment_url

if TYPE_CHECKING:
    from .. import EmbeddingsDialect

__all__ = ["DIALECT", "AzureDialect", "AzureStream", "deployment_url"]


class AzureDialect:
    """The openai dialect with Azure's URLs; streams drop Azure's content-filter-only chunks."""

    endpoints = frozenset({"chat", "embeddings"})
    missing_endpoints: Mapping[str, str] = {
        "models": "(Azure OpenAI) lists its deployments in the Azure portal or through "
        "Azure's management API, not through its inference endpoint."
    }

    parse_completion = staticmethod(OPENAI.parse_completion)
    parse_error = staticmethod(OPENAI.parse_error)
    new_framing = staticmethod(OPENAI.new_framing)
    new_auth = staticmethod(OPENAI.new_auth)
    embeddings_params = staticmethod(OPENAI.embeddings_params)
    parse_embeddings = staticmethod(OPENAI.parse_embeddings)

    def build_request(self, call: ChatCall) -> HttpRequest:
        request = OPENAI.build_request(call)
        return attrs.evolve(request, url=deployment_url(call, "chat/completions"))

    def new_stream(self, call: ChatCall) -> AzureStream:
        return AzureStream(OPENAI.new_stream(call))

    def build_embeddings_request(self, call: ChatCall) -> HttpRequest:
        request = OPENAI.build_embeddings_request(call)
        return attrs.evolve(request, url=deployment_url(call, "embeddings"))


DIALECT = AzureDialect()

if TYPE_CHECKING:  # the endpoints it declares, checked against their protocols
    _SPEAKS: EmbeddingsDialect = DIALECT
