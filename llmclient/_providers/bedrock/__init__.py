"""Amazon Bedrock's Converse API: OpenAI-shaped calls out, OpenAI-shaped answers and chunks in.

``bedrock/<modelId>`` posts to ``{base}/model/{modelId}/converse`` (``converse-stream`` for a
stream, answered in AWS's binary event-stream), the model id percent-encoded whole (``:`` as
``%3A``); inference profiles (``us.anthropic...``) and ARNs are model ids too. The base is
``https://bedrock-runtime.{region}.amazonaws.com``, the region from ``AWS_REGION``,
``AWS_DEFAULT_REGION`` or the profile's ``region``; ``BEDROCK_BASE_URL`` or ``base_url=``
replace it. Auth, first match: a Bedrock API key (``AWS_BEARER_TOKEN_BEDROCK`` or
``api_key=``) as a bearer token, else SigV4 with AWS credentials (see :mod:`.auth`).

The call's OpenAI-style messages and parameters are translated before anything is sent; what
Converse cannot take raises :class:`~llmclient.errors.InvalidRequestError`:

- ``system`` / ``developer`` messages become ``system`` blocks; ``tool`` messages become
  ``toolResult`` blocks of a user turn; assistant ``tool_calls`` become ``toolUse`` blocks;
  consecutive turns of one role are merged. Content parts: ``text``; ``image_url`` as a
  base64 ``data:`` URL (png, jpeg, gif, webp) becomes an ``image`` with its bytes; ``file``
  with ``file_data`` becomes a ``document``; a part's ``cache_control`` (or a ``{"type":
  "cachePoint"}`` part) becomes a ``cachePoint``. Image links, audio and other part types raise.
- ``max_completion_tokens`` / ``max_tokens``, ``temperature`` (0 to 1), ``top_p`` and
  ``stop`` become ``inferenceConfig``; ``user`` becomes ``requestMetadata.user``.
- ``tools`` become ``toolSpec``s (tools already in Converse's form pass); ``tool_choice``
  auto / required / named becomes auto / any / tool; ``none`` and
  ``parallel_tool_calls=False`` have no counterpart and raise.
- ``response_format`` ``json_schema`` / ``json_object`` becomes one forced tool, whose input
  comes back as the message ``content`` with finish reason ``stop``.
- ``reasoning_effort`` low / medium / high becomes Claude's ``thinking`` budget in
  ``additionalModelRequestFields`` (Claude models only; other models take their own fields
  through ``extra_body``).
- ``n`` > 1, ``seed``, ``logprobs``, ``top_logprobs``, non-zero penalties and a non-empty
  ``logit_bias`` raise. ``extra_body`` is merged into the body last, nested objects key by key.

Answers: text makes ``content``, ``reasoningContent`` ``reasoning_content`` (its signed
blocks kept as provider state, so a tool loop with thinking sends them back in place),
``toolUse`` ``tool_calls``. Stop reasons map as in :data:`FINISH_REASONS`. ``prompt_tokens``
counts cache reads and writes, also kept in ``prompt_tokens_details``. A stream's exception
frames raise the typed error of :data:`EXCEPTION_STATUS`; HTTP errors are named by
``x-amzn-errortype``.

Embeddings go through InvokeModel (``{base}/model/{modelId}/invoke``) with Amazon Titan Text
Embeddings or Cohere Embed, each in its own body (see :mod:`.embeddings`); the model list is
the control plane's ``GET https://bedrock.{region}.amazonaws.com/foundation-models``.

Its modules: :mod:`.urls` (region, path and the control plane's host), :mod:`.request` (the
body), :mod:`.messages` (messages as content blocks), :mod:`.answer` (whole answers and
errors), :mod:`.stream` (event-stream frames as chunks), :mod:`.auth`, :mod:`.embeddings` and
:mod:`.models`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .._claude import THINKING_BUDGETS
from . import answer, auth, embeddings, models, request, stream
from .answer import EXCEPTION_STATUS, FINISH_REASONS
from .stream import ConverseStream

if TYPE_CHECKING:
    from .. import EmbeddingsDialect, ModelsDialect

__all__ = [
    "DIALECT",
    "EXCEPTION_STATUS",
    "FINISH_REASONS",
    "THINKING_BUDGETS",
    "BedrockDialect",
    "ConverseStream",
]


class BedrockDialect:
    """Requests to ``{base}/model/{modelId}/converse`` and ``/converse-stream``, embeddings
    to ``/invoke`` and the model list to the control plane; answers, event-stream frames and
    errors translated to ours."""

    endpoints = frozenset({"chat", "embeddings", "models"})
    missing_endpoints: Mapping[str, str] = {}
    models_paging = None

    build_request = staticmethod(request.build_request)
    parse_completion = staticmethod(answer.parse_completion)
    parse_error = staticmethod(answer.parse_error)
    new_stream = staticmethod(stream.new_stream)
    new_framing = staticmethod(stream.new_framing)
    new_auth = staticmethod(auth.new_auth)

    embeddings_params = staticmethod(embeddings.embeddings_params)
    build_embeddings_request = staticmethod(embeddings.build_embeddings_request)
    parse_embeddings = staticmethod(embeddings.parse_embeddings)

    build_models_request = staticmethod(models.build_models_request)
    parse_models_page = staticmethod(models.parse_models_page)


DIALECT = BedrockDialect()

if TYPE_CHECKING:  # the endpoints it declares, checked against their protocols
    _SPEAKS: tuple[EmbeddingsDialect, ModelsDialect] = (DIALECT, DIALECT)
