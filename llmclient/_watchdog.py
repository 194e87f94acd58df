"""One background thread that cuts off streams whose timeout has tripped.

A blocked read cannot be given a new timeout halfway, and comments that keep arriving would
reset any per-read timeout, so the watchdog works from the outside: when a stream's
:class:`~llmclient._timeouts.StreamClock` deadline passes, it shuts the stream's socket down.
The read that was waiting fails at once, and the facade, seeing :attr:`Watch.tripped`, raises
``APITimeoutError`` naming the rule. Shutting a socket down is safe from another thread, and
works the same under the blocking client and the async one, on asyncio and on trio.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx

from ._core.timeouts import TOTAL, StreamClock
from ._wire import cut_socket
from .errors import APITimeoutError

if TYPE_CHECKING:
    from ._core.call import ChatCall

logger = logging.getLogger("llmclient")

#: Stopped watches the heap may hold before it is compacted (and never more than half of it).
_COMPACT_AFTER = 64


class Watch:
    """One watched stream: its clock and socket, and which rule tripped, once one has."""

    __slots__ = ("_lock", "clock", "done", "sock", "tripped")

    def __init__(self, clock: StreamClock, sock: Any) -> None:
        self.clock = clock
        self.sock = sock
        self.tripped: str | None = None
        self.done = False
        # Held while cutting, so that once stop() returns the socket (which may go back to
        # the pool and serve another request) is never cut on this stream's account.
        self._lock = threading.Lock()

    def stop(self) -> None:
        with self._lock:
            self.done = True

    def trip(self, rule: str) -> None:
        with self._lock:
            if self.done:
                return
            self.tripped = rule
            self._cut()

    def _cut(self) -> None:
        cut_socket(self.sock)


class Watchdog:
    """Shuts down the sockets of streams past their deadline; one daemon thread, started lazily."""

    def __init__(self) -> None:
        self._reset()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        # Also run in a forked child, which inherits the state but not the thread.
        self._heap: list[tuple[float, int, Watch]] = []
        self._stopped = 0  # watches stopped since the heap was last compacted
        self._order = itertools.count()
        self._wakeup = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, clock: StreamClock, sock: Any) -> Watch:
        """Start watching a stream's socket; call :meth:`stop` when the stream is done."""
        watch = Watch(clock, sock)
        self.reschedule(watch)
        return watch

    def reschedule(self, watch: Watch) -> None:
        """Take note that a watch's deadline may have moved earlier (its phase changed)."""
        deadline = watch.clock.deadline()
        if deadline is None:
            return
        import heapq  # on first use: `import llmclient` stays free of it

        with self._wakeup:
            heapq.heappush(self._heap, (deadline, next(self._order), watch))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="llmclient-watchdog", daemon=True
                )
                self._thread.start()
            self._wakeup.notify()

    def stop(self, watch: Watch) -> None:
        """Stop watching; the entry is dropped when its time comes, or sooner once stopped
        entries make up half the heap (a deadline may be days away)."""
        watch.stop()
        import heapq

        with self._wakeup:
            self._stopped += 1
            if self._stopped > _COMPACT_AFTER and 2 * self._stopped > len(self._heap):
                self._heap = [entry for entry in self._heap if not entry[2].done]
                heapq.heapify(self._heap)
                self._stopped = 0

    def _run(self) -> None:
        import heapq

        with self._wakeup:
            while True:
                if not self._heap:
                    self._wakeup.wait()
                    continue
                deadline, _, watch = self._heap[0]
                if watch.done:
                    heapq.heappop(self._heap)
                    continue
                now = time.monotonic()
                if now < deadline:
                    # Condition.wait refuses anything past TIMEOUT_MAX (about 9e9 s).
                    self._wakeup.wait(min(deadline - now, threading.TIMEOUT_MAX))
                    continue
                heapq.heappop(self._heap)
                try:
                    self._check(watch, now)
                except Exception:
                    # One broken watch must not end the thread every client's timeouts
                    # depend on: drop it, say so, and go on with the others.
                    logger.warning("llmclient watchdog: dropped a watch that failed", exc_info=True)

    def _check(self, watch: Watch, now: float) -> None:
        """Trip a watch whose deadline has come, or put it back for its later one."""
        import heapq

        rule = watch.clock.expired(now)
        if rule is not None:
            watch.trip(rule)
            return
        # Progress moved the deadline later since this entry was made.
        later = watch.clock.deadline()
        if later is not None:
            heapq.heappush(self._heap, (later, next(self._order), watch))


