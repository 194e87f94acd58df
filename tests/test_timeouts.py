"""Stream timeout arithmetic (pure) and the watchdog that enforces it."""

from __future__ import annotations

import socket
import time

import pytest

from llmclient._core.timeouts import FIRST_CHUNK, IDLE, TOTAL, StreamClock, StreamTimeouts
from llmclient._watchdog import Watchdog


def clock(first: float | None = None, idle: float | None = None, total: float | None = None):  # type: ignore[no-untyped-def]
    return StreamClock(StreamTimeouts(first, idle, total), call_started=100.0)


def test_no_rules_means_no_deadline() -> None:
    assert not StreamTimeouts()
    c = clock()
    assert c.deadline() is None
    assert c.expired(10_000.0) is None
    assert c.remaining(100.0) is None


def test_first_chunk_rule_counts_from_each_attempt() -> None:
    c = clock(first=5)
    assert c.deadline() == 105
    c.request_sent(103.0)
    assert c.deadline() == 108
    assert c.expired(107.9) is None
    assert c.expired(108.0) == FIRST_CHUNK


def test_idle_rule_applies_once_streaming_and_moves_with_progress() -> None:
    c = clock(first=5, idle=2)
    c.progress(101.0)
    assert c.deadline() == 103
    c.progress(102.5)
    assert c.deadline() == 104.5
    assert c.expired(104.4) is None
    assert c.expired(104.5) == IDLE


def test_total_deadline_wins_over_the_phase_rules() -> None:
    c = clock(first=50, idle=50, total=10)
    assert c.deadline() == 110
    c.progress(109.0)
    assert c.deadline() == 110
    assert c.expired(110.0) == TOTAL
    assert c.remaining(111.0) == 0.0


def test_without_a_phase_rule_only_the_total_applies() -> None:
    c = clock(total=3)
    c.progress(101.0)
    assert c.deadline() == 103
    assert c.expired(102.0) is None


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (FIRST_CHUNK, "first_chunk_timeout of 1.5s"),
        (IDLE, "idle_timeout of 2s"),
        (TOTAL, "total_timeout of 30s"),
    ],
)
def test_rules_describe_themselves(rule: str, text: str) -> None:
    assert clock(first=1.5, idle=2, total=30).describe(rule) == text


def test_watchdog_cuts_a_blocked_read_when_the_deadline_passes() -> None:
    reader, writer = socket.socketpair()
    with reader, writer:
        c = StreamClock(StreamTimeouts(first_chunk=0.01), call_started=time.monotonic())
        watch = Watchdog().watch(c, reader)
        assert reader.recv(10) == b""  # blocks until the watchdog shuts the socket down
        assert watch.tripped == FIRST_CHUNK


def test_stopped_watch_is_never_tripped() -> None:
    dog = Watchdog()
    reader, writer = socket.socketpair()
    with reader, writer:
        stopped = dog.watch(StreamClock(StreamTimeouts(idle=0.0), time.monotonic()), reader)
        dog.stop(stopped)
        other_reader, other_writer = socket.socketpair()
        with other_reader, other_writer:
            later = dog.watch(
                StreamClock(StreamTimeouts(first_chunk=0.02), time.monotonic()), other_reader
            )
            assert other_reader.recv(10) == b""
            assert later.tripped == FIRST_CHUNK
        assert stopped.tripped is None
        writer.sendall(b"ok")
        assert reader.recv(10) == b"ok"
