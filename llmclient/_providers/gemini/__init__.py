"""Google's Gemini API (``generateContent``), spoken natively and answered in OpenAI's shapes.

Requests: system messages become ``systemInstruction``, assistant messages role ``model``,
tool calls and tool results ``functionCall`` / ``functionResponse`` parts; parameters go to
``generationConfig``, tools to ``functionDeclarations`` and ``tool_choice`` to ``toolConfig``.
A parameter Gemini has no field for is an ``InvalidRequestError`` naming it, never dropped.

Answers: text parts become ``content``, ``thought`` parts ``reasoning_content`` and
``functionCall`` parts tool calls with generated ids; ``finishReason`` maps onto OpenAI's
finish reasons and ``usageMetadata`` onto :class:`~llmclient.types.Usage`. A Gemini stream has
no ``[DONE]``: it ends with a candidate that has a ``finishReason``. Nothing here does I/O.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ..._convert import FieldError, optional_str
from ..._request import ChatCall, HttpRequest, encode_json
from ..._status import build_status_error, decode_body, load_json
from ...errors import APIStatusError, DecodeError, InvalidRequestError
from ...types import (
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ChoiceLogprobs,
    ChunkChoice,
    CompletionTokensDetails,
    Delta,
    FunctionCall,
    FunctionCallDelta,
    Message,
    PromptTokensDetails,
    ProviderState,
    TokenLogprob,
    ToolCall,
    ToolCallDelta,
    TopLogprob,
    Usage,
)
from .._common import describe_event, merged
from .._state import state_data

#: Gemini's finish reasons as OpenAI's; any other is passed on in lower case.
FINISH_REASONS: Mapping[str, str] = {
    "STOP": "stop",
    "FINISH_REASON_UNSPECIFIED": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "LANGUAGE": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
}

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
_DATA_URL = re.compile(r"data:(?P<mime>[^;,]+)(?:;[^,]*)?;base64,(?P<data>.*)", re.S)

#: The part field Gemini 3 signs its thinking with; it must come back on the same part.
SIGNATURE = "thoughtSignature"


class GeminiDialect:
    """Requests to ``{base_url}/models/{model}:generateContent`` (or
    ``:streamGenerateContent?alt=sse``); answers translated into OpenAI's shapes."""

    def build_request(self, call: ChatCall) -> HttpRequest:
        method = "streamGenerateContent?alt=sse" if call.stream else "generateContent"
        url = f"{call.base_url}/{model_path(call.model)}:{method}"
        return HttpRequest("POST", url, call.base_headers(), encode_json(request_body(call)))

    def parse_completion(self, call: ChatCall, body: bytes) -> ChatCompletion:
        provider = call.provider.name
        payload = load_json(body, provider)
        if not isinstance(payload, dict):
            raise DecodeError(
                f"{provider}: expected a JSON object, got {type(payload).__name__}.",
                provider=provider,
            )
        if "error" in payload and "candidates" not in payload:
            raise status_error(provider, 200, payload, in_stream=True)
        try:
            return _completion(payload, call.model)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise DecodeError(
                f"{provider}: the response is not a Gemini answer ({exc!r}).", provider=provider
            ) from exc

    def parse_error(
        self, call: ChatCall, status: int, headers: Mapping[str, str], body: bytes
    ) -> APIStatusError:
        return status_error(call.provider.name, status, decode_body(body), headers)

    def new_stream(self, call: ChatCall) -> GeminiStream:
        options = call.params.get("stream_options")
        include_usage = isinstance(options, Mapping) and options.get("include_usage") is True
        n = call.params.get("n")
        return GeminiStream(
            call.provider.name,
            call.model,
            include_usage=include_usage,
            n=n if isinstance(n, int) and n > 0 else 1,
        )


DIALECT = GeminiDialect()


# --- requests ----------------------------------------------------------------------------------


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


