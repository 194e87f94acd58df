"""Helpers several dialects share: reading a stream event's JSON, describing an event in an
error, and merging ``extra_body`` into a nested body. No dialect's own rules live here."""

from __future__ import annotations

import json
import json.scanner
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import DecodeError

_PREVIEW = 80


def describe_event(number: int, data: str) -> str:
    """A short, safe description of a stream event for error messages."""
    preview = data if len(data) <= _PREVIEW else data[:_PREVIEW] + "..."
    return f"event #{number} {preview!r}"


def load_event(data: str, provider: str, number: int) -> dict[str, Any]:
    """The JSON object event number ``number`` holds; raises DecodeError for anything else."""
    try:
        payload, end = _scan_json(data, 0)
    except (StopIteration, ValueError):
        end = -1
    if end != len(data):  # not one bare JSON value: padded JSON, or not JSON
        try:
            payload = json.loads(data)
        except ValueError as exc:
            raise DecodeError(
                f"{provider}: {describe_event(number, data)} is not valid JSON ({exc}).",
                provider=provider,
            ) from exc
    if payload.__class__ is not dict:
        raise DecodeError(
            f"{provider}: {describe_event(number, data)} is not a JSON object.", provider=provider
        )
    return payload


def merged(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` merged in, nested objects merged key by key (copies only)."""
    out = dict(base)
    for key, value in extra.items():
        current = out.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            out[key] = merged(current, value)
        else:
            out[key] = value
    return out


# The C scanner behind json.loads, called directly: a chunk's JSON is parsed without the two
# whitespace regex passes json.loads makes. Anything it does not take whole goes to json.loads.
_scan_json: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(
    json.JSONDecoder()  # type: ignore[arg-type]  # typeshed types the argument as the scanner
)
