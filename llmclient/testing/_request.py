"""What a default answer reads: the request as the server received it, and the server's
defaults (the text it says, the delay between the events it streams)."""

from __future__ import annotations

import json
from typing import Any, Protocol

import attrs


@attrs.frozen
class RecordedRequest:
    """One request as the server received it. Header names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body, parsed as JSON."""
        return json.loads(self.body)


class Defaults(Protocol):
    """The settings of a :class:`~llmclient.testing.LocalServer` its default answers follow."""

    default_text: str
    stream_delay: float


def json_object(request: RecordedRequest) -> dict[str, Any] | None:
    """The request's body as a JSON object, or None when it is not one."""
    try:
        payload = request.json()
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def string_or(payload: dict[str, Any], key: str, default: str) -> str:
    """``payload[key]`` when it is a string, else ``default``."""
    value = payload.get(key)
    return value if isinstance(value, str) else default
