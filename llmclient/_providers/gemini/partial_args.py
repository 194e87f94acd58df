"""Function-call arguments that arrive in pieces (``partialArgs``), written out as JSON text.

With ``streamFunctionCallArguments`` (Vertex AI), a call's arguments come as a run of
``PartialArg`` steps, each naming one place with a JSON Path (RFC 9535: ``$.city``,
``$.items[0].name``, ``$['odd key']``) and giving its value there: a string, perhaps in many
pieces (``willContinue`` on each but the last), or a whole number, bool or null. The places
come in document order, so the JSON can be written as they come: :class:`ArgumentsWriter`
opens and closes the objects and arrays on the way, and the pieces it returns join into the
arguments' JSON. A place that comes back once it was left cannot be written in order: that is
a :class:`~llmclient._core.convert.FieldError`, which the dialect raises as a ``DecodeError``.
Nothing here does I/O; each step costs the length of its path and value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ..._core.convert import FieldError

__all__ = ["ArgumentsWriter", "parse_path", "partial_args_text", "streams_arguments"]

Segment = str | int
"""One step of a path: an object's key or an array's index."""

# Compact, and strict about what JSON cannot hold (NaN, Infinity).
_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode

# A string piece may end or start inside a surrogate pair; escaped as \uXXXX, the two halves
# join again when the whole text is read.
_SURROGATE = re.compile(r"[\ud800-\udfff]")

# `.name` (any run of characters up to the next `.` or `[`), `[0]`, `['key']` or `["key"]`.
_SEGMENT = re.compile(
    r"""\.([^.\[]+)|\[\s*(?:([0-9]+)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"))\s*\]""", re.DOTALL
)
_QUOTED_ESCAPE = re.compile(r"""\\(.)|(")""", re.DOTALL)


def parse_path(path: str) -> list[Segment]:
    """The keys and indices of ``path``, a JSON Path to one place (``$.a[0]['b c']``).

    Raises ``FieldError`` for a path that is not one (no ``$``, wildcards, slices, filters,
    descendant segments, a negative index, a bad escape).
    """
    if not path.startswith("$"):
        raise FieldError.at_path(f"jsonPath {path!r} does not start with '$'")
    segments: list[Segment] = []
    at, end = 1, len(path)
    while at < end:
        match = _SEGMENT.match(path, at)
        if match is None:
            raise FieldError.at_path(f"jsonPath {path!r} does not name one place (at {at})")
        name, index, quoted = match.groups()
        if name is not None:
            if name == "*":
                raise FieldError.at_path(f"jsonPath {path!r} does not name one place (at {at})")
            segments.append(name)
        elif index is not None:
            segments.append(int(index))
        else:
            segments.append(_unquoted(quoted, path))
        at = match.end()
    return segments


def _unquoted(quoted: str, path: str) -> str:
    """A bracketed name's text: RFC 9535's escapes are JSON's, plus ``\\'``."""

    def as_json(match: re.Match[str]) -> str:
        escaped = match.group(1)
        if escaped is None:
            return '\\"'  # a bare double quote, inside single quotes
        return "'" if escaped == "'" else "\\" + escaped

    body = quoted[1:-1] if quoted[0] == '"' else _QUOTED_ESCAPE.sub(as_json, quoted[1:-1])
    try:
        name = json.loads(f'"{body}"')
    except ValueError:
        raise FieldError.at_path(f"jsonPath {path!r} has a bad escape in {quoted}") from None
    assert isinstance(name, str)  # a quoted JSON string reads as one
    return name


def _escaped(text: str) -> str:
    """``text`` as the inside of a JSON string."""
    return _json(text)[1:-1]


def _json(value: Any) -> str:
    out = _encode(value)
    if _SURROGATE.search(out) is not None:
        out = _SURROGATE.sub(lambda half: f"\\u{ord(half.group()):04x}", out)
    return out


class _Container:
    """An object or array still open: what it holds so far."""

    __slots__ = ("count", "keys")

    def __init__(self, array: bool) -> None:
        self.keys: set[str] | None = None if array else set()
        self.count = 0

    def child(self, segment: Segment, path: str) -> str:
        """The text before the value at ``segment``: a comma and, in an object, the key."""
        keys = self.keys
        if keys is None:
            if not isinstance(segment, int):
                raise FieldError.at_path(f"jsonPath {path!r} names a key inside an array")
            if segment < self.count:
                raise _gone_back(path)
            if segment > self.count:
                raise FieldError.at_path(
                    f"jsonPath {path!r} skips to index {segment} of an array whose next index "
                    f"is {self.count}; an array has no holes"
                )
            self.count += 1
            return "," if segment else ""
        if not isinstance(segment, str):
            raise FieldError.at_path(f"jsonPath {path!r} indexes an object")
        if segment in keys:
            raise _gone_back(path)
        comma = "," if keys else ""
        keys.add(segment)
        return f"{comma}{_json(segment)}:"

    def closing(self) -> str:
        return "]" if self.keys is None else "}"


def _gone_back(path: str) -> FieldError:
    return FieldError.at_path(
        f"jsonPath {path!r} goes back to a place already written; the arguments cannot be "
        "written in order"
    )


class ArgumentsWriter:
    """Writes one call's arguments as JSON text, step by step, from places and values.

    :meth:`feed` takes one step and returns the text it adds; :meth:`close` returns the text
    that ends the arguments. All the pieces joined are the arguments object's JSON.
    """

    __slots__ = ("_closed", "_open", "_path", "_string", "_string_path")

    def __init__(self) -> None:
        self._open: list[_Container] = []  # the root object first; empty before the first step
        self._path: list[Segment] = []  # where each container after the root sits in its parent
        self._string: str | None = None  # the path text of a string value still open
        self._string_path: list[Segment] = []
        self._closed = False

    def feed(self, path: str, value: Any, more: bool = False) -> str:
        """The text that writes ``value`` at ``path``.

        A string with ``more`` stays open: the next steps at the same path add to it, until
        one without ``more`` (or a step elsewhere) ends it. Numbers, bools and null (None)
        come whole (``more`` does not apply to them); an object or a list is written whole.
        Raises ``FieldError`` for a path that is not one place in the arguments object, or
        that goes back to a place already written or left, and for a value JSON cannot hold.
        """
        if self._closed:
            raise FieldError.at_path(f"jsonPath {path!r} comes after the arguments ended")
        head = ""
        if self._string is not None:
            if path == self._string:  # the open string goes on (the usual step)
                return self._more(path, value, more)
            segments = parse_path(path)
            if segments == self._string_path:
                return self._more(path, value, more)
            head = '"'
            self._string = None
        else:
            segments = parse_path(path)
        text = self._place(path, segments)
        if value.__class__ is str:
            if more:
                self._string, self._string_path = path, segments
                return f'{head}{text}"{_escaped(value)}'
            return f'{head}{text}"{_escaped(value)}"'
        return head + text + _whole(path, value)

    def close(self) -> str:
        """The text that ends the arguments (``{}`` when no step came); empty once closed."""
        if self._closed:
            return ""
        self._closed = True
        if not self._open:
            return "{}"
        head = '"' if self._string is not None else ""
        self._string = None
        tail = "".join(container.closing() for container in reversed(self._open))
        self._open.clear()
        self._path.clear()
        return head + tail

    def _more(self, path: str, value: Any, more: bool) -> str:
        if value.__class__ is not str:
            raise FieldError.at_path(
                f"jsonPath {path!r} gets a {type(value).__name__} inside a string still open"
            )
        if more:
            return _escaped(value)
        self._string = None
        return _escaped(value) + '"'

    def _place(self, path: str, segments: list[Segment]) -> str:
        """The text that leaves the containers ``segments`` is not in, opens the ones it is in,
        and names its last step (a comma, a key)."""
        if not segments or not isinstance(segments[0], str):
            raise FieldError.at_path(f"jsonPath {path!r} is not a place in the arguments object")
        out: list[str] = []
        containers, open_path = self._open, self._path
        if not containers:
            containers.append(_Container(array=False))
            out.append("{")
        last = len(segments) - 1
        kept, most = 0, min(len(open_path), last)
        while kept < most and open_path[kept] == segments[kept]:
            kept += 1
        while len(open_path) > kept:
            open_path.pop()
            out.append(containers.pop().closing())
        for depth in range(kept, last + 1):
            segment = segments[depth]
            out.append(containers[-1].child(segment, path))
            if depth < last:
                array = isinstance(segments[depth + 1], int)
                containers.append(_Container(array))
                open_path.append(segment)
                out.append("[" if array else "{")
        return "".join(out)


def _whole(path: str, value: Any) -> str:
    try:
        return _json(value)
    except (TypeError, ValueError) as exc:  # NaN, Infinity, a value that is not JSON's
        raise FieldError.at_path(f"jsonPath {path!r} has a value JSON cannot hold: {exc}") from None


def streams_arguments(call: Mapping[str, Any]) -> bool:
    """Whether a ``functionCall`` part is a piece of a call whose arguments stream: it has
    ``partialArgs``, or ``willContinue`` says more pieces follow."""
    return bool(call.get("partialArgs")) or call.get("willContinue") is True


def partial_args_text(writer: ArgumentsWriter, call: Mapping[str, Any], where: str) -> str:
    """The text ``call``'s ``partialArgs`` add to its arguments, and its ``args`` (each key
    written whole, as a step of its own) if it has any.

    Raises ``FieldError``, naming the step, for a ``PartialArg`` that is not an object with a
    ``jsonPath`` and one of ``stringValue``, ``numberValue``, ``boolValue`` or ``nullValue``,
    and for a step the writer refuses.
    """
    out: list[str] = []
    args = call.get("args")
    if args:
        if not isinstance(args, Mapping):
            raise FieldError(f"{where}.args", "an object", args)
        out.extend(
            _fed(writer, _key_path(key), value, False, f"{where}.args")
            for key, value in args.items()
        )
    steps = call.get("partialArgs")
    if steps is None:
        return "".join(out)
    if not isinstance(steps, list):
        raise FieldError(f"{where}.partialArgs", "a list", steps)
    for number, step in enumerate(steps):
        at = f"{where}.partialArgs[{number}]"
        if not isinstance(step, Mapping):
            raise FieldError(at, "an object", step)
        path = step.get("jsonPath")
        if not isinstance(path, str):
            raise FieldError(f"{at}.jsonPath", "a string", path)
        out.append(_fed(writer, path, _value_of(step, at), step.get("willContinue") is True, at))
    return "".join(out)


def _fed(writer: ArgumentsWriter, path: str, value: Any, more: bool, at: str) -> str:
    try:
        return writer.feed(path, value, more)
    except FieldError as exc:
        raise FieldError.at_path(f"{at}: {exc}") from None


def _value_of(step: Mapping[str, Any], at: str) -> Any:
    if "stringValue" in step:
        value = step["stringValue"]
        if value.__class__ is not str:
            raise FieldError(f"{at}.stringValue", "a string", value)
        return value
    if "numberValue" in step:
        value = step["numberValue"]
        if value.__class__ not in (int, float):
            raise FieldError(f"{at}.numberValue", "a number", value)
        return value
    if "boolValue" in step:
        value = step["boolValue"]
        if value.__class__ is not bool:
            raise FieldError(f"{at}.boolValue", "a bool", value)
        return value
    if "nullValue" in step:  # protobuf's JSON writes NullValue as null (or "NULL_VALUE")
        return None
    raise FieldError(at, "a stringValue, numberValue, boolValue or nullValue")


def _key_path(key: str) -> str:
    return "$[" + _encode(key) + "]"
