"""OpenAI-style messages as Converse's ``system`` and alternating ``messages`` of content
blocks, with the reasoning of earlier answers put back in its place."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

from ...errors import InvalidRequestError
from .._state import state_data
from .._turns import Place, in_answer_order, split_turns, tool_calls

#: Converse's image formats, by media type.
IMAGE_FORMATS: Mapping[str, str] = {
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/gif": "gif",
    "image/webp": "webp",
}

#: Converse's document formats, by media type.
DOCUMENT_FORMATS: Mapping[str, str] = {
    "application/pdf": "pdf",
    "text/csv": "csv",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "text/html": "html",
    "text/plain": "txt",
    "text/markdown": "md",
}

#: Where an answer's text and tool calls stood among its blocks, in provider state.
TEXT_PLACE = {"place": "text"}
TOOL_PLACE = "toolUse"

# A document's name, as Converse allows it: letters, digits, spaces, hyphens, parentheses and
# square brackets, no two spaces in a row.
_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9\-()\[\] ]+")

_CACHE_POINT = {"cachePoint": {"type": "default"}}


def translate_messages(
    messages: list[dict[str, Any]], provider: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """OpenAI-style messages as Converse's ``system`` blocks and alternating ``messages``."""
    system, turns = split_turns(
        messages,
        provider,
        content=lambda index, content, text_only=False: _content_blocks(
            index, content, provider, text_only=text_only
        ),
        assistant=lambda index, message: _assistant_blocks(index, message, provider),
        tool_result=lambda index, message: _tool_result(index, message, provider),
    )
    for turn in turns:
        if turn["role"] == "user":
            # Tool results answer the turn before: they come first in theirs.
            turn["content"].sort(key=lambda block: "toolResult" not in block)
    return system, turns


def _content_blocks(
    index: int, content: Any, provider: str, *, text_only: bool = False
) -> list[dict[str, Any]]:
    if content is None or content == "":
        return []
    if isinstance(content, str):
        return [{"text": content}]
    blocks: list[dict[str, Any]] = []
    for number, part in enumerate(content):
        where = f"messages[{index}]['content'][{number}]"
        if not isinstance(part, Mapping):
            raise InvalidRequestError(f"{where} must be a dict, got {type(part).__name__}.")
        kind = part.get("type")
        if text_only and kind not in ("text", "cachePoint"):
            raise InvalidRequestError(f"{where} is {kind!r}; system messages take text only.")
        block = _content_block(where, part, kind, provider, number)
        if block is not None:
            blocks.append(block)
        if "cache_control" in part:  # Anthropic's marker: the cache point goes after the part
            blocks.append(dict(_CACHE_POINT))
    return blocks


def _content_block(
    where: str, part: Mapping[str, Any], kind: Any, provider: str, number: int
) -> dict[str, Any] | None:
    if kind in ("text", "refusal"):
        text = part.get(kind)
        if not isinstance(text, str):
            raise InvalidRequestError(f"{where} has no {kind!r} string.")
        return {"text": text} if text else None
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, Mapping) else image
        if not isinstance(url, str):
            raise InvalidRequestError(f"{where} has no image_url 'url'.")
        media_type, data = _data_url(where, url, provider, "images")
        image_format = IMAGE_FORMATS.get(media_type)
        if image_format is None:
            known = ", ".join(sorted(set(IMAGE_FORMATS.values())))
            raise InvalidRequestError(f"{where} is a {media_type} image; {provider} takes {known}.")
        return {"image": {"format": image_format, "source": {"bytes": data}}}
    if kind == "file":
        file = part.get("file")
        url = file.get("file_data") if isinstance(file, Mapping) else None
        if not isinstance(url, str):
            raise InvalidRequestError(
                f"{where}: {provider} takes files as 'file_data' data: URLs, not file ids."
            )
        assert isinstance(file, Mapping)
        media_type, data = _data_url(where, url, provider, "files")
        document_format = DOCUMENT_FORMATS.get(media_type)
        if document_format is None:
            known = ", ".join(sorted(DOCUMENT_FORMATS.values()))
            raise InvalidRequestError(
                f"{where} is a {media_type} file; {provider} takes {known} documents."
            )
        name = _document_name(file.get("filename"), number)
        return {"document": {"format": document_format, "name": name, "source": {"bytes": data}}}
    if kind == "input_audio":
        raise InvalidRequestError(f"{where}: {provider} does not take audio input.")
    if kind == "cachePoint":
        return dict(_CACHE_POINT)
    if isinstance(kind, str):
        raise InvalidRequestError(
            f"{where} has type {kind!r}, which {provider} does not take; use 'text', "
            "'image_url' (a base64 data: URL) or 'file' (file_data)."
        )
    raise InvalidRequestError(f"{where} has no 'type'.")


def _data_url(where: str, url: str, provider: str, what: str) -> tuple[str, str]:
    """A base64 ``data:`` URL's media type and data, checked to be base64."""
    if url.startswith("data:"):
        header, comma, data = url[5:].partition(",")
        media_type, _, encoding = header.partition(";")
        if comma and encoding.lower() == "base64" and media_type:
            try:
                base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidRequestError(f"{where} has a data: URL that is not base64.") from None
            return media_type.lower(), data
    raise InvalidRequestError(
        f"{where}: {provider} takes {what} as base64 data: URLs (data:image/png;base64,...), "
        "not links."
    )


def _document_name(filename: Any, number: int) -> str:
    stem = filename.rpartition(".")[0] or filename if isinstance(filename, str) else ""
    name = " ".join(_NAME_CHARACTERS.sub(" ", stem).split())
    return name or f"document {number + 1}"


def _assistant_blocks(
    index: int, message: Mapping[str, Any], provider: str
) -> list[dict[str, Any]]:
    text = _content_blocks(index, message.get("content"), provider)
    calls = [
        (call_id, {"toolUse": {"toolUseId": call_id, "name": name, "input": tool_input}})
        for call_id, name, tool_input in tool_calls(index, message, provider)
    ]
    state = state_data(message, "bedrock", f"messages[{index}]")
    if state is None:
        return text + [block for _, block in calls]
    # The state lists the answer's blocks: reasoning blocks whole, text and tool calls as
    # places ({"place": "text"}, {"place": "toolUse", "toolUseId": ...}).
    items = state.get("content")
    if not isinstance(items, list) or not all(
        isinstance(item, Mapping) and ("place" in item or "reasoningContent" in item)
        for item in items
    ):
        raise InvalidRequestError(
            f"messages[{index}]['provider_state'] is not Bedrock state as to_dict() gives it."
        )
    return in_answer_order(items, text, calls, _place_of)


def _place_of(item: Mapping[str, Any]) -> Place:
    place = item.get("place")
    if place is None:
        return None
    if place == TOOL_PLACE:
        return ("call", item.get("toolUseId"))
    return ("text", None)


def _tool_result(index: int, message: Mapping[str, Any], provider: str) -> dict[str, Any]:
    tool_use_id = message.get("tool_call_id")
    if not isinstance(tool_use_id, str) or not tool_use_id:
        raise InvalidRequestError(f"messages[{index}] has role 'tool' but no 'tool_call_id'.")
    blocks = _content_blocks(index, message.get("content"), provider)
    return {"toolResult": {"toolUseId": tool_use_id, "content": blocks}}
