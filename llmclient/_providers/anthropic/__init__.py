"""Anthropic's Messages API: OpenAI-shaped calls out, OpenAI-shaped answers and chunks in.

The request is ``POST {base_url}/messages`` with ``anthropic-version: 2023-06-01`` (a caller's
header of the same name wins). The call's OpenAI-style messages and parameters are translated
before anything is sent; a parameter Anthropic cannot honour raises
:class:`~llmclient.errors.InvalidRequestError` instead of being dropped:

- ``system`` / ``developer`` messages become the top-level ``system``, wherever they stand;
  ``tool`` messages become ``tool_result`` blocks of a user turn (placed first in it, as
  Anthropic requires); assistant ``tool_calls`` become ``tool_use`` blocks; consecutive turns of
  the same role are merged. Content parts: ``text``; ``image_url`` (a ``data:`` URL becomes a
  base64 source, an http(s) URL a URL source; ``detail`` has no counterpart and is not sent);
  ``file`` with ``file_data`` becomes a ``document``; parts already in Anthropic's form
  (``image``, ``document``, ``thinking``, ...) are sent as they are; ``input_audio`` raises.
- ``max_completion_tokens`` or ``max_tokens`` becomes ``max_tokens`` (Anthropic requires it:
  :data:`DEFAULT_MAX_TOKENS` when absent, plus the thinking budget when thinking is on);
  ``stop`` becomes ``stop_sequences``; ``temperature`` (0 to 1 on Anthropic) and ``top_p`` pass;
  ``user`` becomes ``metadata.user_id``.
- ``tools`` become ``{name, description, input_schema}``; ``tool_choice`` auto / required / none
  / named becomes auto / any / none / tool; ``parallel_tool_calls=False`` becomes
  ``disable_parallel_tool_use``.
- ``response_format`` ``json_schema`` (and ``json_object``, as the schema ``{"type":
  "object"}``) becomes one forced tool whose ``input_schema`` is the schema; the tool's input
  comes back as the message ``content``, a JSON string, with finish reason ``stop``. It cannot
  be combined with ``tools``, ``tool_choice`` or thinking.
- ``reasoning_effort`` low / medium / high becomes ``thinking`` with the budget in
  :data:`THINKING_BUDGETS`; ``extra_body={"thinking": {...}}`` is sent as given.
- ``n`` > 1, ``seed``, ``presence_penalty`` / ``frequency_penalty`` other than 0, a non-empty
  ``logit_bias``, ``logprobs=True`` and ``top_logprobs`` raise. ``stream_options`` is accepted:
  a stream always ends with a usage chunk.
- ``extra_body`` is merged into the body last; ``extra_headers`` (``anthropic-beta``) are sent.

Answers: text blocks make ``content``, thinking blocks ``reasoning_content``, ``tool_use``
blocks ``tool_calls`` (arguments as a JSON string). Stop reasons map as in
:data:`FINISH_REASONS`; others (``pause_turn``, future ones) pass through unchanged.
``prompt_tokens`` counts cache reads and writes, which are also kept in
``prompt_tokens_details`` (``cached_tokens``, ``cache_creation_tokens``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from ..._convert import FieldError
from ..._request import ChatCall, HttpRequest, encode_json
from ..._status import build_status_error, decode_body, load_json
from ...errors import APIStatusError, DecodeError, InvalidRequestError
from ...types import (
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ChunkChoice,
    Delta,
    FunctionCall,
    FunctionCallDelta,
    Message,
    PromptTokensDetails,
    ProviderState,
    ToolCall,
    ToolCallDelta,
    Usage,
)
from .._common import describe_event, load_event
from .._shape import SHAPES_UNUSED, TextShape
from .._state import state_data

ANTHROPIC_VERSION = "2023-06-01"
"""The ``anthropic-version`` header sent unless the caller sends their own."""

DEFAULT_MAX_TOKENS = 4096
"""``max_tokens`` when the call gives none (Anthropic requires one); thinking adds its budget."""

THINKING_BUDGETS: Mapping[str, int] = {"low": 1024, "medium": 4096, "high": 16384}
"""``thinking.budget_tokens`` for each ``reasoning_effort``."""

FINISH_REASONS: Mapping[str, str] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
"""OpenAI's ``finish_reason`` for each Anthropic ``stop_reason``; others pass unchanged."""

_JSON_OBJECT_TOOL = "json_object"
_DEFAULT_SCHEMA_TOOL = "json_response"

#: Parameters that are translated (or accepted and ignored) rather than rejected.
_TRANSLATED = frozenset(
    {
        "temperature",
        "top_p",
        "max_tokens",
        "max_completion_tokens",
        "stop",
        "n",
        "seed",
        "presence_penalty",
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
        "reasoning_effort",
        "user",
        "stream_options",
    }
)


