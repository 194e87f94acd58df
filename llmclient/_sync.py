"""The blocking facade: ``LlmClient`` and its ``ChatStream``. Only bytes move here."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from itertools import pairwise
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from . import _log
from ._auth import send_auth
from ._base import DEFAULT_LIMITS, BaseClient
from ._config import DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from ._providers import ProviderSpec
from ._redact import scrubbing
from ._request import ChatCall
from ._retry import falls_back, retry_call
from ._stream import MAX_DRAIN, MAX_ERROR_BODY, ChunkParser, error_from_response, needs_error_body
from ._transport import (
    build_httpx_request,
    client_timeout,
    configured_timeout,
    redirect_error,
    response_too_large,
    transport_error,
    whole_body_limit,
)
from ._watchdog import CallTimer
from ._wire import Wire
from .errors import LlmError
from .sse import DEFAULT_MAX_EVENT_SIZE
from .types import (
    ChatCompletion,
    ChatCompletionChunk,
    Message,
    MessageParam,
)

T = TypeVar("T")

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._embeddings import EncodingFormat
    from ._endpoints import Parsed, Parser
    from ._hooks import Trace
    from .hooks import Hooks
    from .types import ChatParams, EmbeddingResponse, EmbedParams, ListModelsParams, Model

    #: One attempt at a call: what the retrier calls, and retries while the policy allows.
    Step = Callable[[ChatCall, CallTimer | None, Trace | None], T]


class ChatStream:
    """The chunks of one streamed answer, as a blocking iterator.

    It is returned by :meth:`LlmClient.chat_stream` once the first chunk has arrived.
    Iterating raises :class:`~llmclient.errors.APIConnectionError` when the connection
    breaks, :class:`~llmclient.errors.APIStatusError` for an error event,
    :class:`~llmclient.errors.DecodeError` for malformed data, and
    :class:`~llmclient.errors.IncompleteStreamError` when the stream ends before its end
    marker. Leaving early (``break``, ``with`` exit, :meth:`close`, or dropping the object)
    releases the connection.
    """

    __slots__ = ("_closed", "_parser", "_pending", "_raw", "_timer", "_trace", "response")

    def __init__(
        self, response: httpx.Response, parser: ChunkParser, timer: CallTimer | None = None
    ) -> None:
        self.response = response
        self._timer = timer
        self._raw = response.iter_bytes()
        self._parser = parser
        self._pending: deque[ChatCompletionChunk] = deque()
        self._closed = False
        #: Set once the first chunk has arrived, when the client has hooks.
        self._trace: Trace | None = None

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
        except httpx.RequestError as exc:
            self.close()
            error = transport_error(exc, parser.provider, "while streaming", self._timer)
            parser.scrub(error)
            _log.failed(parser.provider, error)
            if self._trace is not None:
                self._trace.error(error)
            raise error from exc
        except BaseException as exc:
            self.close()
            if isinstance(exc, LlmError):
                parser.scrub(exc)
                _log.failed(parser.provider, exc)
                if self._trace is not None:
                    self._trace.error(exc)
            raise

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
        """After the end marker, read the rest of the body so the connection can be reused.

        At most :data:`MAX_DRAIN` bytes are read: past that, closing is cheaper.
        """
        _log.stream_ended(self._parser.provider, self._parser)
        left = MAX_DRAIN
        try:
            for data in self._raw:
                left -= len(data)
                if left < 0:
                    break
        except httpx.HTTPError:
            pass  # the answer is complete: a failure past its end marker loses nothing
        finally:
            self.close()
        if self._trace is not None:
            answer = self._parser.completion()
            self._trace.end(answer.usage, answer.choices)

    def close(self) -> None:
        """Stop reading and release the connection. Calling it again does nothing."""
        if not self._closed:
            self._closed = True
            if self._timer is not None:
                self._timer.stop()
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


class LlmClient(BaseClient):
    """A blocking client for every provider, answering in OpenAI's shapes.

    Args:
        api_key: the key for every provider (see the README for the order keys are found in).
        api_keys: keys per provider name, e.g. ``{"openai": "sk-..."}``.
        base_url: send every request here instead of the provider's URL (a local server or a proxy).
        timeout: seconds, or an ``httpx.Timeout``, for connecting and for each read.
        max_retries: retries of failures before the first chunk (default 2).
        default_headers: headers added to every request.
        http_client: your own ``httpx.Client`` (proxies, mTLS, transports); it is not closed by
            :meth:`close`.
        default_provider: the provider of a model written without a ``provider/`` prefix.
        providers: providers of your own (:class:`~llmclient.ProviderSpec`) for this client,
            as :meth:`register_provider` adds them; a built-in name is replaced.
        first_chunk_timeout: seconds from sending a request to its first chunk (each attempt).
        idle_timeout: the longest gap between chunks once streaming; comments and pings do
            not count as progress.
        total_timeout: a deadline for a whole call, retries and iteration included.
        hooks: :class:`~llmclient.hooks.Hooks` objects told of every call's steps (requests,
            retries, chunks, the end with usage and latency, errors).
        max_event_size: the most bytes one server-sent event of a stream may hold (default
            32 MiB); past it, the stream raises :class:`~llmclient.errors.EventTooLargeError`.
        max_response_size: the most bytes a whole answer's body may hold (``chat``,
            embeddings, model lists; default 128 MiB); past it, the call raises
            :class:`~llmclient.errors.ResponseTooLargeError`.

    Raises :class:`~llmclient.errors.InvalidRequestError` naming the argument for any argument
    of the wrong type or value (``TypeError`` for hooks that are not hooks).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_keys: Mapping[str, str] | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        default_provider: str = "openai",
        providers: Iterable[ProviderSpec] | None = None,
        first_chunk_timeout: float | None = None,
        idle_timeout: float | None = None,
        total_timeout: float | None = None,
        hooks: Sequence[Hooks] | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        super().__init__(
            api_key=api_key,
            api_keys=api_keys,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_provider=default_provider,
            http_client=http_client,
            providers=providers,
            first_chunk_timeout=first_chunk_timeout,
            idle_timeout=idle_timeout,
            total_timeout=total_timeout,
            hooks=hooks,
            max_event_size=max_event_size,
            max_response_size=max_response_size,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(
            timeout=client_timeout(timeout), limits=DEFAULT_LIMITS
        )

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
        return self._first_answer("chat", self._complete, calls)

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
        calls = self._prepare("chat_stream", model, messages, params, stream=True)
        return self._first_answer("chat_stream", self._open_stream, calls)

    def _first_answer(self, method: str, step: Step[T], calls: list[ChatCall]) -> T:
        """The answer of the first model in ``calls`` that gives one: a failure before its
        first chunk (retries spent) moves on to the next model when it is one that falls back."""
        started = time.monotonic()
        for call, next_call in pairwise(calls):
            try:
                return self._retried(step, call, self._trace(method, call, started), next_call)
            except LlmError as exc:
                if not falls_back(exc):
                    raise
                _log.fell_back(call.provider.name, call.model, exc)
        last = calls[-1]
        return self._retried(step, last, self._trace(method, last, started))

    def _trace(self, method: str, call: ChatCall, started: float | None = None) -> Trace | None:
        """What the hooks see of one model's call; None without hooks."""
        if self._hooks is None:
            return None
        return self._hooks.trace(method, call, time.monotonic() if started is None else started)

    def _retried(
        self,
        step: Step[T],
        call: ChatCall,
        trace: Trace | None,
        next_call: ChatCall | None = None,
        timer: CallTimer | None = None,
    ) -> T:
        """``step`` for one model, retried before its first chunk as the policy says.

        A final failure goes to the hooks, with the model it falls back to (``next_call``).
        ``timer`` is the call's own (one per model when None).
        """
        if timer is None:
            timer = CallTimer.for_call(call)
        clock = timer.clock if timer else None
        on_retry = None if trace is None else trace.retry
        try:
            # Each attempt's error has the call's secrets hidden before hooks and logs see it.
            attempt = scrubbing(step)
            return retry_call(call.max_retries, clock, on_retry, attempt, call, timer, trace)
        except LlmError as exc:
            if trace is not None:
                fallback = next_call is not None and falls_back(exc)
                trace.error(exc, next_call if fallback else None)
            raise

    def _send(self, call: ChatCall, timer: CallTimer | None, trace: Trace | None) -> httpx.Response:
        wire = Wire(None if timer is None else timer.watch_socket)
        request = build_httpx_request(self._http, call, timer, wire)
        if trace is not None:
            trace.request(str(request.url))
        try:
            # Never follow a redirect, even for a client made with follow_redirects=True.
            response = self._http.send(
                request, stream=True, follow_redirects=False, auth=send_auth(call, self._http)
            )
        except httpx.RequestError as exc:
            raise transport_error(exc, call.provider.name, "sending the request", timer) from exc
        if timer is not None:
            timer.watch(request, response, configured_timeout(self._http, call).read)
        if 300 <= response.status_code < 400:
            raise redirect_error(call, response, self._read(call, response, timer, MAX_ERROR_BODY))
        return response

    def _read(
        self,
        call: ChatCall,
        response: httpx.Response,
        timer: CallTimer | None,
        limit: int | None = None,
    ) -> bytes:
        try:
            # Read in pieces: an error body is cut at ``limit``, a whole answer refused past
            # the call's max_response_size, so a hostile server cannot fill the memory.
            most = whole_body_limit(call, response.headers) if limit is None else limit
            body = bytearray()
            for data in response.iter_bytes():
                body += data
                if len(body) > most:
                    if limit is None:
                        raise response_too_large(call)
                    del body[most:]
                    break
            return bytes(body)
        except httpx.RequestError as exc:
            raise transport_error(exc, call.provider.name, "reading the response", timer) from exc
        finally:
            if timer is not None:
                timer.stop()  # before the connection can go back to the pool
            response.close()

    def _complete(
        self, call: ChatCall, timer: CallTimer | None, trace: Trace | None
    ) -> ChatCompletion:
        response = self._send(call, timer, trace)
        status, headers = response.status_code, response.headers
        if not 200 <= status < 300:
            raise call.dialect.parse_error(
                call, status, headers, self._read(call, response, timer, MAX_ERROR_BODY)
            )
        completion = call.dialect.parse_completion(call, self._read(call, response, timer))
        if trace is not None:
            trace.end(completion.usage, completion.choices)
        return completion

    def _open_stream(
        self, call: ChatCall, timer: CallTimer | None, trace: Trace | None
    ) -> ChatStream:
        started = time.monotonic()
        response = self._send(call, timer, trace)
        status, headers = response.status_code, response.headers
        parser = ChunkParser.for_call(call)
        if needs_error_body(status, headers, parser.media_type):
            body = self._read(call, response, timer, MAX_ERROR_BODY)
            raise error_from_response(call, status, headers, body)
        stream = ChatStream(response, parser, timer)
        stream._read_more()  # the first chunk, or the error, arrives before we return
        _log.first_chunk(call.provider.name, time.monotonic() - started)
        if trace is not None:
            stream._trace = trace  # from here on, failures are the stream's, not retried
            trace.first_chunk(stream._pending[0])
        return stream

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
        from ._embeddings import parse_embeddings, prepare_embed

        call = prepare_embed(self._config, model, input, dimensions, encoding_format, params)
        trace = self._trace("embed", call)
        embeddings = self._retried(partial(self._endpoint_attempt, parse_embeddings), call, trace)
        if trace is not None:
            trace.end(embeddings.usage)
        return embeddings

    def list_models(
        self, provider: str | None = None, **params: Unpack[ListModelsParams]
    ) -> list[Model]:
        """List the models a provider offers (the client's default provider when None).

        Every page is fetched (Anthropic's and Gemini's lists come in pages), each retried as
        :meth:`chat` is. Raises an :class:`~llmclient.errors.InputError` for an unknown
        provider, a missing key or a provider without a model list (Azure), before sending,
        and an :class:`~llmclient.errors.APIError` when the provider fails after retries.
        """
        from ._models import next_page, parse_models_page, prepare_list_models

        call = prepare_list_models(self._config, provider, params)
        trace = self._trace("list_models", call)
        timer = CallTimer.for_call(call)  # one total_timeout for all the pages
        step = partial(self._endpoint_attempt, parse_models_page)
        models: list[Model] = []
        page_call: ChatCall | None = call
        while page_call is not None:
            page = self._retried(step, page_call, trace, timer=timer)
            models += page.models
            page_call = next_page(page_call, page)
        if trace is not None:
            trace.end()
        return models

    def _endpoint_attempt(
        self,
        parse: Parser[Parsed],
        call: ChatCall,
        timer: CallTimer | None,
        trace: Trace | None,
    ) -> Parsed:
        """One attempt at a non-chat endpoint: its answer, parsed."""
        response = self._send(call, timer, trace)
        status, headers = response.status_code, response.headers
        if not 200 <= status < 300:
            raise call.dialect.parse_error(
                call, status, headers, self._read(call, response, timer, MAX_ERROR_BODY)
            )
        return parse(call, self._read(call, response, timer))

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
