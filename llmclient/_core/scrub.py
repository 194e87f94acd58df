"""Hiding a call's secrets in the errors it raises: what one call sent that is secret
(:func:`call_secrets`), and the steps that scrub their errors of it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import LlmError
from .redact import CREDENTIAL_HEADER, SAFE_QUERY_PARAMS, Secrets

if TYPE_CHECKING:
    from .call import ChatCall

__all__ = ["ascrubbing", "call_secrets", "scrub_error", "scrubbing"]

T = TypeVar("T")


def call_secrets(call: ChatCall) -> Secrets:
    """What one call sent that is secret: its key, what its auth sent (a bearer token), the
    values of its base URL's query (but those of ``SAFE_QUERY_PARAMS``), and the values of the
    caller's headers whose names say they are credentials (``Authorization``, ``X-Api-Key``,
    ``X-Auth-Token``, ...)."""
    values = [call.api_key] if call.api_key else []
    values += call.auth.secrets()
    for pair in call.base_query.split("&"):
        name, equals, value = pair.partition("=")
        if not equals:
            values.append(name)  # a bare "?token" is all value
        elif name.lower() not in SAFE_QUERY_PARAMS:
            values.append(value)
    for name, value in call.headers.items():
        if re.search(CREDENTIAL_HEADER, name):
            values += (value, value.partition(" ")[2])  # and the token after "Bearer "
    return Secrets(values)


def scrub_error(error: LlmError, call: ChatCall | None) -> None:
    """Hide ``call``'s secrets in ``error``'s args and attributes (message, body, request id,
    ...), in place: its ``str``, ``repr`` and pickles then hold none."""
    if call is None:
        return
    secrets = call_secrets(call)
    if not secrets:
        return
    error.args = secrets.value(error.args)
    for name, value in vars(error).items():
        vars(error)[name] = secrets.value(value)


def scrubbing(step: Callable[..., T]) -> Callable[..., T]:
    """``step(call, ...)``, with ``call``'s secrets hidden in any error it raises."""

    def attempt(call: ChatCall, *args: Any) -> T:
        try:
            return step(call, *args)
        except LlmError as exc:
            scrub_error(exc, call)
            raise

    return attempt


def ascrubbing(step: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """The asyncio twin of :func:`scrubbing`."""

    async def attempt(call: ChatCall, *args: Any) -> T:
        try:
            return await step(call, *args)
        except LlmError as exc:
            scrub_error(exc, call)
            raise

    return attempt
