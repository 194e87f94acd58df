"""Provider state in request messages: read by the dialect that made it, left out by others.

A request message carries it as :meth:`ProviderState.to_dict` gives it (``{"dialect": ...,
"data": {...}}``) under ``provider_state``, on the message and on each of its tool calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InvalidRequestError
from ..types import ProviderState

KEY = "provider_state"


def state_data(owner: Mapping[str, Any], dialect: str, where: str) -> Mapping[str, Any] | None:
    """The data of ``owner``'s provider state if ``dialect`` made it, else None.

    Raises ``InvalidRequestError`` for a ``provider_state`` that is not one ``to_dict()``
    writes: state is passed on unchanged, never guessed at.
    """
    state = owner.get(KEY)
    if state is None:
        return None
    if isinstance(state, ProviderState):
        state = state.to_dict()
    if (
        not isinstance(state, Mapping)
        or not isinstance(state.get("dialect"), str)
        or not isinstance(state.get("data"), Mapping)
    ):
        raise InvalidRequestError(
            f"{where}['{KEY}'] must be {{'dialect': str, 'data': dict}} as to_dict() gives it, "
            f"got {type(state).__name__}."
        )
    return state["data"] if state["dialect"] == dialect else None


def without_state(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``messages`` with every provider state left out (the list itself when none has any)."""
    if not any(KEY in message or _calls_have_state(message) for message in messages):
        return messages
    out = []
    for message in messages:
        message = {key: value for key, value in message.items() if key != KEY}
        calls = message.get("tool_calls")
        if isinstance(calls, list):
            message["tool_calls"] = [
                {key: value for key, value in call.items() if key != KEY}
                if isinstance(call, Mapping)
                else call
                for call in calls
            ]
        out.append(message)
    return out


def _calls_have_state(message: Mapping[str, Any]) -> bool:
    calls = message.get("tool_calls")
    return isinstance(calls, list) and any(
        isinstance(call, Mapping) and KEY in call for call in calls
    )
