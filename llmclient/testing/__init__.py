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
``content_length`` and ``repeat``.
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

From a shell, ``python -m llmclient.testing [--port PORT] [--delay SECONDS] [--text TEXT]``
prints its base URL and serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import math
import re
import socket
import socketserver
import struct
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs

__all__ = [
    "AUTO",
    "DEFAULT_ANTHROPIC_MODEL",
    "DEFAULT_EMBEDDING_DIMENSIONS",
    "DEFAULT_EMBEDDING_MODEL",
    "DEFAULT_GEMINI_MODEL",
    "DEFAULT_MODEL",
    "DEFAULT_MODEL_IDS",
    "DEFAULT_TEXT",
    "LocalServer",
    "RecordedRequest",
    "Reply",
    "anthropic_event",
    "anthropic_redacted_thinking",
    "anthropic_thinking",
    "anthropic_tool_use",
    "embedding_for",
    "gemini_chunk",
    "gemini_function_call",
    "main",
    "openai_chunk",
    "openai_error_event",
]

DEFAULT_MODEL = "gpt-4o-mini"
"""The model named in built replies when none is given."""

AUTO = "auto"
"""The ``stop_reason`` of the Anthropic builders that follows the content: ``tool_use`` when
it calls a tool, else ``end_turn``."""

DEFAULT_ANTHROPIC_MODEL = "claude-3-5-haiku-20241022"
"""The model named in built Anthropic replies when none is given."""

DEFAULT_GEMINI_MODEL = "gemini-2.5-flash"
"""The model named in built Gemini replies when none is given."""

DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small"
"""The model named in built embeddings replies when none is given."""

DEFAULT_EMBEDDING_DIMENSIONS = 8
"""How many values the vectors of :func:`embedding_for` have unless ``dimensions`` is asked for."""

DEFAULT_MODEL_IDS: Mapping[str, tuple[str, ...]] = {
    "openai": (DEFAULT_MODEL, "gpt-4o", DEFAULT_EMBEDDING_MODEL),
    "anthropic": (DEFAULT_ANTHROPIC_MODEL, "claude-sonnet-4-20250514"),
    "gemini": (DEFAULT_GEMINI_MODEL, "gemini-2.5-pro", "gemini-embedding-001"),
}
"""The models ``GET .../models`` lists, by the shape it answers in."""

DEFAULT_TEXT = (
    "Once upon a time, in a small town by the sea, there lived a lighthouse keeper named Ada "
    "who collected stories from passing ships. Every night she climbed the winding stairs, lit "
    "the great lamp and listened to the wind. One stormy evening a tiny boat drifted ashore, "
    "carrying only a bottle with a note inside: keep the light burning, someone is always "
    "finding their way home. Ada smiled, trimmed the wick, and kept watch until dawn painted "
    "the water gold."
)
"""The story a :class:`LocalServer` tells when no reply is scripted."""

_DEFAULT_CHUNK_ID = "chatcmpl-localserver"
_DEFAULT_GEMINI_ID = "gemini-localserver"
_SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8"
_JSON_CONTENT_TYPE = "application/json"
_POLL_INTERVAL = 0.05  # how soon the accept loop notices stop()
_JOIN_TIMEOUT = 5.0  # how long stop() waits for all threads, in total
_MAX_LINE = 65537

_GRPC_STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    413: "request_too_large",
    422: "invalid_request_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}


# --- payloads ----------------------------------------------------------------------------------


def openai_chunk(
    *,
    content: str | Sequence[Mapping[str, Any]] | None = None,
    role: str | None = None,
    finish_reason: str | None = None,
    tool_calls: Sequence[Mapping[str, Any]] | None = None,
    index: int = 0,
    model: str = DEFAULT_MODEL,
    id: str = _DEFAULT_CHUNK_ID,
    usage: Mapping[str, int] | None = None,
    refusal: str | None = None,
    choices: Sequence[Mapping[str, Any]] | None = None,
    created: int | None = None,
) -> dict[str, Any]:
    """Build one OpenAI ``chat.completion.chunk`` dict, for :meth:`Reply.sse`.

    The delta holds only the fields given (``role``, ``content``, ``refusal``, ``tool_calls``),
    in one choice numbered ``index``. ``content`` may be a list of typed blocks, as Mistral's
    magistral models send it (``[{"type": "thinking", "thinking": [{"type": "text", "text":
    ...}]}, {"type": "text", "text": ...}]``). ``choices`` replaces that choice list entirely: pass
    several choices for ``n > 1``, or ``[]`` with ``usage`` for the final usage chunk.
    ``usage`` adds a ``usage`` object; ``created`` defaults to now.
    """
    if choices is None:
        delta: dict[str, Any] = {}
        if role is not None:
            delta["role"] = role
        if content is not None:
            delta["content"] = content if isinstance(content, str) else _copies(content)
        if refusal is not None:
            delta["refusal"] = refusal
        if tool_calls is not None:
            delta["tool_calls"] = [dict(call) for call in tool_calls]
        choices = [{"index": index, "delta": delta, "finish_reason": finish_reason}]
    chunk: dict[str, Any] = {
        "id": id,
        "object": "chat.completion.chunk",
        "created": int(time.time()) if created is None else created,
        "model": model,
        "choices": [dict(choice) for choice in choices],
    }
    if usage is not None:
        chunk["usage"] = dict(usage)
    return chunk


def openai_error_event(
    message: str, error_type: str = "server_error", code: str | None = None
) -> dict[str, Any]:
    """Build an OpenAI-style error object ``{"error": {...}}``.

    It is the body of :meth:`Reply.error`, and can be sent in the middle of a stream with
    :meth:`Reply.sse` as an in-band error event.
    """
    return {"error": {"message": message, "type": error_type, "param": None, "code": code}}


