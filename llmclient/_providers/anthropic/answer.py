"""Whole answers: a Messages API message as a :class:`~llmclient.types.ChatCompletion`, with
the stop reason, usage and field readers the stream shares."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from ..._core.call import ChatCall
from ..._core.convert import FieldError, string
from ..._core.status import build_status_error, decode_body
from ...errors import APIStatusError, DecodeError
from ...types import (
    ChatCompletion,
    Choice,
    FunctionCall,
    Message,
    PromptTokensDetails,
    ProviderState,
    ToolCall,
    Usage,
)
from .._common import answer_object
from .._json_tool import json_tool_name

FINISH_REASONS: Mapping[str, str] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
"""OpenAI's ``finish_reason`` for each Anthropic ``stop_reason``; others pass unchanged."""


def parse_completion(call: ChatCall, body: bytes) -> ChatCompletion:
    """A non-streamed message as a completion (raises DecodeError or an in-band error)."""
    provider = call.provider.name
    payload = answer_object(body, provider)
    if payload.get("type") == "error" or ("error" in payload and "content" not in payload):
        raise build_status_error(provider, 200, payload, in_stream=True)
    try:
        return completion_from(payload, json_tool_name(call.params))
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise DecodeError(
            f"{provider}: the response is not an Anthropic message ({exc}).",
            provider=provider,
        ) from exc


def parse_error(
    call: ChatCall, status: int, headers: Mapping[str, str], body: bytes
) -> APIStatusError:
    """The typed error for an error status."""
    # {"type": "error", "error": {"type", "message"}}: the shared builder reads the inner
    # object, and the error type picks the class when the status alone does not.
    return build_status_error(call.provider.name, status, decode_body(body), headers)


def finish_reason(stop_reason: Any, called_tools: bool) -> str | None:
    if stop_reason is None:
        return None
    if not isinstance(stop_reason, str):
        raise FieldError("stop_reason", "a string", stop_reason)
    if stop_reason == "tool_use" and not called_tools:
        # The forced response_format tool answered, or only server tools ran (their results
        # are in the answer): either way there is no call for the caller to make.
        return "stop"
    return FINISH_REASONS.get(stop_reason, stop_reason)


#: The counts Anthropic's ``usage`` objects carry, each an int (or null) when present.
_COUNTS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
)


def token_counts(usage: Any, where: str) -> dict[str, int | None]:
    """The token counts of a ``usage`` object, each checked to be an int or null."""
    if not isinstance(usage, dict):
        raise FieldError(where, "an object", usage)
    counts: dict[str, int | None] = {}
    for key in _COUNTS:
        if key in usage:
            value = usage[key]
            if value is not None and value.__class__ is not int:
                raise FieldError(f"{where}.{key}", "an integer", value)
            counts[key] = value
    return counts


def usage_from(counts: Mapping[str, int | None]) -> Usage:
    """Anthropic's counts as ours: the prompt includes cache reads and cache writes."""
    written = counts.get("cache_creation_input_tokens")
    read = counts.get("cache_read_input_tokens")
    prompt = (counts.get("input_tokens") or 0) + (written or 0) + (read or 0)
    completion = counts.get("output_tokens") or 0
    details = None
    if written is not None or read is not None:
        details = PromptTokensDetails(cached_tokens=read or 0, cache_creation_tokens=written or 0)
    return Usage(prompt, completion, prompt + completion, details)


#: Block types that are the answer's own text and tool calls; any other block is state.
TEXT_BLOCK, TOOL_BLOCK = "text", "tool_use"


def completion_from(payload: Mapping[str, Any], json_tool: str | None) -> ChatCompletion:
    texts: list[str] = []
    thinking: list[str] = []
    calls: list[ToolCall] = []
    order: list[dict[str, Any]] = []  # the blocks as provider state: see messages._in_answer_order
    stateful = False
    if "content" not in payload:
        raise FieldError("content", "a list of content blocks")
    for number, block in enumerate(_blocks(payload["content"])):
        kind = block.get("type")
        where = f"content[{number}]"
        if kind == TEXT_BLOCK:
            texts.append(text_field(block, "text", where))
            order.append({"type": TEXT_BLOCK})
        elif kind == TOOL_BLOCK:
            arguments = json.dumps(block.get("input") or {}, ensure_ascii=False)
            if json_tool is not None and block.get("name") == json_tool:
                texts.append(arguments)
                order.append({"type": TEXT_BLOCK})
            else:
                call_id = text_field(block, "id", where)
                calls.append(
                    ToolCall(call_id, FunctionCall(text_field(block, "name", where), arguments))
                )
                order.append({"type": TOOL_BLOCK, "id": call_id})
        else:
            if kind == "thinking":
                thinking.append(text_field(block, "thinking", where))
            order.append(dict(block))
            stateful = True
    message = Message(
        content="".join(texts) if texts else None,
        tool_calls=calls or None,
        reasoning_content="".join(thinking) if thinking else None,
        provider_state=ProviderState("anthropic", {"content": order}) if stateful else None,
    )
    finish = finish_reason(payload.get("stop_reason"), bool(calls))
    usage = payload.get("usage")
    return ChatCompletion(
        id=text_field(payload, "id", "message"),
        model=text_field(payload, "model", "message"),
        choices=[Choice(0, message, finish)],
        usage=usage_from(token_counts(usage, "usage")) if usage else None,
        created=int(time.time()),
    )


def _blocks(content: Any) -> list[dict[str, Any]]:
    if not isinstance(content, list) or not all(isinstance(block, dict) for block in content):
        raise FieldError("content", "a list of content blocks", content)
    return content


def text_field(block: Mapping[str, Any], key: str, where: str) -> str:
    """``block[key]`` when it is a string ("" when absent); else a FieldError naming it."""
    return string(block.get(key), f"{where}.{key}")