class AnthropicDialect:
    """Requests to ``{base_url}/messages``; answers, chunks and errors translated to ours."""

    def build_request(self, call: ChatCall) -> HttpRequest:
        body = build_body(call)
        headers = call.base_headers()  # the caller's headers are in it, lower-cased
        headers.setdefault("anthropic-version", ANTHROPIC_VERSION)
        return HttpRequest("POST", f"{call.base_url}/messages", headers, encode_json(body))

    def parse_completion(self, call: ChatCall, body: bytes) -> ChatCompletion:
        provider = call.provider.name
        payload = load_json(body, provider)
        if not isinstance(payload, dict):
            raise DecodeError(
                f"{provider}: expected a JSON object, got {type(payload).__name__}.",
                provider=provider,
            )
        if payload.get("type") == "error" or ("error" in payload and "content" not in payload):
            raise build_status_error(provider, 200, payload, in_stream=True)
        try:
            return _completion(payload, json_tool_name(call.params))
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise DecodeError(
                f"{provider}: the response is not an Anthropic message ({exc}).",
                provider=provider,
            ) from exc

    def parse_error(
        self, call: ChatCall, status: int, headers: Mapping[str, str], body: bytes
    ) -> APIStatusError:
        # {"type": "error", "error": {"type", "message"}}: the shared builder reads the inner
        # object, and the error type picks the class when the status alone does not.
        return build_status_error(call.provider.name, status, decode_body(body), headers)

    def new_stream(self, call: ChatCall) -> AnthropicStream:
        return AnthropicStream(call.provider.name, json_tool_name(call.params))


# --- request -----------------------------------------------------------------------------------


