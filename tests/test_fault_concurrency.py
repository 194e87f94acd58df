"""Many streams at once against one local server: every answer whole, none mixed, none leaked.

The server hands out queued replies in the order requests arrive, which concurrent clients make
unpredictable; so each reply has its own id and text, and the test checks that the streams
received exactly the replies queued, each one intact, compared chunk for chunk with what the
I/O-free core makes of that reply's bytes.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from conftest import text_of
from test_fault_injection import DIALECTS, HELLO, KEY, MODELS, PARAMS, new_parser, settled

from llmclient import AsyncLlmClient, ChatCompletionChunk, LlmClient
from llmclient.testing import DEFAULT_ANTHROPIC_MODEL, DEFAULT_MODEL, LocalServer, Reply, _server

ASYNC_STREAMS = 200
THREADS = 8
STREAMS_PER_THREAD = 10


@pytest.fixture
def busy_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    """A LocalServer whose listen backlog holds a burst of hundreds of connections.

    With socketserver's default backlog of 5, Linux drops the SYNs of a burst of connections
    and clients retry them after 1 s, 3 s...: the answers are the same, only seconds later.
    """
    monkeypatch.setattr(_server._HTTPServer, "request_queue_size", 512)
    with LocalServer() as server:
        yield server


def distinct_replies(dialect: str, count: int) -> tuple[list[Reply], dict[str, list[Any]]]:
    """``count`` replies, each with its own id and text, and the chunks each one must give."""
    replies: list[Reply] = []
    expected: dict[str, list[ChatCompletionChunk]] = {}
    for i in range(count):
        text = f"Answer {i:03d}: " + " ".join(f"{dialect}-{i}-{j} é日🌤" for j in range(12))
        if dialect == "anthropic":
            reply = Reply.anthropic_stream(  # a model of its own: the bytes are sent as built
                text, model=DEFAULT_ANTHROPIC_MODEL, id=f"msg_fault_{i:03d}", input_tokens=3
            )
        elif dialect == "gemini":
            reply = Reply.gemini_stream(text, id=f"gemini-fault-{i:03d}", prompt_tokens=3)
        else:
            reply = Reply.openai_stream(
                text, model=DEFAULT_MODEL, id=f"chatcmpl-fault-{i:03d}", include_usage=True
            )
        parser = new_parser(dialect)
        chunks = settled(parser.feed(reply.body))
        parser.end()
        assert text_of(chunks) == text
        replies.append(reply)
        expected[chunks[0].id] = chunks
    assert len(expected) == count
    return replies, expected


def check_answers(
    received: list[list[ChatCompletionChunk]], expected: dict[str, list[ChatCompletionChunk]]
) -> None:
    """Each stream got one queued reply whole, and together they got each reply exactly once."""
    ids: Counter[str] = Counter()
    for chunks in received:
        answer_id = chunks[0].id
        ids[answer_id] += 1
        assert {chunk.id for chunk in chunks} == {answer_id}, "chunks of two answers mixed"
        assert settled(chunks) == expected[answer_id], f"{answer_id} differs from its reply"
    assert ids == Counter(expected.keys()), "some reply was received twice, or never"


async def open_async_streams(base_url: str, dialect: str, count: int) -> tuple[list[Any], int]:
    """``count`` concurrent streams on one client: their chunks, and requests left in flight."""
    async with AsyncLlmClient(base_url=base_url, api_key=KEY) as client:

        async def one() -> list[ChatCompletionChunk]:
            stream = await client.chat_stream(MODELS[dialect], HELLO, **PARAMS)
            return [chunk async for chunk in stream]

        received = await asyncio.gather(*(one() for _ in range(count)))
        return received, len(client._http._transport._pool._requests)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_200_concurrent_async_streams_each_get_one_whole_answer(
    busy_server: LocalServer, dialect: str
) -> None:
    replies, expected = distinct_replies(dialect, ASYNC_STREAMS)
    busy_server.enqueue(*replies)
    received, in_flight = asyncio.run(
        open_async_streams(busy_server.base_url, dialect, ASYNC_STREAMS)
    )
    check_answers(received, expected)
    assert busy_server.request_count == ASYNC_STREAMS
    assert in_flight == 0
    assert busy_server.wait_for_open_connections(0)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sync_client_shared_by_8_threads_keeps_answers_apart(
    busy_server: LocalServer, dialect: str
) -> None:
    replies, expected = distinct_replies(dialect, THREADS * STREAMS_PER_THREAD)
    busy_server.enqueue(*replies)
    start = threading.Barrier(THREADS)
    with LlmClient(base_url=busy_server.base_url, api_key=KEY) as client:

        def worker() -> list[list[ChatCompletionChunk]]:
            start.wait()
            return [
                list(client.chat_stream(MODELS[dialect], HELLO, **PARAMS))
                for _ in range(STREAMS_PER_THREAD)
            ]

        with ThreadPoolExecutor(THREADS) as executor:
            futures = [executor.submit(worker) for _ in range(THREADS)]
            received = [chunks for future in futures for chunks in future.result()]
        pool = client._http._transport._pool
        assert len(pool._requests) == 0
        assert len(pool.connections) <= THREADS  # finished streams' connections were reused
    check_answers(received, expected)
    assert busy_server.request_count == THREADS * STREAMS_PER_THREAD
    assert busy_server.wait_for_open_connections(0)
