"""Hooks: your code, called at each step of every call, to log, meter or trace it.

Subclass :class:`Hooks` (or, for :class:`~llmclient.AsyncLlmClient`, :class:`AsyncHooks`),
override the steps you care about, and pass instances as ``hooks=[...]`` to a client::

    class TokenLog(Hooks):
        def on_end(self, event: EndEvent) -> None:
            print(event.model, event.usage, f"{event.latency:.2f}s")

    client = LlmClient(hooks=[TokenLog()])

The steps of one call, in order:

- ``on_request``: a request is about to be sent (every attempt, every fallback model, every
  page of a model list).
- ``on_retry``: an attempt failed before its first chunk and another follows after a pause.
- ``on_first_chunk``: a stream's first chunk arrived (``chat_stream`` only).
- ``on_chunk``: a chunk is handed to you (``chat_stream`` only, the first one included).
- ``on_end``: the call is complete: the whole answer, the end of a stream, the embeddings or the
  last page of models, with token usage and latency.
- ``on_error``: a model's call failed; ``event.fallback`` says which model is tried next, or is
  None when the error is raised to you. A stream you leave early ends with neither.

A hook that raises is logged (a WARNING with its traceback on the ``llmclient`` logger) and
skipped: the call goes on. Only the methods you override are called, and a client with no hooks
pays nothing for them.
"""

from __future__ import annotations

import attrs

from .errors import LlmError
from .types import ChatCompletionChunk, Usage

__all__ = [
    "AsyncHooks",
    "EndEvent",
    "ErrorEvent",
    "FirstChunkEvent",
    "Hooks",
    "RequestEvent",
    "RetryEvent",
]


@attrs.frozen
class RequestEvent:
    """A request is about to be sent.

    ``method`` is the client method (``"chat"``, ``"chat_stream"``, ``"embed"`` or
    ``"list_models"``); ``attempt`` counts from 1 for each model; ``url`` is where the request
    goes, with any key in its query hidden.
    """

    method: str
    provider: str
    model: str
    attempt: int
    url: str


@attrs.frozen
class RetryEvent:
    """Attempt number ``attempt`` failed with ``error``; the next one starts in ``delay`` s."""

    method: str
    provider: str
    model: str
    attempt: int
    error: LlmError
    delay: float


@attrs.frozen
class FirstChunkEvent:
    """A stream's first chunk, ``latency`` seconds after the call began (retries and any
    fallback models included)."""

    method: str
    provider: str
    model: str
    chunk: ChatCompletionChunk
    latency: float


@attrs.frozen
class EndEvent:
    """A call completed.

    ``usage`` holds the token counts the provider reported (None when it sent none; for a
    stream, OpenAI-compatible providers send them when asked with
    ``stream_options={"include_usage": True}``); for embeddings ``completion_tokens`` is 0.
    ``latency`` is the seconds from the call to its end, ``first_chunk_latency`` those to a
    stream's first chunk (None for other calls). ``attempts`` counts the requests this model
    took; ``finish_reason`` is the first choice's.
    """

    method: str
    provider: str
    model: str
    usage: Usage | None
    latency: float
    first_chunk_latency: float | None
    finish_reason: str | None
    attempts: int


@attrs.frozen
class ErrorEvent:
    """A model's call failed with ``error`` after ``latency`` seconds.

    ``fallback`` names the model tried next (``"provider/model"``), or is None when the error
    is raised to the caller.
    """

    method: str
    provider: str
    model: str
    error: LlmError
    latency: float
    fallback: str | None


class Hooks:
    """Hooks for :class:`~llmclient.LlmClient` (and :class:`~llmclient.AsyncLlmClient`):
    override the methods you need; each does nothing here."""

    def on_request(self, event: RequestEvent) -> None:
        """A request is about to be sent."""

    def on_retry(self, event: RetryEvent) -> None:
        """An attempt failed before its first chunk; another follows after ``event.delay``."""

    def on_first_chunk(self, event: FirstChunkEvent) -> None:
        """A stream's first chunk arrived."""

    def on_chunk(self, chunk: ChatCompletionChunk) -> None:
        """A stream's chunk is about to be handed to the caller."""

    def on_end(self, event: EndEvent) -> None:
        """The call completed."""

    def on_error(self, event: ErrorEvent) -> None:
        """A model's call failed."""


class AsyncHooks:
    """Hooks with ``async`` methods, for :class:`~llmclient.AsyncLlmClient`, which awaits them
    in the call's task. Override the methods you need; each does nothing here."""

    async def on_request(self, event: RequestEvent) -> None:
        """A request is about to be sent."""

    async def on_retry(self, event: RetryEvent) -> None:
        """An attempt failed before its first chunk; another follows after ``event.delay``."""

    async def on_first_chunk(self, event: FirstChunkEvent) -> None:
        """A stream's first chunk arrived."""

    async def on_chunk(self, chunk: ChatCompletionChunk) -> None:
        """A stream's chunk is about to be handed to the caller."""

    async def on_end(self, event: EndEvent) -> None:
        """The call completed."""

    async def on_error(self, event: ErrorEvent) -> None:
        """A model's call failed."""
