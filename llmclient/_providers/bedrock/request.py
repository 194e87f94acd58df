"""The Converse request: ``POST {base}/model/{modelId}/converse`` (``converse-stream`` for a
stream), its body translated from the call's OpenAI-style parameters; what Converse cannot
take raises ``InvalidRequestError`` before anything is sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..._core.call import ChatCall, HttpRequest
from ..._core.eventstream import MEDIA_TYPE
from ..._core.request import encode_json
from ...errors import InvalidRequestError
from .._claude import max_tokens_for, thinking
from .._common import merged
from .._json_tool import json_tool
from .messages import translate_messages
from .urls import model_url

#: ``maxTokens`` when thinking is on and the call gives none: Claude needs room past the budget.
DEFAULT_MAX_TOKENS = 4096

#: Parameters that are translated (or accepted, as ``stream_options``) rather than rejected.
_TRANSLATED = frozenset(
    {
        "temperature",
        "top_p",
        "max_tokens",
        "max_completion_tokens",
        "stop",
        "n",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
        "reasoning_effort",
        "user",
        "stream_options",
    }
)


#: Parameters that Converse cannot take, accepted at the value that asks for nothing.
_NEUTRAL: Mapping[str, Any] = {
    "presence_penalty": 0,
    "frequency_penalty": 0,
    "logit_bias": {},
    "logprobs": False,
}


def build_request(call: ChatCall) -> HttpRequest:
    """``POST {base}/model/{modelId}/converse`` or ``/converse-stream``."""
    headers = call.base_headers()
    if call.stream:
        headers["accept"] = MEDIA_TYPE
    action = "converse-stream" if call.stream else "converse"
    return HttpRequest("POST", model_url(call, action), headers, encode_json(build_body(call)))


def build_body(call: ChatCall) -> dict[str, Any]:
    """The Converse body for ``call``; raises InvalidRequestError for what cannot be sent."""
    provider = call.provider.name
    params = call.params
    for name, value in params.items():
        if name not in _TRANSLATED and (name not in _NEUTRAL or value != _NEUTRAL[name]):
            raise InvalidRequestError(f"{name} is not supported by {provider}; leave it out.")
    n = params.get("n")
    if n is not None and n != 1:
        raise InvalidRequestError(
            f"n={n} is not supported by {provider}, which returns one answer per request; "
            "send several requests instead."
        )
    if params.get("parallel_tool_calls") is False:
        raise InvalidRequestError(
            f"parallel_tool_calls=False has no counterpart in {provider}'s Converse API; "
            "leave it out."
        )

    system, messages = translate_messages(call.messages, provider)
    body: dict[str, Any] = {"messages": messages}
    if system:
        body["system"] = system
    budget = _thinking(call, body)
    config = _inference_config(params, budget, provider)
    if config:
        body["inferenceConfig"] = config
    _tool_config(params, body, provider, thinking=budget is not None)
    if "user" in params:
        body["requestMetadata"] = {"user": params["user"]}
    return merged(body, call.extra_body) if call.extra_body else body


def _inference_config(
    params: Mapping[str, Any], budget: int | None, provider: str
) -> dict[str, Any]:
    config: dict[str, Any] = {}
    max_tokens = params.get("max_completion_tokens", params.get("max_tokens"))
    # Converse needs no maxTokens; with thinking, Claude needs room past the budget.
    default = DEFAULT_MAX_TOKENS if budget is not None else None
    max_tokens = max_tokens_for(max_tokens, budget, default, provider)
    if max_tokens is not None:
        config["maxTokens"] = max_tokens
    if "temperature" in params:
        temperature = params["temperature"]
        if isinstance(temperature, (int, float)) and not 0 <= temperature <= 1:
            raise InvalidRequestError(
                f"temperature must be between 0 and 1 for {provider}, got {temperature}."
            )
        config["temperature"] = temperature
    if "top_p" in params:
        config["topP"] = params["top_p"]
    stop = params.get("stop")
    if stop is not None:
        config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    return config


def _thinking(call: ChatCall, body: dict[str, Any]) -> int | None:
    """Claude's ``thinking`` from ``reasoning_effort``, in ``additionalModelRequestFields``;
    the budget in force (``extra_body`` may set its own), if any."""
    provider = call.provider.name
    effort = call.params.get("reasoning_effort")
    if effort is not None and "anthropic.claude" not in call.model:
        raise InvalidRequestError(
            f"reasoning_effort is translated for Claude models on {provider} only; for "
            f"{call.model!r} pass the model's own field in extra_body="
            "{'additionalModelRequestFields': {...}}."
        )
    fields = call.extra_body.get("additionalModelRequestFields")
    explicit = fields.get("thinking") if isinstance(fields, Mapping) else None
    field, budget = thinking(effort, explicit, provider)
    if field is not None:
        body["additionalModelRequestFields"] = {"thinking": field}
    return budget


def _tool_config(
    params: Mapping[str, Any], body: dict[str, Any], provider: str, *, thinking: bool
) -> None:
    config: dict[str, Any] = {}
    tools = params.get("tools")
    if tools is not None:
        config["tools"] = [_tool(index, tool, provider) for index, tool in enumerate(tools)]
    tool_choice = params.get("tool_choice")
    if tool_choice is not None:
        choice = _tool_choice(tool_choice, provider)
        if thinking and "auto" not in choice:
            raise InvalidRequestError(
                f"tool_choice={tool_choice!r} forces a tool call, which {provider} does not "
                "allow with thinking (reasoning_effort): use 'auto'."
            )
        config["toolChoice"] = choice
    tool = json_tool(params, provider, thinking=thinking)
    if tool is not None:
        spec = {"name": tool.name, "description": tool.description}
        config["tools"] = [{"toolSpec": {**spec, "inputSchema": {"json": tool.schema}}}]
        config["toolChoice"] = {"tool": {"name": tool.name}}
    if config:
        if "tools" not in config:
            raise InvalidRequestError(f"tool_choice needs tools for {provider}.")
        body["toolConfig"] = config


def _tool(index: int, tool: Any, provider: str) -> dict[str, Any]:
    if not isinstance(tool, Mapping):
        raise InvalidRequestError(f"tools[{index}] must be a dict, got {type(tool).__name__}.")
    if "toolSpec" in tool or "cachePoint" in tool:
        return dict(tool)  # already in Converse's form
    function = tool.get("function")
    if tool.get("type", "function") != "function" or not isinstance(function, Mapping):
        raise InvalidRequestError(
            f"tools[{index}] must be {{'type': 'function', 'function': {{...}}}} for {provider}."
        )
    name = function.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidRequestError(f"tools[{index}]['function'] has no 'name'.")
    spec: dict[str, Any] = {"name": name}
    description = function.get("description")
    if description:
        spec["description"] = description
    schema = function.get("parameters") or {"type": "object", "properties": {}}
    spec["inputSchema"] = {"json": schema}
    return {"toolSpec": spec}


def _tool_choice(tool_choice: Any, provider: str) -> dict[str, Any]:
    if tool_choice == "auto":
        return {"auto": {}}
    if tool_choice == "required":
        return {"any": {}}
    if tool_choice == "none":
        raise InvalidRequestError(
            f"tool_choice='none' has no counterpart in {provider}'s Converse API: leave "
            "tool_choice out (the model then chooses), or leave the tools out."
        )
    if isinstance(tool_choice, Mapping):
        function = tool_choice.get("function")
        name = function.get("name") if isinstance(function, Mapping) else None
        if isinstance(name, str) and name:
            return {"tool": {"name": name}}
    raise InvalidRequestError(
        f"tool_choice={tool_choice!r} is not supported by {provider}; use 'auto', 'required' "
        "or {'type': 'function', 'function': {'name': ...}}."
    )
