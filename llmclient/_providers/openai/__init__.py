"""OpenAI's chat completions wire format, spoken by OpenAI and every OpenAI-compatible server.

Its modules: :mod:`.request` (the request), :mod:`.answer` (whole answers and errors) and
:mod:`.stream` (stream events as chunks).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..._request import ChatCall, HttpRequest
from ...errors import APIStatusError
from ...types import ChatCompletion
from . import answer, request
from .stream import OpenAIStream

__all__ = ["DIALECT", "OpenAIDialect", "OpenAIStream"]


class OpenAIDialect:
    """Requests to ``{base_url}/chat/completions``; answers and chunks are already our shape."""

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


DIALECT = OpenAIDialect()
