"""Calling the user's hooks: which methods were overridden, and one call's steps as events.

A client keeps a :class:`HookSet` only when some hook method is overridden; without one, the
facades skip all of this with a ``None`` check. A :class:`Trace` (blocking) or
:class:`AsyncTrace` follows one model's call and turns its steps into the events of
:mod:`llmclient.hooks`; both build the same events and differ only in awaiting the hooks.
"""

from __future__ import annotations

import difflib
import inspect
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ._core.call import ChatCall
from ._core.redact import redact_url
from .errors import LlmError
from .hooks import (
    AsyncHooks,
    EndEvent,
    ErrorEvent,
    FirstChunkEvent,
    Hooks,
    RequestEvent,
    RetryEvent,
)
from .types import ChatCompletionChunk, Choice, EmbeddingUsage, Usage

logger = logging.getLogger("llmclient")

HOOK_NAMES = ("on_request", "on_retry", "on_first_chunk", "on_chunk", "on_end", "on_error")

Hook = Callable[[Any], Any]


class HookSet:
    """The overridden hook methods of a client's hook objects, per step; None where no hook
    listens, so a step nobody listens to costs one check."""

    __slots__ = HOOK_NAMES

    on_request: tuple[Hook, ...] | None
    on_retry: tuple[Hook, ...] | None
    on_first_chunk: tuple[Hook, ...] | None
    on_chunk: tuple[Hook, ...] | None
    on_end: tuple[Hook, ...] | None
    on_error: tuple[Hook, ...] | None

    def __init__(self, hooks: Iterable[object], client: str, allow_async: bool) -> None:
        listeners: dict[str, list[Hook]] = {name: [] for name in HOOK_NAMES}
        for hook in hooks:
            for name, method in _overridden(hook, client, allow_async):
                listeners[name].append(method)
        for name in HOOK_NAMES:
            setattr(self, name, tuple(listeners[name]) or None)

    @classmethod
    def build(cls, hooks: Iterable[object], client: str, allow_async: bool) -> HookSet | None:
        """The hook set for a client's ``hooks=`` argument; None when nothing is overridden."""
        if isinstance(hooks, (Hooks, AsyncHooks)):
            hooks = [hooks]  # a forgiving reading of hooks=MyHooks()
        if not isinstance(hooks, Iterable) or isinstance(hooks, (str, bytes)):
            wanted = "Hooks or AsyncHooks" if allow_async else "Hooks"
            raise TypeError(
                f"{client} hooks must be a list of llmclient.hooks.{wanted} objects, "
                f"got {type(hooks).__name__}."
            )
        hook_set = cls(hooks, client, allow_async)
        if all(getattr(hook_set, name) is None for name in HOOK_NAMES):
            return None
        return hook_set

    def trace(self, method: str, call: ChatCall, started: float) -> Trace:
        """A blocking client's trace of one model's call that began at ``started``."""
        return Trace(self, method, call, started)

    def async_trace(self, method: str, call: ChatCall, started: float) -> AsyncTrace:
        """An asyncio client's trace of one model's call that began at ``started``."""
        return AsyncTrace(self, method, call, started)