def anthropic_event(type: str, **fields: Any) -> bytes:
    """Build one event of an Anthropic Messages stream, for :meth:`Reply.sse` (``done=False``).

    It is ``event: <type>`` and ``data: {"type": <type>, **fields}``, for example
    ``anthropic_event("content_block_delta", index=0, delta={"type": "text_delta", "text":
    "Hi"})`` or ``anthropic_event("error", error={"type": "overloaded_error", "message":
    "Overloaded"})``.
    """
    data = _dump_json({"type": type, **fields})
    return b"event: " + type.encode() + b"\ndata: " + data + b"\n\n"


def anthropic_thinking(thinking: str, signature: str) -> dict[str, Any]:
    """An Anthropic ``thinking`` content block, signed, for ``Reply.anthropic_message(content=
    ...)`` and ``Reply.anthropic_stream(content=...)``."""
    return {"type": "thinking", "thinking": thinking, "signature": signature}


def anthropic_redacted_thinking(data: str) -> dict[str, Any]:
    """An Anthropic ``redacted_thinking`` content block: encrypted thinking, sent whole."""
    return {"type": "redacted_thinking", "data": data}


def anthropic_tool_use(
    name: str, input: Mapping[str, Any], *, id: str | None = None
) -> dict[str, Any]:
    """An Anthropic ``tool_use`` content block calling ``name`` with ``input``."""
    return {
        "type": "tool_use",
        "id": id or f"toolu_{uuid.uuid4().hex[:24]}",
        "name": name,
        "input": dict(input),
    }


