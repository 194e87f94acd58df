"""Azure OpenAI: OpenAI's wire format behind a deployment URL, an ``api-key`` header and an
``api-version`` query parameter.

``azure/<deployment>`` posts to
``{endpoint}/openai/deployments/{deployment}/chat/completions?api-version={version}``; bodies,
answers, chunks and errors are OpenAI's, so everything but the URL is the openai dialect's:
this package builds on that dialect's object, never on the openai package's modules.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ..._request import ChatCall, HttpRequest
from ...errors import APIStatusError
from ...types import ChatCompletion
from ..openai import DIALECT as OPENAI
from .stream import AzureStream
from .urls import deployment_url

__all__ = ["DIALECT", "AzureDialect", "AzureStream", "deployment_url"]


class AzureDialect:
    """The openai dialect with Azure's URL; streams drop Azure's content-filter-only chunks."""

    def build_request(self, call: ChatCall) -> HttpRequest:
        return attrs.evolve(OPENAI.build_request(call), url=deployment_url(call))

    def parse_completion(self, call: ChatCall, body: bytes) -> ChatCompletion:
        return OPENAI.parse_completion(call, body)

    def parse_error(
        self, call: ChatCall, status: int, headers: Mapping[str, str], body: bytes
    ) -> APIStatusError:
        return OPENAI.parse_error(call, status, headers, body)

    def new_stream(self, call: ChatCall) -> AzureStream:
        return AzureStream(OPENAI.new_stream(call))


DIALECT = AzureDialect()