def translate_messages(
    messages: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ``systemInstruction`` parts and the ``contents`` for OpenAI-style messages.

    Consecutive turns of one role are joined into one content; tool results in a row become
    one turn of ``functionResponse`` parts, as Gemini expects after a turn of calls.
    """
    system: list[dict[str, Any]] = []
    contents: list[dict[str, Any]] = []
    names: dict[str, str] = {}  # tool call id -> function name, for the tool results
    kinds: list[str] = []  # what each content holds: "text" or "results"
    for index, message in enumerate(messages):
        role = message["role"]
        content = message.get("content")
        kind = "text"
        if role in ("system", "developer"):
            system += _text_parts(content, index)
            continue
        if role == "user":
            wire_role, parts = "user", _user_parts(content, index)
        elif role == "assistant":
            calls = _call_parts(message.get("tool_calls"), index, names)
            texts = _text_parts(content, index)
            signature = _signature(message, f"messages[{index}]")
            if signature is not None and texts:
                texts[-1]["thoughtSignature"] = signature  # Gemini signs an answer's last part
            wire_role, parts = "model", texts + calls
        elif role in ("tool", "function"):
            wire_role, parts, kind = "user", [_result_part(message, index, names)], "results"
        else:
            raise InvalidRequestError(
                f"messages[{index}] has role {role!r}; Gemini takes system, developer, user, "
                "assistant and tool messages."
            )
        if not parts:
            continue
        if contents and contents[-1]["role"] == wire_role and kinds[-1] == kind:
            contents[-1]["parts"] += parts
        else:
            contents.append({"role": wire_role, "parts": parts})
            kinds.append(kind)
    return system, contents


def _text_parts(content: Any, index: int) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts: list[dict[str, Any]] = []
    for number, part in enumerate(content):
        text = _text_of(part)
        if text is None:
            raise InvalidRequestError(
                f"messages[{index}]['content'][{number}] is not a text part; only user messages "
                "may hold images, audio or files."
            )
        if text:
            parts.append({"text": text})
    return parts


def _text_of(part: Any) -> str | None:
    if isinstance(part, Mapping) and part.get("type") in ("text", "refusal"):
        text = part.get(part["type"])
        return text if isinstance(text, str) else None
    return None


def _user_parts(content: Any, index: int) -> list[dict[str, Any]]:
    if content is None or isinstance(content, str):
        return _text_parts(content, index)
    parts: list[dict[str, Any]] = []
    for number, part in enumerate(content):
        text = _text_of(part)
        if text is not None:
            if text:
                parts.append({"text": text})
            continue
        media = _media_part(part)
        if media is None:
            kind = part.get("type") if isinstance(part, Mapping) else type(part).__name__
            raise InvalidRequestError(
                f"messages[{index}]['content'][{number}] is a {kind!r} part, which Gemini "
                "cannot take (text, image_url, input_audio and file parts translate)."
            )
        parts.append(media)
    return parts


def _media_part(part: Any) -> dict[str, Any] | None:
    if not isinstance(part, Mapping):
        return None
    kind = part.get("type")
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, Mapping) else image
        if isinstance(url, str) and url:
            found = _DATA_URL.fullmatch(url)
            if found:
                return {"inlineData": {"mimeType": found["mime"], "data": found["data"]}}
            return {"fileData": {"fileUri": url}}
    elif kind == "input_audio":
        audio = part.get("input_audio")
        if isinstance(audio, Mapping) and isinstance(audio.get("data"), str):
            mime = f"audio/{audio.get('format') or 'wav'}"
            return {"inlineData": {"mimeType": mime, "data": audio["data"]}}
    elif kind == "file":
        file = part.get("file")
        data = file.get("file_data") if isinstance(file, Mapping) else None
        found = _DATA_URL.fullmatch(data) if isinstance(data, str) else None
        if found:
            return {"inlineData": {"mimeType": found["mime"], "data": found["data"]}}
    return None


def _call_parts(tool_calls: Any, index: int, names: dict[str, str]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for number, call in enumerate(tool_calls or ()):
        where = f"messages[{index}]['tool_calls'][{number}]"
        function = call.get("function") if isinstance(call, Mapping) else None
        name = function.get("name") if isinstance(function, Mapping) else None
        if not isinstance(name, str) or not name:
            raise InvalidRequestError(f"{where} has no function name.")
        arguments = function.get("arguments") if isinstance(function, Mapping) else None
        try:
            args = json.loads(arguments) if isinstance(arguments, str) and arguments else {}
        except ValueError as exc:
            raise InvalidRequestError(f"{where} has arguments that are not JSON.") from exc
        if not isinstance(args, dict):
            raise InvalidRequestError(f"{where} has arguments that are not a JSON object.")
        call_id = call.get("id") if isinstance(call, Mapping) else None
        if isinstance(call_id, str) and call_id:
            names[call_id] = name
        part: dict[str, Any] = {"functionCall": {"name": name, "args": args}}
        signature = _signature(call, where)
        if signature is not None:
            part["thoughtSignature"] = signature
        parts.append(part)
    return parts


def _signature(owner: Mapping[str, Any], where: str) -> str | None:
    """The ``thoughtSignature`` in ``owner``'s Gemini provider state, if it has one."""
    state = state_data(owner, "gemini", where)
    signature = state.get(SIGNATURE) if state is not None else None
    return signature if isinstance(signature, str) else None


def _result_part(
    message: Mapping[str, Any], index: int, names: Mapping[str, str]
) -> dict[str, Any]:
    call_id = message.get("tool_call_id")
    name = message.get("name") or (names.get(call_id) if isinstance(call_id, str) else None)
    if not isinstance(name, str) or not name:
        raise InvalidRequestError(
            f"messages[{index}] answers tool call {call_id!r}, which no earlier assistant message "
            "made: Gemini needs the function's name."
        )
    content = message.get("content")
    if isinstance(content, list):
        content = "".join(_text_of(part) or "" for part in content)
    response: Any = content
    if isinstance(content, str):
        try:
            response = json.loads(content)
        except ValueError:
            response = content
    if not isinstance(response, dict):
        # Gemini takes an object; "output" is the key its documentation names for a result.
        response = {"output": content}
    return {"functionResponse": {"name": name, "response": response}}


# --- answers -----------------------------------------------------------------------------------


def finish_reason(reason: str, called_tools: bool) -> str:
    """OpenAI's finish reason for Gemini's; a stop after function calls is ``tool_calls``."""
    mapped = FINISH_REASONS.get(reason, reason.lower())
    return "tool_calls" if mapped == "stop" and called_tools else mapped


def usage_from(meta: Mapping[str, Any]) -> Usage:
    """:class:`Usage` from ``usageMetadata``; thinking tokens count as completion tokens."""
    prompt = _count(meta, "promptTokenCount") + _count(meta, "toolUsePromptTokenCount")
    thoughts = _count(meta, "thoughtsTokenCount")
    completion = _count(meta, "candidatesTokenCount") + thoughts
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=_count(meta, "totalTokenCount") or prompt + completion,
        prompt_tokens_details=PromptTokensDetails(
            cached_tokens=_count(meta, "cachedContentTokenCount")
        ),
        completion_tokens_details=CompletionTokensDetails(reasoning_tokens=thoughts),
    )