def _copies(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [dict(item) for item in items]


def _stop_reason(stop_reason: str | None, content: Sequence[Mapping[str, Any]]) -> str | None:
    """``"auto"`` as ``tool_use`` when the content calls a tool, else ``end_turn``."""
    if stop_reason != AUTO:
        return stop_reason
    return "tool_use" if any(b.get("type") == "tool_use" for b in content) else "end_turn"


def _anthropic_block_events(index: int, block: Mapping[str, Any]) -> list[bytes]:
    """The events that stream one content block as Anthropic streams it: text and thinking
    in word-sized deltas (then the signature), a tool's input as two pieces of JSON, any
    other block (redacted thinking, server-tool results) whole in its start event."""
    kind = block.get("type")
    deltas: list[dict[str, Any]] = []
    start = dict(block)
    if kind == "text":
        start["text"] = ""
        deltas = [{"type": "text_delta", "text": piece} for piece in _words(block["text"])]
    elif kind == "thinking":
        start.update(thinking="", signature="")
        deltas = [{"type": "thinking_delta", "thinking": p} for p in _words(block["thinking"])]
        deltas.append({"type": "signature_delta", "signature": block["signature"]})
    elif kind in ("tool_use", "server_tool_use"):
        start["input"] = {}
        arguments = json.dumps(block.get("input") or {})
        half = len(arguments) // 2
        deltas = [
            {"type": "input_json_delta", "partial_json": piece}
            for piece in ("", arguments[:half], arguments[half:])
        ]
    events = [anthropic_event("content_block_start", index=index, content_block=start)]
    events += [anthropic_event("content_block_delta", index=index, delta=d) for d in deltas]
    events.append(anthropic_event("content_block_stop", index=index))
    return events


def _anthropic_message(
    *,
    model: str,
    id: str | None,
    content: list[dict[str, Any]],
    stop_reason: str | None,
    input_tokens: int,
    output_tokens: int,
) -> dict[str, Any]:
    return {
        "id": id or f"msg_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


def gemini_chunk(
    text: str | None = None,
    *,
    thought: str | None = None,
    function_call: Mapping[str, Any] | None = None,
    finish_reason: str | None = None,
    usage: Mapping[str, int] | None = None,
    index: int = 0,
    model: str = DEFAULT_GEMINI_MODEL,
    id: str = _DEFAULT_GEMINI_ID,
    candidates: Sequence[Mapping[str, Any]] | None = None,
    parts: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Build one Gemini ``GenerateContentResponse`` dict, for ``Reply.gemini_stream(events=...)``.

    The candidate numbered ``index`` holds the parts given, in this order: a ``thought`` part,
    a ``text`` part and a ``functionCall`` part (``{"name": ..., "args": {...}}``), then
    ``finishReason`` when ``finish_reason`` is given (``"STOP"``, ``"SAFETY"``, ...).
    ``usage`` is sent as ``usageMetadata``; ``parts`` replaces those parts with your own (Gemini
    3's signed calls: :func:`gemini_function_call`), and ``candidates`` the candidate list.
    """
    if candidates is None:
        built: list[dict[str, Any]] = []
        if thought is not None:
            built.append({"text": thought, "thought": True})
        if text is not None:
            built.append({"text": text})
        if function_call is not None:
            built.append({"functionCall": dict(function_call)})
        if parts is not None:
            built = _copies(parts)
        candidate: dict[str, Any] = {"content": {"parts": built, "role": "model"}, "index": index}
        if finish_reason is not None:
            candidate["finishReason"] = finish_reason
        candidates = [candidate]
    chunk: dict[str, Any] = {
        "candidates": [dict(candidate) for candidate in candidates],
        "modelVersion": model,
        "responseId": id,
    }
    if usage is not None:
        chunk["usageMetadata"] = dict(usage)
    return chunk


def gemini_function_call(
    name: str, args: Mapping[str, Any], *, signature: str | None = None
) -> dict[str, Any]:
    """A Gemini ``functionCall`` part, signed with ``signature`` as Gemini 3 signs the first
    call of a step (``thoughtSignature``), for ``gemini_chunk(parts=...)``."""
    part: dict[str, Any] = {"functionCall": {"name": name, "args": dict(args)}}
    if signature is not None:
        part["thoughtSignature"] = signature
    return part


def embedding_for(text: str, dimensions: int = DEFAULT_EMBEDDING_DIMENSIONS) -> list[float]:
    """The vector a :class:`LocalServer` answers for ``text``: the same text always gets the
    same vector, and different texts different ones.

    It has unit length, and every value is a float32, so it is the same after the trip through
    ``encoding_format="base64"``.
    """
    if dimensions < 1:
        raise ValueError(f"dimensions must be at least 1, not {dimensions}")
    digest = b""
    while len(digest) < 4 * dimensions:
        digest += hashlib.sha256(f"{len(digest)}:{text}".encode()).digest()
    words = struct.unpack(f"<{dimensions}I", digest[: 4 * dimensions])
    raw = [word / 2**31 - 1.0 for word in words]
    norm = math.sqrt(sum(value * value for value in raw)) or 1.0
    return _float32([value / norm for value in raw])


def _float32(values: Sequence[float]) -> list[float]:
    """``values`` rounded to float32, as a base64 embedding carries them."""
    return list(struct.unpack(f"<{len(values)}f", struct.pack(f"<{len(values)}f", *values)))


def _gemini_usage(prompt_tokens: int, candidates_tokens: int | None) -> dict[str, int]:
    usage = {"promptTokenCount": prompt_tokens, "totalTokenCount": prompt_tokens}
    if candidates_tokens is not None:
        usage["candidatesTokenCount"] = candidates_tokens
        usage["totalTokenCount"] += candidates_tokens
    return usage


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _count_tokens(text: str) -> int:
    """A rough token count: the number of words."""
    return len(text.split())


def _new_completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def _new_gemini_id() -> str:
    return uuid.uuid4().hex[:22]


def _words(text: str) -> list[str]:
    """Split ``text`` into word-sized pieces, each with its leading spaces; they join to it."""
    return re.findall(r"\s*\S+|\s+", text)


def _split_evenly(text: str, count: int) -> list[str]:
    """Split ``text`` into exactly ``count`` pieces whose lengths differ by at most one."""
    if count < 1:
        raise ValueError(f"chunks must be at least 1, not {count}")
    size, extra = divmod(len(text), count)
    pieces: list[str] = []
    start = 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        pieces.append(text[start:end])
        start = end
    return pieces


def _dump_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _encode_event(event: Mapping[str, Any] | str | bytes) -> bytes:
    if isinstance(event, bytes):
        return event
    data = event.encode() if isinstance(event, str) else _dump_json(event)
    return b"data: " + data + b"\n\n"


def _merge_headers(defaults: Mapping[str, str], extra: Mapping[str, str] | None) -> dict[str, str]:
    """``defaults`` updated by ``extra``, header names compared without case."""
    extra = extra or {}
    overridden = {name.lower() for name in extra}
    merged = {name: value for name, value in defaults.items() if name.lower() not in overridden}
    merged.update(extra)
    return merged


# --- Reply -------------------------------------------------------------------------------------


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
        **faults: Any,
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
        if "split_at" not in faults and "write_size" not in faults:
            ends: list[int] = []
            offset = 0
            for event in encoded:
                offset += len(event)
                ends.append(offset)
            faults["split_at"] = ends
        defaults = {"Content-Type": _SSE_CONTENT_TYPE, "Cache-Control": "no-cache"}
        return cls(headers=_merge_headers(defaults, headers), body=b"".join(encoded), **faults)

    @classmethod
    def openai_stream(
        cls,
        text: str,
        *,
        chunks: int | None = None,
        model: str = DEFAULT_MODEL,
        finish_reason: str | None = "stop",
        include_usage: bool = False,
        prompt_tokens: int = 0,
        done: bool = True,
        id: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Any,
    ) -> Reply:
        """An OpenAI chat completion stream that says ``text``.

        The first chunk carries ``role: "assistant"``, then ``text`` follows in ``chunks``
        nearly equal pieces (by default, one piece per word), then an empty delta with
        ``finish_reason`` (none if it is ``None``). ``include_usage`` adds a last chunk with no
        choices and a ``usage`` object (as for ``stream_options.include_usage``), counting
        words as tokens. ``done`` ends with ``data: [DONE]``. ``faults`` as in :meth:`sse`.
        """
        pieces = _words(text) if chunks is None else _split_evenly(text, chunks)
        common: dict[str, Any] = {
            "model": model,
            "id": id or _new_completion_id(),
            "created": int(time.time()),
        }
        events = [openai_chunk(role="assistant", content="", **common)]
        events += [openai_chunk(content=piece, **common) for piece in pieces]
        if finish_reason is not None:
            events.append(openai_chunk(finish_reason=finish_reason, **common))
        if include_usage:
            for event in events:
                event["usage"] = None
            usage = _usage(prompt_tokens, _count_tokens(text))
            events.append(openai_chunk(choices=[], usage=usage, **common))
        return cls.sse(events, done=done, headers=headers, **faults)

    @classmethod
    def openai_completion(
        cls,
        text: str | Sequence[Mapping[str, Any]],
        *,
        model: str = DEFAULT_MODEL,
        finish_reason: str = "stop",
        prompt_tokens: int = 0,
        id: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Any,
    ) -> Reply:
        """A non-streamed OpenAI ``chat.completion`` whose message says ``text``.

        ``text`` may be a list of typed content blocks, as Mistral's magistral models send
        (see :func:`openai_chunk`). ``usage`` counts words as tokens. ``faults`` as in
        :meth:`sse`.
        """
        content = text if isinstance(text, str) else _copies(text)
        words = text if isinstance(text, str) else ""
        body = {
            "id": id or _new_completion_id(),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": finish_reason,
                }
            ],
            "usage": _usage(prompt_tokens, _count_tokens(words)),
        }
        return cls.json(body, headers=headers, **faults)

    @classmethod
    def anthropic_stream(
        cls,
        text: str = "",
        *,
        chunks: int | None = None,
        content: Sequence[Mapping[str, Any]] | None = None,
        model: str = DEFAULT_ANTHROPIC_MODEL,
        stop_reason: str | None = AUTO,
        input_tokens: int = 0,
        done: bool = True,
        id: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Any,
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
        ``faults`` as in :meth:`sse`.
        """
        if content is None:
            pieces = _words(text) if chunks is None else _split_evenly(text, chunks)
            block_events = [
                anthropic_event(
                    "content_block_start", index=0, content_block={"type": "text", "text": ""}
                ),
                anthropic_event("ping"),
            ]
            block_events += [
                anthropic_event(
                    "content_block_delta", index=0, delta={"type": "text_delta", "text": piece}
                )
                for piece in pieces
            ]
            block_events.append(anthropic_event("content_block_stop", index=0))
            content = ()
        else:
            block_events = [anthropic_event("ping")]
            for index, block in enumerate(content):
                block_events += _anthropic_block_events(index, block)
            text = " ".join(
                str(block.get("text") or block.get("thinking") or "") for block in content
            )
        start = _anthropic_message(
            model=model,
            id=id,
            content=[],
            stop_reason=None,
            input_tokens=input_tokens,
            output_tokens=1,
        )
        events = [anthropic_event("message_start", message=start), *block_events]
        events.append(
            anthropic_event(
                "message_delta",
                delta={"stop_reason": _stop_reason(stop_reason, content), "stop_sequence": None},
                usage={"output_tokens": _count_tokens(text)},
            )
        )
        if done:
            events.append(anthropic_event("message_stop"))
        return cls.sse(events, done=False, headers=headers, **faults)

    @classmethod
    def anthropic_message(
        cls,
        text: str = "",
        *,
        content: Sequence[Mapping[str, Any]] | None = None,
        model: str = DEFAULT_ANTHROPIC_MODEL,
        stop_reason: str = AUTO,
        input_tokens: int = 0,
        id: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Any,
    ) -> Reply:
        """A non-streamed Anthropic message whose one text block says ``text``.

        ``content`` replaces that block with blocks of your own (:func:`anthropic_thinking`,
        :func:`anthropic_redacted_thinking`, :func:`anthropic_tool_use`, text blocks);
        ``stop_reason`` :data:`AUTO` is ``tool_use`` when they call a tool, else ``end_turn``.
        ``usage`` counts words as output tokens. ``faults`` as in :meth:`sse`.
        """
        blocks = [{"type": "text", "text": text}] if content is None else _copies(content)
        body = _anthropic_message(
            model=model,
            id=id,
            content=blocks,
            stop_reason=_stop_reason(stop_reason, blocks),
            input_tokens=input_tokens,
            output_tokens=_count_tokens(text),
        )
        return cls.json(body, headers=headers, **faults)

    @classmethod
    def anthropic_error(
        cls,
        status: int,
        message: str = "Simulated error from llmclient.testing",
        *,
        error_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Any,
    ) -> Reply:
        """An Anthropic error reply: ``{"type": "error", "error": {"type", "message"}}``.

        ``error_type`` defaults to Anthropic's name for ``status`` (``overloaded_error`` for
        529, ``api_error`` for other 5xx, ...). ``faults`` as in :meth:`sse`.
        """
        if error_type is None:
            fallback = "api_error" if status >= 500 else "invalid_request_error"
            error_type = _ERROR_TYPES.get(status, fallback)
        body = {"type": "error", "error": {"type": error_type, "message": message}}
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
        **faults: Any,
    ) -> Reply:
        """A Gemini ``streamGenerateContent?alt=sse`` reply that says ``text``.

        Events are framed as Gemini frames them, ``data: <JSON>`` and ``\\r\\n\\r\\n``, one write
        each. ``text`` goes out in ``chunks`` nearly equal pieces (by default one per word),
        each event carrying running ``usageMetadata``; the last one has ``finishReason`` (none
        if it is ``None``: the stream then ends without its terminal marker) and the final
        counts, words counted as tokens. ``events`` replaces the built events with your own
        (:func:`gemini_chunk` dicts, or bytes sent as they are). ``faults`` as in :meth:`sse`.
        """
        if events is None:
            pieces = _words(text) if chunks is None else _split_evenly(text, chunks)
            common: dict[str, Any] = {"model": model, "id": id or _new_gemini_id()}
            built = [
                gemini_chunk(piece, usage=_gemini_usage(prompt_tokens, None), **common)
                for piece in pieces or [""]
            ]
            built[-1] = gemini_chunk(
                pieces[-1] if pieces else "",
                finish_reason=finish_reason,
                usage=_gemini_usage(prompt_tokens, _count_tokens(text)),
                **common,
            )
            events = built
        encoded = [
            event if isinstance(event, bytes) else b"data: " + _dump_json(event) + b"\r\n\r\n"
            for event in events
        ]
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
        **faults: Any,
    ) -> Reply:
        """A non-streamed Gemini ``generateContent`` answer whose candidate says ``text``.

        ``thought`` adds a thought part before the text; ``parts`` replaces the parts with
        your own (:func:`gemini_function_call`). ``usageMetadata`` counts words as tokens.
        ``faults`` as in :meth:`sse`.
        """
        body = gemini_chunk(
            text,
            thought=thought,
            parts=parts,
            finish_reason=finish_reason,
            usage=_gemini_usage(prompt_tokens, _count_tokens(text)),
            model=model,
            id=id or _new_gemini_id(),
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
        **faults: Any,
    ) -> Reply:
        """A Gemini error reply: ``{"error": {"code", "message", "status"}}``.

        ``grpc_status`` defaults to Google's name for ``status`` (``RESOURCE_EXHAUSTED`` for
        429, ``UNAVAILABLE`` for 503, ...). ``faults`` as in :meth:`sse`.
        """
        if grpc_status is None:
            grpc_status = _GRPC_STATUSES.get(status, "INTERNAL" if status >= 500 else "UNKNOWN")
        body = {"error": {"code": status, "message": message, "status": grpc_status}}
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
        **faults: Any,
    ) -> Reply:
        """An OpenAI embeddings answer holding ``vectors``, in order, with their ``usage``.

        With ``encoding_format="base64"`` each vector is sent as OpenAI sends it then: base64
        of its little-endian float32 values. ``faults`` as in :meth:`sse`.
        """
        data = [
            {
                "object": "embedding",
                "index": index,
                "embedding": (
                    base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
                    if encoding_format == "base64"
                    else list(vector)
                ),
            }
            for index, vector in enumerate(vectors)
        ]
        body = {
            "object": "list",
            "data": data,
            "model": model,
            "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
        }
        return cls.json(body, headers=headers, **faults)

    @classmethod
    def gemini_embeddings(
        cls,
        vectors: Sequence[Sequence[float]],
        *,
        batch: bool = True,
        headers: Mapping[str, str] | None = None,
        **faults: Any,
    ) -> Reply:
        """A Gemini ``:batchEmbedContents`` answer, ``{"embeddings": [{"values": [...]}]}``, or
        with ``batch=False`` an ``:embedContent`` one, ``{"embedding": {"values": [...]}}``,
        which holds exactly one vector. ``faults`` as in :meth:`sse`.
        """
        if batch:
            body: dict[str, Any] = {"embeddings": [{"values": list(v)} for v in vectors]}
        else:
            if len(vectors) != 1:
                raise ValueError(f"an embedContent answer holds one vector, not {len(vectors)}")
            body = {"embedding": {"values": list(vectors[0])}}
        return cls.json(body, headers=headers, **faults)

    @classmethod
    def openai_models(
        cls,
        ids: Iterable[str],
        *,
        owned_by: str = "system",
        created: int = 1_700_000_000,
        headers: Mapping[str, str] | None = None,
        **faults: Any,
    ) -> Reply:
        """An OpenAI model list, ``{"object": "list", "data": [{"id", "object", "created",
        "owned_by"}]}``. ``faults`` as in :meth:`sse`."""
        data = [
            {"id": id, "object": "model", "created": created, "owned_by": owned_by} for id in ids
        ]
        return cls.json({"object": "list", "data": data}, headers=headers, **faults)

    @classmethod
    def anthropic_models(
        cls,
        ids: Iterable[str],
        *,
        has_more: bool = False,
        created_at: str = "2025-01-01T00:00:00Z",
        headers: Mapping[str, str] | None = None,
        **faults: Any,
    ) -> Reply:
        """One page of Anthropic's model list: ``{"data": [{"type", "id", "display_name",
        "created_at"}], "has_more", "first_id", "last_id"}``. The client asks for the next
        page with ``after_id=<last_id>`` while ``has_more``. ``faults`` as in :meth:`sse`."""
        data = [
            {
                "type": "model",
                "id": id,
                "display_name": id.replace("-", " ").title(),
                "created_at": created_at,
            }
            for id in ids
        ]
        body = {
            "data": data,
            "has_more": has_more,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
        }
        return cls.json(body, headers=headers, **faults)

    @classmethod
    def gemini_models(
        cls,
        ids: Iterable[str],
        *,
        next_page_token: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Any,
    ) -> Reply:
        """One page of Gemini's model list: ``{"models": [{"name": "models/<id>", ...}],
        "nextPageToken"}``; the client asks for the next page with ``pageToken`` while there is
        a token. ``faults`` as in :meth:`sse`."""
        models = [
            {
                "name": f"models/{id}",
                "displayName": id.replace("-", " ").title(),
                "supportedGenerationMethods": (
                    ["embedContent"] if "embedding" in id else ["generateContent"]
                ),
            }
            for id in ids
        ]
        body: dict[str, Any] = {"models": models}
        if next_page_token is not None:
            body["nextPageToken"] = next_page_token
        return cls.json(body, headers=headers, **faults)

    @classmethod
    def json(
        cls,
        body: Any,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        **faults: Any,
    ) -> Reply:
        """A JSON reply with ``Content-Length`` (unless ``content_length=False`` is passed).

        ``faults`` as in :meth:`sse`.
        """
        faults.setdefault("content_length", True)
        merged = _merge_headers({"Content-Type": _JSON_CONTENT_TYPE}, headers)
        return cls(status, merged, _dump_json(body), **faults)

    @classmethod
    def error(
        cls,
        status: int,
        message: str = "Simulated error from llmclient.testing",
        *,
        error_type: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        **faults: Any,
    ) -> Reply:
        """An OpenAI-style error reply: ``{"error": {"message", "type", "param", "code"}}``.

        ``error_type`` defaults to OpenAI's name for ``status`` (``rate_limit_error`` for 429,
        ``server_error`` for other 5xx, ...). For example ``Reply.error(429, headers={
        "retry-after": "0"}, repeat=2)`` refuses the next two requests. ``faults`` as in
        :meth:`sse`.
        """
        if error_type is None:
            fallback = "server_error" if status >= 500 else "invalid_request_error"
            error_type = _ERROR_TYPES.get(status, fallback)
        body = openai_error_event(message, error_type, code)
        return cls.json(body, status, headers, **faults)


def _cut_points(reply: Reply) -> list[int]:
    size = len(reply.body)
    if reply.write_size is not None:
        return list(range(reply.write_size, size, reply.write_size))
    return sorted({offset for offset in reply.split_at if 0 < offset < size})


def _body_writes(reply: Reply) -> tuple[list[bytes], bool]:
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


# --- requests and default answers --------------------------------------------------------------


@attrs.frozen
class RecordedRequest:
    """One request as the server received it. Header names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body, parsed as JSON."""
        return json.loads(self.body)


_Route = Callable[[RecordedRequest, "LocalServer"], Reply]


def _answer_openai_chat(request: RecordedRequest, server: LocalServer) -> Reply:
    """Say ``server.default_text`` the way OpenAI's chat completions endpoint would."""
    try:
        payload = request.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        message = "We could not parse the JSON body of your request."
        return Reply.error(400, message, headers={"Connection": "close"})
    model = payload.get("model")
    model = model if isinstance(model, str) else DEFAULT_MODEL
    prompt_tokens = _count_prompt_tokens(payload.get("messages"))
    if payload.get("stream") is not True:
        return Reply.openai_completion(
            server.default_text, model=model, prompt_tokens=prompt_tokens
        )
    options = payload.get("stream_options")
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    return Reply.openai_stream(
        server.default_text,
        model=model,
        include_usage=include_usage,
        prompt_tokens=prompt_tokens,
        delay=server.stream_delay,
    )


def _count_prompt_tokens(messages: Any) -> int:
    """A rough token count of the messages' text contents."""
    if not isinstance(messages, list):
        return 0
    contents = (message.get("content") for message in messages if isinstance(message, dict))
    return sum(_count_tokens(content) for content in contents if isinstance(content, str))


def _answer_anthropic_messages(request: RecordedRequest, server: LocalServer) -> Reply:
    """Say ``server.default_text`` the way Anthropic's Messages endpoint would."""
    try:
        payload = request.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        message = "There was an issue with the format or content of your request."
        return Reply.anthropic_error(400, message, headers={"Connection": "close"})
    model = payload.get("model")
    model = model if isinstance(model, str) else DEFAULT_ANTHROPIC_MODEL
    input_tokens = _count_anthropic_tokens(payload.get("system"))
    for message in payload.get("messages") or ():
        if isinstance(message, dict):
            input_tokens += _count_anthropic_tokens(message.get("content"))
    if payload.get("stream") is not True:
        return Reply.anthropic_message(server.default_text, model=model, input_tokens=input_tokens)
    return Reply.anthropic_stream(
        server.default_text, model=model, input_tokens=input_tokens, delay=server.stream_delay
    )


def _count_anthropic_tokens(content: Any) -> int:
    """A rough token count of Anthropic content: a string, or a list of blocks with text."""
    if isinstance(content, str):
        return _count_tokens(content)
    if not isinstance(content, list):
        return 0
    texts = (block.get("text") for block in content if isinstance(block, dict))
    return sum(_count_tokens(text) for text in texts if isinstance(text, str))


def _answer_gemini(request: RecordedRequest, server: LocalServer) -> Reply:
    """Say ``server.default_text`` the way Gemini's generateContent endpoints would."""
    found = _GEMINI_PATH.fullmatch(urlsplit(request.path).path)
    model = found["model"] if found else DEFAULT_GEMINI_MODEL
    try:
        payload = request.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return Reply.gemini_error(400, "Invalid JSON payload received.")
    prompt_tokens = 0
    for content in payload.get("contents") or ():
        parts = content.get("parts") if isinstance(content, dict) else None
        texts = (part.get("text") for part in parts or () if isinstance(part, dict))
        prompt_tokens += sum(_count_tokens(text) for text in texts if isinstance(text, str))
    if found and found["method"] == "streamGenerateContent":
        return Reply.gemini_stream(
            server.default_text, model=model, prompt_tokens=prompt_tokens, delay=server.stream_delay
        )
    return Reply.gemini_response(server.default_text, model=model, prompt_tokens=prompt_tokens)


def _json_object(request: RecordedRequest) -> dict[str, Any] | None:
    try:
        payload = request.json()
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _answer_openai_embeddings(request: RecordedRequest, server: LocalServer) -> Reply:
    """Embed each input with :func:`embedding_for`, as OpenAI's embeddings endpoint answers."""
    payload = _json_object(request)
    if payload is None:
        message = "We could not parse the JSON body of your request."
        return Reply.error(400, message, headers={"Connection": "close"})
    texts = payload.get("input")
    texts = [texts] if isinstance(texts, str) else texts
    if not texts or not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        return Reply.error(400, "'input' must be a string or a non-empty array of strings.")
    dimensions = payload.get("dimensions", DEFAULT_EMBEDDING_DIMENSIONS)
    if isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1:
        return Reply.error(400, f"Invalid 'dimensions': {dimensions!r}.")
    encoding_format = payload.get("encoding_format") or "float"
    if encoding_format not in ("float", "base64"):
        return Reply.error(400, f"Invalid 'encoding_format': {encoding_format!r}.")
    model = payload.get("model")
    return Reply.openai_embeddings(
        [embedding_for(text, dimensions) for text in texts],
        model=model if isinstance(model, str) else DEFAULT_EMBEDDING_MODEL,
        encoding_format=encoding_format,
        prompt_tokens=sum(_count_tokens(text) for text in texts),
    )


def _answer_gemini_embeddings(request: RecordedRequest, server: LocalServer) -> Reply:
    """Embed each text with :func:`embedding_for`, as Gemini's ``:embedContent`` and
    ``:batchEmbedContents`` answer; a batch request naming another model is refused."""
    found = _GEMINI_EMBED_PATH.fullmatch(urlsplit(request.path).path)
    assert found is not None  # the route matched this pattern
    payload = _json_object(request)
    if payload is None:
        return Reply.gemini_error(400, "Invalid JSON payload received.")
    batch = found["method"] == "batchEmbedContents"
    requests = payload.get("requests") if batch else [payload]
    if not isinstance(requests, list) or not requests:
        return Reply.gemini_error(400, "* BatchEmbedContentsRequest.requests: is empty")
    vectors: list[list[float]] = []
    for number, item in enumerate(requests):
        if not isinstance(item, dict):
            return Reply.gemini_error(400, f"Invalid value at 'requests[{number}]'.")
        if batch and item.get("model") != f"models/{found['model']}":
            message = f"Model in request {number} does not match the model in the URL."
            return Reply.gemini_error(400, message)
        content = item.get("content")
        parts = content.get("parts") if isinstance(content, dict) else None
        texts = [part.get("text") if isinstance(part, dict) else None for part in parts or ()]
        text = "".join(text for text in texts if isinstance(text, str))
        if not texts or not all(isinstance(text, str) for text in texts):
            return Reply.gemini_error(400, "* EmbedContentRequest.content: contents is not set")
        dimensions = item.get("outputDimensionality", DEFAULT_EMBEDDING_DIMENSIONS)
        if isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1:
            return Reply.gemini_error(400, f"Invalid outputDimensionality: {dimensions!r}.")
        vectors.append(embedding_for(text, dimensions))
    return Reply.gemini_embeddings(vectors, batch=batch)


def _answer_models(request: RecordedRequest, server: LocalServer) -> Reply:
    """List :data:`DEFAULT_MODEL_IDS` in one page, in the shape the request's headers ask for:
    Anthropic's with ``anthropic-version``, Gemini's with ``x-goog-api-key`` or Gemini's query
    parameters, else OpenAI's."""
    query = parse_qs(urlsplit(request.path).query)
    if "anthropic-version" in request.headers:
        return Reply.anthropic_models(DEFAULT_MODEL_IDS["anthropic"])
    if "x-goog-api-key" in request.headers or query.keys() & {"key", "pageSize", "pageToken"}:
        return Reply.gemini_models(DEFAULT_MODEL_IDS["gemini"])
    return Reply.openai_models(DEFAULT_MODEL_IDS["openai"])


def _answer_unknown(request: RecordedRequest) -> Reply:
    path = urlsplit(request.path).path
    message = f"Invalid URL ({request.method} {path})"
    return Reply.error(404, message, error_type="invalid_request_error")


_ROUTES: dict[tuple[str, str], _Route] = {
    ("POST", "/v1/chat/completions"): _answer_openai_chat,
    ("POST", "/v1/messages"): _answer_anthropic_messages,
    ("POST", "/v1/embeddings"): _answer_openai_embeddings,
}
"""The default answer for each (method, path); other dialects add their endpoints here."""

_GEMINI_PATH = re.compile(
    r".*/models/(?P<model>[^/]+):(?P<method>generateContent|streamGenerateContent)"
)

_AZURE_PATH = re.compile(r".*/openai/deployments/[^/]+/chat/completions")

_GEMINI_EMBED_PATH = re.compile(
    r".*/models/(?P<model>[^/]+):(?P<method>embedContent|batchEmbedContents)"
)

_AZURE_EMBED_PATH = re.compile(r".*/openai/deployments/[^/]+/embeddings")

_MODELS_PATH = re.compile(r".*/models")

_PATTERN_ROUTES: list[tuple[str, re.Pattern[str], _Route]] = [
    ("POST", _GEMINI_PATH, _answer_gemini),
    ("POST", _AZURE_PATH, _answer_openai_chat),
    ("POST", _GEMINI_EMBED_PATH, _answer_gemini_embeddings),
    ("POST", _AZURE_EMBED_PATH, _answer_openai_embeddings),
    ("GET", _MODELS_PATH, _answer_models),
]
"""Default answers for paths with a variable part (a model name), tried after ``_ROUTES``."""


def _find_route(method: str, path: str) -> _Route | None:
    route = _ROUTES.get((method, path))
    if route is None:
        for route_method, pattern, answer in _PATTERN_ROUTES:
            if route_method == method and pattern.fullmatch(path):
                return answer
    return route


# --- HTTP plumbing -----------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    """Tracks each connection and its thread for :class:`LocalServer`."""

    daemon_threads = True
    block_on_close = False
    # socketserver's default backlog of 5 drops connections when hundreds arrive at once.
    request_queue_size = 128

    def __init__(self, owner: LocalServer, address: tuple[str, int]) -> None:
        self.owner = owner
        self.stopping = threading.Event()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would look up the host's FQDN, which can be slow.
        socketserver.TCPServer.server_bind(self)
        host, port = self.socket.getsockname()[:2]
        self.server_name, self.server_port = host, port

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, address

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"llmclient-testing-connection-{client_address[1]}",
            daemon=True,
        )
        self.owner._track(request, thread)
        thread.start()

    def shutdown_request(self, request: Any) -> None:
        tracked = self.owner._untrack(request)
        super().shutdown_request(request)
        if tracked:
            self.owner._connection_closed()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a dropped client is no error
            super().handle_error(request, client_address)


