"""The :class:`~llmclient.testing.Reply` class: the bytes of one response, how they are framed,
and the faults to deliver them with. The replies of each dialect are built from the data of
:mod:`._openai`, :mod:`._anthropic`, :mod:`._gemini`, :mod:`._bedrock` and :mod:`._vertex`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

import attrs

from . import _anthropic, _bedrock, _gemini, _openai, _vertex
from ._anthropic import AUTO, DEFAULT_ANTHROPIC_MODEL
from ._bedrock import TITAN_EMBEDDING_MODEL
from ._gemini import DEFAULT_GEMINI_MODEL
from ._openai import DEFAULT_EMBEDDING_MODEL, DEFAULT_MODEL
from ._wire import dump_json

if TYPE_CHECKING:
    from typing_extensions import Unpack

_SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8"
_JSON_CONTENT_TYPE = "application/json"
_EVENT_STREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream"


class Faults(TypedDict, total=False):
    """The fault keywords every :class:`Reply` builder takes, as :class:`Reply` documents
    them; a misspelt one is a type error (and a ``TypeError`` when the reply is built)."""

    chunked: bool
    content_length: bool
    split_at: Sequence[int]
    write_size: int | None
    delay: float
    drop_after: int | None
    repeat: int


class StatusFaults(Faults, total=False):
    """:class:`Faults` and ``status``, for the builders that take no status argument of their
    own (all but :meth:`Reply.json` and the error builders)."""

    status: int


def _to_offsets(value: Iterable[int]) -> tuple[int, ...]:
    return tuple(value)


def _to_headers(value: Mapping[str, str]) -> dict[str, str]:
    return dict(value)


@attrs.frozen
class Reply:
    """Exactly the bytes of one response, and how to deliver them.

    ``status``, ``headers`` and ``body`` are sent as given; the server adds only ``Date``,
    ``Server`` and the framing header chosen below (``Content-Length``,
    ``Transfer-Encoding: chunked`` or ``Connection: close``).

    Framing:

    - ``chunked=True`` (the default): ``Transfer-Encoding: chunked``; each write is one HTTP
      chunk, followed by the zero-length terminator. The connection stays open.
    - ``chunked=False``: no length at all, ``Connection: close``; the body ends when the server
      closes the connection.
    - ``content_length=True`` overrides both: a ``Content-Length`` header, the connection stays
      open. The JSON builders use this by default.

    Faults:

    - ``split_at``: body byte offsets where writes are split (each piece is one write, flushed
      at once); or ``write_size``: split the body into writes of that many bytes. Without
      either, the body goes out in one write (the SSE builders split after every event).
    - ``delay``: seconds to sleep before every write after the first: a slow server.
    - ``drop_after``: send only this many body bytes, then cut the connection (no chunked
      terminator); with ``content_length=True`` the client sees a short body.
    - ``repeat``: serve this reply to the next ``repeat`` requests.

    ``echo_model``: a model name in the body (``"model":"<name>"``) that the server replaces
    with the model the request names, as a real API answers with the model asked for. The
    chat builders set it when they are given no ``model``.
    """

    status: int = 200
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_to_headers)
    body: bytes = b""
    chunked: bool = attrs.field(default=True, kw_only=True)
    content_length: bool = attrs.field(default=False, kw_only=True)
    split_at: Sequence[int] = attrs.field(default=(), converter=_to_offsets, kw_only=True)
    write_size: int | None = attrs.field(default=None, kw_only=True)
    delay: float = attrs.field(default=0.0, kw_only=True)
    drop_after: int | None = attrs.field(default=None, kw_only=True)
    repeat: int = attrs.field(default=1, kw_only=True)
    echo_model: str | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not 100 <= self.status <= 999:
            raise ValueError(f"status must be a three-digit HTTP status, not {self.status}")
        if self.split_at and self.write_size is not None:
            raise ValueError("give split_at or write_size, not both")
        if self.write_size is not None and self.write_size < 1:
            raise ValueError(f"write_size must be at least 1, not {self.write_size}")
        if self.delay < 0:
            raise ValueError(f"delay must not be negative, not {self.delay}")
        if self.drop_after is not None and self.drop_after < 0:
            raise ValueError(f"drop_after must not be negative, not {self.drop_after}")
        if self.repeat < 1:
            raise ValueError(f"repeat must be at least 1, not {self.repeat}")

    @classmethod
    def sse(
        cls,
        events: Iterable[Mapping[str, Any] | str | bytes],
        *,
        done: bool = True,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """A ``text/event-stream`` reply, one write per event unless told otherwise.

        Each event is a dict (sent as ``data: <compact JSON>``), a str (sent as
        ``data: <str>``) or bytes (sent as they are: comments, ``event:`` lines, broken
        framing). ``done`` appends ``data: [DONE]``. ``faults`` are any other :class:`Reply`
        keywords (``status``, ``split_at``, ``delay``, ``drop_after``, ``repeat``, ...).
        """
        encoded = [_encode_event(event) for event in events]
        if done:
            encoded.append(b"data: [DONE]\n\n")
        defaults = {"Content-Type": _SSE_CONTENT_TYPE, "Cache-Control": "no-cache"}
        return cls._written(encoded, defaults, headers, faults)

    @classmethod
    def _written(
        cls,
        pieces: Iterable[bytes],
        defaults: Mapping[str, str],
        headers: Mapping[str, str] | None,
        faults: StatusFaults,
    ) -> Reply:
        """A reply of ``pieces`` joined, one write per piece unless ``faults`` split it
        otherwise, with the ``defaults`` headers updated by ``headers``."""
        pieces = list(pieces)
        if "split_at" not in faults and "write_size" not in faults:
            ends: list[int] = []
            offset = 0
            for piece in pieces:
                offset += len(piece)
                ends.append(offset)
            faults["split_at"] = ends
        return cls(headers=_merge_headers(defaults, headers), body=b"".join(pieces), **faults)

    @classmethod
    def openai_stream(
        cls,
        text: str,
        *,
        chunks: int | None = None,
        model: str | None = None,
        finish_reason: str | None = "stop",
        include_usage: bool = False,
        prompt_tokens: int = 0,
        done: bool = True,
        id: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """An OpenAI chat completion stream that says ``text``.

        The first chunk carries ``role: "assistant"``, then ``text`` follows in ``chunks``
        nearly equal pieces (by default, one piece per word), then an empty delta with
        ``finish_reason`` (none if it is ``None``). ``include_usage`` adds a last chunk with no
        choices and a ``usage`` object (as for ``stream_options.include_usage``), counting
        words as tokens. ``done`` ends with ``data: [DONE]``.
        Without ``model`` it names the model the request names. ``faults`` as in :meth:`sse`.
        """
        events = _openai.stream_events(
            text,
            chunks=chunks,
            model=model or DEFAULT_MODEL,
            finish_reason=finish_reason,
            include_usage=include_usage,
            prompt_tokens=prompt_tokens,
            id=id,
        )
        return _echoing(cls.sse(events, done=done, headers=headers, **faults), model, DEFAULT_MODEL)

    @classmethod
    def openai_completion(
        cls,
        text: str | Sequence[Mapping[str, Any]],
        *,
        model: str | None = None,
        finish_reason: str = "stop",
        prompt_tokens: int = 0,
        id: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """A non-streamed OpenAI ``chat.completion`` whose message says ``text``.

        ``text`` may be a list of typed content blocks, as Mistral's magistral models send
        (see :func:`openai_chunk`). ``usage`` counts words as tokens.
        Without ``model`` it names the model the request names. ``faults`` as in :meth:`sse`.
        """
        body = _openai.completion(
            text,
            model=model or DEFAULT_MODEL,
            finish_reason=finish_reason,
            prompt_tokens=prompt_tokens,
            id=id,
        )
        return _echoing(cls.json(body, headers=headers, **faults), model, DEFAULT_MODEL)

    @classmethod
    def anthropic_stream(
        cls,
        text: str = "",
        *,
        chunks: int | None = None,
        content: Sequence[Mapping[str, Any]] | None = None,
        model: str | None = None,
        stop_reason: str | None = AUTO,
        input_tokens: int = 0,
        done: bool = True,
        id: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """An Anthropic Messages stream that says ``text``, as ``/v1/messages`` sends it.

        ``message_start`` (with ``input_tokens``), a ``ping``, one text block whose deltas are
        ``text`` in ``chunks`` nearly equal pieces (by default one per word), ``message_delta``
        with ``stop_reason`` (none if it is ``None``) and the output tokens (words), then
        ``message_stop`` unless ``done`` is false.

        ``content`` replaces the text block with blocks of your own, streamed as Anthropic
        streams them: text and thinking (:func:`anthropic_thinking`) word by word, then the
        signature; a tool's input (:func:`anthropic_tool_use`) as JSON in pieces; others
        (:func:`anthropic_redacted_thinking`, server-tool results) whole. ``stop_reason``
        :data:`AUTO` is ``tool_use`` when the content calls a tool, else ``end_turn``.
        Without ``model`` it names the model the request names. ``faults`` as in :meth:`sse`.
        """
        events = _anthropic.stream_events(
            text,
            chunks=chunks,
            content=content,
            model=model or DEFAULT_ANTHROPIC_MODEL,
            stop_reason=stop_reason,
            input_tokens=input_tokens,
            done=done,
            id=id,
        )
        return _echoing(
            cls.sse(events, done=False, headers=headers, **faults), model, DEFAULT_ANTHROPIC_MODEL
        )

    @classmethod
    def anthropic_message(
        cls,
        text: str = "",
        *,
        content: Sequence[Mapping[str, Any]] | None = None,
        model: str | None = None,
        stop_reason: str = AUTO,
        input_tokens: int = 0,
        id: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """A non-streamed Anthropic message whose one text block says ``text``.

        ``content`` replaces that block with blocks of your own (:func:`anthropic_thinking`,
        :func:`anthropic_redacted_thinking`, :func:`anthropic_tool_use`, text blocks);
        ``stop_reason`` :data:`AUTO` is ``tool_use`` when they call a tool, else ``end_turn``.
        ``usage`` counts words as output tokens.
        Without ``model`` it names the model the request names. ``faults`` as in :meth:`sse`.
        """
        body = _anthropic.message_body(
            text,
            content=content,
            model=model or DEFAULT_ANTHROPIC_MODEL,
            stop_reason=stop_reason,
            input_tokens=input_tokens,
            id=id,
        )
        return _echoing(cls.json(body, headers=headers, **faults), model, DEFAULT_ANTHROPIC_MODEL)

    @classmethod
    def anthropic_tool_call(
        cls,
        name: str,
        input: Mapping[str, Any],
        *,
        tool_use_id: str | None = None,
        text: str | None = None,
        stream: bool = False,
        model: str | None = None,
        input_tokens: int = 0,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """An Anthropic answer that calls the tool ``name`` with ``input`` (stop reason
        ``tool_use``), after a text block saying ``text`` when it is given: a whole message,
        or with ``stream=True`` a Messages stream. ``tool_use_id`` defaults to a fresh
        ``toolu_...`` id. For several calls or other blocks, give ``content=[...]`` to
        :meth:`anthropic_message` or :meth:`anthropic_stream`.
        Without ``model`` it names the model the request names. ``faults`` as in :meth:`sse`.
        """
        content: list[Mapping[str, Any]] = [] if text is None else [{"type": "text", "text": text}]
        content.append(_anthropic.anthropic_tool_use(name, input, id=tool_use_id))
        if stream:
            return cls.anthropic_stream(
                content=content, model=model, input_tokens=input_tokens, headers=headers, **faults
            )
        return cls.anthropic_message(
            content=content, model=model, input_tokens=input_tokens, headers=headers, **faults
        )

    @classmethod
    def anthropic_error(
        cls,
        status: int,
        message: str = "Simulated error from llmclient.testing",
        *,
        error_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[Faults],
    ) -> Reply:
        """An Anthropic error reply: ``{"type": "error", "error": {"type", "message"}}``.

        ``error_type`` defaults to Anthropic's name for ``status`` (``overloaded_error`` for
        529, ``api_error`` for other 5xx, ...). ``faults`` as in :meth:`sse`.
        """
        body = _anthropic.error(status, message, error_type)
        return cls.json(body, status, headers, **faults)

    @classmethod
    def gemini_stream(
        cls,
        text: str = "",
        *,
        chunks: int | None = None,
        model: str = DEFAULT_GEMINI_MODEL,
        finish_reason: str | None = "STOP",
        prompt_tokens: int = 0,
        events: Iterable[Mapping[str, Any] | bytes] | None = None,
        id: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """A Gemini ``streamGenerateContent?alt=sse`` reply that says ``text``.

        Events are framed as Gemini frames them, ``data: <JSON>`` and ``\\r\\n\\r\\n``, one write
        each. ``text`` goes out in ``chunks`` nearly equal pieces (by default one per word),
        each event carrying running ``usageMetadata``; the last one has ``finishReason`` (none
        if it is ``None``: the stream then ends without its terminal marker) and the final
        counts, words counted as tokens. ``events`` replaces the built events with your own
        (:func:`gemini_chunk` dicts, or bytes sent as they are). ``faults`` as in :meth:`sse`.
        """
        encoded = _gemini.stream_events(
            text,
            chunks=chunks,
            model=model,
            finish_reason=finish_reason,
            prompt_tokens=prompt_tokens,
            events=events,
            id=id,
        )
        return cls.sse(encoded, done=False, headers=headers, **faults)

    @classmethod
    def gemini_response(
        cls,
        text: str,
        *,
        model: str = DEFAULT_GEMINI_MODEL,
        finish_reason: str = "STOP",
        prompt_tokens: int = 0,
        thought: str | None = None,
        parts: Sequence[Mapping[str, Any]] | None = None,
        id: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """A non-streamed Gemini ``generateContent`` answer whose candidate says ``text``.

        ``thought`` adds a thought part before the text; ``parts`` replaces the parts with
        your own (:func:`gemini_function_call`). ``usageMetadata`` counts words as tokens.
        ``faults`` as in :meth:`sse`.
        """
        body = _gemini.response(
            text,
            model=model,
            finish_reason=finish_reason,
            prompt_tokens=prompt_tokens,
            thought=thought,
            parts=parts,
            id=id,
        )
        return cls.json(body, headers=headers, **faults)

    @classmethod
    def gemini_error(
        cls,
        status: int,
        message: str = "Simulated error from llmclient.testing",
        *,
        grpc_status: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[Faults],
    ) -> Reply:
        """A Gemini error reply: ``{"error": {"code", "message", "status"}}``.

        ``grpc_status`` defaults to Google's name for ``status`` (``RESOURCE_EXHAUSTED`` for
        429, ``UNAVAILABLE`` for 503, ...). ``faults`` as in :meth:`sse`.
        """
        body = _gemini.error(status, message, grpc_status)
        return cls.json(body, status, headers, **faults)

    @classmethod
    def openai_embeddings(
        cls,
        vectors: Sequence[Sequence[float]],
        *,
        model: str = DEFAULT_EMBEDDING_MODEL,
        encoding_format: str = "float",
        prompt_tokens: int = 0,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """An OpenAI embeddings answer holding ``vectors``, in order, with their ``usage``.

        With ``encoding_format="base64"`` each vector is sent as OpenAI sends it then: base64
        of its little-endian float32 values. ``faults`` as in :meth:`sse`.
        """
        body = _openai.embeddings(
            vectors, model=model, encoding_format=encoding_format, prompt_tokens=prompt_tokens
        )
        return cls.json(body, headers=headers, **faults)

    @classmethod
    def gemini_embeddings(
        cls,
        vectors: Sequence[Sequence[float]],
        *,
        batch: bool = True,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """A Gemini ``:batchEmbedContents`` answer, ``{"embeddings": [{"values": [...]}]}``, or
        with ``batch=False`` an ``:embedContent`` one, ``{"embedding": {"values": [...]}}``,
        which holds exactly one vector. ``faults`` as in :meth:`sse`.
        """
        body = _gemini.embeddings(vectors, batch=batch)
        return cls.json(body, headers=headers, **faults)

    @classmethod
    def openai_models(
        cls,
        ids: Iterable[str],
        *,
        owned_by: str = "system",
        created: int = 1_700_000_000,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """An OpenAI model list, ``{"object": "list", "data": [{"id", "object", "created",
        "owned_by"}]}``. ``faults`` as in :meth:`sse`."""
        body = _openai.models(ids, owned_by=owned_by, created=created)
        return cls.json(body, headers=headers, **faults)

    @classmethod
    def anthropic_models(
        cls,
        ids: Iterable[str],
        *,
        has_more: bool = False,
        created_at: str = "2025-01-01T00:00:00Z",
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """One page of Anthropic's model list: ``{"data": [{"type", "id", "display_name",
        "created_at"}], "has_more", "first_id", "last_id"}``. The client asks for the next
        page with ``after_id=<last_id>`` while ``has_more``. ``faults`` as in :meth:`sse`."""
        body = _anthropic.models(ids, has_more=has_more, created_at=created_at)
        return cls.json(body, headers=headers, **faults)

    @classmethod
    def gemini_models(
        cls,
        ids: Iterable[str],
        *,
        next_page_token: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """One page of Gemini's model list: ``{"models": [{"name": "models/<id>", ...}],
        "nextPageToken"}``; the client asks for the next page with ``pageToken`` while there is
        a token. ``faults`` as in :meth:`sse`."""
        body = _gemini.models(ids, next_page_token=next_page_token)
        return cls.json(body, headers=headers, **faults)

    @classmethod
    def event_stream(
        cls,
        frames: Iterable[bytes],
        *,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """An ``application/vnd.amazon.eventstream`` reply of ``frames``, one write per frame
        unless told otherwise.

        Each frame is sent as it is: :func:`bedrock_event` and :func:`bedrock_exception`
        build them, :func:`event_stream_frame` any other, and bytes of your own can break the
        framing. ``faults`` as in :meth:`sse`.
        """
        defaults = {"Content-Type": _EVENT_STREAM_CONTENT_TYPE}
        return cls._written(frames, defaults, headers, faults)

    @classmethod
    def bedrock_stream(
        cls,
        text: str = "",
        *,
        chunks: int | None = None,
        content: Sequence[Mapping[str, Any]] | None = None,
        stop_reason: str | None = AUTO,
        usage: Mapping[str, int] | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """A Bedrock ConverseStream that says ``text``, as ``.../converse-stream`` sends it.

        ``messageStart``, one text block whose ``contentBlockDelta`` events are ``text`` in
        ``chunks`` nearly equal pieces (by default one per word), its ``contentBlockStop``,
        ``messageStop`` with ``stop_reason`` (none if it is ``None``), then ``metadata`` with
        the usage and latency. ``usage`` updates the counted one (words as output tokens, no
        input tokens); ``totalTokens`` follows unless given.

        ``content`` replaces the text block with blocks of your own, streamed as Bedrock
        streams them: text and reasoning (:func:`bedrock_reasoning`) in ``chunks`` pieces,
        then the signature; redacted reasoning whole; a tool call (:func:`bedrock_tool_use`)
        as a ``contentBlockStart`` with its id and name, then its input as JSON in pieces.
        ``stop_reason`` :data:`AUTO` is ``tool_use`` when the content calls a tool, else
        ``end_turn``. ``faults`` as in :meth:`sse`.
        """
        frames = _bedrock.stream_frames(
            text, chunks=chunks, content=content, stop_reason=stop_reason, usage=usage
        )
        return cls.event_stream(frames, headers=headers, **faults)

    @classmethod
    def bedrock_converse(
        cls,
        text: str = "",
        *,
        content: Sequence[Mapping[str, Any]] | None = None,
        stop_reason: str = AUTO,
        usage: Mapping[str, int] | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """A Bedrock Converse answer whose message's one text block says ``text``.

        ``content`` replaces that block with blocks of your own (``{"text": ...}``,
        :func:`bedrock_reasoning`, :func:`bedrock_tool_use`); ``stop_reason`` :data:`AUTO`
        is ``tool_use`` when they call a tool, else ``end_turn``. ``usage`` as in
        :meth:`bedrock_stream`. ``faults`` as in :meth:`sse`.
        """
        body = _bedrock.converse_body(text, content=content, stop_reason=stop_reason, usage=usage)
        return cls.json(body, headers=headers, **faults)

    @classmethod
    def bedrock_error(
        cls,
        status: int,
        message: str = "Simulated error from llmclient.testing",
        *,
        error_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[Faults],
    ) -> Reply:
        """A Bedrock error reply: ``{"message": message}`` and the error's name in the
        ``x-amzn-ErrorType`` header (``ThrottlingException:http://internal.amazon.com/coral/
        com.amazon.bedrock/``).

        ``error_type`` defaults to Bedrock's name for ``status`` (``ValidationException`` for
        400, ``AccessDeniedException`` for 403, ``ThrottlingException`` for 429,
        ``ServiceUnavailableException`` for 503, ...). ``faults`` as in :meth:`sse`.
        """
        body, name = _bedrock.error(status, message, error_type)
        return cls.json(body, status, _merge_headers({"x-amzn-ErrorType": name}, headers), **faults)

    @classmethod
    def bedrock_embeddings(
        cls,
        vectors: Sequence[Sequence[float]],
        *,
        model: str = TITAN_EMBEDDING_MODEL,
        texts: Sequence[str] | None = None,
        by_type: bool = False,
        input_tokens: int = 0,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """A Bedrock InvokeModel embeddings answer, in the shape of ``model``'s family.

        Titan's (the default) holds one vector: ``{"embedding": [...], "inputTextTokenCount":
        input_tokens}``. A ``cohere.`` model's holds ``vectors`` in order with ``texts``:
        ``{"id", "texts", "embeddings": [[...]], "response_type": "embeddings_floats"}``, or
        with ``by_type`` (as for ``embedding_types``) ``{"embeddings": {"float": [[...]]},
        "response_type": "embeddings_by_type"}``. ``faults`` as in :meth:`sse`.
        """
        body = _bedrock.embeddings(
            vectors, model=model, texts=texts, by_type=by_type, input_tokens=input_tokens
        )
        return cls.json(body, headers=headers, **faults)

    @classmethod
    def bedrock_models(
        cls,
        ids: Iterable[str],
        *,
        region: str = "us-east-1",
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """Bedrock's foundation-model list, ``{"modelSummaries": [{"modelId", "modelArn",
        "modelName", "providerName", ...}]}``, in one page (Bedrock does not page it).
        ``faults`` as in :meth:`sse`."""
        body = _bedrock.models(ids, region=region)
        return cls.json(body, headers=headers, **faults)

    @classmethod
    def vertex_error(
        cls,
        status: int,
        message: str = "Simulated error from llmclient.testing",
        *,
        grpc_status: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[Faults],
    ) -> Reply:
        """A Vertex AI error reply, in Google's shape for every model behind Vertex (Claude's
        too): ``{"error": {"code", "message", "status"}}``.

        ``grpc_status`` defaults to Google's name for ``status`` (``UNAUTHENTICATED`` for 401,
        ``PERMISSION_DENIED`` for 403, ``RESOURCE_EXHAUSTED`` for 429, ...). ``faults`` as in
        :meth:`sse`.
        """
        return cls.gemini_error(status, message, grpc_status=grpc_status, headers=headers, **faults)

    @classmethod
    def vertex_embeddings(
        cls,
        vectors: Sequence[Sequence[float]],
        *,
        texts: Sequence[str] | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[StatusFaults],
    ) -> Reply:
        """A Vertex AI ``:predict`` embeddings answer holding ``vectors`` in order:
        ``{"predictions": [{"embeddings": {"values": [...], "statistics": {"token_count",
        "truncated"}}}], "metadata": {"billableCharacterCount"}}``.

        ``texts``, one per vector, give each ``token_count`` (words) and the billable
        characters; without them both are 0. ``faults`` as in :meth:`sse`.
        """
        body = _vertex.embeddings(vectors, texts=texts)
        return cls.json(body, headers=headers, **faults)

    @classmethod
    def json(
        cls,
        body: Any,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[Faults],
    ) -> Reply:
        """A JSON reply with ``Content-Length`` (unless ``content_length=False`` is passed).

        ``faults`` as in :meth:`sse`.
        """
        faults.setdefault("content_length", True)
        merged = _merge_headers({"Content-Type": _JSON_CONTENT_TYPE}, headers)
        return cls(status, merged, dump_json(body), **faults)

    @classmethod
    def error(
        cls,
        status: int,
        message: str = "Simulated error from llmclient.testing",
        *,
        error_type: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Unpack[Faults],
    ) -> Reply:
        """An OpenAI-style error reply: ``{"error": {"message", "type", "param", "code"}}``.

        ``error_type`` and ``code`` default to what OpenAI sends with ``status``
        (``invalid_request_error`` / ``invalid_api_key`` for 401, ``requests`` /
        ``rate_limit_exceeded`` for 429, ``server_error`` for 5xx, ...). For example
        ``Reply.error(429, headers={"retry-after": "0"}, repeat=2)`` refuses the next two
        requests. ``faults`` as in :meth:`sse`.
        """
        body = _openai.error(status, message, error_type, code)
        return cls.json(body, status, headers, **faults)


def _echoing(reply: Reply, model: str | None, default: str) -> Reply:
    """``reply``, told to name the requested model in place of ``default`` when the builder
    was given no ``model``."""
    return reply if model is not None else attrs.evolve(reply, echo_model=default)


def _cut_points(reply: Reply) -> list[int]:
    size = len(reply.body)
    if reply.write_size is not None:
        return list(range(reply.write_size, size, reply.write_size))
    return sorted({offset for offset in reply.split_at if 0 < offset < size})


def body_writes(reply: Reply) -> tuple[list[bytes], bool]:
    """The body pieces to write, and whether to cut the connection after them."""
    cuts = _cut_points(reply)
    body = reply.body
    pieces = [body[start:end] for start, end in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    pieces = [piece for piece in pieces if piece]
    if reply.drop_after is None:
        return pieces, False
    kept: list[bytes] = []
    budget = reply.drop_after
    for piece in pieces:
        if budget <= 0:
            break
        kept.append(piece[:budget])
        budget -= len(kept[-1])
    return kept, True


def _encode_event(event: Mapping[str, Any] | str | bytes) -> bytes:
    if isinstance(event, bytes):
        return event
    data = event.encode() if isinstance(event, str) else dump_json(event)
    return b"data: " + data + b"\n\n"


def _merge_headers(defaults: Mapping[str, str], extra: Mapping[str, str] | None) -> dict[str, str]:
    """``defaults`` updated by ``extra``, header names compared without case."""
    extra = extra or {}
    overridden = {name.lower() for name in extra}
    merged = {name: value for name, value in defaults.items() if name.lower() not in overridden}
    merged.update(extra)
    return merged
