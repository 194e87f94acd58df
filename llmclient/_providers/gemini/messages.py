"""OpenAI-style messages as Gemini's ``systemInstruction`` and ``contents``: assistant turns
become role ``model``, tool calls and results ``functionCall`` / ``functionResponse`` parts."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ...errors import InvalidRequestError
from .._state import state_data

_DATA_URL = re.compile(r"data:(?P<mime>[^;,]+)(?:;[^,]*)?;base64,(?P<data>.*)", re.S)


#: The part field Gemini 3 signs its thinking with; it must come back on the same part.
SIGNATURE = "thoughtSignature"


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
