"""OpenAI-style messages as Anthropic's ``system`` and alternating ``messages`` of content
blocks, with the provider state of earlier answers put back in its place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import InvalidRequestError
from .._state import state_data
from .._turns import Place, in_answer_order, split_turns, tool_calls


def translate_messages(
    messages: list[dict[str, Any]], provider: str
) -> tuple[str | list[dict[str, Any]] | None, list[dict[str, Any]]]:
    """OpenAI-style messages as Anthropic's ``system`` and alternating ``messages``."""
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
    calls = [
        (call_id, {"type": "tool_use", "id": call_id, "name": name, "input": tool_input})
        for call_id, name, tool_input in tool_calls(index, message, provider)
    ]
    state = state_data(message, "anthropic", f"messages[{index}]")
    if state is None:
        return text + [block for _, block in calls]
    # The state lists the answer's blocks: thinking, redacted thinking and server-tool blocks
    # whole, text and tool_use blocks as places ({"type": "text"}, {"type": "tool_use", "id"}).
    items = state.get("content")
    if not isinstance(items, list) or not all(
        isinstance(item, Mapping) and isinstance(item.get("type"), str) for item in items
    ):
        raise InvalidRequestError(
            f"messages[{index}]['provider_state'] is not Anthropic state as to_dict() gives it."
        )
    return in_answer_order(items, text, calls, _place_of)


def _place_of(item: Mapping[str, Any]) -> Place:
    kind = item["type"]
    if kind == "text":
        return ("text", None)
    if kind == "tool_use":
        return ("call", item.get("id"))
    return None


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
