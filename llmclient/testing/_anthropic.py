"""Anthropic's replies as data: Messages streams and answers with their content blocks, errors
and model lists, for :class:`~llmclient.testing.Reply` to frame."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._wire import ERROR_TYPES, copies, count_tokens, dump_json, stream_pieces, words

AUTO = "auto"
"""The ``stop_reason`` of the Anthropic builders that follows the content: ``tool_use`` when
it calls a tool, else ``end_turn``."""

DEFAULT_ANTHROPIC_MODEL = "claude-3-5-haiku-20241022"
"""The model named in built Anthropic replies when none is given."""


def anthropic_event(type: str, **fields: Any) -> bytes:
    """Build one event of an Anthropic Messages stream, for :meth:`Reply.sse` (``done=False``).

    It is ``event: <type>`` and ``data: {"type": <type>, **fields}``, for example
    ``anthropic_event("content_block_delta", index=0, delta={"type": "text_delta", "text":
    "Hi"})`` or ``anthropic_event("error", error={"type": "overloaded_error", "message":
    "Overloaded"})``.
    """
    data = dump_json({"type": type, **fields})
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


def stream_events(
    text: str,
    *,
    chunks: int | None,
    content: Sequence[Mapping[str, Any]] | None,
    model: str,
    stop_reason: str | None,
    input_tokens: int,
    done: bool,
    id: str | None,
) -> list[bytes]:
    """The events of :meth:`Reply.anthropic_stream`."""
    if content is None:
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
            for piece in stream_pieces(text, chunks)
        ]
        block_events.append(anthropic_event("content_block_stop", index=0))
        content = ()
    else:
        block_events = [anthropic_event("ping")]
        for index, block in enumerate(content):
            block_events += _block_events(index, block)
        text = " ".join(str(block.get("text") or block.get("thinking") or "") for block in content)
    start = _message(
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
            usage={"output_tokens": count_tokens(text)},
        )
    )
    if done:
        events.append(anthropic_event("message_stop"))
    return events


def message_body(
    text: str,
    *,
    content: Sequence[Mapping[str, Any]] | None,
    model: str,
    stop_reason: str,
    input_tokens: int,
    id: str | None,
) -> dict[str, Any]:
    """The body of :meth:`Reply.anthropic_message`."""
    blocks = [{"type": "text", "text": text}] if content is None else copies(content)
    return _message(
        model=model,
        id=id,
        content=blocks,
        stop_reason=_stop_reason(stop_reason, blocks),
        input_tokens=input_tokens,
        output_tokens=count_tokens(text),
    )


def error(status: int, message: str, error_type: str | None) -> dict[str, Any]:
    """The body of :meth:`Reply.anthropic_error`: ``error_type`` defaults to Anthropic's name
    for ``status``."""
    if error_type is None:
        fallback = "api_error" if status >= 500 else "invalid_request_error"
        error_type = ERROR_TYPES.get(status, fallback)
    return {"type": "error", "error": {"type": error_type, "message": message}}


def models(ids: Iterable[str], *, has_more: bool, created_at: str) -> dict[str, Any]:
    """The body of :meth:`Reply.anthropic_models`: one page."""
    data = [
        {
            "type": "model",
            "id": id,
            "display_name": id.replace("-", " ").title(),
            "created_at": created_at,
        }
        for id in ids
    ]
    return {
        "data": data,
        "has_more": has_more,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
    }


def _stop_reason(stop_reason: str | None, content: Sequence[Mapping[str, Any]]) -> str | None:
    """``"auto"`` as ``tool_use`` when the content calls a tool, else ``end_turn``."""
    if stop_reason != AUTO:
        return stop_reason
    return "tool_use" if any(b.get("type") == "tool_use" for b in content) else "end_turn"


def _block_events(index: int, block: Mapping[str, Any]) -> list[bytes]:
    """The events that stream one content block as Anthropic streams it: text and thinking
    in word-sized deltas (then the signature), a tool's input as two pieces of JSON, any
    other block (redacted thinking, server-tool results) whole in its start event."""
    kind = block.get("type")
    deltas: list[dict[str, Any]] = []
    start = dict(block)
    if kind == "text":
        start["text"] = ""
        deltas = [{"type": "text_delta", "text": piece} for piece in words(block["text"])]
    elif kind == "thinking":
        start.update(thinking="", signature="")
        deltas = [{"type": "thinking_delta", "thinking": p} for p in words(block["thinking"])]
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


def _message(
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
