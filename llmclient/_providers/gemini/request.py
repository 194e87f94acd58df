"""The ``generateContent`` request: ``POST {base_url}/models/{model}:generateContent`` (or
``:streamGenerateContent?alt=sse``); parameters go to ``generationConfig``, tools to
``functionDeclarations`` and ``tool_choice`` to ``toolConfig``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ..._core.call import ChatCall, HttpRequest
from ..._core.request import encode_json
from ...errors import InvalidRequestError
from .._common import merged
from .messages import translate_messages

#: ``reasoning_effort`` as a thinking budget in tokens (0 turns thinking off).
THINKING_BUDGETS: Mapping[str, int] = {
    "none": 0,
    "minimal": 512,
    "low": 1024,
    "medium": 8192,
    "high": 24576,
}


#: Parameters that keep their meaning under another name in ``generationConfig``.
_CONFIG_NAMES: Mapping[str, str] = {
    "temperature": "temperature",
    "top_p": "topP",
    "seed": "seed",
    "n": "candidateCount",
    "presence_penalty": "presencePenalty",
    "frequency_penalty": "frequencyPenalty",
    "logprobs": "responseLogprobs",
    "top_logprobs": "logprobs",
}


_SUPPORTED = frozenset(_CONFIG_NAMES) | {
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "response_format",
    "reasoning_effort",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "stream_options",
}


_TOOL_MODES: Mapping[str, str] = {"auto": "AUTO", "none": "NONE", "required": "ANY"}


def build_request(call: ChatCall) -> HttpRequest:
    """The call's ``generateContent`` request, or ``streamGenerateContent`` as SSE."""
    method = "streamGenerateContent?alt=sse" if call.stream else "generateContent"
    url = f"{call.base_url}/{model_path(call.model)}:{method}"
    return HttpRequest("POST", url, call.base_headers(), encode_json(request_body(call)))


def model_path(model: str) -> str:
    """``models/{model}`` (a tuned model's ``tunedModels/...`` is kept), the name escaped as
    one path segment: no model name (``../x``, ``a?b``, ``a#b``) can change the path."""
    collection, slash, name = model.partition("/")
    if not (slash and collection in ("models", "tunedModels")):
        collection, name = "models", model
    return f"{collection}/{quote(name, safe='')}"


def request_body(call: ChatCall) -> dict[str, Any]:
    """The ``GenerateContentRequest`` for a call; raises ``InvalidRequestError`` for what
    Gemini cannot take."""
    provider = call.provider.name
    params = call.params
    unsupported = sorted(params.keys() - _SUPPORTED)
    if unsupported:
        raise InvalidRequestError(
            f"{provider} (Gemini) has no equivalent of the parameter {unsupported[0]!r}: leave it "
            "out, or send a Gemini field with extra_body."
        )
    system, contents = translate_messages(call.messages)
    body: dict[str, Any] = {"contents": contents}
    if system:
        body["systemInstruction"] = {"parts": system}
    tools = params.get("tools")
    if tools:
        body["tools"] = [{"functionDeclarations": function_declarations(tools)}]
    if "tool_choice" in params:
        body["toolConfig"] = {"functionCallingConfig": tool_config(params["tool_choice"])}
    if params.get("parallel_tool_calls") is False:
        raise InvalidRequestError(
            f"{provider} (Gemini) cannot be told parallel_tool_calls=False: it may always call "
            "several functions at once."
        )
    options = params.get("stream_options")
    if options is not None and (
        not isinstance(options, Mapping) or options.keys() - {"include_usage"}
    ):
        raise InvalidRequestError(
            f"{provider} (Gemini) takes only stream_options={{'include_usage': ...}}, "
            f"got {options!r}."
        )
    config = generation_config(params)
    if config:
        body["generationConfig"] = config
    if call.extra_body:
        body = merged(body, call.extra_body)
    return body


def generation_config(params: Mapping[str, Any]) -> dict[str, Any]:
    """``generationConfig`` from OpenAI's sampling and output parameters."""
    config = {wire: params[name] for name, wire in _CONFIG_NAMES.items() if name in params}
    max_tokens = params.get("max_tokens")
    max_completion_tokens = params.get("max_completion_tokens")
    if max_tokens is not None and max_completion_tokens is not None:
        raise InvalidRequestError(
            "Gemini has one output limit (maxOutputTokens): pass max_tokens or "
            "max_completion_tokens, not both."
        )
    limit = max_completion_tokens if max_completion_tokens is not None else max_tokens
    if limit is not None:
        config["maxOutputTokens"] = limit
    stop = params.get("stop")
    if stop is not None:
        config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    response_format = params.get("response_format")
    if response_format is not None:
        config.update(_response_format(response_format))
    effort = params.get("reasoning_effort")
    if effort is not None:
        budget = THINKING_BUDGETS.get(effort) if isinstance(effort, str) else None
        if budget is None:
            known = ", ".join(repr(name) for name in THINKING_BUDGETS)
            raise InvalidRequestError(
                f"reasoning_effort must be one of {known} for Gemini, got {effort!r}."
            )
        config["thinkingConfig"] = {"thinkingBudget": budget, "includeThoughts": budget > 0}
    return config


def _response_format(response_format: Any) -> dict[str, Any]:
    kind = response_format.get("type") if isinstance(response_format, Mapping) else None
    if kind == "text":
        return {"responseMimeType": "text/plain"}
    if kind == "json_object":
        return {"responseMimeType": "application/json"}
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, Mapping) else None
        if not isinstance(schema, Mapping):
            raise InvalidRequestError(
                "response_format of type 'json_schema' needs json_schema={'name': ..., "
                "'schema': {...}}."
            )
        return {"responseMimeType": "application/json", "responseJsonSchema": schema}
    raise InvalidRequestError(
        "response_format must have type 'text', 'json_object' or 'json_schema' for Gemini, "
        f"got {response_format!r}."
    )


def function_declarations(tools: Any) -> list[dict[str, Any]]:
    """``functionDeclarations`` from OpenAI's ``tools``; only function tools translate."""
    if not isinstance(tools, list):
        raise InvalidRequestError(f"tools must be a list, got {type(tools).__name__}.")
    declarations: list[dict[str, Any]] = []
    for index, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, Mapping) else None
        if not isinstance(function, Mapping) or tool.get("type", "function") != "function":
            raise InvalidRequestError(
                f"tools[{index}] is not a function tool: Gemini takes only "
                "{'type': 'function', 'function': {...}} here."
            )
        name = function.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidRequestError(f"tools[{index}]['function'] has no 'name'.")
        declaration: dict[str, Any] = {"name": name}
        if function.get("description"):
            declaration["description"] = function["description"]
        if function.get("parameters") is not None:
            # Full JSON Schema; Gemini's older ``parameters`` takes only an OpenAPI subset.
            declaration["parametersJsonSchema"] = function["parameters"]
        declarations.append(declaration)
    return declarations


def tool_config(tool_choice: Any) -> dict[str, Any]:
    """``toolConfig.functionCallingConfig`` from OpenAI's ``tool_choice``."""
    if isinstance(tool_choice, str) and tool_choice in _TOOL_MODES:
        return {"mode": _TOOL_MODES[tool_choice]}
    function = tool_choice.get("function") if isinstance(tool_choice, Mapping) else None
    name = function.get("name") if isinstance(function, Mapping) else None
    if not isinstance(name, str) or not name:
        raise InvalidRequestError(
            "tool_choice must be 'auto', 'none', 'required' or "
            f"{{'type': 'function', 'function': {{'name': ...}}}}, got {tool_choice!r}."
        )
    return {"mode": "ANY", "allowedFunctionNames": [name]}
