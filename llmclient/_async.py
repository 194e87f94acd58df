"""The asyncio facade: ``AsyncLlmClient`` and its ``AsyncChatStream``, the twin of ``_sync``.

It drives the same I/O-free core as ``_sync``, awaiting where that one blocks; its sends and
closes are also guarded against cancellation (see ``_shield``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from . import _log
from ._base import BaseClient
from ._core.call import ChatCall
from ._core.calls import chat_plan, embed_plan, fallback_of, models_plan, stream_plan
from ._core.retry import async_retry_call
from ._core.scrub import ascrubbing
from ._core.stream import MAX_DRAIN, ChunkParser
from ._shield import close_soon, guarded_send
from ._stream_base import StreamBase
from ._transport import Attempt, BodyReading, answer_reading, send_auth, stream_refusal
from ._watchdog import CallTimer
from .errors import LlmError
from .types import ChatCompletion, ChatCompletionChunk, Message, MessageParam

A = TypeVar("A")
R = TypeVar("R")
T = TypeVar("T")

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._core.calls import Answer, Plan
    from ._core.embeddings import EncodingFormat
    from ._core.endpoints import Parser
    from ._hooks import AsyncTrace
    from .hooks import AsyncHooks, Hooks  # noqa: F401  (named in a string: the base)
    from .types import ChatParams, EmbeddingResponse, EmbedParams, ListModelsParams, Model

    #: One attempt at a call: what the retrier calls, and retries while the policy allows.
    Step = Callable[[ChatCall, CallTimer | None, AsyncTrace | None], Awaitable[T]]


class AsyncChatStream(StreamBase[AsyncIterator[bytes], "AsyncTrace"]):
    """The chunks of one streamed answer, as an async iterator.

    It is returned by :meth:`AsyncLlmClient.chat_stream` once the first chunk has arrived.
    Iterating raises :class:`~llmclient.errors.APIConnectionError` when the connection
    breaks, :class:`~llmclient.errors.APIStatusError` for an error event,
    :class:`~llmclient.errors.DecodeError` for malformed data, and
    :class:`~llmclient.errors.IncompleteStreamError` when the stream ends before its end
    marker. Leaving early (``break``, ``async with`` exit, :meth:`aclose`, or dropping the object)
    releases the connection.
    """

    __slots__ = ()

    def __init__(
        self, response: httpx.Response, parser: ChunkParser, timer: CallTimer | None = None
    ) -> None:
        super().__init__(response, parser, timer, response.aiter_bytes())

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        return self

    async def __anext__(self) -> ChatCompletionChunk:
        pending = self._pending
        if not pending:
            if self._closed:
                raise StopAsyncIteration
            await self._read_more()
            if not pending:
                raise StopAsyncIteration
        chunk = pending.popleft()
        if self._trace is not None:
            await self._trace.chunk(chunk)
        return chunk

    async def _read_more(self) -> None:
        """Read until a chunk is pending or the stream has ended; close on end or error."""
        parser = self._parser
        pending = self._pending
        try:
            while not pending:
                if parser.error is not None:
                    raise parser.error
                if parser.finished:
                    await self._drain()
                    return
                try:
                    data = await self._raw.__anext__()
                except StopAsyncIteration:
                    parser.end()
                    await self.aclose()
                    return
                pending.extend(parser.feed(data))
                if self._timer is not None:
                    self._timer.after_read(bool(pending))
        except BaseException as exc:
            await self.aclose()
            error = self._failure(exc)
            if error is not None and self._trace is not None:
                await self._trace.error(error)
            if error is None or error is exc:
                raise
            raise error from exc

    async def text(self) -> AsyncIterator[str]:
        """Iterate over just the answer's text (the first choice's content) as it arrives."""
        async for chunk in self:
            for choice in chunk.choices:
                if choice.index == 0 and choice.delta.content:
                    yield choice.delta.content

    async def final_completion(self) -> ChatCompletion:
        """Read the rest of the stream and return the whole answer, as ``chat`` would.

        Chunks already iterated count too. Raises what iterating raises, and
        :class:`~llmclient.errors.IncompleteStreamError` if the stream was closed early.
        """
        async for _ in self:
            pass
        return self._parser.completion()

    async def _drain(self) -> None:
        """The asyncio twin of :meth:`ChatStream._drain <llmclient.ChatStream._drain>`."""
        _log.stream_ended(self._parser.provider, self._parser)
        left = MAX_DRAIN
        try:
            # The answer is complete: a failure past its end marker loses nothing.
            with contextlib.suppress(httpx.HTTPError):
                async for data in self._raw:
                    left -= len(data)
                    if left < 0:
                        break
        finally:
            await self.aclose()
        if self._trace is not None:
            answer = self._parser.completion()
            await self._trace.end(answer.usage, answer.choices)

    async def aclose(self) -> None:
        """Stop reading and release the connection. Calling it again does nothing."""
        if self._release():
            await self.response.aclose()

    async def __aenter__(self) -> AsyncChatStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __del__(self) -> None:
        # An `async for` left with `break` drops the stream: closing needs the event loop,
        # so hand the close to it.
        if self._release():
            close_soon(self.response)


class AsyncLlmClient(BaseClient[httpx.AsyncClient, "AsyncHooks | Hooks"]):
    """An asyncio client for every provider, answering in OpenAI's shapes.

    It is the twin of :class:`LlmClient`: the same arguments, answers and errors. It takes
    an ``httpx.AsyncClient`` as ``http_client``, and :class:`~llmclient.hooks.AsyncHooks`
    (awaited) or :class:`~llmclient.hooks.Hooks` as ``hooks``; every argument is described
    at ``__init__``.
    """

    _awaits_hooks = True
    _http_client_class = httpx.AsyncClient

    async def chat(
        self,
        model: str,
        messages: Sequence[MessageParam | Message | Mapping[str, Any]],
        **params: Unpack[ChatParams],
    ) -> ChatCompletion:
        """Send a chat request and return the whole answer.

        Raises an :class:`~llmclient.errors.InputError` for bad input (before sending), and
        an :class:`~llmclient.errors.APIError` when the provider fails after retries.
        """
        calls = self._prepare("chat", model, messages, params, stream=False)
        return await self._answer(chat_plan(calls))

    async def chat_stream(
        self,
        model: str,
        messages: Sequence[MessageParam | Message | Mapping[str, Any]],
        **params: Unpack[ChatParams],
    ) -> AsyncChatStream:
        """Send a streaming chat request; return the stream once its first chunk has arrived.

        Every failure before the first chunk (bad input, connection, status errors after
        retries) is raised here; failures after it are raised while iterating. With
        ``fallbacks``, a transient or availability failure before the first chunk moves on
        to the next model; after the first chunk there is no fallback.
        """
        plan: Answer[AsyncChatStream] = stream_plan(
            self._prepare("chat_stream", model, messages, params, stream=True)
        )
        return await self._call(plan, self._open_stream)

    async def embed(
        self,
        model: str,
        input: str | Sequence[str],
        *,
        dimensions: int | None = None,
        encoding_format: EncodingFormat | None = None,
        **params: Unpack[EmbedParams],
    ) -> EmbeddingResponse:
        """Embed one text, or a list of texts; return one vector per input, in input order.

        ``model`` is ``"provider/model"`` as for :meth:`chat`, of an OpenAI-compatible provider,
        Azure or Gemini. ``dimensions`` asks for shorter vectors (models that can). With
        ``encoding_format="base64"`` the provider sends base64 float32, which is decoded here:
        vectors are lists of floats either way. Raises an :class:`~llmclient.errors.InputError`
        for bad input or a provider without embeddings (Anthropic), before sending, and an
        :class:`~llmclient.errors.APIError` when the provider fails after retries.
        """
        plan = embed_plan(self._config, model, input, dimensions, encoding_format, params)
        return await self._answer(plan)

    async def list_models(
        self, provider: str | None = None, **params: Unpack[ListModelsParams]
    ) -> list[Model]:
        """List the models a provider offers (the client's default provider when None).

        Every page is fetched (Anthropic's and Gemini's lists come in pages), each retried as
        :meth:`chat` is. Raises an :class:`~llmclient.errors.InputError` for an unknown
        provider, a missing key or a provider without a model list (Azure), before sending,
        and an :class:`~llmclient.errors.APIError` when the provider fails after retries.
        """
        return await self._answer(models_plan(self._config, provider, params))

    async def _answer(self, plan: Plan[A, R]) -> R:
        """The asyncio twin of :meth:`LlmClient._answer`."""
        assert plan.parse is not None  # a plan whose answers are read whole
        return await self._call(plan, partial(self._whole_answer, plan.parse))

    async def _call(self, plan: Plan[A, R], step: Step[A]) -> R:
        """The asyncio twin of :meth:`LlmClient._call`."""
        started = time.monotonic()
        for call, next_call in plan.fallbacks():
            try:
                return await self._model(plan, step, call, started, next_call)
            except LlmError as exc:
                if not plan.falls_back(call, exc):
                    raise
        return await self._model(plan, step, plan.calls[-1], started)

    def _trace(self, plan: Plan[Any, Any], call: ChatCall, started: float) -> AsyncTrace | None:
        """What the hooks see of one model's call; None without hooks."""
        if self._hooks is None:
            return None
        return self._hooks.async_trace(plan.method, call, started)

    async def _model(
        self,
        plan: Plan[A, R],
        step: Step[A],
        call: ChatCall,
        started: float,
        next_call: ChatCall | None = None,
    ) -> R:
        """The asyncio twin of :meth:`LlmClient._model`."""
        trace = self._trace(plan, call, started)
        timer = CallTimer.for_call(call)
        page: ChatCall | None = call
        while page is not None:
            page = plan.add(page, await self._retried(step, page, trace, next_call, timer))
        end = plan.end()
        if trace is not None and end is not None:
            await trace.end(*end)
        return plan.result()

    async def _retried(
        self,
        step: Step[A],
        call: ChatCall,
        trace: AsyncTrace | None,
        next_call: ChatCall | None,
        timer: CallTimer | None,
    ) -> A:
        """The asyncio twin of :meth:`LlmClient._retried`."""
        clock = None if timer is None else timer.clock
        on_retry = None if trace is None else trace.retry
        # Each attempt's error has the call's secrets hidden before hooks and logs see it.
        attempt = ascrubbing(step)
        try:
            return await async_retry_call(
                call.max_retries, clock, on_retry, attempt, call, timer, trace
            )
        except LlmError as exc:
            if trace is not None:
                await trace.error(exc, fallback_of(next_call, exc))
            raise

    async def _send(
        self, call: ChatCall, timer: CallTimer | None, trace: AsyncTrace | None
    ) -> httpx.Response:
        """The asyncio twin of :meth:`LlmClient._send`; a cancelled send gives its connection
        back (see ``guarded_send``)."""
        attempt = Attempt(self._http, call, timer)
        if trace is not None:
            await trace.request(attempt.url)
        try:
            # Never follow a redirect, even for a client made with follow_redirects=True.
            send = self._http.send(
                attempt.request,
                stream=True,
                follow_redirects=False,
                auth=send_auth(call, self._http),
            )
            response = await guarded_send(send, attempt.wire)
        except httpx.RequestError as exc:
            raise attempt.failed(exc) from exc
        redirect = attempt.received(response)
        if redirect is not None:
            await self._read(response, redirect)
        return response

    async def _read(self, response: httpx.Response, reading: BodyReading[T]) -> T:
        """The asyncio twin of :meth:`LlmClient._read`."""
        try:
            with reading:
                async for data in response.aiter_bytes():
                    if reading.add(data):
                        break
        finally:
            await response.aclose()
        return reading.made()

    async def _whole_answer(
        self, parse: Parser[A], call: ChatCall, timer: CallTimer | None, trace: AsyncTrace | None
    ) -> A:
        """The asyncio twin of :meth:`LlmClient._whole_answer`."""
        response = await self._send(call, timer, trace)
        return await self._read(response, answer_reading(call, response, timer, parse))

    async def _open_stream(
        self, call: ChatCall, timer: CallTimer | None, trace: AsyncTrace | None
    ) -> AsyncChatStream:
        """The asyncio twin of :meth:`LlmClient._open_stream`."""
        started = time.monotonic()
        response = await self._send(call, timer, trace)
        parser = ChunkParser.for_call(call)
        refusal = stream_refusal(call, response, timer, parser.media_type)
        if refusal is not None:
            await self._read(response, refusal)
        stream = AsyncChatStream(response, parser, timer)
        await stream._read_more()  # the first chunk, or the error, arrives before we return
        first = stream._opened(started, trace)
        if trace is not None:
            await trace.first_chunk(first)
        return stream

    async def aclose(self) -> None:
        """Close the connections this client opened (not those of a client you passed in)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncLlmClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


__all__ = ["AsyncChatStream", "AsyncLlmClient"]


# Named where users import them from, as in reprs, pickles and help().
AsyncChatStream.__module__ = AsyncLlmClient.__module__ = "llmclient"
