"""What every reply builder does the same way: compact JSON, text cut into the pieces of a
stream, words counted as tokens, and the error type names Anthropic gives each HTTP status."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    413: "request_too_large",
    422: "invalid_request_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}
"""The ``type`` of an Anthropic error for each HTTP status it names."""


def dump_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def copies(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [dict(item) for item in items]


def count_tokens(text: str) -> int:
    """A rough token count: the number of words."""
    return len(text.split())


def stream_pieces(text: str, chunks: int | None) -> list[str]:
    """``text`` in ``chunks`` nearly equal pieces, or one piece per word when ``chunks`` is
    ``None``: the deltas of a streamed reply."""
    return words(text) if chunks is None else split_evenly(text, chunks)


def words(text: str) -> list[str]:
    """Split ``text`` into word-sized pieces, each with its leading spaces; they join to it."""
    return re.findall(r"\s*\S+|\s+", text)


def split_evenly(text: str, count: int) -> list[str]:
    """Split ``text`` into exactly ``count`` pieces whose lengths differ by at most one."""
    if count < 1:
        raise ValueError(f"chunks must be at least 1, not {count}")
    size, extra = divmod(len(text), count)
    pieces: list[str] = []
    start = 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        pieces.append(text[start:end])
        start = end
    return pieces
