"""Vertex AI requests: Gemini's body to ``publishers/google`` (``:generateContent``,
``:streamGenerateContent?alt=sse``), Anthropic's to ``publishers/anthropic`` (``:rawPredict``,
``:streamRawPredict``) without ``model`` and with Vertex's ``anthropic_version``."""

from __future__ import annotations

from ..._auth import BearerTokenAuth
from ..._core.call import ChatCall, HttpRequest
from ..._core.request import encode_json
from ..anthropic import DIALECT as ANTHROPIC
from ..gemini import DIALECT as GEMINI
from .auth import project
from .urls import model_url

#: The ``anthropic_version`` Claude on Vertex AI takes in the body (not as a header).
VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16"


def is_claude(model: str) -> bool:
    """Whether a Vertex model is Anthropic's (``claude-sonnet-4-5@20250929``)."""
    return model.startswith("claude")


def build_request(call: ChatCall) -> HttpRequest:
    """The call's request to its publisher's model on Vertex AI."""
    billed = project(call, adc=isinstance(call.auth, BearerTokenAuth))
    headers = call.base_headers()
    if is_claude(call.model):
        body = ANTHROPIC.build_body(call)
        del body["model"]
        body["anthropic_version"] = VERTEX_ANTHROPIC_VERSION
        method = "streamRawPredict" if call.stream else "rawPredict"
        url = model_url(call, billed, "anthropic", method)
    else:
        body = GEMINI.request_body(call)
        method = "streamGenerateContent?alt=sse" if call.stream else "generateContent"
        url = model_url(call, billed, "google", method)
    return HttpRequest("POST", url, headers, encode_json(body))
