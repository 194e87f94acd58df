"""What Claude takes wherever it is served (Anthropic's API, Bedrock's Converse): the thinking
budget ``reasoning_effort`` stands for, and the room ``max_tokens`` must leave past it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InvalidRequestError

THINKING_BUDGETS: Mapping[str, int] = {"low": 1024, "medium": 4096, "high": 16384}
"""``thinking.budget_tokens`` for each ``reasoning_effort``."""


def thinking(effort: Any, explicit: Any, provider: str) -> tuple[dict[str, Any] | None, int | None]:
    """Claude's ``thinking`` field for ``reasoning_effort`` (None when not given), and the
    budget in force: ``explicit``, a ``thinking`` object of the caller's own (from
    ``extra_body``), replaces what the effort set. Raises ``InvalidRequestError`` for an
    effort that has no budget."""
    field: dict[str, Any] | None = None
    budget: int | None = None
    if effort is not None:
        budget = THINKING_BUDGETS.get(effort)
        if budget is None:
            known = ", ".join(repr(name) for name in THINKING_BUDGETS)
            raise InvalidRequestError(
                f"reasoning_effort={effort!r} is not supported by {provider}; use one of {known}."
            )
        field = {"type": "enabled", "budget_tokens": budget}
    if isinstance(explicit, Mapping):
        given = explicit.get("budget_tokens")
        enabled = explicit.get("type") == "enabled"
        budget = given if enabled and isinstance(given, int) else None
    return field, budget


def max_tokens_for(max_tokens: Any, budget: int | None, default: int | None, provider: str) -> Any:
    """``max_tokens`` checked to leave room past the thinking ``budget``; when not given,
    ``default`` (None: none) plus the budget."""
    if max_tokens is None:
        return None if default is None and budget is None else (default or 0) + (budget or 0)
    if budget is not None and isinstance(max_tokens, int) and max_tokens <= budget:
        raise InvalidRequestError(
            f"max_tokens ({max_tokens}) must be larger than the thinking budget ({budget}) "
            f"for {provider}: raise max_tokens or lower the reasoning effort."
        )
    return max_tokens