def _count(meta: Mapping[str, Any], key: str) -> int:
    value = meta.get(key)
    if value is None:
        return 0
    if value.__class__ is not int:
        raise FieldError(f"usageMetadata.{key}", "an integer", value)
    return value


def _answer_id(payload: Mapping[str, Any]) -> str:
    """Gemini's ``responseId``, or one made up when it sends none."""
    return optional_str(payload.get("responseId"), "responseId") or f"gemini-{uuid.uuid4().hex}"


class _CallIds:
    """Tool call ids for one answer: Gemini's own when it sends one, else ``call_{answer}_{n}``."""

    __slots__ = ("_base", "_count")

    def __init__(self, answer_id: str) -> None:
        self._base = answer_id
        self._count = 0

    def next(self, call: Mapping[str, Any]) -> str:
        self._count += 1
        given = call.get("id")
        return given if isinstance(given, str) and given else f"call_{self._base}_{self._count}"


class _Parts:
    """What a candidate's parts say: text, thought text, function calls with their
    signatures, and the signature of its other parts (the last one counts)."""

    __slots__ = ("calls", "signature", "text", "thought")

    def __init__(self, candidate: Mapping[str, Any], where: str) -> None:
        content = candidate.get("content")
        parts = content.get("parts") if isinstance(content, Mapping) else None
        texts: list[str] = []
        thoughts: list[str] = []
        self.calls: list[tuple[Mapping[str, Any], ProviderState | None]] = []
        self.signature: ProviderState | None = None
        for number, part in enumerate(parts or ()):
            at = f"{where}.content.parts[{number}]"
            if not isinstance(part, Mapping):
                raise FieldError(at, "an object", part)
            signature = optional_str(part.get(SIGNATURE), f"{at}.{SIGNATURE}")
            state = None if signature is None else ProviderState("gemini", {SIGNATURE: signature})
            call = part.get("functionCall")
            if call is not None:
                if not isinstance(call, Mapping) or not isinstance(call.get("name"), str):
                    raise FieldError(f"{at}.functionCall", "an object with a 'name'", call)
                self.calls.append((call, state))
                continue
            text = optional_str(part.get("text"), f"{at}.text")
            if text:
                (thoughts if part.get("thought") is True else texts).append(text)
            if state is not None:
                self.signature = state
        self.text = "".join(texts) or None
        self.thought = "".join(thoughts) or None


def _candidate_index(candidate: Any, where: str) -> int:
    if not isinstance(candidate, Mapping):
        raise FieldError(where, "an object", candidate)
    index = candidate.get("index")
    if index is None:
        return 0
    if index.__class__ is not int:
        raise FieldError(f"{where}.index", "an integer", index)
    return index


