"""The base of every answer type, public as :class:`llmclient.types.Serializable`.

Apart from :mod:`llmclient.types` so that the chat types there and the endpoint types in
:mod:`llmclient._core.endpoint_types` (which ``types`` loads lazily) both build on it without
importing each other.
"""

from __future__ import annotations

import json
from typing import Any

import attrs

__all__ = ["Serializable"]


class Serializable:
    """What every answer type can do: become OpenAI's JSON shape again."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """This object as a fresh dict in OpenAI's JSON shape, fields that are None left out.

        Provider state is included, so the dict of a :class:`Message` can be stored as JSON
        and sent back as a request message later, to any provider.
        """
        return _to_dict(self)

    def to_json(self) -> str:
        """:meth:`to_dict` as compact JSON on one line (ready for an SSE ``data:`` field)."""
        return json.dumps(_to_dict(self), ensure_ascii=False, separators=(",", ":"))


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _to_dict(value: Any) -> dict[str, Any]:
    cls = value.__class__
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(field.name for field in attrs.fields(cls))
    out: dict[str, Any] = {}
    for name in names:
        item = getattr(value, name)
        if item is not None:
            out[name] = _plain(item)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, Serializable):
        return _to_dict(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


# Named where users import it from, as in the reprs of the classes and in pickles.
Serializable.__module__ = "llmclient.types"
