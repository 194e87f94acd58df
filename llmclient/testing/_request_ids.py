"""The request-id header each reply carries, named as the provider whose wire the request
speaks names it: ``x-request-id`` (OpenAI, Azure), ``request-id`` (Anthropic) and
``x-amzn-RequestId`` (Bedrock); Google's wires send none."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import attrs

from ._reply import Reply
from ._request import RecordedRequest
from ._vertex import VERTEX_PATH

_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid")

_BEDROCK_PREFIXES = ("/model/", "/foundation-models")


def is_anthropic(request: RecordedRequest) -> bool:
    """Whether ``request`` speaks Anthropic's wire: a path under ``/v1/messages``, or an
    ``anthropic-version`` header."""
    path = urlsplit(request.path).path
    return path.startswith("/v1/messages") or "anthropic-version" in request.headers


def with_request_id(request: RecordedRequest, reply: Reply) -> Reply:
    """``reply`` with a fresh request id in the header ``request``'s wire uses, unless it has
    one of its own (any of the three names) or the wire sends none."""
    if any(name.lower() in _REQUEST_ID_HEADERS for name in reply.headers):
        return reply
    path = urlsplit(request.path).path
    if VERTEX_PATH.fullmatch(path) or ("/models/" in path and ":" in path.rsplit("/", 1)[-1]):
        return reply  # Gemini's and Vertex AI's paths: Google sends no request id
    if path.startswith(_BEDROCK_PREFIXES) or "/model/" in path:
        header, value = "x-amzn-RequestId", str(uuid.uuid4())
    elif is_anthropic(request):
        header, value = "request-id", f"req_{uuid.uuid4().hex[:24]}"
    else:
        header, value = "x-request-id", f"req_{uuid.uuid4().hex}"
    return attrs.evolve(reply, headers={**reply.headers, header: value})