def build_body(call: ChatCall) -> dict[str, Any]:
    """The Messages API body for ``call``; raises InvalidRequestError for what cannot be sent."""
    provider = call.provider.name
    params = call.params
    for name in params:
        if name not in _TRANSLATED:
            raise InvalidRequestError(f"{name} is not supported by {provider}; leave it out.")
    _reject_unsupported(params, provider)

    system, messages = translate_messages(call.messages, provider)
    body: dict[str, Any] = {"model": call.model}
    if system is not None:
        body["system"] = system
    body["messages"] = messages

    budget = _thinking(params, call.extra_body, body, provider)
    max_tokens = params.get("max_completion_tokens", params.get("max_tokens"))
    if max_tokens is None:
        max_tokens = DEFAULT_MAX_TOKENS + (budget or 0)
    elif budget is not None and isinstance(max_tokens, int) and max_tokens <= budget:
        raise InvalidRequestError(
            f"max_tokens ({max_tokens}) must be larger than the thinking budget ({budget}) "
            f"for {provider}: raise max_tokens or lower the reasoning effort."
        )
    body["max_tokens"] = max_tokens

    stop = params.get("stop")
    if stop is not None:
        body["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    temperature = params.get("temperature")
    if temperature is not None:
        if isinstance(temperature, (int, float)) and not 0 <= temperature <= 1:
            raise InvalidRequestError(
                f"temperature must be between 0 and 1 for {provider}, got {temperature}."
            )
        body["temperature"] = temperature
    if "top_p" in params:
        body["top_p"] = params["top_p"]
    if "user" in params:
        body["metadata"] = {"user_id": params["user"]}

    _tools(params, body, provider, thinking=budget is not None)
    _response_format(params, body, provider, thinking=budget is not None)
    if call.stream:
        body["stream"] = True
    body.update(call.extra_body)
    return body


def _reject_unsupported(params: Mapping[str, Any], provider: str) -> None:
    """Raise for a parameter whose value asks for something Anthropic cannot do."""
    n = params.get("n")
    if n is not None and n != 1:
        raise InvalidRequestError(
            f"n={n} is not supported by {provider}, which returns one answer per request; "
            "send several requests instead."
        )
    asks = {
        "seed": "seed" in params,
        "presence_penalty": params.get("presence_penalty", 0) != 0,
        "frequency_penalty": params.get("frequency_penalty", 0) != 0,
        "logit_bias": bool(params.get("logit_bias")),
        "logprobs": bool(params.get("logprobs")),
        "top_logprobs": "top_logprobs" in params,
    }
    for name, asked in asks.items():
        if asked:
            raise InvalidRequestError(f"{name} is not supported by {provider}; leave it out.")


def _thinking(
    params: Mapping[str, Any], extra_body: Mapping[str, Any], body: dict[str, Any], provider: str
) -> int | None:
    """Set ``thinking`` from ``reasoning_effort``; return the budget in force, if any."""
    effort = params.get("reasoning_effort")
    budget: int | None = None
    if effort is not None:
        budget = THINKING_BUDGETS.get(effort)
        if budget is None:
            known = ", ".join(repr(name) for name in THINKING_BUDGETS)
            raise InvalidRequestError(
                f"reasoning_effort={effort!r} is not supported by {provider}; use one of {known}."
            )
        body["thinking"] = {"type": "enabled", "budget_tokens": budget}
    explicit = extra_body.get("thinking")
    if isinstance(explicit, Mapping):  # extra_body replaces what reasoning_effort set
        given = explicit.get("budget_tokens")
        enabled = explicit.get("type") == "enabled"
        budget = given if enabled and isinstance(given, int) else None
    return budget


def _tools(
    params: Mapping[str, Any], body: dict[str, Any], provider: str, *, thinking: bool
) -> None:
    tools = params.get("tools")
    if tools is not None:
        body["tools"] = [_tool(index, tool, provider) for index, tool in enumerate(tools)]
    choice: dict[str, Any] | None = None
    tool_choice = params.get("tool_choice")
    if tool_choice is not None:
        choice = _tool_choice(tool_choice, provider)
        if thinking and choice["type"] in ("any", "tool"):
            raise InvalidRequestError(
                f"tool_choice={tool_choice!r} forces a tool call, which {provider} does not "
                "allow with thinking (reasoning_effort): use 'auto' or 'none'."
            )
    if params.get("parallel_tool_calls") is False:
        choice = choice or {"type": "auto"}
        if choice["type"] != "none":
            choice["disable_parallel_tool_use"] = True
    if choice is not None:
        body["tool_choice"] = choice


def _tool(index: int, tool: Any, provider: str) -> dict[str, Any]:
    if not isinstance(tool, Mapping):
        raise InvalidRequestError(f"tools[{index}] must be a dict, got {type(tool).__name__}.")
    function = tool.get("function")
    if function is None and "name" in tool:
        return dict(tool)  # already in Anthropic's form (a client or server tool)
    if tool.get("type", "function") != "function" or not isinstance(function, Mapping):
        raise InvalidRequestError(
            f"tools[{index}] must be {{'type': 'function', 'function': {{...}}}} for {provider}."
        )
    name = function.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidRequestError(f"tools[{index}]['function'] has no 'name'.")
    out: dict[str, Any] = {"name": name}
    description = function.get("description")
    if description:
        out["description"] = description
    out["input_schema"] = function.get("parameters") or {"type": "object", "properties": {}}
    if "cache_control" in tool:
        out["cache_control"] = tool["cache_control"]
    return out


def _tool_choice(tool_choice: Any, provider: str) -> dict[str, Any]:
    if tool_choice == "auto":
        return {"type": "auto"}
    if tool_choice == "required":
        return {"type": "any"}
    if tool_choice == "none":
        return {"type": "none"}
    if isinstance(tool_choice, Mapping):
        function = tool_choice.get("function")
        name = function.get("name") if isinstance(function, Mapping) else None
        if isinstance(name, str) and name:
            return {"type": "tool", "name": name}
    raise InvalidRequestError(
        f"tool_choice={tool_choice!r} is not supported by {provider}; use 'auto', 'required', "
        "'none' or {'type': 'function', 'function': {'name': ...}}."
    )


def json_tool_name(params: Mapping[str, Any]) -> str | None:
    """The name of the tool that carries a ``response_format`` answer, or None."""
    response_format = params.get("response_format")
    if not isinstance(response_format, Mapping):
        return None
    kind = response_format.get("type")
    if kind == "json_object":
        return _JSON_OBJECT_TOOL
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        name = spec.get("name") if isinstance(spec, Mapping) else None
        return name if isinstance(name, str) and name else _DEFAULT_SCHEMA_TOOL
    return None


def _response_format(
    params: Mapping[str, Any], body: dict[str, Any], provider: str, *, thinking: bool
) -> None:
    response_format = params.get("response_format")
    if response_format is None:
        return
    kind = response_format.get("type") if isinstance(response_format, Mapping) else None
    if kind == "text":
        return
    if kind not in ("json_schema", "json_object"):
        raise InvalidRequestError(
            f"response_format={response_format!r} is not supported by {provider}; use "
            "{'type': 'json_schema', ...}, {'type': 'json_object'} or {'type': 'text'}."
        )
    if "tools" in params or "tool_choice" in params or thinking:
        raise InvalidRequestError(
            f"response_format {kind} is sent to {provider} as a forced tool call, so it cannot "
            "be combined with tools, tool_choice or thinking (reasoning_effort)."
        )
    name = json_tool_name(params) or _DEFAULT_SCHEMA_TOOL
    description = "Give the answer as a JSON object: the input of this tool is the answer."
    schema: Any = {"type": "object"}
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        if not isinstance(spec, Mapping) or not isinstance(spec.get("schema"), Mapping):
            raise InvalidRequestError("response_format json_schema needs a 'schema' dict.")
        schema = spec["schema"]
        if schema.get("type") != "object":
            raise InvalidRequestError(
                f"response_format json_schema for {provider} needs a schema of type 'object', "
                "as tool inputs are objects."
            )
        description = spec.get("description") or description
    body["tools"] = [{"name": name, "description": description, "input_schema": schema}]
    body["tool_choice"] = {"type": "tool", "name": name}


def translate_messages(
    messages: list[dict[str, Any]], provider: str
) -> tuple[str | list[dict[str, Any]] | None, list[dict[str, Any]]]:
    """OpenAI-style messages as Anthropic's ``system`` and alternating ``messages``."""
    system: list[dict[str, Any]] = []
    turns: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        role = message["role"]
        if role in ("system", "developer"):
            system += _content_blocks(index, message.get("content"), provider, text_only=True)
            continue
        if role == "user":
            blocks = _content_blocks(index, message.get("content"), provider)
            if not blocks:
                raise InvalidRequestError(
                    f"messages[{index}] has empty content, which {provider} does not take."
                )
        elif role == "assistant":
            blocks = _assistant_blocks(index, message, provider)
            if not blocks:
                raise InvalidRequestError(f"messages[{index}] has no content and no tool_calls.")
        elif role == "tool":
            role = "user"
            blocks = [_tool_result(index, message, provider)]
        else:
            raise InvalidRequestError(
                f"messages[{index}] has role {role!r}, which {provider} does not take; use "
                "'system', 'developer', 'user', 'assistant' or 'tool'."
            )
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += blocks
        else:
            turns.append({"role": role, "content": blocks})
    for turn in turns:
        content = turn["content"]
        if turn["role"] == "user":
            # Anthropic wants a user turn's tool results before anything else in it.
            content.sort(key=lambda block: block.get("type") != "tool_result")
        if len(content) == 1 and content[0].keys() == {"type", "text"}:
            turn["content"] = content[0]["text"]
    return _system(system), turns


def _system(blocks: list[dict[str, Any]]) -> str | list[dict[str, Any]] | None:
    if not blocks:
        return None
    if all(block.keys() == {"type", "text"} for block in blocks):
        return "\n\n".join(block["text"] for block in blocks)
    return blocks


def _content_blocks(
    index: int, content: Any, provider: str, *, text_only: bool = False
) -> list[dict[str, Any]]:
    if content is None or content == "":
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    blocks = []
    for number, part in enumerate(content):
        where = f"messages[{index}]['content'][{number}]"
        if not isinstance(part, Mapping):
            raise InvalidRequestError(f"{where} must be a dict, got {type(part).__name__}.")
        kind = part.get("type")
        if text_only and kind != "text":
            raise InvalidRequestError(f"{where} is {kind!r}; system messages take text only.")
        block = _content_block(where, part, kind, provider)
        if block is not None:
            blocks.append(block)
    return blocks


def _content_block(
    where: str, part: Mapping[str, Any], kind: Any, provider: str
) -> dict[str, Any] | None:
    if kind in ("text", "refusal"):
        text = part.get(kind)
        if not isinstance(text, str):
            raise InvalidRequestError(f"{where} has no {kind!r} string.")
        if not text:
            return None
        block: dict[str, Any] = {"type": "text", "text": text}
    elif kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, Mapping) else image
        if not isinstance(url, str):
            raise InvalidRequestError(f"{where} has no image_url 'url'.")
        block = {"type": "image", "source": _source(where, url)}
    elif kind == "file":
        file = part.get("file")
        data = file.get("file_data") if isinstance(file, Mapping) else None
        if not isinstance(data, str):
            raise InvalidRequestError(
                f"{where}: {provider} takes files as 'file_data' data: URLs, not file ids."
            )
        block = {"type": "document", "source": _source(where, data)}
    elif kind == "input_audio":
        raise InvalidRequestError(f"{where}: {provider} does not take audio input.")
    elif isinstance(kind, str):
        return dict(part)  # already an Anthropic block: image, document, thinking, ...
    else:
        raise InvalidRequestError(f"{where} has no 'type'.")
    if "cache_control" in part:
        block["cache_control"] = part["cache_control"]
    return block


