"""OpenAI-shaped JSON in, answer types out, and messages back to JSON: one strict boundary.

Completions and chunks are read by hand (every chunk goes through here); the one cattrs
converter reads the nested parts that are rare (logprobs, usage). Both are strict in one way
and forgiving in another: a value of the wrong type (a number where a string belongs, a
choice ``index`` that is no int) is a :class:`FieldError` naming its place, which the dialect
raises as a ``DecodeError``; unknown keys are ignored, and ``null`` falls back to the field's
default.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn

from ..types import (
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
    TokenLogprob,
    ToolCall,
    ToolCallDelta,
    TopLogprob,
    Usage,
)

T = TypeVar("T")


class FieldError(ValueError):
    """A provider's value of the wrong type, at a place named as in its JSON
    (``choices[0].delta.content``); the dialect turns it into a ``DecodeError``."""

    def __init__(self, where: str, expected: str, value: Any = ...) -> None:
        if value is ...:
            super().__init__(f"{where} is missing; it must be {expected}")
            return
        text = repr(value)
        if len(text) > 40:
            text = text[:37] + "..."
        super().__init__(f"{where} must be {expected}, got {type(value).__name__} {text}")

    @classmethod
    def at_path(cls, message: str) -> FieldError:
        """One whose message the caller has worded, a place named in it."""
        found = cls.__new__(cls)
        ValueError.__init__(found, message)
        return found


def _structure_str(value: Any, _: type) -> str:
    if value.__class__ is str:
        return value
    if value is None:
        return ""
    raise FieldError("a string field", "a string", value)


def _structure_int(value: Any, _: type) -> int:
    if value.__class__ is int:
        return value
    if value is None:
        return 0
    raise FieldError("an integer field", "an integer", value)


def _structure_float(value: Any, _: type) -> float:
    if value.__class__ is float:
        return value
    if value is None:
        return 0.0
    if value.__class__ is int:
        return float(value)
    raise FieldError("a number field", "a number", value)


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
        PromptTokensDetails,
        CompletionTokensDetails,
        ChoiceLogprobs,
        TokenLogprob,
        TopLogprob,
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


def _make_converter(*, detailed: bool) -> cattrs.Converter:
    """A converter with our hooks: strict scalars, ``null`` as the default, objects checked."""
    made = cattrs.Converter(detailed_validation=detailed, forbid_extra_keys=False)
    made.register_structure_hook(str, _structure_str)
    made.register_structure_hook(float, _structure_float)
    made.register_structure_hook(int, _structure_int)

    def null_tolerant(cls: Any) -> Callable[[Any, Any], Any]:
        generated: Callable[[Any, Any], Any] = make_dict_structure_fn(cls, made)

        def structure(value: Any, _: Any) -> Any:
            if value is None:
                return cls()
            if value.__class__ is not dict:  # a string would pass cattrs' `key in value` tests
                raise FieldError(f"a {cls.__name__} field", "an object", value)
            return generated(value, cls)

        return structure

    def null_as_empty(list_type: Any) -> Callable[[Any, Any], list[Any]]:
        item_type = _NULL_AS_EMPTY[list_type]
        structure_item = made.get_structure_hook(item_type)

        def structure(value: Any, _: Any) -> list[Any]:
            if value is None:
                return []
            if value.__class__ is not list:
                raise FieldError(f"a list of {item_type.__name__}", "a list", value)
            return [structure_item(item, item_type) for item in value]

        return structure

    # Factories, so the structure code is generated on first use rather than at import.
    made.register_structure_hook_factory(lambda type_: type_ in _NULL_TOLERANT, null_tolerant)
    made.register_structure_hook_factory(lambda type_: type_ in _NULL_AS_EMPTY, null_as_empty)
    return made


converter = _make_converter(detailed=False)

#: What a type in cattrs' messages is, in ours.
_KINDS = {"int": "an integer", "str": "a string", "float": "a number", "bool": "true or false"}
_EXPECTED = re.compile(r"invalid value for type, expected (?P<type>.+?) @ (?P<path>.+)")
_detailed: cattrs.Converter | None = None


def _wrong_at(type_: Any, value: Any, where: str) -> FieldError:
    """The error of ``value`` as a ``type_``, naming the exact place (``usage.prompt_tokens``).

    Only the error path pays for it: a converter that tracks places is built on first use.
    """
    global _detailed
    if _detailed is None:
        _detailed = _make_converter(detailed=True)
    try:
        _detailed.structure(value, type_)
    except Exception as exc:  # cattrs groups what failed; the first is named
        messages = cattrs.transform_error(exc, path=where)
        if messages:
            found = _EXPECTED.fullmatch(messages[0])
            if found is None:
                return FieldError.at_path(messages[0])
            expected = found["type"].removesuffix(" | None")
            kind = _KINDS.get(expected, "an object")
            return FieldError.at_path(f"{found['path']} must be {kind}")
    return FieldError.at_path(f"{where} is not as OpenAI sends it")


def _lazy(type_: Any) -> Callable[[Any], Any]:
    """``type_``'s structure function, looked up (and generated) on its first call."""
    hook: Callable[[Any, Any], Any] | None = None

    def structure(value: Any) -> Any:
        nonlocal hook
        if hook is None:
            hook = converter.get_structure_hook(type_)
        return hook(value, type_)

    return structure


