"""Google Vertex AI: Gemini and Claude, with credentials that refresh.

``vertex/<model>`` posts Gemini models to
``{base}/v1/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent``
(``:streamGenerateContent?alt=sse`` for a stream), in the gemini dialect's wire, and models
whose name starts with ``claude`` (``vertex/claude-sonnet-4-5@20250929``) to
``.../publishers/anthropic/models/{model}:rawPredict`` (``:streamRawPredict``), in the
anthropic dialect's wire, the body without ``model`` and with ``"anthropic_version":
"vertex-2023-10-16"``. Parameters, answers, chunks, provider state and errors are those
dialects' own.

The base is ``https://{location}-aiplatform.googleapis.com`` (``https://aiplatform.googleapis.com``
for ``global``, the location when ``GOOGLE_CLOUD_LOCATION`` and ``CLOUD_ML_REGION`` are unset);
``VERTEX_BASE_URL`` or ``base_url=`` replace it. The project is ``GOOGLE_CLOUD_PROJECT``, else
the credentials'. Auth (see :mod:`.auth`): a token given as the key, else Application Default
Credentials through google-auth (the ``vertex`` extra), refreshed before they expire and once
after a 401.

Embeddings go to ``.../publishers/google/models/{model}:predict`` (see :mod:`.embeddings`).

Its modules: :mod:`.urls` (location, project and path), :mod:`.request` (the two publishers'
bodies), :mod:`.auth` and :mod:`.embeddings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..._core.call import ChatCall, StreamTranslator
from ...errors import APIStatusError
from ...types import ChatCompletion
from .._common import sse_framing
from ..anthropic import DIALECT as ANTHROPIC
from ..gemini import DIALECT as GEMINI
from . import auth, embeddings, request
from .request import VERTEX_ANTHROPIC_VERSION, is_claude

if TYPE_CHECKING:
    from .. import EmbeddingsDialect

__all__ = ["DIALECT", "VERTEX_ANTHROPIC_VERSION", "VertexDialect"]


def _wire(call: ChatCall) -> Any:
    return ANTHROPIC if is_claude(call.model) else GEMINI


class VertexDialect:
    """Gemini's and Anthropic's wires behind Vertex AI's URLs and Google's credentials."""

    endpoints = frozenset({"chat", "embeddings"})
    missing_endpoints: Mapping[str, str] = {
        "models": "(Vertex AI) lists its publisher models in the Model Garden, not through "
        "this API.",
    }

    build_request = staticmethod(request.build_request)
    new_framing = staticmethod(sse_framing)
    new_auth = staticmethod(auth.new_auth)

    embeddings_params = staticmethod(embeddings.embeddings_params)
    build_embeddings_request = staticmethod(embeddings.build_embeddings_request)
    parse_embeddings = staticmethod(embeddings.parse_embeddings)

    def parse_completion(self, call: ChatCall, body: bytes) -> ChatCompletion:
        completion: ChatCompletion = _wire(call).parse_completion(call, body)
        return completion

    def parse_error(
        self, call: ChatCall, status: int, headers: Mapping[str, str], body: bytes
    ) -> APIStatusError:
        error: APIStatusError = _wire(call).parse_error(call, status, headers, body)
        return error

    def new_stream(self, call: ChatCall) -> StreamTranslator:
        translator: StreamTranslator = _wire(call).new_stream(call)
        return translator


DIALECT = VertexDialect()

if TYPE_CHECKING:  # the endpoints it declares, checked against their protocols
    _SPEAKS: EmbeddingsDialect = DIALECT
