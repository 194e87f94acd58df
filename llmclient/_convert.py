"""The one cattrs converter: provider JSON in, answer types out, and messages back to JSON.

Structure functions are generated once, at import, for the two top-level answer types;
nothing inspects types per chunk. The hooks make parsing forgiving in the ways real servers
need: unknown keys are ignored, and ``null`` where a string, number or object is expected
falls back to the field's default instead of becoming ``"None"`` or a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn

from .types import (
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ChoiceLogprobs,
    ChunkChoice,
    Delta,
    FunctionCall,
    FunctionCallDelta,
    Message,
    ToolCall,
    ToolCallDelta,
    TopLogprob,
    Usage,
)

converter = cattrs.Converter(detailed_validation=False, forbid_extra_keys=False)


def _structure_str(value: Any, _: type) -> str:
    if value.__class__ is str:
        return value
    return "" if value is None else str(value)


def _structure_int(value: Any, _: type) -> int:
    if value.__class__ is int:
        return value
    return 0 if value is None else int(value)


def _structure_float(value: Any, _: type) -> float:
    if value.__class__ is float:
        return value
    return 0.0 if value is None else float(value)


converter.register_structure_hook(str, _structure_str)
converter.register_structure_hook(float, _structure_float)
converter.register_structure_hook(int, _structure_int)


#: Classes read as their defaults from a JSON ``null`` (servers send ``"delta": null``).
_NULL_TOLERANT = frozenset(
    (
        FunctionCall,
        ToolCall,
        FunctionCallDelta,
        ToolCallDelta,
        Message,
        Delta,
        Usage,
        Choice,
        ChunkChoice,
    )
)
#: Lists read as empty from a JSON ``null`` (``"choices": null`` is seen).
_NULL_AS_EMPTY = {
    list[Choice]: Choice,
    list[ChunkChoice]: ChunkChoice,
    list[TopLogprob]: TopLogprob,
}


def _null_tolerant(cls: Any) -> Callable[[Any, Any], Any]:
    generated: Callable[[Any, Any], Any] = make_dict_structure_fn(cls, converter)

    def structure(value: Any, _: Any) -> Any:
        return cls() if value is None else generated(value, cls)

    return structure


def _null_as_empty(list_type: Any) -> Callable[[Any, Any], list[Any]]:
    item_type = _NULL_AS_EMPTY[list_type]
    structure_item = converter.get_structure_hook(item_type)

    def structure(value: Any, _: Any) -> list[Any]:
        return [] if value is None else [structure_item(item, item_type) for item in value]

    return structure


# Factories, so the structure code is generated on first use rather than at import.
converter.register_structure_hook_factory(lambda type_: type_ in _NULL_TOLERANT, _null_tolerant)
converter.register_structure_hook_factory(lambda type_: type_ in _NULL_AS_EMPTY, _null_as_empty)


def _lazy(type_: Any) -> Callable[[Any], Any]:
    """``type_``'s structure function, looked up (and generated) on its first call."""
    hook: Callable[[Any, Any], Any] | None = None

    def structure(value: Any) -> Any:
        nonlocal hook
        if hook is None:
            hook = converter.get_structure_hook(type_)
        return hook(value, type_)

    return structure


_structure_completion: Callable[[Any], ChatCompletion] = _lazy(ChatCompletion)


def structure_completion(data: Any) -> ChatCompletion:
    """A completion from its JSON; a message's ``reasoning`` (Groq, vLLM) is read as well."""
    completion = _structure_completion(data)
    for choice, raw in zip(completion.choices, data.get("choices") or (), strict=True):
        message = raw.get("message") if isinstance(raw, dict) else None
        if choice.message.reasoning_content is None and isinstance(message, dict):
            reasoning = message.get("reasoning")
            if isinstance(reasoning, str):
                choice.message.reasoning_content = reasoning
    return completion


_structure_tool_call_deltas: Callable[[Any], list[ToolCallDelta]] = _lazy(list[ToolCallDelta])
_structure_logprobs: Callable[[Any], ChoiceLogprobs] = _lazy(ChoiceLogprobs)
_structure_usage: Callable[[Any], Usage] = _lazy(Usage)


def structure_chunk(data: Any) -> ChatCompletionChunk:
    """A chunk from its JSON: what the converter would build, written out for the hot path.

    Every streamed event goes through here, so the common parts (a choice with a text delta)
    are read directly; the rare ones (tool calls, logprobs, usage) go through the converter.
    Optional strings are taken as the JSON has them, without coercion.
    """
    choices = []
    for choice in data.get("choices") or ():
        delta = choice.get("delta")
        if delta:
            tool_calls = delta.get("tool_calls")
            reasoning = delta.get("reasoning_content")
            if reasoning is None:
                reasoning = delta.get("reasoning")  # Groq and newer vLLM name it so
            delta = Delta(
                delta.get("role"),
                delta.get("content"),
                _structure_tool_call_deltas(tool_calls) if tool_calls else None,
                delta.get("refusal"),
                reasoning,
            )
        else:
            delta = Delta()
        logprobs = choice.get("logprobs")
        choices.append(
            ChunkChoice(
                choice.get("index") or 0,
                delta,
                choice.get("finish_reason"),
                _structure_logprobs(logprobs) if logprobs else None,
            )
        )
    usage = data.get("usage")
    return ChatCompletionChunk(
        _structure_str(data.get("id"), str),
        _structure_str(data.get("model"), str),
        choices,
        _structure_usage(usage) if usage else None,
        _structure_int(data.get("created"), int),
        data.get("object") or "chat.completion.chunk",
        data.get("system_fingerprint"),
        data.get("service_tier"),
    )


def message_to_dict(message: Message) -> dict[str, Any]:
    """Turn an answer's :class:`Message` back into a request message, leaving out empty fields."""
    return {
        key: value
        for key, value in converter.unstructure(message).items()
        if value is not None and key != "reasoning_content"
    }


def is_answer_type(value: object) -> bool:
    """Whether ``value`` is one of our attrs answer objects (so it can be unstructured)."""
    return attrs.has(type(value))