_STRUCTURE: dict[Any, Callable[[Any], Any]] = {
    ChoiceLogprobs: _lazy(ChoiceLogprobs),
    Usage: _lazy(Usage),
}


def _nested(type_: type[T], value: Any, where: str) -> T:
    """``value`` as a ``type_`` through the converter, its errors naming their place."""
    _object(value, where)
    try:
        structure: Callable[[Any], T] = _STRUCTURE[type_]
        return structure(value)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise _wrong_at(type_, value, where) from exc


def optional_str(value: Any, where: str) -> str | None:
    """``value`` when it is a string or None; else a :class:`FieldError` naming ``where``."""
    if value is None or value.__class__ is str:
        return value
    raise FieldError(where, "a string", value)


def string(value: Any, where: str, default: str = "") -> str:
    """``value`` when it is a string, ``default`` for None; else a FieldError naming ``where``."""
    if value.__class__ is str:
        return value
    if value is None:
        return default
    raise FieldError(where, "a string", value)


def integer(value: Any, where: str) -> int:
    """``value`` when it is an int (not a bool), 0 for None; else a FieldError naming ``where``."""
    if value.__class__ is int:
        return value
    if value is None:
        return 0
    raise FieldError(where, "an integer", value)


def _object(value: Any, where: str) -> dict[str, Any]:
    if value.__class__ is dict:
        return value
    raise FieldError(where, "an object", value)


def _list(value: Any, where: str) -> list[Any]:
    if value.__class__ is list:
        return value
    raise FieldError(where, "a list", value)


def content_blocks(blocks: Any, where: str) -> tuple[str | None, str | None]:
    """The text and the thinking of content given as a list of typed blocks.

    Mistral's magistral models (and other OpenAI-compatible servers) send ``content`` as
    ``[{"type": "thinking", "thinking": [{"type": "text", "text": ...}]}, {"type": "text",
    "text": ...}]``. Text blocks join into the text, thinking blocks into the thinking; blocks
    of other types carry no text and are passed over.
    """
    texts: list[str] = []
    thinking: list[str] = []
    for number, block in enumerate(_list(blocks, where)):
        at = f"{where}[{number}]"
        kind = _object(block, at).get("type")
        if kind == "text":
            texts.append(string(block.get("text"), f"{at}.text"))
        elif kind == "thinking":
            inner = block.get("thinking")
            if inner.__class__ is list:
                inner = content_blocks(inner, f"{at}.thinking")[0] or ""
            thinking.append(string(inner, f"{at}.thinking"))
    return ("".join(texts) if texts else None), ("".join(thinking) if thinking else None)


def _text_and_reasoning(fields: dict[str, Any], where: str) -> tuple[str | None, str | None]:
    """A message's or delta's ``content`` and reasoning (``reasoning_content``, or Groq's and
    vLLM's ``reasoning``), with content blocks read as :func:`content_blocks` does."""
    content = fields.get("content")
    reasoning = fields.get("reasoning_content")
    if reasoning is None:
        reasoning = fields.get("reasoning")
        where_reasoning = f"{where}.reasoning"
    else:
        where_reasoning = f"{where}.reasoning_content"
    if reasoning is not None and reasoning.__class__ is not str:
        raise FieldError(where_reasoning, "a string", reasoning)
    if content is None or content.__class__ is str:
        return content, reasoning
    if content.__class__ is not list:
        raise FieldError(f"{where}.content", "a string or a list of content blocks", content)
    content, thinking = content_blocks(content, f"{where}.content")
    if thinking is not None:
        reasoning = thinking if reasoning is None else reasoning + thinking
    return content, reasoning


def _arguments(value: Any, where: str) -> str:
    """A tool call's arguments: a JSON string (an object, as some servers send, is encoded)."""
    if value.__class__ is dict:
        return json.dumps(value, ensure_ascii=False)
    return string(value, where)


def _tool_call(value: Any, where: str) -> ToolCall:
    call = _object(value, where)
    function = call.get("function")
    name = arguments = ""
    if function is not None:
        function = _object(function, f"{where}.function")
        name = string(function.get("name"), f"{where}.function.name")
        arguments = _arguments(function.get("arguments"), f"{where}.function.arguments")
    return ToolCall(
        string(call.get("id"), f"{where}.id"),
        FunctionCall(name, arguments),
        string(call.get("type"), f"{where}.type", "function"),
    )


