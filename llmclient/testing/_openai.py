"""OpenAI's replies as data: chat completion chunks and answers, errors, embeddings and model
lists, for :class:`~llmclient.testing.Reply` to frame."""

from __future__ import annotations

import base64
import struct
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._wire import copies, count_tokens, stream_pieces

DEFAULT_MODEL = "gpt-4o-mini"
"""The model named in built replies when none is given."""

DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small"
"""The model named in built embeddings replies when none is given."""

_DEFAULT_CHUNK_ID = "chatcmpl-localserver"

_ERRORS: dict[int, tuple[str, str | None]] = {
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}
"""The ``type`` and ``code`` OpenAI sends with each status that has its own (a bad key, a
rate limit, ...); any other 4xx is an ``invalid_request_error`` and a 5xx a
``server_error``, both without a code."""


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
            delta["content"] = content if isinstance(content, str) else copies(content)
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


def stream_events(
    text: str,
    *,
    chunks: int | None,
    model: str,
    finish_reason: str | None,
    include_usage: bool,
    prompt_tokens: int,
    id: str | None,
) -> list[dict[str, Any]]:
    """The chunks of :meth:`Reply.openai_stream`."""
    pieces = stream_pieces(text, chunks)
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
        usage = _usage(prompt_tokens, count_tokens(text))
        events.append(openai_chunk(choices=[], usage=usage, **common))
    return events


def completion(
    text: str | Sequence[Mapping[str, Any]],
    *,
    model: str,
    finish_reason: str,
    prompt_tokens: int,
    id: str | None,
) -> dict[str, Any]:
    """The body of :meth:`Reply.openai_completion`."""
    content = text if isinstance(text, str) else copies(text)
    words = text if isinstance(text, str) else ""
    return {
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
        "usage": _usage(prompt_tokens, count_tokens(words)),
    }


def error(status: int, message: str, error_type: str | None, code: str | None) -> dict[str, Any]:
    """The body of :meth:`Reply.error`: ``error_type`` and ``code`` default to what OpenAI
    sends with ``status`` (``code`` only when ``error_type`` is not given either)."""
    if error_type is None:
        fallback = ("server_error" if status >= 500 else "invalid_request_error", None)
        error_type, default_code = _ERRORS.get(status, fallback)
        code = default_code if code is None else code
    return openai_error_event(message, error_type, code)


def embeddings(
    vectors: Sequence[Sequence[float]], *, model: str, encoding_format: str, prompt_tokens: int
) -> dict[str, Any]:
    """The body of :meth:`Reply.openai_embeddings`."""
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
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
    }


def models(ids: Iterable[str], *, owned_by: str, created: int) -> dict[str, Any]:
    """The body of :meth:`Reply.openai_models`."""
    data = [{"id": id, "object": "model", "created": created, "owned_by": owned_by} for id in ids]
    return {"object": "list", "data": data}


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _new_completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"