def _lower_headers(message: Message) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in message.items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


class _Handler(BaseHTTPRequestHandler):
    """Reads one request at a time and writes the :class:`Reply` chosen for it."""

    protocol_version = "HTTP/1.1"
    server_version = "llmclient-testing"
    sys_version = ""
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep quiet: no line on stderr per request."""

    def do_POST(self) -> None:
        """Answer any method the same way: record, choose a reply, send it."""
        try:
            self._answer()
        except OSError:  # the client went away, or stop() cut the connection
            self.close_connection = True

    def _answer(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            message = "The request body could not be read."
            self._send(Reply.error(400, message, headers={"Connection": "close"}))
            return
        request = RecordedRequest(self.command, self.path, _lower_headers(self.headers), body)
        self._send(self.server.owner._reply_for(request))

    do_GET = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_POST

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked_body()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length)

    def _read_chunked_body(self) -> bytes:
        parts: list[bytes] = []
        while size := int(self.rfile.readline(_MAX_LINE).split(b";")[0].strip(), 16):
            parts.append(self.rfile.read(size))
            self.rfile.readline(_MAX_LINE)  # the CRLF after the chunk
        while self.rfile.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return b"".join(parts)

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        if reply.content_length:
            self.send_header("Content-Length", str(len(reply.body)))
        elif reply.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self._write_body(reply)

    def _write_body(self, reply: Reply) -> None:
        pieces, drop = _body_writes(reply)
        framed = reply.chunked and not reply.content_length
        writes = [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces] if framed else pieces
        if framed and not drop:
            writes.append(b"0\r\n\r\n")
        stopping = self.server.stopping
        for i, data in enumerate(writes):
            if i and reply.delay:
                stopping.wait(reply.delay)
            if stopping.is_set():
                drop = True
                break
            self.wfile.write(data)
        if drop:
            self._abort()

    def _abort(self) -> None:
        """Cut the connection at once; the server then closes the socket."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


