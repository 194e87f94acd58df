"""Stream timeouts as pure arithmetic on monotonic times: which rule trips, and when.

Three rules, each optional:

- ``first_chunk_timeout``: from sending a request to its first chunk (each attempt anew);
- ``idle_timeout``: the longest gap between chunks once streaming. Bytes that make no chunk
  (comments, pings, keep-alives) are not progress, so a server dripping them is still cut off;
- ``total_timeout``: a deadline for the whole call, retries and iteration included.

httpx's read timeout cannot express these (it restarts on every byte), so the facades arm a
watchdog with :meth:`StreamClock.deadline` and ask :meth:`StreamClock.expired` what tripped.
"""

from __future__ import annotations

from typing import Protocol

import attrs


class HttpTimeout(Protocol):
    """What a per-call ``timeout`` other than a number or None is: an ``httpx.Timeout``, or
    anything with its four phases in seconds."""

    @property
    def connect(self) -> float | None: ...

    @property
    def read(self) -> float | None: ...

    @property
    def write(self) -> float | None: ...

    @property
    def pool(self) -> float | None: ...


@attrs.frozen
class StreamTimeouts:
    """The three stream timeouts, in seconds; None turns a rule off."""

    first_chunk: float | None = None
    idle: float | None = None
    total: float | None = None

    def __bool__(self) -> bool:
        return not (self.first_chunk is None and self.idle is None and self.total is None)


#: The names users know the rules by, as the keyword arguments are spelt.
FIRST_CHUNK = "first_chunk_timeout"
IDLE = "idle_timeout"
TOTAL = "total_timeout"


class StreamClock:
    """Tracks one call's phases against its timeouts; fed ``time.monotonic()`` readings."""

    __slots__ = ("_last_progress", "_sent_at", "_total_deadline", "streaming", "timeouts")

    def __init__(self, timeouts: StreamTimeouts, call_started: float) -> None:
        self.timeouts = timeouts
        self._total_deadline = None if timeouts.total is None else call_started + timeouts.total
        self._sent_at = call_started
        self._last_progress = call_started
        self.streaming = False

    def request_sent(self, now: float) -> None:
        """A new attempt has been sent: the first-chunk rule starts over."""
        self._sent_at = now
        self.streaming = False

    def progress(self, now: float) -> None:
        """A chunk arrived."""
        self._last_progress = now
        self.streaming = True

    def deadline(self) -> float | None:
        """When the earliest rule of the current phase trips, or None if none applies."""
        timeouts = self.timeouts
        if self.streaming:
            phase = None if timeouts.idle is None else self._last_progress + timeouts.idle
        else:
            phase = None if timeouts.first_chunk is None else self._sent_at + timeouts.first_chunk
        if phase is None:
            return self._total_deadline
        if self._total_deadline is None:
            return phase
        return min(phase, self._total_deadline)

    def remaining(self, now: float) -> float | None:
        """Seconds until :meth:`deadline` (never negative), or None without one."""
        deadline = self.deadline()
        return None if deadline is None else max(0.0, deadline - now)

    def total_remaining(self, now: float) -> float | None:
        """Seconds left before the call's deadline, or None without one."""
        return None if self._total_deadline is None else self._total_deadline - now

    def expired(self, now: float) -> str | None:
        """The name of the rule that has tripped at ``now`` (the total deadline first)."""
        if self._total_deadline is not None and now >= self._total_deadline:
            return TOTAL
        deadline = self.deadline()
        if deadline is None or now < deadline:
            return None
        return IDLE if self.streaming else FIRST_CHUNK

    def describe(self, rule: str) -> str:
        """``"idle_timeout of 5s"`` for an error message."""
        seconds = {
            FIRST_CHUNK: self.timeouts.first_chunk,
            IDLE: self.timeouts.idle,
            TOTAL: self.timeouts.total,
        }[rule]
        return f"{rule} of {seconds:g}s"
