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


structure_chunk = _top_level(ChatCompletionChunk)
structure_completion = _top_level(ChatCompletion)


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