def _source(where: str, url: str) -> dict[str, str]:
    if url.startswith(("http://", "https://")):
        return {"type": "url", "url": url}
    if url.startswith("data:"):
        header, comma, data = url[5:].partition(",")
        media_type, _, encoding = header.partition(";")
        if comma and encoding.lower() == "base64" and media_type:
            return {"type": "base64", "media_type": media_type.lower(), "data": data}
    raise InvalidRequestError(
        f"{where} must be an http(s) URL or a base64 data: URL (data:image/png;base64,...)."
    )


def _assistant_blocks(
    index: int, message: Mapping[str, Any], provider: str
) -> list[dict[str, Any]]:
    text = _content_blocks(index, message.get("content"), provider)
    calls = _tool_use_blocks(index, message, provider)
    state = state_data(message, "anthropic", f"messages[{index}]")
    if state is None:
        return text + calls
    return _in_answer_order(index, state, text, calls)


def _in_answer_order(
    index: int, state: Mapping[str, Any], text: list[dict[str, Any]], calls: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The message's blocks in the order its answer had them, its state's blocks among them.

    The state lists the answer's blocks: thinking, redacted thinking and server-tool blocks
    whole, text and ``tool_use`` blocks as places (``{"type": "text"}``, ``{"type":
    "tool_use", "id": ...}``). The message's text goes where its first text stood, each tool
    call where its id stood; what the state does not place comes last, text first.
    """
    items = state.get("content")
    if not isinstance(items, list) or not all(
        isinstance(item, Mapping) and isinstance(item.get("type"), str) for item in items
    ):
        raise InvalidRequestError(
            f"messages[{index}]['provider_state'] is not Anthropic state as to_dict() gives it."
        )
    unplaced = {block["id"]: block for block in calls}
    blocks: list[dict[str, Any]] = []
    for item in items:
        kind = item["type"]
        if kind == "text":
            blocks += text
            text = []
        elif kind == "tool_use":
            call = unplaced.pop(item.get("id"), None)
            if call is not None:
                blocks.append(call)
        else:
            blocks.append(dict(item))
    return blocks + text + [block for block in calls if block["id"] in unplaced]


def _tool_use_blocks(index: int, message: Mapping[str, Any], provider: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for number, call in enumerate(message.get("tool_calls") or ()):
        where = f"messages[{index}]['tool_calls'][{number}]"
        function = call.get("function") if isinstance(call, Mapping) else None
        if not isinstance(function, Mapping) or not call.get("id") or not function.get("name"):
            raise InvalidRequestError(f"{where} needs an 'id' and a 'function' with a 'name'.")
        arguments = function.get("arguments") or "{}"
        try:
            tool_input = json.loads(arguments) if isinstance(arguments, str) else arguments
        except ValueError as exc:
            raise InvalidRequestError(
                f"{where}['function']['arguments'] is not valid JSON ({exc}); {provider} needs "
                "the arguments as a JSON object."
            ) from exc
        if not isinstance(tool_input, Mapping):
            raise InvalidRequestError(
                f"{where}['function']['arguments'] must be a JSON object for {provider}."
            )
        blocks.append(
            {"type": "tool_use", "id": call["id"], "name": function["name"], "input": tool_input}
        )
    return blocks


def _tool_result(index: int, message: Mapping[str, Any], provider: str) -> dict[str, Any]:
    tool_use_id = message.get("tool_call_id")
    if not isinstance(tool_use_id, str) or not tool_use_id:
        raise InvalidRequestError(f"messages[{index}] has role 'tool' but no 'tool_call_id'.")
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": tool_use_id}
    content = message.get("content")
    if isinstance(content, str):
        if content:
            block["content"] = content
    elif content:
        block["content"] = _content_blocks(index, content, provider)
    return block


# --- answers -----------------------------------------------------------------------------------


def _finish_reason(stop_reason: Any, called_tools: bool) -> str | None:
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


def _counts(usage: Any, where: str) -> dict[str, int | None]:
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


def _usage(counts: Mapping[str, int | None]) -> Usage:
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
_TEXT_BLOCK, _TOOL_BLOCK = "text", "tool_use"


def _completion(payload: Mapping[str, Any], json_tool: str | None) -> ChatCompletion:
    texts: list[str] = []
    thinking: list[str] = []
    calls: list[ToolCall] = []
    order: list[dict[str, Any]] = []  # the blocks as provider state: see _in_answer_order
    stateful = False
    if "content" not in payload:
        raise FieldError("content", "a list of content blocks")
    for number, block in enumerate(_blocks(payload["content"])):
        kind = block.get("type")
        where = f"content[{number}]"
        if kind == _TEXT_BLOCK:
            texts.append(_text(block, "text", where))
            order.append({"type": _TEXT_BLOCK})
        elif kind == _TOOL_BLOCK:
            arguments = json.dumps(block.get("input") or {}, ensure_ascii=False)
            if json_tool is not None and block.get("name") == json_tool:
                texts.append(arguments)
                order.append({"type": _TEXT_BLOCK})
            else:
                call_id = _text(block, "id", where)
                calls.append(
                    ToolCall(call_id, FunctionCall(_text(block, "name", where), arguments))
                )
                order.append({"type": _TOOL_BLOCK, "id": call_id})
        else:
            if kind == "thinking":
                thinking.append(_text(block, "thinking", where))
            order.append(dict(block))
            stateful = True
    message = Message(
        content="".join(texts) if texts else None,
        tool_calls=calls or None,
        reasoning_content="".join(thinking) if thinking else None,
        provider_state=ProviderState("anthropic", {"content": order}) if stateful else None,
    )
    finish = _finish_reason(payload.get("stop_reason"), bool(calls))
    usage = payload.get("usage")
    return ChatCompletion(
        id=_text(payload, "id", "message"),
        model=_text(payload, "model", "message"),
        choices=[Choice(0, message, finish)],
        usage=_usage(_counts(usage, "usage")) if usage else None,
        created=int(time.time()),
    )


def _blocks(content: Any) -> list[dict[str, Any]]:
    if not isinstance(content, list) or not all(isinstance(block, dict) for block in content):
        raise FieldError("content", "a list of content blocks", content)
    return content


def _text(block: Mapping[str, Any], key: str, where: str) -> str:
    """``block[key]`` when it is a string ("" when absent); else a FieldError naming it."""
    value = block.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise FieldError(f"{where}.{key}", "a string", value)


# --- stream ------------------------------------------------------------------------------------

# What a content block is, for its deltas: text, thinking, a tool call, the response_format
# answer, a server tool's call (state, its input streamed as JSON), or any other block (state).
_TEXT, _THINKING, _TOOL, _JSON, _SERVER, _OTHER = range(6)

#: The delta types each kind of block takes; a delta type not listed for any is ignored.
_DELTAS_FOR: Mapping[str, frozenset[int]] = {
    "text_delta": frozenset((_TEXT,)),
    "citations_delta": frozenset((_TEXT,)),
    "thinking_delta": frozenset((_THINKING,)),
    "signature_delta": frozenset((_THINKING,)),
    "input_json_delta": frozenset((_TOOL, _JSON, _SERVER)),
}

#: Block types whose input streams as ``input_json_delta`` and which are state, not calls.
_SERVER_CALLS = frozenset(("server_tool_use", "mcp_tool_use"))


class _Block:
    __slots__ = ("has_arguments", "kind", "parts", "state", "tool_index")

    def __init__(self, kind: int, tool_index: int = 0, state: dict[str, Any] | None = None) -> None:
        self.kind = kind
        self.tool_index = tool_index
        self.has_arguments = False
        #: The block as provider state, completed at its stop from the streamed ``parts``.
        self.state = state
        self.parts: list[str] = []


class AnthropicStream:
    """One Messages API stream, translated event by event into OpenAI-shaped chunks.

    Every chunk carries the message's id and model; the first carries ``role: "assistant"``.
    Tool calls are numbered 0, 1, 2... in order of appearance, whatever Anthropic's block
    indices. The finish reason comes once, on its own chunk, with the answer's provider state
    (signed thinking, redacted thinking and server-tool blocks, in order); ``message_stop``
    (the terminal marker) adds a last chunk with no choices and the whole :class:`Usage`.
    Thinking streams as ``reasoning_content``. ``ping`` and unknown event types are ignored;
    an ``error`` event raises the typed error.

    The events must follow Anthropic's order: one ``message_start`` first, deltas only inside
    a started block and of a type that block takes. Anything else is a ``DecodeError``, not a
    guess.

    Text deltas that differ from an earlier one only in their text are read through a
    :class:`~llmclient._providers._shape.TextShape`, without parsing their JSON.
    """

    __slots__ = (
        "_blocks",
        "_counts",
        "_created",
        "_events",
        "_finish_sent",
        "_id",
        "_json_answer",
        "_json_tool",
        "_model",
        "_order",
        "_shape",
        "_shaping",
        "_started",
        "_stateful",
        "_tools",
        "finished",
        "provider",
    )

    def __init__(self, provider: str, json_tool: str | None = None) -> None:
        self.provider = provider
        self.finished = False
        self._json_tool = json_tool
        self._json_answer = False
        self._events = 0
        self._id: str | None = None  # None until message_start
        self._model = ""
        self._created = 0
        self._started = False
        self._finish_sent = False
        self._tools = 0
        self._blocks: dict[Any, _Block] = {}
        self._counts: dict[str, int | None] = {}
        #: The answer's blocks as provider state (see _in_answer_order), and whether any of
        #: them is more than a place for text or a tool call.
        self._order: list[dict[str, Any]] = []
        self._stateful = False
        self._shape: TextShape[dict[str, Any]] | None = None
        self._shaping = SHAPES_UNUSED

    def translate(self, event: str, data: str, out: list[ChatCompletionChunk]) -> None:
        self._events += 1
        shape = self._shape
        if shape is not None:
            text = shape.read(data)
            if text is not None:
                if shape.verified or self._verify(shape):
                    if text:  # as _emit would, knowing the role went with the shape's source
                        choice = ChunkChoice(0, Delta(None, text))
                        out.append(
                            ChatCompletionChunk(
                                self._id or "", self._model, [choice], None, self._created
                            )
                        )
                    return
                self._shape = shape = None
        payload = load_event(data, self.provider, self._events)
        kind = payload.get("type") or event
        if kind == "error":
            raise build_status_error(self.provider, 200, payload, in_stream=True)
        try:
            if kind == "message_start":
                self._message_start(payload)
                return
            if kind == "ping":
                return
            if self._id is None and kind in _MESSAGE_EVENTS:
                raise ValueError(f"{kind} came before message_start")
            if kind == "content_block_delta":
                self._delta(payload, out)
                if self._shaping > 0:  # no shape, or this event did not fit it
                    self._shaping -= 1
                    self._shape = _text_shape(data, payload) if self._shaping else None
            elif kind == "content_block_start":
                self._block_start(payload, out)
            elif kind == "content_block_stop":
                self._block_stop(payload, out)
            elif kind == "message_delta":
                self._message_delta(payload, out)
            elif kind == "message_stop":
                if not self._finish_sent and self._stateful:
                    self._emit(out, Delta(provider_state=self._state()))
                out.append(
                    ChatCompletionChunk(
                        self._id or "", self._model, [], _usage(self._counts), self._created
                    )
                )
                self.finished = True
            # event types added after this was written carry nothing for us
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise DecodeError(
                f"{self.provider}: {describe_event(self._events, data)} is not a valid "
                f"{kind} event ({exc}).",
                provider=self.provider,
            ) from exc

    def _verify(self, shape: TextShape[dict[str, Any]]) -> bool:
        """Whether ``shape`` reads events as parsing them would; if not, shapes are given up."""
        text = shape.trial_text()
        source = shape.source
        try:
            trial: dict[str, Any] | None = load_event(shape.fill(text), self.provider, 0)
        except DecodeError:
            trial = None
        shape.verified = trial == {**source, "delta": {**source["delta"], "text": text}}
        self._shaping = SHAPES_UNUSED if shape.verified else 0
        return shape.verified

    def _emit(
        self, out: list[ChatCompletionChunk], delta: Delta, finish_reason: str | None = None
    ) -> None:
        if not self._started:
            self._started = True
            delta.role = "assistant"
        out.append(
            ChatCompletionChunk(
                self._id or "",
                self._model,
                [ChunkChoice(0, delta, finish_reason)],
                None,
                self._created,
            )
        )

    def _state(self) -> ProviderState:
        return ProviderState("anthropic", {"content": self._order})

    def _open_block(self, payload: dict[str, Any], kind: str) -> _Block:
        index = payload.get("index")
        block = self._blocks.get(index)
        if block is None:
            raise FieldError("index", f"the index of a started block for {kind}", index)
        return block

    def _delta(self, payload: dict[str, Any], out: list[ChatCompletionChunk]) -> None:
        delta = _object_field(payload, "delta")
        kind = delta.get("type")
        block = self._open_block(payload, "content_block_delta")
        fits = _DELTAS_FOR.get(kind) if isinstance(kind, str) else None
        if fits is None:
            return  # a delta type newer than this code carries nothing for us
        if block.kind not in fits:
            if block.kind == _OTHER:
                return  # a block type newer than this code may take any delta
            raise FieldError("delta.type", f"a delta for its block, not {kind!r}", kind)
        if kind == "text_delta":
            text = _text(delta, "text", "delta")
            if text:
                self._emit(out, Delta(content=text))
        elif kind == "input_json_delta":
            partial = _text(delta, "partial_json", "delta")
            if not partial:
                return
            if block.kind == _TOOL:
                block.has_arguments = True
                arguments = FunctionCallDelta(arguments=partial)
                self._emit(
                    out, Delta(tool_calls=[ToolCallDelta(block.tool_index, function=arguments)])
                )
            elif block.kind == _JSON:
                self._emit(out, Delta(content=partial))
            else:
                block.parts.append(partial)
        elif kind == "thinking_delta":
            thinking = _text(delta, "thinking", "delta")
            block.parts.append(thinking)
            if thinking:
                self._emit(out, Delta(reasoning_content=thinking))
        elif kind == "signature_delta":
            assert block.state is not None  # thinking blocks always have their state
            block.state["signature"] = block.state.get("signature", "") + _text(
                delta, "signature", "delta"
            )
        # citations_delta has no OpenAI counterpart

    def _block_start(self, payload: dict[str, Any], out: list[ChatCompletionChunk]) -> None:
        block = _object_field(payload, "content_block")
        kind = block.get("type")
        index = payload.get("index")
        if index in self._blocks:
            raise FieldError("index", "the index of a block not yet started", index)
        if kind == "text":
            self._blocks[index] = _Block(_TEXT)
            self._order.append({"type": _TEXT_BLOCK})
            text = _text(block, "text", "content_block")
            if text:
                self._emit(out, Delta(content=text))
        elif kind == "thinking":
            state = dict(block)
            started = self._blocks[index] = _Block(_THINKING, state=state)
            self._order.append(state)
            self._stateful = True
            thinking = _text(block, "thinking", "content_block")
            started.parts.append(thinking)
            if thinking:
                self._emit(out, Delta(reasoning_content=thinking))
        elif kind == "tool_use":
            tool_input = block.get("input")
            arguments = json.dumps(tool_input, ensure_ascii=False) if tool_input else ""
            if self._json_tool is not None and block.get("name") == self._json_tool:
                self._blocks[index] = _Block(_JSON)
                self._order.append({"type": _TEXT_BLOCK})
                self._json_answer = True
                if arguments:
                    self._emit(out, Delta(content=arguments))
                return
            call_id = _text(block, "id", "content_block")
            tool = self._blocks[index] = _Block(_TOOL, self._tools)
            self._order.append({"type": _TOOL_BLOCK, "id": call_id})
            tool.has_arguments = bool(arguments)
            self._tools += 1
            call = ToolCallDelta(
                tool.tool_index,
                call_id,
                "function",
                FunctionCallDelta(_text(block, "name", "content_block"), arguments),
            )
            self._emit(out, Delta(tool_calls=[call]))
        else:
            # redacted_thinking, server tool calls and results, and newer kinds: kept whole
            # as provider state, for the next turn.
            state = dict(block)
            self._blocks[index] = _Block(_SERVER if kind in _SERVER_CALLS else _OTHER, state=state)
            self._order.append(state)
            self._stateful = True

    def _block_stop(self, payload: dict[str, Any], out: list[ChatCompletionChunk]) -> None:
        block = self._open_block(payload, "content_block_stop")
        del self._blocks[payload.get("index")]
        # A shape names its block's index: past the block's end it must not read another.
        self._shape = None
        if block.kind == _TOOL and not block.has_arguments:
            # A tool without input streams no JSON; "{}" keeps the joined arguments valid JSON.
            call = ToolCallDelta(block.tool_index, function=FunctionCallDelta(arguments="{}"))
            self._emit(out, Delta(tool_calls=[call]))
        elif block.state is not None and block.parts:
            if block.kind == _THINKING:
                block.state["thinking"] = "".join(block.parts)
            else:  # a server tool's input, streamed as JSON
                block.state["input"] = json.loads("".join(block.parts))

    def _message_start(self, payload: dict[str, Any]) -> None:
        if self._id is not None:
            raise ValueError("a second message_start came; a stream holds one message")
        message = _object_field(payload, "message")
        self._id = _text(message, "id", "message")
        self._model = _text(message, "model", "message")
        self._created = int(time.time())
        usage = message.get("usage")
        if usage is not None:
            self._counts.update(_counts(usage, "message.usage"))

    def _message_delta(self, payload: dict[str, Any], out: list[ChatCompletionChunk]) -> None:
        usage = payload.get("usage")
        if usage:
            # Counts here are cumulative; a null one leaves message_start's in place.
            counts = _counts(usage, "usage")
            self._counts.update((key, value) for key, value in counts.items() if value is not None)
        stop_reason = (payload.get("delta") or {}).get("stop_reason")
        if stop_reason is not None and not self._finish_sent:
            self._finish_sent = True
            state = self._state() if self._stateful else None
            delta = Delta(provider_state=state)
            self._emit(out, delta, _finish_reason(stop_reason, self._tools > 0))


#: Events that belong to a message, after its message_start.
_MESSAGE_EVENTS = frozenset(
    (
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    )
)


def _object_field(payload: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = payload.get(key)
    if isinstance(value, dict):
        return value
    raise FieldError(key, "an object", value)


def _text_shape(data: str, payload: dict[str, Any]) -> TextShape[dict[str, Any]] | None:
    """The shape of a ``content_block_delta`` event when it is a text delta."""
    delta = payload["delta"]
    text = delta.get("text")
    if payload.get("type") != "content_block_delta" or delta["type"] != "text_delta" or not text:
        return None
    return TextShape.cut(data, "text", text, payload)


DIALECT = AnthropicDialect()