# --- LocalServer -------------------------------------------------------------------------------


class LocalServer:
    """A local HTTP server that imitates an LLM provider; see the module documentation.

    ``default_text`` is what it says when no reply is queued, streamed one word per event,
    ``stream_delay`` seconds apart (a small delay such as 0.03 shows the text arriving).
    ``port=0`` picks a free port. Use it as a context manager, or call :meth:`start` and
    :meth:`stop`.
    """

    def __init__(
        self, *, default_text: str = DEFAULT_TEXT, stream_delay: float = 0.0, port: int = 0
    ) -> None:
        self.default_text = default_text
        self.stream_delay = stream_delay
        self._requested_port = port
        self._port: int | None = None
        self._lock = threading.Lock()
        self._recorded = threading.Condition(self._lock)
        self._replies: deque[Reply] = deque()
        self._head_served = 0
        self._requests: list[RecordedRequest] = []
        self._connections = threading.Condition()
        self._open_count = 0
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._httpd: _HTTPServer | None = None
        self._serve_thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> LocalServer:
        """Bind ``127.0.0.1`` and serve in a background thread; return the server."""
        if self._httpd is not None:
            raise RuntimeError("LocalServer is already running")
        httpd = _HTTPServer(self, ("127.0.0.1", self._requested_port))
        self._port = httpd.server_port
        self._serve_thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name=f"llmclient-testing-{self._port}",
            daemon=True,
        )
        self._httpd = httpd
        self._serve_thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every connection (even mid-reply) and wait for the threads.

        Calling it again does nothing.
        """
        httpd, serve_thread = self._httpd, self._serve_thread
        if httpd is None or serve_thread is None:
            return
        self._httpd = self._serve_thread = None
        httpd.stopping.set()
        with contextlib.suppress(OSError):  # wakes the accept loop at once, on Linux at least
            httpd.socket.shutdown(socket.SHUT_RDWR)
        httpd.shutdown()
        httpd.server_close()
        with self._connections:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            threads = [serve_thread, *self._threads]
            self._threads.clear()
        deadline = time.monotonic() + _JOIN_TIMEOUT
        for thread in threads:
            if thread.ident is not None:  # started
                thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, the server's root."""
        if self._port is None:
            raise RuntimeError("LocalServer has not been started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """``url + "/v1"``: the base URL to give an OpenAI-style client."""
        return f"{self.url}/v1"

    # scripting and recording

    def enqueue(self, *replies: Reply) -> None:
        """Queue replies; each request takes the first (which stays for ``repeat`` requests).

        When the queue is empty, requests get the default answer for their path.
        """
        with self._lock:
            self._replies.extend(replies)

    def reset(self) -> None:
        """Drop the queued replies and forget the recorded requests."""
        with self._lock:
            self._replies.clear()
            self._head_served = 0
            self._requests.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        """How many requests have been received."""
        with self._lock:
            return len(self._requests)

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until ``count`` requests have been received; False if ``timeout`` seconds pass
        first. A client can give up on a request (a timeout) before the server has read it."""
        with self._recorded:
            return self._recorded.wait_for(lambda: len(self._requests) >= count, timeout)

    def _reply_for(self, request: RecordedRequest) -> Reply:
        """Record ``request`` and choose its reply: the queue's head, or the default answer."""
        with self._lock:
            self._requests.append(request)
            self._recorded.notify_all()
            scripted = self._take_queued()
        if scripted is not None:
            return scripted
        route = _find_route(request.method, urlsplit(request.path).path)
        return _answer_unknown(request) if route is None else route(request, self)

    def _take_queued(self) -> Reply | None:
        if not self._replies:
            return None
        reply = self._replies[0]
        self._head_served += 1
        if self._head_served >= reply.repeat:
            self._replies.popleft()
            self._head_served = 0
        return reply

    # connections

    @property
    def open_connections(self) -> int:
        """How many client connections are open right now."""
        with self._connections:
            return self._open_count

    def wait_for_open_connections(self, n: int, timeout: float = 5.0) -> bool:
        """Wait until exactly ``n`` client connections are open; False if ``timeout`` passes.

        A client that closes a kept-alive connection is noticed at once, so
        ``wait_for_open_connections(0)`` checks that a client released its connections.
        """
        with self._connections:
            return self._connections.wait_for(lambda: self._open_count == n, timeout)

    def _track(self, sock: socket.socket, thread: threading.Thread) -> None:
        with self._connections:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
            self._sockets.add(sock)
            self._open_count += 1
            self._connections.notify_all()

    def _untrack(self, sock: socket.socket) -> bool:
        """Forget ``sock`` before it is closed; return whether it was being tracked."""
        with self._connections:
            if sock not in self._sockets:
                return False
            self._sockets.remove(sock)
            return True

    def _connection_closed(self) -> None:
        with self._connections:
            self._open_count -= 1
            self._connections.notify_all()


# --- command line ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Serve in the foreground until Ctrl-C: ``python -m llmclient.testing [--port PORT]``."""
    parser = argparse.ArgumentParser(
        prog="python -m llmclient.testing",
        description="Serve an imitation of OpenAI's chat completions API on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any)")
    parser.add_argument(
        "--delay", type=float, default=0.0, help="seconds between streamed events (default: 0)"
    )
    parser.add_argument("--text", default=DEFAULT_TEXT, help="the text of every answer")
    args = parser.parse_args(argv)
    with LocalServer(default_text=args.text, stream_delay=args.delay, port=args.port) as server:
        print(f"Serving an OpenAI-style API at {server.base_url} (Ctrl-C to stop)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0
