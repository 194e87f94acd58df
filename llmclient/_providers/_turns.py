"""OpenAI-style messages as alternating turns of content blocks, for the wires that take them
so (Anthropic's Messages API, Bedrock's Converse): the walk over the messages, tool-call
arguments as JSON objects, and the blocks of an earlier answer put back in their order. Each
dialect says how one message becomes its own blocks."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import InvalidRequestError

Block = dict[str, Any]

#: Where a provider-state item stands: ``("text", None)``, ``("call", id)``, or None for an
#: item that is a block of its own (thinking, reasoning), sent back as it is.
Place = tuple[str, Any] | None


def split_turns(
    messages: list[dict[str, Any]],
    provider: str,
    *,
    content: Callable[..., list[Block]],
    assistant: Callable[[int, Mapping[str, Any]], list[Block]],
    tool_result: Callable[[int, Mapping[str, Any]], Block],
) -> tuple[list[Block], list[dict[str, Any]]]:
    """The system blocks and the turns (``{"role", "content": [blocks]}``) of ``messages``.

    ``system`` / ``developer`` messages give system blocks (``content(index, content,
    text_only=True)``), wherever they stand; ``tool`` messages become blocks of a user turn;
    consecutive turns of one role are merged. Empty user and assistant messages and unknown
    roles raise ``InvalidRequestError``.
    """
    system: list[Block] = []
    turns: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        role = message["role"]
        if role in ("system", "developer"):
            system += content(index, message.get("content"), text_only=True)
            continue
        if role == "user":
            blocks = content(index, message.get("content"))
            if not blocks:
                raise InvalidRequestError(
                    f"messages[{index}] has empty content, which {provider} does not take."
                )
        elif role == "assistant":
            blocks = assistant(index, message)
            if not blocks:
                raise InvalidRequestError(f"messages[{index}] has no content and no tool_calls.")
        elif role == "tool":
            role = "user"
            blocks = [tool_result(index, message)]
        else:
            raise InvalidRequestError(
                f"messages[{index}] has role {role!r}, which {provider} does not take; use "
                "'system', 'developer', 'user', 'assistant' or 'tool'."
            )
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += blocks
        else:
            turns.append({"role": role, "content": blocks})
    return system, turns


def tool_calls(
    index: int, message: Mapping[str, Any], provider: str
) -> list[tuple[str, str, Mapping[str, Any]]]:
    """Each of an assistant message's tool calls as ``(id, name, arguments)``, the arguments
    a JSON object; ``InvalidRequestError`` for a call without them."""
    calls = []
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
        calls.append((call["id"], function["name"], tool_input))
    return calls


def in_answer_order(
    items: list[Any],
    text: list[Block],
    calls: list[tuple[str, Block]],
    place_of: Callable[[Mapping[str, Any]], Place],
) -> list[Block]:
    """A message's blocks in the order its answer had them, the state's own blocks among them.

    ``items`` are the answer's blocks as its provider state lists them; ``place_of`` says
    which are places for text and for tool calls (by id). The message's text goes where its
    first text stood, each tool call (``(id, block)``) where its id stood; what the state does
    not place comes last, text first.
    """
    unplaced = dict(calls)
    blocks: list[Block] = []
    for item in items:
        place = place_of(item)
        if place is None:
            blocks.append(dict(item))
        elif place[0] == "text":
            blocks += text
            text = []
        else:
            call = unplaced.pop(place[1], None)
            if call is not None:
                blocks.append(call)
    return blocks + text + [block for call_id, block in calls if call_id in unplaced]
