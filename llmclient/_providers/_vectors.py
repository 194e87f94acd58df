"""Embedding vectors as the dialects receive them: JSON lists of numbers, or base64 of
little-endian float32 values (OpenAI's ``encoding_format="base64"``), always read as floats."""

from __future__ import annotations

import array
import base64
import binascii
import sys
from typing import Any


def vector(value: Any) -> list[float]:
    """A vector sent as a JSON list of numbers, or as base64 of little-endian float32."""
    if isinstance(value, str):
        return decode_base64_floats(value)
    if not isinstance(value, list):
        raise TypeError(f"an embedding is a list of numbers or a base64 string, not {value!r:.40}")
    return [float(number) for number in value]


def decode_base64_floats(data: str) -> list[float]:
    """The floats of base64-encoded little-endian float32 values (OpenAI's ``base64`` format).

    Raises ``ValueError`` when ``data`` is not base64 or not a whole number of float32 values.
    """
    try:
        raw = base64.b64decode(data, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"an embedding is not valid base64 ({exc})") from exc
    if len(raw) % 4:
        raise ValueError(f"a base64 embedding holds {len(raw)} bytes, not whole float32 values")
    values = array.array("f")
    values.frombytes(raw)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()
