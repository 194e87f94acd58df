"""Anthropic's Messages API: OpenAI-shaped calls out, OpenAI-shaped answers and chunks in.

The request is ``POST {base_url}/messages`` with ``anthropic-version: 2023-06-01`` (a caller's
header of the same name wins). The call's OpenAI-style messages and parameters are translated
before anything is sent; a parameter Anthropic cannot honour raises
:class:`~llmclient.errors.InvalidRequestError` instead of being dropped:

- ``system`` / ``developer`` messages become the top-level ``system``, wherever they stand;
  ``tool`` messages become ``tool_result`` blocks of a user turn (placed first in it, as
  Anthropic requires); assistant ``tool_calls`` become ``tool_use`` blocks; consecutive turns of
  the same role are merged. Content parts: ``text``; ``image_url`` (a ``data:`` URL becomes a
  base64 source, an http(s) URL a URL source; ``detail`` has no counterpart and is not sent);
  ``file`` with ``file_data`` becomes a ``document``; parts already in Anthropic's form
  (``image``, ``document``, ``thinking``, ...) are sent as they are; ``input_audio`` raises.
- ``max_completion_tokens`` or ``max_tokens`` becomes ``max_tokens`` (Anthropic requires it:
  :data:`DEFAULT_MAX_TOKENS` when absent, plus the thinking budget when thinking is on);
  ``stop`` becomes ``stop_sequences``; ``temperature`` (0 to 1 on Anthropic) and ``top_p`` pass;
  ``user`` becomes ``metadata.user_id``.
- ``tools`` become ``{name, description, input_schema}``; ``tool_choice`` auto / required / none
  / named becomes auto / any / none / tool; ``parallel_tool_calls=False`` becomes
  ``disable_parallel_tool_use``.
- ``response_format`` ``json_schema`` (and ``json_object``, as the schema ``{"type":
  "object"}``) becomes one forced tool whose ``input_schema`` is the schema; the tool's input
  comes back as the message ``content``, a JSON string, with finish reason ``stop``. It cannot
  be combined with ``tools``, ``tool_choice`` or thinking.
- ``reasoning_effort`` low / medium / high becomes ``thinking`` with the budget in
  :data:`THINKING_BUDGETS`; ``extra_body={"thinking": {...}}`` is sent as given.
- ``n`` > 1, ``seed``, ``presence_penalty`` / ``frequency_penalty`` other than 0, a non-empty
  ``logit_bias``, ``logprobs=True`` and ``top_logprobs`` raise. ``stream_options`` is accepted:
  a stream always ends with a usage chunk.
- ``extra_body`` is merged into the body last; ``extra_headers`` (``anthropic-beta``) are sent.

Answers: text blocks make ``content``, thinking blocks ``reasoning_content``, ``tool_use``
blocks ``tool_calls`` (arguments as a JSON string). Stop reasons map as in
:data:`FINISH_REASONS`; others (``pause_turn``, future ones) pass through unchanged.
``prompt_tokens`` counts cache reads and writes, which are also kept in
``prompt_tokens_details`` (``cached_tokens``, ``cache_creation_tokens``).

The model list comes in pages (see :mod:`.models`). Anthropic has no embeddings endpoint:
asking is an ``InvalidRequestError`` before anything is sent.

Its modules: :mod:`.request` (the body), :mod:`.messages` (messages as content blocks),
:mod:`.answer` (whole answers and errors), :mod:`.stream` (stream events as chunks) and
:mod:`.models`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .._claude import THINKING_BUDGETS
from .._common import header_auth, sse_framing
from . import answer, models, request, stream
from .answer import FINISH_REASONS
from .request import ANTHROPIC_VERSION, DEFAULT_MAX_TOKENS
from .stream import AnthropicStream

if TYPE_CHECKING:
    from .. import ModelsDialect

__all__ = [
    "ANTHROPIC_VERSION",
    "DEFAULT_MAX_TOKENS",
    "DIALECT",
    "FINISH_REASONS",
    "THINKING_BUDGETS",
    "AnthropicDialect",
    "AnthropicStream",
]


class AnthropicDialect:
    """Requests to ``{base_url}/messages`` and ``/models``; answers, chunks and errors
    translated to ours."""

    endpoints = frozenset({"chat", "models"})
    missing_endpoints: Mapping[str, str] = {
        "embeddings": "has no embeddings API: embed with an OpenAI-compatible provider or "
        "Gemini (e.g. 'openai/text-embedding-3-small' or 'gemini/gemini-embedding-001')."
    }
    models_paging = models.PAGING

    build_request = staticmethod(request.build_request)
    #: The body alone, for wires that send it elsewhere (Claude on Vertex AI).
    build_body = staticmethod(request.build_body)
    parse_completion = staticmethod(answer.parse_completion)
    parse_error = staticmethod(answer.parse_error)
    new_stream = staticmethod(stream.new_stream)
    new_framing = staticmethod(sse_framing)
    new_auth = staticmethod(header_auth)

    build_models_request = staticmethod(models.build_models_request)
    parse_models_page = staticmethod(models.parse_models_page)


DIALECT = AnthropicDialect()

if TYPE_CHECKING:  # the endpoints it declares, checked against their protocols
    _SPEAKS: ModelsDialect = DIALECT
