"""A scriptable local server that imitates an LLM provider, for testing without a network.

:class:`LocalServer` listens on ``127.0.0.1`` (on a free port) and speaks OpenAI's
``POST /v1/chat/completions``, streaming and not. Left alone, it answers every request with a
short story; to test a particular situation, queue the exact :class:`Reply` objects the next
requests should get: chunked streams, rate limits, slow writes, cut connections. Every request
it receives is recorded so a test can check what was sent.

It needs only the standard library, serves each connection in its own thread, and can be used
from blocking and asyncio code alike. A pytest example::

    import pytest

    from llmclient.testing import LocalServer, Reply

    @pytest.fixture
    def llm_server():
        with LocalServer() as server:
            yield server

    def test_answer_survives_a_rate_limit(llm_server):
        llm_server.enqueue(
            Reply.error(429, headers={"retry-after": "0"}),  # the first attempt is refused
            Reply.openai_stream("Hello, world!", chunks=3),  # the retry gets a stream
        )
        answer = my_app.ask("Say hello", base_url=llm_server.base_url, api_key="test")
        assert answer == "Hello, world!"
        assert llm_server.request_count == 2
        assert llm_server.requests[1].json()["messages"][0]["content"] == "Say hello"

Replies are built with the classmethods :meth:`Reply.openai_stream`,
:meth:`Reply.openai_completion`, :meth:`Reply.sse`, :meth:`Reply.json` and :meth:`Reply.error`,
or spelled out byte for byte with ``Reply(status, headers, body)``. Each takes the fault
options ``split_at``, ``write_size``, ``delay``, ``drop_after``, ``chunked``,
``content_length`` and ``repeat`` (typed as :class:`Faults`, so a misspelt one is a type
error; :class:`StatusFaults` adds ``status`` where the builder has no status argument).
:func:`openai_chunk` and :func:`openai_error_event` build the dicts of custom streams.

Anthropic's ``POST /v1/messages`` answers too, streaming and not: point an ``anthropic/...``
client at ``base_url``. :meth:`Reply.anthropic_stream`, :meth:`Reply.anthropic_message` and
:meth:`Reply.anthropic_error` script it; given ``content=[...]`` blocks (:func:`anthropic_thinking`,
:func:`anthropic_redacted_thinking`, :func:`anthropic_tool_use`), the first two answer with them,
streamed as Anthropic streams them. :func:`anthropic_event` builds the events of other custom
streams (in-band errors, unusual orders) for ``Reply.sse(events, done=False)``.

Gemini's endpoints (``.../models/{model}:generateContent`` and
``:streamGenerateContent``, under any version prefix) and Azure's deployment URLs answer too:
point a ``gemini/...`` or ``azure/...`` client at ``base_url``. :meth:`Reply.gemini_stream`,
:meth:`Reply.gemini_response` and :meth:`Reply.gemini_error` script Gemini's answers, and
:func:`gemini_chunk` builds the events of custom Gemini streams; ``parts=[...]`` gives either
parts of your own, such as Gemini 3's signed calls from :func:`gemini_function_call`.

Embeddings and model lists answer too: ``POST /v1/embeddings`` (and an Azure deployment's
``/embeddings``) and Gemini's ``:embedContent`` / ``:batchEmbedContents`` give each text the
vector :func:`embedding_for` computes from it (base64 when asked for), and ``GET /v1/models``
lists :data:`DEFAULT_MODEL_IDS` in OpenAI's shape, in Anthropic's when the request has an
``anthropic-version`` header, and in Gemini's when it has ``x-goog-api-key`` (or Gemini's
``pageSize`` / ``pageToken`` query). :meth:`Reply.openai_embeddings`,
:meth:`Reply.gemini_embeddings`, :meth:`Reply.openai_models`, :meth:`Reply.anthropic_models`
and :meth:`Reply.gemini_models` script them, pages included.

Bedrock's runtime answers too: ``POST .../model/{modelId}/converse`` and ``/converse-stream``
(streamed in AWS's binary event-stream framing, ``application/vnd.amazon.eventstream``), and
``/invoke`` for Titan (``{"inputText": ...}``) and Cohere (``{"texts": [...], "input_type":
...}``) embeddings; ``GET .../foundation-models`` lists the Bedrock models of
:data:`DEFAULT_MODEL_IDS`. Point a ``bedrock/...`` client at ``url``. :meth:`Reply.bedrock_stream`,
:meth:`Reply.bedrock_converse`, :meth:`Reply.bedrock_error`, :meth:`Reply.bedrock_embeddings`
and :meth:`Reply.bedrock_models` script them; given ``content=[...]`` blocks (``{"text": ...}``,
:func:`bedrock_reasoning`, :func:`bedrock_tool_use`), the first two answer with them, streamed
as Bedrock streams them. :meth:`Reply.event_stream` sends frames of your own, built with
:func:`bedrock_event`, :func:`bedrock_exception` (an in-band ``throttlingException``, ...) or
:func:`event_stream_frame`, with the same fault options (``split_at`` cuts frames anywhere).
``LocalServer(aws_credentials=(key_id, secret))`` checks that each Bedrock request is signed
with them (SigV4) or carries a bearer token, and refuses it with Bedrock's 403 otherwise.

Vertex AI answers too, under ``.../v1/projects/{project}/locations/{location}`` (``global``
included): Gemini's ``publishers/google/models/{model}:generateContent`` and
``:streamGenerateContent``, Claude's ``publishers/anthropic/models/{model}:rawPredict`` and
``:streamRawPredict`` (Anthropic's message and stream; a body with ``model``, or without
``"anthropic_version": "vertex-2023-10-16"``, gets a 400) and text embeddings at
``publishers/google/models/{model}:predict``. Point a ``vertex/...`` client at ``url``.
:meth:`Reply.gemini_stream`, :meth:`Reply.anthropic_stream` and the other Gemini and Anthropic
builders script its answers, :meth:`Reply.vertex_embeddings` the embeddings and
:meth:`Reply.vertex_error` its errors, which are in Google's shape for Claude too. Its
credentials come from the token endpoint at ``token_url`` (``POST /token``), which grants
``"ya29.local-1"``, ``"ya29.local-2"``, ... to a service account's signed JWT or a refresh
token, each valid for ``server.token_lifetime`` seconds: write
:meth:`LocalServer.service_account_info` (or :func:`service_account_info`) to a file as JSON
and point ``GOOGLE_APPLICATION_CREDENTIALS`` at it. ``LocalServer(google_tokens=True)`` refuses
each Vertex request without a valid token with Vertex's 401; ``server.expire_tokens()`` expires
them all at once, to test a refresh, and ``server.issued_tokens`` lists them.

From a shell, ``python -m llmclient.testing [--port PORT] [--delay SECONDS] [--text TEXT]``
prints its base URL and serves until Ctrl-C.
"""

