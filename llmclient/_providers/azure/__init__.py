"""Azure OpenAI: OpenAI's wire format behind a deployment URL, an ``api-key`` header and an
``api-version`` query parameter.

``azure/<deployment>`` posts to
``{endpoint}/openai/deployments/{deployment}/chat/completions?api-version={version}``; bodies,
answers, chunks and errors are OpenAI's, so everything but the URL is the openai dialect's.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

import attrs

from ..._request import ChatCall, HttpRequest
from ...errors import APIStatusError
from ...types import ChatCompletion, ChatCompletionChunk
from .. import AZURE_API_VERSION, StreamTranslator
from ..openai import DIALECT as OPENAI


def deployment_url(call: ChatCall) -> str:
    """The chat completions URL of the call's deployment (its model name)."""
    endpoint = call.base_url
    if not endpoint.endswith("/openai"):
        endpoint += "/openai"
    deployment = quote(call.model, safe="")
    version = quote(call.api_version or AZURE_API_VERSION, safe="")
    return f"{endpoint}/deployments/{deployment}/chat/completions?api-version={version}"


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


class AzureStream:
    """An OpenAI stream without the chunks that carry only Azure's filter results.

    Azure opens a stream with a chunk whose ``choices`` is empty and which holds only
    ``prompt_filter_results``; it says nothing about the answer, so it is not passed on (a
    usage chunk, which also has no choices, is).
    """

    __slots__ = ("_inner",)

    def __init__(self, inner: StreamTranslator) -> None:
        self._inner = inner

    @property
    def finished(self) -> bool:
        """Whether ``[DONE]`` has arrived."""
        return self._inner.finished

    def translate(self, event: str, data: str, out: list[ChatCompletionChunk]) -> None:
        start = len(out)
        self._inner.translate(event, data, out)
        if len(out) > start and not out[-1].choices and out[-1].usage is None:
            del out[-1]


DIALECT = AzureDialect()