def _overridden(hook: object, client: str, allow_async: bool) -> list[tuple[str, Hook]]:
    """The hook methods ``hook`` overrides; ``TypeError`` for what the client cannot call."""
    kinds = (Hooks, AsyncHooks) if allow_async else (Hooks,)
    if isinstance(hook, AsyncHooks) and not allow_async:
        raise TypeError(
            f"{type(hook).__name__} is an AsyncHooks, whose hooks are awaited: give it to "
            f"AsyncLlmClient, or subclass llmclient.hooks.Hooks for {client}."
        )
    if not isinstance(hook, kinds):
        wanted = "Hooks or AsyncHooks" if allow_async else "Hooks"
        raise TypeError(
            f"{client} hooks must be instances of llmclient.hooks.{wanted} subclasses, "
            f"got {type(hook).__name__}."
        )
    for name in dir(type(hook)):
        if name.startswith("on_") and name not in HOOK_NAMES:
            close = difflib.get_close_matches(name, HOOK_NAMES, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else "."
            raise TypeError(
                f"{type(hook).__name__}.{name} is not a hook{hint} "
                f"Hooks are {', '.join(HOOK_NAMES)}."
            )
    found: list[tuple[str, Hook]] = []
    for name in HOOK_NAMES:
        function = getattr(type(hook), name)
        if function is getattr(Hooks, name) or function is getattr(AsyncHooks, name):
            continue
        if not allow_async and inspect.iscoroutinefunction(function):
            raise TypeError(
                f"{type(hook).__name__}.{name} is async: {client} calls hooks without awaiting; "
                "use AsyncLlmClient, or a plain def."
            )
        found.append((name, getattr(hook, name)))
    return found


def _failed(hook: Hook) -> None:
    name = getattr(hook, "__qualname__", repr(hook))
    logger.warning("hook %s raised; skipped", name, exc_info=True)


def call_hooks(hooks: tuple[Hook, ...], event: object) -> None:
    """Call each hook with ``event``; one that raises is logged and skipped."""
    for hook in hooks:
        try:
            hook(event)
        except Exception:
            _failed(hook)


async def acall_hooks(hooks: tuple[Hook, ...], event: object) -> None:
    """Call each hook with ``event``, awaiting async ones; one that raises is logged and
    skipped."""
    for hook in hooks:
        try:
            result = hook(event)
            if result is not None and inspect.isawaitable(result):
                await result
        except Exception:
            _failed(hook)


def _as_usage(usage: Usage | EmbeddingUsage | None) -> Usage | None:
    if isinstance(usage, EmbeddingUsage):
        return Usage(prompt_tokens=usage.prompt_tokens, total_tokens=usage.total_tokens)
    return usage


class _TraceEvents:
    """One model's call, as the hooks see it: counts attempts, notes what the chunks said,
    and builds each step's event."""

    __slots__ = (
        "attempts",
        "first_chunk_latency",
        "hooks",
        "method",
        "model",
        "provider",
        "started",
    )

    def __init__(self, hooks: HookSet, method: str, call: ChatCall, started: float) -> None:
        self.hooks = hooks
        self.method = method
        self.provider = call.provider.name
        self.model = call.model
        self.started = started
        self.attempts = 0
        self.first_chunk_latency: float | None = None

    def _request_event(self, url: str) -> RequestEvent:
        self.attempts += 1
        return RequestEvent(self.method, self.provider, self.model, self.attempts, redact_url(url))

    def _retry_event(self, attempt: int, error: BaseException, delay: float) -> RetryEvent | None:
        if not isinstance(error, LlmError):
            return None
        return RetryEvent(self.method, self.provider, self.model, attempt, error, delay)

    def _first_chunk_event(self, chunk: ChatCompletionChunk) -> FirstChunkEvent:
        self.first_chunk_latency = latency = time.monotonic() - self.started
        return FirstChunkEvent(self.method, self.provider, self.model, chunk, latency)

    def _end_event(
        self, usage: Usage | EmbeddingUsage | None, choices: Sequence[Choice]
    ) -> EndEvent:
        return EndEvent(
            self.method,
            self.provider,
            self.model,
            _as_usage(usage),
            time.monotonic() - self.started,
            self.first_chunk_latency,
            choices[0].finish_reason if choices else None,
            self.attempts,
        )

    def _error_event(self, error: LlmError, next_call: ChatCall | None) -> ErrorEvent:
        latency = time.monotonic() - self.started
        fallback = None if next_call is None else f"{next_call.provider.name}/{next_call.model}"
        return ErrorEvent(self.method, self.provider, self.model, error, latency, fallback)


class Trace(_TraceEvents):
    """The blocking client's trace: hooks are called in place."""

    __slots__ = ()

    def request(self, url: str) -> None:
        event = self._request_event(url)
        if self.hooks.on_request is not None:
            call_hooks(self.hooks.on_request, event)

    def retry(self, attempt: int, error: BaseException, delay: float) -> None:
        event = self._retry_event(attempt, error, delay)
        if event is not None and self.hooks.on_retry is not None:
            call_hooks(self.hooks.on_retry, event)

    def first_chunk(self, chunk: ChatCompletionChunk) -> None:
        event = self._first_chunk_event(chunk)
        if self.hooks.on_first_chunk is not None:
            call_hooks(self.hooks.on_first_chunk, event)

    def chunk(self, chunk: ChatCompletionChunk) -> None:
        if self.hooks.on_chunk is not None:
            call_hooks(self.hooks.on_chunk, chunk)

    def end(
        self, usage: Usage | EmbeddingUsage | None = None, choices: Sequence[Choice] = ()
    ) -> None:
        """The call completed with this usage and these choices (the first one's finish
        reason is reported)."""
        if self.hooks.on_end is not None:
            call_hooks(self.hooks.on_end, self._end_event(usage, choices))

    def error(self, error: LlmError, next_call: ChatCall | None = None) -> None:
        if self.hooks.on_error is not None:
            call_hooks(self.hooks.on_error, self._error_event(error, next_call))


class AsyncTrace(_TraceEvents):
    """The asyncio client's trace: the twin of :class:`Trace`, awaiting async hooks."""

    __slots__ = ()

    async def request(self, url: str) -> None:
        event = self._request_event(url)
        if self.hooks.on_request is not None:
            await acall_hooks(self.hooks.on_request, event)

    async def retry(self, attempt: int, error: BaseException, delay: float) -> None:
        event = self._retry_event(attempt, error, delay)
        if event is not None and self.hooks.on_retry is not None:
            await acall_hooks(self.hooks.on_retry, event)

    async def first_chunk(self, chunk: ChatCompletionChunk) -> None:
        event = self._first_chunk_event(chunk)
        if self.hooks.on_first_chunk is not None:
            await acall_hooks(self.hooks.on_first_chunk, event)

    async def chunk(self, chunk: ChatCompletionChunk) -> None:
        if self.hooks.on_chunk is not None:
            await acall_hooks(self.hooks.on_chunk, chunk)

    async def end(
        self, usage: Usage | EmbeddingUsage | None = None, choices: Sequence[Choice] = ()
    ) -> None:
        """The call completed with this usage and these choices (the first one's finish
        reason is reported)."""
        if self.hooks.on_end is not None:
            await acall_hooks(self.hooks.on_end, self._end_event(usage, choices))

    async def error(self, error: LlmError, next_call: ChatCall | None = None) -> None:
        if self.hooks.on_error is not None:
            await acall_hooks(self.hooks.on_error, self._error_event(error, next_call))