def _arguments(call: Mapping[str, Any]) -> str:
    return json.dumps(call.get("args") or {}, ensure_ascii=False)


def _logprobs(candidate: Mapping[str, Any]) -> ChoiceLogprobs | None:
    result = candidate.get("logprobsResult")
    if not isinstance(result, Mapping):
        return None
    chosen = result.get("chosenCandidates") or []
    top = result.get("topCandidates") or []
    content: list[TokenLogprob] = []
    for position, token in enumerate(chosen):
        alternatives = (top[position].get("candidates") or []) if position < len(top) else []
        content.append(
            TokenLogprob(
                token=str(token.get("token", "")),
                logprob=float(token.get("logProbability", 0.0)),
                top_logprobs=[
                    TopLogprob(
                        token=str(other.get("token", "")),
                        logprob=float(other.get("logProbability", 0.0)),
                    )
                    for other in alternatives
                ],
            )
        )
    return ChoiceLogprobs(content=content)


def _blocked(payload: Mapping[str, Any]) -> bool:
    """Whether the prompt itself was blocked (no candidates, ``promptFeedback.blockReason``)."""
    feedback = payload.get("promptFeedback")
    return isinstance(feedback, Mapping) and bool(feedback.get("blockReason"))


def _completion(payload: Mapping[str, Any], model: str) -> ChatCompletion:
    if "candidates" not in payload and not _blocked(payload):
        raise FieldError("candidates", "a list (or promptFeedback, for a blocked prompt)")
    answer_id = _answer_id(payload)
    ids = _CallIds(answer_id)
    choices: list[Choice] = []
    for number, candidate in enumerate(payload.get("candidates") or ()):
        where = f"candidates[{number}]"
        index = _candidate_index(candidate, where)
        parts = _Parts(candidate, where)
        tool_calls = [
            ToolCall(
                ids.next(call), FunctionCall(call["name"], _arguments(call)), "function", state
            )
            for call, state in parts.calls
        ]
        reason = optional_str(candidate.get("finishReason"), f"{where}.finishReason")
        choices.append(
            Choice(
                index=index,
                message=Message(
                    content=parts.text,
                    tool_calls=tool_calls or None,
                    reasoning_content=parts.thought,
                    provider_state=parts.signature,
                ),
                finish_reason=finish_reason(reason, bool(tool_calls)) if reason else None,
                logprobs=_logprobs(candidate),
            )
        )
    if not choices and _blocked(payload):
        choices.append(Choice(finish_reason="content_filter"))
    meta = payload.get("usageMetadata")
    return ChatCompletion(
        id=answer_id,
        model=optional_str(payload.get("modelVersion"), "modelVersion") or model,
        choices=sorted(choices, key=lambda choice: choice.index),
        usage=usage_from(meta) if isinstance(meta, Mapping) else None,
        created=int(time.time()),
    )