#: The process's one watchdog, shared by every client.
WATCHDOG = Watchdog()


class CallTimer:
    """One call's stream timeouts, enforced across its attempts.

    Each attempt's socket is watched by :data:`WATCHDOG` from the moment the request is sent
    (see :class:`~llmclient._wire.Wire`), so a server dripping its headers is cut off too. Until
    the response arrives, httpx's own timeouts are also cut to what is left of the current
    rule; after, every read that produced no chunk is checked against the clock (both for
    transports without a socket).
    """

    __slots__ = ("_watch", "clock", "provider")

    def __init__(self, call: ChatCall) -> None:
        self.clock = StreamClock(call.stream_timeouts, time.monotonic())
        self.provider = call.provider.name
        self._watch: Watch | None = None

    @classmethod
    def for_call(cls, call: ChatCall) -> CallTimer | None:
        """A timer for a call that has stream timeouts, else None (and nothing to pay)."""
        return cls(call) if call.stream_timeouts else None

    def start_attempt(self) -> None:
        """A new attempt begins; raises if the call's deadline has already passed."""
        self.stop()
        now = time.monotonic()
        rule = self.clock.expired(now)
        if rule == TOTAL:
            raise self.error(rule, "before sending the request")
        self.clock.request_sent(now)

    def request_timeout(self, configured: httpx.Timeout) -> httpx.Timeout:
        """``configured`` with each phase cut to what is left before the next rule trips."""
        left = self.clock.remaining(time.monotonic())
        if left is None:
            return configured
        return httpx.Timeout(
            connect=_at_most(configured.connect, left),
            read=_at_most(configured.read, left),
            write=_at_most(configured.write, left),
            pool=_at_most(configured.pool, left),
        )

    def watch_socket(self, sock: Any) -> None:
        """The current attempt goes over ``sock``: have the watchdog cut it when a rule trips.

        An attempt's request sent again on another connection (an auth's resend after a 401,
        the first connection closed) moves the watch to that one.
        """
        if self._watch is not None:
            if self._watch.sock is sock:
                return
            WATCHDOG.stop(self._watch)
        self._watch = WATCHDOG.watch(self.clock, sock)

    def watch(self, request: httpx.Request, response: httpx.Response, read: float | None) -> None:
        """The response has arrived: reads get their own timeout back, and the watchdog the
        socket, if it does not have it yet."""
        timeouts = dict(request.extensions.get("timeout") or {})
        timeouts["read"] = read
        # httpcore reads this when the body starts, so body reads are not cut to the
        # first-chunk rule; the watchdog enforces the stream rules from here on.
        request.extensions["timeout"] = timeouts
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            self.watch_socket(sock)

    def after_read(self, produced_chunks: bool) -> None:
        """Record progress, or raise if a rule tripped while only non-chunk bytes arrived."""
        now = time.monotonic()
        if produced_chunks:
            first = not self.clock.streaming
            self.clock.progress(now)
            if first and self._watch is not None:
                WATCHDOG.reschedule(self._watch)  # the idle rule may trip sooner
            return
        rule = self.clock.expired(now)
        if rule is not None:
            raise self.error(rule, "while streaming")

    def tripped(self) -> str | None:
        """The rule whose deadline has passed, whether the watchdog or the clock noticed."""
        if self._watch is not None and self._watch.tripped:
            return self._watch.tripped
        return self.clock.expired(time.monotonic())

    def error(self, rule: str, during: str) -> APITimeoutError:
        return APITimeoutError(
            f"{self.provider}: {self.clock.describe(rule)} tripped {during}.",
            provider=self.provider,
        )

    def stop(self) -> None:
        """Stop watching the current attempt's socket."""
        if self._watch is not None:
            WATCHDOG.stop(self._watch)
            self._watch = None


def _at_most(value: float | None, limit: float) -> float:
    return limit if value is None else min(value, limit)
