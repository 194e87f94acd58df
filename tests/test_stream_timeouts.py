"""first_chunk_timeout, idle_timeout and total_timeout through the real HTTP path, both clients.

The server's delays are many times the timeouts under test, so the outcome never depends on
how fast the machine is.
"""

from __future__ import annotations

import pytest
from conftest import Facade, drain, in_flight, text_of

from llmclient import APITimeoutError, ChatCompletionChunk, InternalServerError, InvalidRequestError
from llmclient.testing import LocalServer, Reply, openai_chunk

MODEL = "openai/gpt-4o-mini"
HELLO = [{"role": "user", "content": "Hi"}]
SLOW = 5.0  # seconds a server waits where a timeout must cut it off first


def slow_first_chunk() -> Reply:
    # A comment goes out at once, the first chunk only after SLOW seconds.
    return Reply.sse([b": warming up\n\n", openai_chunk(content="late")], delay=SLOW)


def test_first_chunk_timeout_is_raised_by_the_call(facade: Facade, server: LocalServer) -> None:
    server.enqueue(slow_first_chunk())
    client = facade.client(base_url=server.base_url, first_chunk_timeout=0.2, max_retries=0)
    with pytest.raises(APITimeoutError, match=r"first_chunk_timeout of 0\.2s"):
        client.chat_stream(MODEL, HELLO)
    assert in_flight(facade, client) == 0


def test_first_chunk_timeout_is_retried_like_any_timeout(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(slow_first_chunk(), Reply.openai_stream("on time"))
    client = facade.client(base_url=server.base_url, max_retries=1)
    chunks = list(client.chat_stream(MODEL, HELLO, first_chunk_timeout=0.2))
    assert text_of(chunks) == "on time"
    assert server.request_count == 2


def test_idle_timeout_cuts_a_server_that_only_sends_comments(
    facade: Facade, server: LocalServer
) -> None:
    comments = [b": keep-alive\n\n"] * 100
    server.enqueue(Reply.sse([openai_chunk(content="Hello"), *comments], delay=0.05, done=False))
    client = facade.client(base_url=server.base_url, idle_timeout=0.3)
    stream = client.chat_stream(MODEL, HELLO)
    received: list[ChatCompletionChunk] = []
    with pytest.raises(APITimeoutError, match=r"idle_timeout of 0\.3s"):
        drain(stream, received)
    assert text_of(received) == "Hello"
    assert server.request_count == 1
    assert in_flight(facade, client) == 0


def test_idle_timeout_cuts_a_silent_server(facade: Facade, server: LocalServer) -> None:
    events = [openai_chunk(content="Hello"), openai_chunk(content=" never")]
    server.enqueue(Reply.sse(events, delay=SLOW))
    stream = facade.client(base_url=server.base_url).chat_stream(MODEL, HELLO, idle_timeout=0.2)
    assert text_of([next(stream)]) == "Hello"
    with pytest.raises(APITimeoutError, match="idle_timeout"):
        next(stream)


def test_chunks_arriving_steadily_keep_an_idle_stream_alive(
    facade: Facade, server: LocalServer
) -> None:
    words = [openai_chunk(content=f"w{i} ") for i in range(8)]
    server.enqueue(Reply.sse(words, delay=0.05))
    client = facade.client(base_url=server.base_url, idle_timeout=2.0, first_chunk_timeout=2.0)
    chunks = list(client.chat_stream(MODEL, HELLO))
    assert text_of(chunks) == "".join(f"w{i} " for i in range(8))
    assert in_flight(facade, client) == 0


def test_total_timeout_cuts_a_stream_that_keeps_making_progress(
    facade: Facade, server: LocalServer
) -> None:
    drip = [openai_chunk(content="x") for _ in range(200)]
    server.enqueue(Reply.sse(drip, delay=0.05))
    stream = facade.client(base_url=server.base_url, idle_timeout=1.0).chat_stream(
        MODEL, HELLO, total_timeout=0.4
    )
    received: list[ChatCompletionChunk] = []
    with pytest.raises(APITimeoutError, match=r"total_timeout of 0\.4s"):
        drain(stream, received)
    assert 0 < len(received) < 200


def test_total_timeout_stops_retries_that_would_outlast_it(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.error(503, headers={"retry-after": "0.3"}, repeat=20))
    client = facade.client(base_url=server.base_url, max_retries=10, total_timeout=0.5)
    with pytest.raises(InternalServerError) as caught:
        client.chat_stream(MODEL, HELLO)
    assert server.request_count == caught.value.attempts < 5


def test_chat_honours_total_timeout(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.openai_completion("slow", delay=SLOW, split_at=[10]))
    client = facade.client(base_url=server.base_url, max_retries=0)
    with pytest.raises(APITimeoutError, match="total_timeout"):
        client.chat(MODEL, HELLO, total_timeout=0.2)


def test_a_call_can_turn_a_client_timeout_off(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.sse([b": wait\n\n", openai_chunk(content="ok")], delay=0.3))
    client = facade.client(base_url=server.base_url, first_chunk_timeout=0.05, max_retries=0)
    chunks = list(client.chat_stream(MODEL, HELLO, first_chunk_timeout=None))
    assert text_of(chunks) == "ok"


@pytest.mark.parametrize("value", [0, -1, "5", True])
def test_timeouts_must_be_positive_numbers(facade: Facade, value: object) -> None:
    with pytest.raises(InvalidRequestError, match="idle_timeout must be a positive number"):
        facade.client(base_url="http://127.0.0.1:9/v1", idle_timeout=value)