class GeminiStream:
    """One ``streamGenerateContent?alt=sse`` stream: each event is a partial answer.

    Each event becomes one chunk with a choice per candidate that said something; the first
    delta of a candidate carries ``role: "assistant"``. The stream is finished once every
    candidate has a ``finishReason``; with ``include_usage``, a last chunk with no choices
    then carries the usage (Gemini repeats running totals on every event; the last counts).
    """

    __slots__ = (
        "_answer_id",
        "_calls",
        "_created",
        "_done",
        "_events",
        "_ids",
        "_include_usage",
        "_model",
        "_n",
        "_seen",
        "_usage",
        "finished",
        "provider",
    )

    def __init__(self, provider: str, model: str, *, include_usage: bool, n: int = 1) -> None:
        self.provider = provider
        self.finished = False
        self._model = model
        self._include_usage = include_usage
        self._n = n
        self._created = int(time.time())
        self._answer_id: str | None = None
        self._ids = _CallIds("")
        self._events = 0
        self._seen: set[int] = set()
        self._done: set[int] = set()
        self._calls: dict[int, int] = {}  # tool calls so far, per candidate
        self._usage: Mapping[str, Any] | None = None

    def translate(self, event: str, data: str, out: list[ChatCompletionChunk]) -> None:
        self._events += 1
        payload = self._payload(data)
        if "error" in payload and "candidates" not in payload:
            raise status_error(self.provider, 200, payload, in_stream=True)
        try:
            self._translate(payload, out)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise DecodeError(
                f"{self.provider}: {describe_event(self._events, data)} is not a Gemini "
                f"answer ({exc!r}).",
                provider=self.provider,
            ) from exc

    def _payload(self, data: str) -> dict[str, Any]:
        try:
            payload = json.loads(data)
        except ValueError as exc:
            raise DecodeError(
                f"{self.provider}: {describe_event(self._events, data)} is not valid JSON ({exc}).",
                provider=self.provider,
            ) from exc
        if not isinstance(payload, dict):
            raise DecodeError(
                f"{self.provider}: {describe_event(self._events, data)} is not a JSON object.",
                provider=self.provider,
            )
        return payload

    def _translate(self, payload: Mapping[str, Any], out: list[ChatCompletionChunk]) -> None:
        if self._answer_id is None:
            self._answer_id = _answer_id(payload)
            self._ids = _CallIds(self._answer_id)
        model = optional_str(payload.get("modelVersion"), "modelVersion") or self._model
        meta = payload.get("usageMetadata")
        if isinstance(meta, Mapping):
            self._usage = meta
        candidates = payload.get("candidates") or ()
        choices = [
            choice
            for choice in (self._choice(n, candidate) for n, candidate in enumerate(candidates))
            if choice is not None
        ]
        if not candidates and _blocked(payload):
            choices = [
                ChunkChoice(index=i, delta=Delta(role="assistant"), finish_reason="content_filter")
                for i in range(self._n)
            ]
            self._done.update(range(self._n))
        if choices:
            out.append(
                ChatCompletionChunk(
                    id=self._answer_id, model=model, choices=choices, created=self._created
                )
            )
        if self._done and len(self._done) >= max(self._n, len(self._seen)):
            self.finished = True
            if self._include_usage and self._usage is not None:
                out.append(
                    ChatCompletionChunk(
                        id=self._answer_id,
                        model=model,
                        usage=usage_from(self._usage),
                        created=self._created,
                    )
                )

    def _choice(self, number: int, candidate: Mapping[str, Any]) -> ChunkChoice | None:
        where = f"candidates[{number}]"
        index = _candidate_index(candidate, where)
        first = index not in self._seen
        self._seen.add(index)
        parts = _Parts(candidate, where)
        tool_calls = [self._tool_call(index, call, state) for call, state in parts.calls] or None
        reason = optional_str(candidate.get("finishReason"), f"{where}.finishReason")
        finish = None
        if reason:
            finish = finish_reason(reason, index in self._calls)
            self._done.add(index)
        logprobs = _logprobs(candidate)
        text, thought, state = parts.text, parts.thought, parts.signature
        if not (first or text or thought or tool_calls or finish or logprobs or state):
            return None
        delta = Delta(
            role="assistant" if first else None,
            content=text,
            tool_calls=tool_calls,
            reasoning_content=thought,
            provider_state=state,
        )
        return ChunkChoice(index=index, delta=delta, finish_reason=finish, logprobs=logprobs)

    def _tool_call(
        self, index: int, call: Mapping[str, Any], state: ProviderState | None
    ) -> ToolCallDelta:
        # Gemini sends each call whole, once: it is one delta with the next index.
        number = self._calls.get(index, 0)
        self._calls[index] = number + 1
        return ToolCallDelta(
            index=number,
            id=self._ids.next(call),
            type="function",
            function=FunctionCallDelta(name=call["name"], arguments=_arguments(call)),
            provider_state=state,
        )


# --- errors ------------------------------------------------------------------------------------


def status_error(
    provider: str,
    status: int,
    body: Any,
    headers: Mapping[str, str] | None = None,
    *,
    in_stream: bool = False,
) -> APIStatusError:
    """A typed error from Gemini's ``{"error": {"code", "message", "status", "details"}}``.

    The class follows the HTTP status (or, in a stream, ``code``); ``error_type`` is Gemini's
    ``status`` (e.g. ``RESOURCE_EXHAUSTED``) and a ``RetryInfo`` detail sets ``retry_after``.
    """
    if isinstance(body, list) and len(body) == 1:
        body = body[0]  # streamGenerateContent without alt=sse wraps errors in an array
    exc = build_status_error(provider, status, body, headers, in_stream=in_stream)
    error = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(error, Mapping):
        if exc.error_type is None and isinstance(error.get("status"), str):
            exc.error_type = error["status"]
        if exc.retry_after is None:
            exc.retry_after = _retry_delay(error.get("details"))
    return exc


def _retry_delay(details: Any) -> float | None:
    """Seconds from a ``google.rpc.RetryInfo`` detail's ``retryDelay`` (e.g. ``"37s"``)."""
    for detail in details if isinstance(details, list) else ():
        delay = detail.get("retryDelay") if isinstance(detail, Mapping) else None
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                return max(0.0, float(delay[:-1]))
            except ValueError:
                return None
    return None