from __future__ import annotations

from ._anthropic import (
    AUTO,
    DEFAULT_ANTHROPIC_MODEL,
    anthropic_event,
    anthropic_redacted_thinking,
    anthropic_thinking,
    anthropic_tool_use,
)
from ._bedrock import (
    bedrock_event,
    bedrock_exception,
    bedrock_reasoning,
    bedrock_tool_use,
    event_stream_frame,
)
from ._cli import main
from ._embeddings import DEFAULT_EMBEDDING_DIMENSIONS, embedding_for
from ._gemini import DEFAULT_GEMINI_MODEL, gemini_chunk, gemini_function_call
from ._models import DEFAULT_MODEL_IDS
from ._openai import DEFAULT_EMBEDDING_MODEL, DEFAULT_MODEL, openai_chunk, openai_error_event
from ._reply import Faults, Reply, StatusFaults
from ._request import RecordedRequest
from ._server import DEFAULT_TEXT, LocalServer
from ._service_account import service_account_info

__all__ = [
    "AUTO",
    "DEFAULT_ANTHROPIC_MODEL",
    "DEFAULT_EMBEDDING_DIMENSIONS",
    "DEFAULT_EMBEDDING_MODEL",
    "DEFAULT_GEMINI_MODEL",
    "DEFAULT_MODEL",
    "DEFAULT_MODEL_IDS",
    "DEFAULT_TEXT",
    "Faults",
    "LocalServer",
    "RecordedRequest",
    "Reply",
    "StatusFaults",
    "anthropic_event",
    "anthropic_redacted_thinking",
    "anthropic_thinking",
    "anthropic_tool_use",
    "bedrock_event",
    "bedrock_exception",
    "bedrock_reasoning",
    "bedrock_tool_use",
    "embedding_for",
    "event_stream_frame",
    "gemini_chunk",
    "gemini_function_call",
    "main",
    "openai_chunk",
    "openai_error_event",
    "service_account_info",
]

# Named where users import them from, as in reprs, pickles and help().
for _public in (
    Faults,
    LocalServer,
    RecordedRequest,
    Reply,
    StatusFaults,
    anthropic_event,
    anthropic_redacted_thinking,
    anthropic_thinking,
    anthropic_tool_use,
    bedrock_event,
    bedrock_exception,
    bedrock_reasoning,
    bedrock_tool_use,
    embedding_for,
    event_stream_frame,
    gemini_chunk,
    gemini_function_call,
    main,
    openai_chunk,
    openai_error_event,
    service_account_info,
):
    _public.__module__ = __name__
del _public
