"""The Messages API request: ``POST {base_url}/messages``, its body translated from the
call's OpenAI-style parameters; what Anthropic cannot honour raises ``InvalidRequestError``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..._core.call import ChatCall, HttpRequest
from ..._core.request import encode_json
from ...errors import InvalidRequestError
from .._claude import max_tokens_for, thinking
from .._json_tool import json_tool
from .messages import translate_messages
from .urls import api_base

ANTHROPIC_VERSION = "2023-06-01"
"""The ``anthropic-version`` header sent unless the caller sends their own."""


DEFAULT_MAX_TOKENS = 4096
"""``max_tokens`` when the call gives none (Anthropic requires one); thinking adds its budget."""


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


def build_request(call: ChatCall) -> HttpRequest:
    """``POST {base_url}/messages`` with ``anthropic-version`` (the caller's own wins)."""
    body = build_body(call)
    headers = call.base_headers()  # the caller's headers are in it, lower-cased
    headers.setdefault("anthropic-version", ANTHROPIC_VERSION)
    return HttpRequest("POST", f"{api_base(call)}/messages", headers, encode_json(body))


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

    field, budget = thinking(
        params.get("reasoning_effort"), call.extra_body.get("thinking"), provider
    )
    if field is not None:
        body["thinking"] = field
    max_tokens = params.get("max_completion_tokens", params.get("max_tokens"))
    body["max_tokens"] = max_tokens_for(max_tokens, budget, DEFAULT_MAX_TOKENS, provider)

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


def _response_format(
    params: Mapping[str, Any], body: dict[str, Any], provider: str, *, thinking: bool
) -> None:
    tool = json_tool(params, provider, thinking=thinking)
    if tool is None:
        return
    body["tools"] = [
        {"name": tool.name, "description": tool.description, "input_schema": tool.schema}
    ]
    body["tool_choice"] = {"type": "tool", "name": tool.name}
