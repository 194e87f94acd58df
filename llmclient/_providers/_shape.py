"""Reading stream events of a known shape by scanning one string, not parsing the whole JSON.

A provider's stream repeats one event thousands of times with only a text value changing, as
in ``{"id":"c1","choices":[{"index":0,"delta":{"content":"..."}}]}``. OpenAI also pads each
event with a random ``"obfuscation"`` string (on by default), so two strings change per event.
A :class:`TextShape` is an event's text with those strings cut out; an event whose text
around them is the same means what the shape's source meant, with only the text changed.
"""

from __future__ import annotations

import json.decoder
import re
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["SHAPES_UNUSED", "TextShape"]

#: Shapes cut in a row without one being used before a stream stops cutting them.
SHAPES_UNUSED = 4

#: The member OpenAI pads events with, to hide their length: its value is not read. (AWS pads
#: Bedrock's events with ``p``.)
PADDING_KEY = "obfuscation"

S = TypeVar("S")

# JSON's string scanner (the C one where there is one): a string from after its opening quote.
_scan_string: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]  # not in typeshed
# JSON whitespace between a member's colon and its value, and the value's opening quote.
_SPACE_AND_QUOTE = re.compile(r'[ \t\n\r]*"')


def _string_member(data: str, key: str, start: int = 0) -> tuple[int, int, str] | None:
    """Where the string value of the last ``key`` member at or after ``start`` lies: the
    index after its opening quote, the index after its closing quote, and its value."""
    at = data.rfind(f'"{key}":', start)
    # A quote after a backslash may be inside a string; one without is a key's quote.
    if at <= 0 or data[at - 1] == "\\":
        return None
    match = _SPACE_AND_QUOTE.match(data, at + len(key) + 3)
    if match is None:
        return None
    try:
        value, end = _scan_string(data, match.end())
    except ValueError:
        return None
    return match.end(), end, value


class TextShape(Generic[S]):
    """An event's text with its text string, and any padding string after it, cut out.

    :meth:`read` takes an event of the same shape and returns its text, scanning just the two
    strings. That holds only if the cut strings are really the value the source was read from
    (a later duplicate key could override it) and a value nothing reads: a shape is used once
    :attr:`verified` says a trial event with other strings, fully parsed, gives what the shape
    would.
    """

    __slots__ = ("middle", "padding", "prefix", "source", "suffix", "text", "verified")

    def __init__(
        self, prefix: str, middle: str | None, suffix: str, text: str, padding: str, source: S
    ) -> None:
        #: The event's text up to and including the text string's opening quote.
        self.prefix = prefix
        #: From the text's closing quote to the padding's opening one; None without padding.
        self.middle = middle
        #: The event's text after the last cut string's closing quote.
        self.suffix = suffix
        #: The text string's value in the event the shape was cut from, and its padding's.
        self.text = text
        self.padding = padding
        #: What that event was read as.
        self.source = source
        self.verified = False

    @classmethod
    def cut(
        cls, data: str, key: str, text: str, source: S, padding_key: str = PADDING_KEY
    ) -> TextShape[S] | None:
        """The shape of ``data`` around its last ``key`` member, when that member is ``text``,
        and around the padding member after it (``padding_key``), if there is one."""
        found = _string_member(data, key)
        if found is None or found[2] != text:
            return None
        start, end, _ = found
        padding = _string_member(data, padding_key, end)
        if padding is None:
            return cls(data[:start], None, data[end:], text, "", source)
        padding_start, padding_end, padding_value = padding
        middle = data[end:padding_start]
        return cls(data[:start], middle, data[padding_end:], text, padding_value, source)

    def read(self, data: str) -> str | None:
        """The text in ``data`` if ``data`` is of this shape, else None."""
        prefix = self.prefix
        if not data.startswith(prefix):
            return None
        try:
            value, end = _scan_string(data, len(prefix))
            middle = self.middle
            if middle is not None:
                if not data.startswith(middle, end):
                    return None
                end = _scan_string(data, end + len(middle))[1]
        except ValueError:
            return None
        suffix = self.suffix
        return value if end + len(suffix) == len(data) and data.endswith(suffix) else None

    def trial_text(self) -> str:
        """A text value other than the source's, for the trial event."""
        return "" if self.text else "."

    def fill(self, text: str) -> str:
        """This shape's event with ``text`` (plain characters only) as its text string, and
        padding other than the source's."""
        if self.middle is None:
            return f'{self.prefix}{text}"{self.suffix}'
        padding = "" if self.padding else "."
        return f'{self.prefix}{text}"{self.middle}{padding}"{self.suffix}'
