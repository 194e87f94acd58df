"""Retry policy: what is retried, how long to wait, and the tenacity objects built from it.

Only the phase before the first chunk is ever retried; the facades wrap exactly that phase.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NoReturn, TypeVar

import tenacity

from ..errors import APIConnectionError, APIError, APIStatusError, IncompleteStreamError
from .timeouts import StreamClock

logger = logging.getLogger("llmclient")

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
#: An error event inside a stream is retried only when its type is transient.
RETRYABLE_IN_STREAM = frozenset({429, 503, 529})
INITIAL_BACKOFF = 0.5
MAX_BACKOFF = 8.0
#: A server asking us to wait longer than this gets its error raised instead.
MAX_RETRY_AFTER = 60.0


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms``, or ``retry-after`` (seconds or an HTTP date)."""
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def parse_should_retry(headers: Mapping[str, str]) -> bool | None:
    """The ``x-should-retry`` header as a bool, or None when absent or unreadable."""
    value = headers.get("x-should-retry", "").strip().lower()
    return {"true": True, "false": False}.get(value)


def is_retryable(exc: BaseException) -> bool:
    """Whether an error from before the first chunk is worth another attempt."""
    if isinstance(exc, APIStatusError):
        if exc.retry_after is not None and exc.retry_after > MAX_RETRY_AFTER:
            return False
        if exc.should_retry is not None:
            return exc.should_retry
        statuses = RETRYABLE_IN_STREAM if exc.in_stream else RETRYABLE_STATUSES
        return exc.status_code in statuses
    # A body cut before its first chunk (even cleanly) delivered nothing: safe to ask again.
    return isinstance(exc, (APIConnectionError, IncompleteStreamError))


def falls_back(exc: BaseException) -> bool:
    """Whether a model's failure before its first chunk (retries spent) lets a fallback try.

    Transient and availability failures do: connection errors, timeouts, a body cut short,
    404 (no such model here), 408, 409, 429 and 5xx. Errors in the request itself do not.
    """
    if isinstance(exc, APIStatusError):
        return (
            exc.status_code == 404
            or exc.status_code in RETRYABLE_STATUSES
            or (exc.status_code >= 500)
        )
    return isinstance(exc, (APIConnectionError, IncompleteStreamError))


def backoff(attempt: int, exc: BaseException | None) -> float:
    """Seconds to sleep after failed attempt number ``attempt`` (1-based)."""
    if isinstance(exc, APIStatusError) and exc.retry_after is not None:
        return exc.retry_after
    delay = min(MAX_BACKOFF, INITIAL_BACKOFF * 2.0 ** min(attempt - 1, 32))
    return delay * (1 - 0.25 * random.random())


def _should_retry(state: tenacity.RetryCallState) -> bool:
    exc = state.outcome.exception() if state.outcome else None
    if exc is None:
        return False
    if isinstance(exc, APIError):
        # Stamped here because this runs after every failed attempt, the last one included.
        exc.attempts = state.attempt_number
    retryable = is_retryable(exc)
    if not retryable and logger.isEnabledFor(logging.DEBUG):
        logger.debug("not retried after attempt %d: %r", state.attempt_number, exc)
    return retryable


def _wait(state: tenacity.RetryCallState) -> float:
    return backoff(state.attempt_number, state.outcome.exception() if state.outcome else None)


def _log_retry(state: tenacity.RetryCallState) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        exc = state.outcome.exception() if state.outcome else None
        logger.debug(
            "retrying after attempt %d in %.2fs: %r",
            state.attempt_number,
            state.upcoming_sleep,
            exc,
        )


def _give_up(state: tenacity.RetryCallState) -> NoReturn:
    exc = state.outcome.exception() if state.outcome else None
    assert exc is not None  # only failed attempts are retried
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("gave up after %d attempts: %r", state.attempt_number, exc)
    raise exc


class _stop_before_deadline(tenacity.stop.stop_base):
    """Stop when the next attempt could only start after the call's ``total_timeout``."""

    def __init__(self, clock: StreamClock) -> None:
        self.clock = clock

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        # tenacity computes the sleep before asking whether to stop.
        left = self.clock.total_remaining(time.monotonic())
        return left is not None and retry_state.upcoming_sleep >= left


