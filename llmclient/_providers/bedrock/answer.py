"""Whole answers: a Converse answer as a :class:`~llmclient.types.ChatCompletion`; errors,
stop reasons, usage and the field readers the stream shares."""

from __future__ import annotations

import json
import time
import uuid
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
from .messages import TEXT_PLACE, TOOL_PLACE

FINISH_REASONS: Mapping[str, str] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter",
}
"""OpenAI's ``finish_reason`` for each Converse ``stopReason``; others pass unchanged."""

#: The HTTP status each exception of a ConverseStream stands for (AWS's own codes).
EXCEPTION_STATUS: Mapping[str, int] = {
    "validationException": 400,
    "accessDeniedException": 403,
    "resourceNotFoundException": 404,
    "throttlingException": 429,
    "modelNotReadyException": 429,
    "internalServerException": 500,
    "modelStreamErrorException": 500,
    "serviceUnavailableException": 503,
    "modelTimeoutException": 504,
}


def new_id() -> str:
    """An id for an answer: Converse sends none."""
    return f"bedrock-{uuid.uuid4().hex}"


def parse_completion(call: ChatCall, body: bytes) -> ChatCompletion:
    """A Converse answer as a completion (raises DecodeError for another shape)."""
    provider = call.provider.name
    payload = answer_object(body, provider)
    try:
        return completion_from(payload, call.model, json_tool_name(call.params))
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise DecodeError(
            f"{provider}: the response is not a Converse answer ({exc}).", provider=provider
        ) from exc


def parse_error(
    call: ChatCall, status: int, headers: Mapping[str, str], body: bytes
) -> APIStatusError:
    """The typed error for an error status: AWS names the error in ``x-amzn-errortype``
    (``ThrottlingException:http://...``) and says what happened in the body's ``message``."""
    decoded = decode_body(body)
    error_type = headers.get("x-amzn-errortype", "").partition(":")[0] or None
    if isinstance(decoded, Mapping):
        error_type = error_type or _error_name(decoded.get("__type"))
        message = decoded.get("message", decoded.get("Message"))
        if isinstance(message, str) and "message" not in decoded:
            decoded = {**decoded, "message": message}
    return build_status_error(call.provider.name, status, decoded, headers, error_type=error_type)


def exception_error(provider: str, name: str, data: str) -> APIStatusError:
    """The typed error for a stream's exception frame: its type picks the status."""
    decoded = decode_body(data.encode())
    status = EXCEPTION_STATUS.get(name, 500)
    error_type = name[:1].upper() + name[1:]  # as the same error's HTTP header names it
    error = build_status_error(provider, status, decoded, error_type=error_type)
    error.in_stream = True
    return error


def _error_name(value: Any) -> str | None:
    """The error's name in an AWS ``__type`` (``com.amazon.coral.validate#ValidationException``)."""
    return value.rpartition("#")[2] if isinstance(value, str) else None


def finish_reason(stop_reason: Any, called_tools: bool) -> str | None:
    if stop_reason is None:
        return None
    if not isinstance(stop_reason, str):
        raise FieldError("stopReason", "a string", stop_reason)
    if stop_reason == "tool_use" and not called_tools:
        return "stop"  # the forced response_format tool answered: there is no call to make
    return FINISH_REASONS.get(stop_reason, stop_reason)


#: Converse's counts, each an int when present.
_COUNTS = (
    "inputTokens",
    "outputTokens",
    "totalTokens",
    "cacheReadInputTokens",
    "cacheWriteInputTokens",
)


def usage_from(usage: Any, where: str = "usage") -> Usage:
    """Converse's counts as ours: the prompt includes cache reads and writes, as in
    Anthropic's."""
    if not isinstance(usage, dict):
        raise FieldError(where, "an object", usage)
    counts: dict[str, int] = {}
    for key in _COUNTS:
        value = usage.get(key)
        if value is not None:
            if value.__class__ is not int:
                raise FieldError(f"{where}.{key}", "an integer", value)
            counts[key] = value
    read = counts.get("cacheReadInputTokens")
    written = counts.get("cacheWriteInputTokens")
    prompt = counts.get("inputTokens", 0) + (read or 0) + (written or 0)
    completion = counts.get("outputTokens", 0)
    details = None
    if read is not None or written is not None:
        details = PromptTokensDetails(cached_tokens=read or 0, cache_creation_tokens=written or 0)
    return Usage(prompt, completion, prompt + completion, details)


def completion_from(
    payload: Mapping[str, Any], model: str, json_tool: str | None
) -> ChatCompletion:
    output = object_field(payload, "output", "answer")
    message = object_field(output, "message", "output")
    content = message.get("content")
    if not isinstance(content, list) or not all(isinstance(block, dict) for block in content):
        raise FieldError("output.message.content", "a list of content blocks", content)
    texts: list[str] = []
    thinking: list[str] = []
    calls: list[ToolCall] = []
    order: list[dict[str, Any]] = []  # the blocks as provider state: see messages
    for number, block in enumerate(content):
        where = f"output.message.content[{number}]"
        if "text" in block:
            texts.append(string(block["text"], f"{where}.text"))
            order.append(TEXT_PLACE)
        elif "toolUse" in block:
            tool = object_field(block, "toolUse", where)
            arguments = json.dumps(tool.get("input") or {}, ensure_ascii=False)
            name = string(tool.get("name"), f"{where}.toolUse.name")
            if json_tool is not None and name == json_tool:
                texts.append(arguments)
                order.append(TEXT_PLACE)
                continue
            call_id = string(tool.get("toolUseId"), f"{where}.toolUse.toolUseId")
            calls.append(ToolCall(call_id, FunctionCall(name, arguments)))
            order.append({"place": TOOL_PLACE, "toolUseId": call_id})
        elif "reasoningContent" in block:
            reasoning = object_field(block, "reasoningContent", where)
            text = reasoning.get("reasoningText")
            if text is not None:
                text = object_field(reasoning, "reasoningText", f"{where}.reasoningContent")
                thinking.append(string(text.get("text"), f"{where}.reasoningContent.text"))
            order.append({"reasoningContent": reasoning})
        # other blocks (citations, guard content, newer kinds) have no OpenAI counterpart
    stateful = any("reasoningContent" in item for item in order)
    answer = Message(
        content="".join(texts) if texts else None,
        tool_calls=calls or None,
        reasoning_content="".join(thinking) if thinking else None,
        provider_state=ProviderState("bedrock", {"content": order}) if stateful else None,
    )
    usage = payload.get("usage")
    return ChatCompletion(
        id=new_id(),
        model=model,
        choices=[Choice(0, answer, finish_reason(payload.get("stopReason"), bool(calls)))],
        usage=None if usage is None else usage_from(usage),
        created=int(time.time()),
    )


def object_field(payload: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    """``payload[key]`` when it is an object; else a FieldError naming it."""
    value = payload.get(key)
    if isinstance(value, dict):
        return value
    raise FieldError(f"{where}.{key}", "an object", payload.get(key, ...))
