"""Every way of leaving a stream gives its connection back; what the client logs at DEBUG."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest
from conftest import Facade, in_flight, text_of

from llmclient import AsyncLlmClient, RateLimitError
from llmclient.testing import LocalServer, Reply, openai_chunk

MODEL = "openai/gpt-4o-mini"
HELLO = [{"role": "user", "content": "Hi"}]
LONG = "word " * 2000


def test_dropping_a_stream_without_reading_it_releases_the_connection(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.openai_stream(LONG, chunks=500))
    client = facade.client(base_url=server.base_url)
    stream = client.chat_stream(MODEL, HELLO)
    del stream
    gc.collect()
    assert in_flight(facade, client) == 0


def test_bytes_after_the_end_marker_are_read_only_so_far(
    facade: Facade, server: LocalServer
) -> None:
    trailer = b": " + b"x" * 200_000 + b"\n\n"
    server.enqueue(Reply.sse([openai_chunk(content="done"), "[DONE]", trailer], done=False))
    client = facade.client(base_url=server.base_url)
    assert text_of(list(client.chat_stream(MODEL, HELLO))) == "done"
    assert in_flight(facade, client) == 0
    assert server.wait_for_open_connections(0)  # too much trailer: closed, not reused


def test_cancelling_an_async_stream_mid_read_releases_the_connection(server: LocalServer) -> None:
    server.enqueue(Reply.sse([openai_chunk(content="a"), openai_chunk(content="b")], delay=30))

    async def scenario() -> tuple[int, int]:
        async with AsyncLlmClient(base_url=server.base_url) as client:
            stream = await client.chat_stream(MODEL, HELLO)
            await stream.__anext__()
            reader = asyncio.ensure_future(stream.__anext__())
            await asyncio.sleep(0)  # let it block on the socket
            reader.cancel()
            with pytest.raises(asyncio.CancelledError):
                await reader
            pool = client._http._transport._pool  # type: ignore[attr-defined]
            return len(pool._requests), len(pool.connections)

    # Nothing in flight, and the half-read connection closed rather than pooled.
    assert asyncio.run(scenario()) == (0, 0)


def test_debug_log_tells_the_story_of_a_call(
    facade: Facade, server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.enqueue(Reply.error(429, headers={"retry-after": "0"}), Reply.openai_stream("Hi there"))
    client = facade.client(base_url=server.base_url + "?token=secret-in-url")
    with caplog.at_level(logging.DEBUG, logger="llmclient"):
        list(client.chat_stream(MODEL, HELLO))
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("llmclient")]
    assert all(r.levelno == logging.DEBUG for r in caplog.records if r.name == "llmclient")
    assert sum("POST http://127.0.0.1" in line for line in lines) == 2
    assert any(
        line.startswith("retrying after attempt 1 in 0.00s: RateLimitError") for line in lines
    )
    assert any("first chunk after" in line for line in lines)
    assert any("stream ended: 4 chunks, finish stop, usage none" in line for line in lines)
    assert not any("secret-in-url" in line for line in lines)


def test_debug_log_says_when_it_gives_up(
    facade: Facade, server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.enqueue(Reply.error(429, headers={"retry-after": "0"}, repeat=3))
    client = facade.client(base_url=server.base_url, max_retries=2)
    with caplog.at_level(logging.DEBUG, logger="llmclient"), pytest.raises(RateLimitError):
        client.chat(MODEL, HELLO)
    lines = [r.getMessage() for r in caplog.records if r.name == "llmclient"]
    assert any(line.startswith("gave up after 3 attempts: RateLimitError") for line in lines)


def test_nothing_is_logged_unless_asked(
    facade: Facade, server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = facade.client(base_url=server.base_url)
    with caplog.at_level(logging.INFO, logger="llmclient"):
        list(client.chat_stream(MODEL, HELLO))
    assert [r for r in caplog.records if r.name == "llmclient"] == []
