"""The blocking facade: ``LlmClient`` and its ``ChatStream``. Only bytes move here.

What to send, what a response calls for, what a failure means and what the hooks hear is
decided in the I/O-free core (``_base``, ``_calls``, ``_transport``, ``_stream_base``), which
``_async`` drives the same way: the two differ only where they wait.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from . import _log
from ._base import BaseClient
from ._core.call import ChatCall
from ._core.calls import chat_plan, embed_plan, fallback_of, models_plan, stream_plan
from ._core.retry import retry_call
from ._core.scrub import scrubbing
from ._core.stream import MAX_DRAIN, ChunkParser
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
    from ._hooks import Trace
    from .hooks import Hooks  # noqa: F401  (named in a string: LlmClient's base)
    from .types import ChatParams, EmbeddingResponse, EmbedParams, ListModelsParams, Model

    #: One attempt at a call: what the retrier calls, and retries while the policy allows.
    Step = Callable[[ChatCall, CallTimer | None, Trace | None], T]


class ChatStream(StreamBase[Iterator[bytes], "Trace"]):
    """The chunks of one streamed answer, as a blocking iterator.

    It is returned by :meth:`LlmClient.chat_stream` once the first chunk has arrived.
    Iterating raises :class:`~llmclient.errors.APIConnectionError` when the connection
    breaks, :class:`~llmclient.errors.APIStatusError` for an error event,
    :class:`~llmclient.errors.DecodeError` for malformed data, and
    :class:`~llmclient.errors.IncompleteStreamError` when the stream ends before its end
    marker. Leaving early (``break``, ``with`` exit, :meth:`close`, or dropping the object)
    releases the connection.
    """

    __slots__ = ()

    def __init__(
        self, response: httpx.Response, parser: ChunkParser, timer: CallTimer | None = None
    ) -> None:
        super().__init__(response, parser, timer, response.iter_bytes())

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        return self

    def __next__(self) -> ChatCompletionChunk:
        pending = self._pending
        if not pending:
            if self._closed:
                raise StopIteration
            self._read_more()
            if not pending:
                raise StopIteration
        chunk = pending.popleft()
        if self._trace is not None:
            self._trace.chunk(chunk)
        return chunk

    def _read_more(self) -> None:
        """Read until a chunk is pending or the stream has ended; close on end or error."""
        parser = self._parser
        pending = self._pending
        try:
            while not pending:
                if parser.error is not None:
                    raise parser.error
                if parser.finished:
                    self._drain()
                    return
                try:
                    data = next(self._raw)
                except StopIteration:
                    parser.end()
                    self.close()
                    return
                pending.extend(parser.feed(data))
                if self._timer is not None:
                    self._timer.after_read(bool(pending))
        except BaseException as exc:
            self.close()
            error = self._failure(exc)
            if error is not None and self._trace is not None:
                self._trace.error(error)
            if error is None or error is exc:
                raise
            raise error from exc

    def text(self) -> Iterator[str]:
        """Iterate over just the answer's text (the first choice's content) as it arrives."""
        for chunk in self:
            for choice in chunk.choices:
                if choice.index == 0 and choice.delta.content:
                    yield choice.delta.content

    def final_completion(self) -> ChatCompletion:
        """Read the rest of the stream and return the whole answer, as ``chat`` would.

        Chunks already iterated count too. Raises what iterating raises, and
        :class:`~llmclient.errors.IncompleteStreamError` if the stream was closed early.
        """
        for _ in self:
            pass
        return self._parser.completion()

    def _drain(self) -> None:
        """After the end marker, read the rest of the body so the connection can be reused
        (at most :data:`MAX_DRAIN` bytes: past that, closing is cheaper); then the hooks hear
        of the end."""
        _log.stream_ended(self._parser.provider, self._parser)
        left = MAX_DRAIN
        try:
            # The answer is complete: a failure past its end marker loses nothing.
            with contextlib.suppress(httpx.HTTPError):
                for data in self._raw:
                    left -= len(data)
                    if left < 0:
                        break
        finally:
            self.close()
        if self._trace is not None:
            answer = self._parser.completion()
            self._trace.end(answer.usage, answer.choices)

    def close(self) -> None:
        """Stop reading and release the connection. Calling it again does nothing."""
        if self._release():
            self.response.close()

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # A `for` loop left with `break` drops the stream: give the connection back then.
        if not self._closed:
            self.close()


class LlmClient(BaseClient[httpx.Client, "Hooks"]):
    """A blocking client for every provider, answering in OpenAI's shapes.

    It takes an ``httpx.Client`` as ``http_client`` and :class:`~llmclient.hooks.Hooks` as
    ``hooks``; every argument is described at ``__init__``.
    """

    def chat(
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
        return self._answer(chat_plan(calls))

    def chat_stream(
        self,
        model: str,
        messages: Sequence[MessageParam | Message | Mapping[str, Any]],
        **params: Unpack[ChatParams],
    ) -> ChatStream:
        """Send a streaming chat request; return the stream once its first chunk has arrived.

        Every failure before the first chunk (bad input, connection, status errors after
        retries) is raised here; failures after it are raised while iterating. With
        ``fallbacks``, a transient or availability failure before the first chunk moves on
        to the next model; after the first chunk there is no fallback.
        """
        plan: Answer[ChatStream] = stream_plan(
            self._prepare("chat_stream", model, messages, params, stream=True)
        )
        return self._call(plan, self._open_stream)

    def embed(
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
        return self._answer(plan)

    def list_models(
        self, provider: str | None = None, **params: Unpack[ListModelsParams]
    ) -> list[Model]:
        """List the models a provider offers (the client's default provider when None).

        Every page is fetched (Anthropic's and Gemini's lists come in pages), each retried as
        :meth:`chat` is. Raises an :class:`~llmclient.errors.InputError` for an unknown
        provider, a missing key or a provider without a model list (Azure), before sending,
        and an :class:`~llmclient.errors.APIError` when the provider fails after retries.
        """
        return self._answer(models_plan(self._config, provider, params))

    def _answer(self, plan: Plan[A, R]) -> R:
        """What ``plan`` asks for, each answer read whole."""
        assert plan.parse is not None  # a plan whose answers are read whole
        return self._call(plan, partial(self._whole_answer, plan.parse))

    def _call(self, plan: Plan[A, R], step: Step[A]) -> R:
        """What ``plan`` asks for, from the first of its models that answers: a failure before
        its first chunk (retries spent) moves on to the next model when it is one that falls
        back. Each attempt is ``step``."""
        started = time.monotonic()
        for call, next_call in plan.fallbacks():
            try:
                return self._model(plan, step, call, started, next_call)
            except LlmError as exc:
                if not plan.falls_back(call, exc):
                    raise
        return self._model(plan, step, plan.calls[-1], started)

    def _trace(self, plan: Plan[Any, Any], call: ChatCall, started: float) -> Trace | None:
        """What the hooks see of one model's call; None without hooks."""
        if self._hooks is None:
            return None
        return self._hooks.trace(plan.method, call, started)

    def _model(
        self,
        plan: Plan[A, R],
        step: Step[A],
        call: ChatCall,
        started: float,
        next_call: ChatCall | None = None,
    ) -> R:
        """One model's answer, every page of it (on one timer, one trace that began at
        ``started``); its end goes to the hooks."""
        trace = self._trace(plan, call, started)
        timer = CallTimer.for_call(call)
        page: ChatCall | None = call
        while page is not None:
            page = plan.add(page, self._retried(step, page, trace, next_call, timer))
        end = plan.end()
        if trace is not None and end is not None:
            trace.end(*end)
        return plan.result()

    def _retried(
        self,
        step: Step[A],
        call: ChatCall,
        trace: Trace | None,
        next_call: ChatCall | None,
        timer: CallTimer | None,
    ) -> A:
        """``step`` for one call, retried before its first chunk as the policy says; a final
        failure goes to the hooks, with the model it falls back to (``next_call``)."""
        clock = None if timer is None else timer.clock
        on_retry = None if trace is None else trace.retry
        # Each attempt's error has the call's secrets hidden before hooks and logs see it.
        attempt = scrubbing(step)
        try:
            return retry_call(call.max_retries, clock, on_retry, attempt, call, timer, trace)
        except LlmError as exc:
            if trace is not None:
                trace.error(exc, fallback_of(next_call, exc))
            raise

    def _send(self, call: ChatCall, timer: CallTimer | None, trace: Trace | None) -> httpx.Response:
        """The response to one attempt's request; a redirect is raised, never followed."""
        attempt = Attempt(self._http, call, timer)
        if trace is not None:
            trace.request(attempt.url)
        try:
            # Never follow a redirect, even for a client made with follow_redirects=True.
            response = self._http.send(
                attempt.request,
                stream=True,
                follow_redirects=False,
                auth=send_auth(call, self._http),
            )
        except httpx.RequestError as exc:
            raise attempt.failed(exc) from exc
        redirect = attempt.received(response)
        if redirect is not None:
            self._read(response, redirect)
        return response

    def _read(self, response: httpx.Response, reading: BodyReading[T]) -> T:
        """``response``'s body read as ``reading`` says, the response closed, and what the
        body makes (an answer, or an error raised)."""
        try:
            with reading:
                for data in response.iter_bytes():
                    if reading.add(data):
                        break
        finally:
            response.close()
        return reading.made()

    def _whole_answer(
        self, parse: Parser[A], call: ChatCall, timer: CallTimer | None, trace: Trace | None
    ) -> A:
        """One attempt at a whole answer: its body parsed, or its error raised."""
        response = self._send(call, timer, trace)
        return self._read(response, answer_reading(call, response, timer, parse))

    def _open_stream(
        self, call: ChatCall, timer: CallTimer | None, trace: Trace | None
    ) -> ChatStream:
        """One attempt at a stream, returned once its first chunk has arrived."""
        started = time.monotonic()
        response = self._send(call, timer, trace)
        parser = ChunkParser.for_call(call)
        refusal = stream_refusal(call, response, timer, parser.media_type)
        if refusal is not None:
            self._read(response, refusal)
        stream = ChatStream(response, parser, timer)
        stream._read_more()  # the first chunk, or the error, arrives before we return
        first = stream._opened(started, trace)
        if trace is not None:
            trace.first_chunk(first)
        return stream

    def close(self) -> None:
        """Close the connections this client opened (not those of a client you passed in)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> LlmClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


__all__ = ["ChatStream", "LlmClient"]