def _tool_call_delta(value: Any, where: str) -> ToolCallDelta:
    call = _object(value, where)
    function = call.get("function")
    if function is not None:
        function = _object(function, f"{where}.function")
        arguments = function.get("arguments")
        function = FunctionCallDelta(
            optional_str(function.get("name"), f"{where}.function.name"),
            None if arguments is None else _arguments(arguments, f"{where}.function.arguments"),
        )
    return ToolCallDelta(
        integer(call.get("index"), f"{where}.index"),
        optional_str(call.get("id"), f"{where}.id"),
        optional_str(call.get("type"), f"{where}.type"),
        function,
    )


def _message(value: Any, where: str) -> Message:
    if value is None:
        return Message()
    message = _object(value, where)
    content, reasoning = _text_and_reasoning(message, where)
    tool_calls = message.get("tool_calls")
    if tool_calls is not None:
        at = f"{where}.tool_calls"
        tool_calls = [
            _tool_call(call, f"{at}[{n}]") for n, call in enumerate(_list(tool_calls, at))
        ]
    return Message(
        string(message.get("role"), f"{where}.role", "assistant"),
        content,
        tool_calls,
        optional_str(message.get("refusal"), f"{where}.refusal"),
        reasoning,
    )


def structure_completion(data: Any) -> ChatCompletion:
    """A completion from its JSON; raises :class:`FieldError` for a value of the wrong type
    or a body without ``choices``."""
    completion = _object(data, "the body")
    if "choices" not in completion:
        raise FieldError("choices", "a list")
    choices: list[Choice] = []
    for number, raw in enumerate(_list(completion["choices"], "choices")):
        where = f"choices[{number}]"
        choice = _object(raw, where)
        logprobs = choice.get("logprobs")
        choices.append(
            Choice(
                integer(choice.get("index"), f"{where}.index"),
                _message(choice.get("message"), f"{where}.message"),
                optional_str(choice.get("finish_reason"), f"{where}.finish_reason"),
                _nested(ChoiceLogprobs, logprobs, f"{where}.logprobs") if logprobs else None,
            )
        )
    return ChatCompletion(*_envelope(completion, "chat.completion", choices))


def _envelope(data: dict[str, Any], kind: str, choices: list[Any]) -> tuple[Any, ...]:
    """The fields a completion and a chunk share, in their order, ``choices`` in its place."""
    usage = data.get("usage")
    return (
        string(data.get("id"), "id"),
        string(data.get("model"), "model"),
        choices,
        _nested(Usage, usage, "usage") if usage else None,
        integer(data.get("created"), "created"),
        string(data.get("object"), "object") or kind,
        optional_str(data.get("system_fingerprint"), "system_fingerprint"),
        optional_str(data.get("service_tier"), "service_tier"),
    )


def structure_chunk(data: Any) -> ChatCompletionChunk:
    """A chunk from its JSON; raises :class:`FieldError` for a value of the wrong type.

    Every streamed event that is not read by its shape goes through here, so the common
    parts (a choice with a text delta) are read directly; logprobs and usage go through the
    converter.
    """
    choices = []
    raw_choices = data.get("choices")
    for number, choice in enumerate(() if raw_choices is None else _list(raw_choices, "choices")):
        where = f"choices[{number}]"
        delta = _object(choice, where).get("delta")
        if delta:
            where_delta = f"{where}.delta"
            delta = _object(delta, where_delta)
            content, reasoning = _text_and_reasoning(delta, where_delta)
            tool_calls = delta.get("tool_calls")
            if tool_calls:
                at = f"{where_delta}.tool_calls"
                tool_calls = [
                    _tool_call_delta(call, f"{at}[{n}]")
                    for n, call in enumerate(_list(tool_calls, at))
                ]
            delta = Delta(
                optional_str(delta.get("role"), f"{where_delta}.role"),
                content,
                tool_calls or None,
                optional_str(delta.get("refusal"), f"{where_delta}.refusal"),
                reasoning,
            )
        else:
            delta = Delta()
        logprobs = choice.get("logprobs")
        choices.append(
            ChunkChoice(
                integer(choice.get("index"), f"{where}.index"),
                delta,
                optional_str(choice.get("finish_reason"), f"{where}.finish_reason"),
                _nested(ChoiceLogprobs, logprobs, f"{where}.logprobs") if logprobs else None,
            )
        )
    return ChatCompletionChunk(*_envelope(data, "chat.completion.chunk", choices))


def message_to_dict(message: Message) -> dict[str, Any]:
    """Turn an answer's :class:`Message` into a request message: its :meth:`to_dict` without
    ``reasoning_content``, which is for reading and is not sent back."""
    out = message.to_dict()
    out.pop("reasoning_content", None)
    return out


def is_answer_type(value: object) -> bool:
    """Whether ``value`` is one of our attrs answer objects (so it can be unstructured)."""
    return attrs.has(type(value))
