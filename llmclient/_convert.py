"""The one cattrs converter: provider JSON in, answer types out, and messages back to JSON.

Structure functions are generated once, at import, for the two top-level answer types;
nothing inspects types per chunk. The hooks make parsing forgiving in the ways real servers
need: unknown keys are ignored, and ``null`` where a string, number or object is expected
falls back to the field's default instead of becoming ``"None"`` or a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

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

T = TypeVar("T")

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


def _null_tolerant(cls: type[T]) -> None:
    """Register ``cls`` so that JSON ``null`` becomes ``cls()`` (servers send ``"delta": null``)."""
    generated: Callable[[Any, Any], T] = make_dict_structure_fn(cls, converter)

    def structure(value: Any, _: type) -> T:
        return cls() if value is None else generated(value, cls)

    converter.register_structure_hook(cls, structure)


for _cls in (
    FunctionCall,
    ToolCall,
    FunctionCallDelta,
    ToolCallDelta,
    Message,
    Delta,
    Usage,
    Choice,
    ChunkChoice,
):
    _null_tolerant(_cls)


def _null_as_empty(list_type: Any) -> None:
    """Register ``list_type`` so that JSON ``null`` becomes ``[]`` (``"choices": null`` is seen)."""
    structure_list = converter.get_structure_hook(list_type)

    def structure(value: Any, _: Any) -> list[Any]:
        return [] if value is None else structure_list(value, list_type)

    converter.register_structure_hook_func(lambda type_: type_ == list_type, structure)


for _list_type in (list[Choice], list[ChunkChoice], list[TopLogprob]):
    _null_as_empty(_list_type)


def _top_level(cls: type[T]) -> Callable[[Any], T]:
    generated: Callable[[Any, Any], T] = make_dict_structure_fn(cls, converter)

    def structure(value: Any) -> T:
        return generated(value, cls)

    return structure


_structure_completion = _top_level(ChatCompletion)


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


_TOOL_CALL_DELTAS = list[ToolCallDelta]
_structure_tool_call_deltas = converter.get_structure_hook(_TOOL_CALL_DELTAS)
_structure_logprobs = converter.get_structure_hook(ChoiceLogprobs)
_structure_usage = converter.get_structure_hook(Usage)


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
                _structure_tool_call_deltas(tool_calls, list[ToolCallDelta])
                if tool_calls
                else None,
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
                _structure_logprobs(logprobs, ChoiceLogprobs) if logprobs else None,
            )
        )
    usage = data.get("usage")
    return ChatCompletionChunk(
        _structure_str(data.get("id"), str),
        _structure_str(data.get("model"), str),
        choices,
        _structure_usage(usage, Usage) if usage else None,
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
