"""Timeouts against hostile input, on every client (sync, asyncio, trio).

Timeout values are checked where they are given, and the process's one watchdog thread
outlives any watch that fails.
"""

from __future__ import annotations

import logging
import math
import socket
import time

import httpx
import pytest
from conftest import Facade, in_flight, text_of

from llmclient import APITimeoutError, InvalidRequestError, LlmClient
from llmclient._timeouts import FIRST_CHUNK, StreamClock, StreamTimeouts
from llmclient._watchdog import WATCHDOG, Watchdog
from llmclient.testing import LocalServer, Reply, openai_chunk

MODEL = "openai/gpt-4o-mini"
HELLO = [{"role": "user", "content": "Hi"}]
NOWHERE = "http://127.0.0.1:9/v1"  # never reached: every case here fails before sending
STREAM_TIMEOUTS = ("first_chunk_timeout", "idle_timeout", "total_timeout")
UNWAITABLE = [math.inf, -math.inf, math.nan, 2e9]


# --- every timeout is checked where it is given ---------------------------------------------------


@pytest.mark.parametrize("value", UNWAITABLE)
@pytest.mark.parametrize("name", ["timeout", *STREAM_TIMEOUTS])
def test_a_client_refuses_a_timeout_it_cannot_wait(name: str, value: float) -> None:
    with pytest.raises(InvalidRequestError, match=rf"^{name} must be a positive number.*1e9"):
        LlmClient(base_url=NOWHERE, **{name: value})


@pytest.mark.parametrize("value", UNWAITABLE)
@pytest.mark.parametrize("name", ["timeout", *STREAM_TIMEOUTS])
def test_a_call_refuses_a_timeout_it_cannot_wait(facade: Facade, name: str, value: float) -> None:
    client = facade.client(base_url=NOWHERE, max_retries=0)
    with pytest.raises(InvalidRequestError, match=rf"^{name} must be a positive number"):
        client.chat_stream(MODEL, HELLO, **{name: value})
    with pytest.raises(InvalidRequestError, match=rf"^{name} must be a positive number"):
        client.chat(MODEL, HELLO, **{name: value})


@pytest.mark.parametrize("phase", ["connect", "read", "write", "pool"])
def test_each_phase_of_an_httpx_timeout_is_checked(phase: str) -> None:
    timeout = httpx.Timeout(5.0, **{phase: math.inf})
    with pytest.raises(InvalidRequestError, match=rf"^timeout's {phase} timeout .* got inf"):
        LlmClient(base_url=NOWHERE, timeout=timeout)


def test_an_httpx_timeout_may_still_say_none_or_zero() -> None:
    LlmClient(base_url=NOWHERE, timeout=httpx.Timeout(None, connect=5.0, pool=0)).close()


def test_the_longest_timeouts_allowed_still_work(facade: Facade, server: LocalServer) -> None:
    client = facade.client(
        base_url=server.base_url, timeout=1e9, first_chunk_timeout=1e9, total_timeout=1e9
    )
    assert text_of(list(client.chat_stream(MODEL, HELLO, idle_timeout=1e9))) != ""
    assert client.chat(MODEL, HELLO, timeout=1e9).choices[0].message.content
    assert in_flight(facade, client) == 0


# --- the watchdog outlives any watch --------------------------------------------------------------


class BrokenClock:
    """A stream clock whose deadline comes at once and which then fails when asked anything."""

    def deadline(self) -> float:
        return time.monotonic()

    def expired(self, now: float) -> str | None:
        raise RuntimeError("a broken clock")


def far_clock() -> StreamClock:
    """A clock due in 9.5e9 s: further than a thread can be told to wait in one go."""
    return StreamClock(StreamTimeouts(total=9.5e9), time.monotonic())


def cut_within_bounds(dog: Watchdog) -> str | None:
    """Watch a blocked read with a 20 ms first-chunk rule; the rule that tripped, if one did."""
    reader, writer = socket.socketpair()
    with reader, writer:
        reader.settimeout(10)  # bounds the test if the watchdog is gone
        watch = dog.watch(StreamClock(StreamTimeouts(first_chunk=0.02), time.monotonic()), reader)
        try:
            reader.recv(10)  # returns b"" once the watchdog shuts the socket down
        except TimeoutError:
            return None
        return watch.tripped


def test_the_watchdog_logs_and_drops_a_watch_that_fails(caplog: pytest.LogCaptureFixture) -> None:
    dog = Watchdog()
    sock, other = socket.socketpair()
    with sock, other, caplog.at_level(logging.WARNING, logger="llmclient"):
        dog.watch(BrokenClock(), sock)  # type: ignore[arg-type]
        assert cut_within_bounds(dog) == FIRST_CHUNK
    assert [r.levelname for r in caplog.records if "watchdog" in r.getMessage()] == ["WARNING"]


def test_the_watchdog_waits_out_a_deadline_past_what_a_thread_can_wait() -> None:
    dog = Watchdog()
    sock, other = socket.socketpair()
    with sock, other:
        far = dog.watch(far_clock(), sock)
        assert cut_within_bounds(dog) == FIRST_CHUNK
        assert far.tripped is None
        dog.stop(far)


def test_stopped_watches_do_not_pile_up_until_their_deadline() -> None:
    dog = Watchdog()
    sock, other = socket.socketpair()
    with sock, other:
        for _ in range(1000):
            dog.stop(dog.watch(far_clock(), sock))
        assert len(dog._heap) < 200


def test_a_failing_watch_leaves_every_clients_timeouts_working(
    facade_or_trio: Facade, server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    events = [openai_chunk(content="Hello"), openai_chunk(content=" never")]
    server.enqueue(Reply.sse(events, delay=30))
    sock, other = socket.socketpair()
    with sock, other, caplog.at_level(logging.WARNING, logger="llmclient"):
        far = WATCHDOG.watch(far_clock(), sock)
        WATCHDOG.watch(BrokenClock(), sock)  # type: ignore[arg-type]
        # httpx's own read timeout bounds the test if the watchdog is gone.
        client = facade_or_trio.client(base_url=server.base_url, timeout=10, idle_timeout=0.2)
        stream = client.chat_stream(MODEL, HELLO)
        assert text_of([next(stream)]) == "Hello"
        with pytest.raises(APITimeoutError, match=r"idle_timeout of 0\.2s tripped"):
            next(stream)
        WATCHDOG.stop(far)
    assert any(r.levelname == "WARNING" for r in caplog.records if r.name == "llmclient")
    assert in_flight(facade_or_trio, client) == 0