def _stop(max_retries: int, clock: StreamClock | None) -> tenacity.stop.stop_base:
    attempts = tenacity.stop_after_attempt(max_retries + 1)
    if clock is None or clock.timeouts.total is None:
        return attempts
    return attempts | _stop_before_deadline(clock)


#: Told of each retry: the failed attempt's number, its error, and the pause before the next.
OnRetry = Callable[[int, BaseException, float], None]
AsyncOnRetry = Callable[[int, BaseException, float], Awaitable[None]]


def _failure(state: tenacity.RetryCallState) -> tuple[int, BaseException, float]:
    exc = state.outcome.exception() if state.outcome else None
    assert exc is not None  # only failed attempts are retried
    return state.attempt_number, exc, state.upcoming_sleep


def retrying(
    max_retries: int, clock: StreamClock | None = None, on_retry: OnRetry | None = None
) -> tenacity.Retrying:
    """A blocking retrier for ``max_retries`` retries after the first attempt.

    With a clock that has a total deadline, no retry starts after it. ``on_retry`` is called
    before each pause.
    """
    before_sleep = _log_retry
    if on_retry is not None:

        def before_sleep(state: tenacity.RetryCallState) -> None:
            _log_retry(state)
            on_retry(*_failure(state))

    return tenacity.Retrying(
        stop=_stop(max_retries, clock),
        wait=_wait,
        retry=_should_retry,
        before_sleep=before_sleep,
        retry_error_callback=_give_up,
    )


def async_retrying(
    max_retries: int, clock: StreamClock | None = None, on_retry: AsyncOnRetry | None = None
) -> tenacity.AsyncRetrying:
    """The asyncio twin of :func:`retrying`: the same policy, only the sleep differs."""
    before_sleep: Callable[[tenacity.RetryCallState], Awaitable[None] | None] = _log_retry
    if on_retry is not None:

        async def before_sleep(state: tenacity.RetryCallState) -> None:
            _log_retry(state)
            await on_retry(*_failure(state))

    return tenacity.AsyncRetrying(
        stop=_stop(max_retries, clock),
        wait=_wait,
        retry=_should_retry,
        before_sleep=before_sleep,
        retry_error_callback=_give_up,
    )


def _replaying(first: Exception, step: Callable[..., T]) -> Callable[..., T]:
    """``step``, except that its first call raises ``first`` (an attempt already made)."""
    pending = [first]

    def attempt(*args: Any) -> T:
        if pending:
            raise pending.pop()
        return step(*args)

    return attempt


def retry_call(
    max_retries: int,
    clock: StreamClock | None,
    on_retry: OnRetry | None,
    step: Callable[..., T],
    *args: Any,
) -> T:
    """``step(*args)``, retried as the policy says.

    Most calls succeed at once, and a tenacity retrier costs tens of microseconds to build and
    run, so the first attempt is made before one exists. A failed first attempt is handed to
    it as its own first attempt (replayed, not sent again): counting, backoff, deadlines and
    giving up are tenacity's either way.
    """
    try:
        return step(*args)
    except Exception as exc:
        first = exc
    # Outside the except block, so that a later attempt's error is not shown as raised
    # "during handling of" the first one.
    return retrying(max_retries, clock, on_retry)(_replaying(first, step), *args)


def _async_replaying(
    first: Exception, step: Callable[..., Awaitable[T]]
) -> Callable[..., Awaitable[T]]:
    """The asyncio twin of :func:`_replaying`."""
    pending = [first]

    async def attempt(*args: Any) -> T:
        if pending:
            raise pending.pop()
        return await step(*args)

    return attempt


async def async_retry_call(
    max_retries: int,
    clock: StreamClock | None,
    on_retry: AsyncOnRetry | None,
    step: Callable[..., Awaitable[T]],
    *args: Any,
) -> T:
    """The asyncio twin of :func:`retry_call`."""
    try:
        return await step(*args)
    except Exception as exc:
        first = exc
    retrier = async_retrying(max_retries, clock, on_retry)
    return await retrier(_async_replaying(first, step), *args)
