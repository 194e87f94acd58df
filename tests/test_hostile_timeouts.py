"""Timeouts against hostile input and hostile servers, on every client (sync, asyncio, trio).

Timeout values are checked where they are given; the process's one watchdog thread outlives
any watch that fails; and first_chunk_timeout / total_timeout count from the moment a request
is sent, so a server that drips its headers is cut off too. The dripping server's delays add up
to many times the timeouts under test, so no outcome depends on the machine's speed.
"""

from __future__ import annotations

import logging
import math
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import Facade, in_flight, text_of

from llmclient import APITimeoutError, InvalidRequestError, LlmClient
from llmclient._core.timeouts import FIRST_CHUNK, TOTAL, StreamClock, StreamTimeouts
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


# --- timeouts run from the moment the request is sent ---------------------------------------------

DRIP = 0.2  # seconds between header bytes
DRIP_BYTES = 25  # then the headers end (with an empty body): 5 s, far past every timeout here


class DrippingServer:
    """A raw HTTP server on 127.0.0.1 that sends a status line, then one header byte every
    ``DRIP`` seconds. With ``answer_first``, the first request on each connection gets a whole
    streamed answer instead (kept alive), and only the next one drips."""

    def __init__(self, *, answer_first: bool = False) -> None:
        self.answer_first = answer_first
        self.accepted = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._closed = threading.Semaphore(0)
        self.base_url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/v1"

    def __enter__(self) -> DrippingServer:
        self._spawn(self._accept)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(10)

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        self._listener.settimeout(0.05)
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted += 1
            self._spawn(self._serve, conn)

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            try:
                if self.answer_first and _read_request(conn):
                    body = Reply.openai_stream("first").body
                    head = f"HTTP/1.1 200 OK\r\ncontent-length: {len(body)}\r\n"
                    conn.sendall(head.encode() + b"content-type: text/event-stream\r\n\r\n" + body)
                if _read_request(conn):
                    conn.sendall(b"HTTP/1.1 200 OK\r\nx-drip: ")
                    for _ in range(DRIP_BYTES):
                        if self._stopping.wait(DRIP):
                            return
                        conn.sendall(b"a")
                    conn.sendall(b"\r\ncontent-length: 0\r\n\r\n")
                    _read_request(conn)  # until the client is done with the connection
            except OSError:
                pass  # the client cut the connection: what it should do
            finally:
                self._closed.release()

    def wait_for_closed(self, count: int) -> bool:
        """Whether ``count`` connections have ended within a few seconds."""
        return all(self._closed.acquire(timeout=5) for _ in range(count))


def _read_request(conn: socket.socket) -> bool:
    """Read one request (its headers and Content-Length body); False if the client left."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return False
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        piece = conn.recv(65536)
        if not piece:
            return False
        body += piece
    return True


@pytest.fixture
def dripping() -> Iterator[DrippingServer]:
    with DrippingServer() as server:
        yield server


@pytest.mark.parametrize(
    ("timeouts", "rule"),
    [({"first_chunk_timeout": 0.3}, FIRST_CHUNK), ({"total_timeout": 0.3}, TOTAL)],
)
def test_a_stream_is_cut_off_while_headers_drip(
    facade_or_trio: Facade, dripping: DrippingServer, timeouts: dict[str, float], rule: str
) -> None:
    client = facade_or_trio.client(base_url=dripping.base_url, max_retries=0)
    with pytest.raises(APITimeoutError, match=rf"{rule} of 0\.3s tripped sending the request"):
        client.chat_stream(MODEL, HELLO, **timeouts)
    assert dripping.wait_for_closed(1)
    assert in_flight(facade_or_trio, client) == 0


def test_a_whole_answer_is_cut_off_while_headers_drip(
    facade_or_trio: Facade, dripping: DrippingServer
) -> None:
    client = facade_or_trio.client(base_url=dripping.base_url, max_retries=0, total_timeout=0.3)
    with pytest.raises(APITimeoutError, match=r"total_timeout of 0\.3s tripped sending"):
        client.chat(MODEL, HELLO)
    assert dripping.wait_for_closed(1)
    assert in_flight(facade_or_trio, client) == 0


def test_a_reused_connection_is_cut_off_while_headers_drip(facade_or_trio: Facade) -> None:
    with DrippingServer(answer_first=True) as server:
        client = facade_or_trio.client(base_url=server.base_url, max_retries=0)
        assert text_of(list(client.chat_stream(MODEL, HELLO))) == "first"
        with pytest.raises(APITimeoutError, match=r"first_chunk_timeout of 0\.3s tripped"):
            client.chat_stream(MODEL, HELLO, first_chunk_timeout=0.3)
        assert server.wait_for_closed(1)
        assert server.accepted == 1  # the second request went over the first one's connection
        assert in_flight(facade_or_trio, client) == 0


def test_each_retry_gets_its_own_first_chunk_timeout_while_headers_drip(
    facade_or_trio: Facade, dripping: DrippingServer
) -> None:
    client = facade_or_trio.client(base_url=dripping.base_url, max_retries=1)
    with pytest.raises(APITimeoutError, match=r"first_chunk_timeout of 0\.3s") as caught:
        client.chat_stream(MODEL, HELLO, first_chunk_timeout=0.3)
    assert caught.value.attempts == 2
    assert dripping.wait_for_closed(2)
