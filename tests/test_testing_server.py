"""Tests for llmclient.testing, the local imitation of an LLM provider, using plain httpx."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from llmclient.testing import (
    DEFAULT_TEXT,
    LocalServer,
    RecordedRequest,
    Reply,
    openai_chunk,
    openai_error_event,
)

CHAT = "/chat/completions"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as local_server:
        yield local_server


@pytest.fixture
def client(server: LocalServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=5.0) as http_client:
        yield http_client


def sse_events(body: bytes) -> list[bytes]:
    """Split an SSE body into its events, checking each is one ``data:`` line."""
    assert body.endswith(b"\n\n")
    events = body.split(b"\n\n")[:-1]
    for event in events:
        assert event.startswith(b"data: ")
        assert b"\n" not in event
    return [event[len(b"data: ") :] for event in events]


def stream_chunks(body: bytes) -> list[dict[str, Any]]:
    """The JSON chunks of an OpenAI stream, checking it ends with ``[DONE]``."""
    events = sse_events(body)
    assert events[-1] == b"[DONE]"
    return [json.loads(event) for event in events[:-1]]


def raw_exchange(server: LocalServer, request: bytes) -> bytes:
    """Send raw request bytes and read everything until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])), 5) as sock:
        sock.sendall(request)
        received = []
        while data := sock.recv(65536):
            received.append(data)
    return b"".join(received)


def raw_body(server: LocalServer, reply: Reply) -> tuple[bytes, bytes]:
    """Serve ``reply`` to a raw ``Connection: close`` request; return its head and body bytes."""
    server.enqueue(reply)
    response = raw_exchange(server, b"GET /raw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, body = response.partition(b"\r\n\r\n")
    return head, body


# --- default answers ---------------------------------------------------------------------------


def test_default_stream(server: LocalServer, client: httpx.Client) -> None:
    payload = {"model": "my-model", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    response = client.post(CHAT, json=payload)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["transfer-encoding"] == "chunked"
    chunks = stream_chunks(response.content)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    for chunk in chunks:
        assert chunk["object"] == "chat.completion.chunk"
        assert chunk["model"] == "my-model"
        assert chunk["id"] == chunks[0]["id"]
        assert chunk["id"].startswith("chatcmpl-")
        assert isinstance(chunk["created"], int)
        assert "usage" not in chunk
    pieces = [chunk["choices"][0]["delta"]["content"] for chunk in chunks[1:-1]]
    assert len(pieces) == len(DEFAULT_TEXT.split())  # word-sized pieces
    assert "".join(pieces) == DEFAULT_TEXT
    assert all(chunk["choices"][0]["finish_reason"] is None for chunk in chunks[:-1])
    assert chunks[-1]["choices"] == [{"index": 0, "delta": {}, "finish_reason": "stop"}]


def test_default_stream_with_usage(client: httpx.Client) -> None:
    payload = {
        "model": "m",
        "stream": True,
        "stream_options": {"include_usage": True},
        "messages": [{"role": "user", "content": "three words here"}],
    }
    chunks = stream_chunks(client.post(CHAT, json=payload).content)

    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == []
    usage = chunks[-1]["usage"]
    assert usage["prompt_tokens"] == 3
    assert usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert all(chunk["usage"] is None for chunk in chunks[:-1])


def test_default_completion(client: httpx.Client) -> None:
    response = client.post(CHAT, json={"model": "m", "messages": []})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["model"] == "m"
    assert body["id"].startswith("chatcmpl-")
    assert body["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": DEFAULT_TEXT},
            "finish_reason": "stop",
        }
    ]
    assert set(body["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}


def test_default_text_is_configurable() -> None:
    with LocalServer(default_text="Hello brave new world") as server, httpx.Client() as client:
        response = client.post(server.base_url + CHAT, json={"model": "m", "stream": True})
    chunks = stream_chunks(response.content)
    pieces = [chunk["choices"][0]["delta"]["content"] for chunk in chunks[1:-1]]
    assert pieces == ["Hello", " brave", " new", " world"]


def test_bad_json_body_gets_400(client: httpx.Client) -> None:
    response = client.post(CHAT, content=b"{not json")

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_unknown_path_gets_404(server: LocalServer, client: httpx.Client) -> None:
    response = client.get("/files")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "message": "Invalid URL (GET /v1/files)",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }
    assert client.post("/v2/anything", json={}).status_code == 404
    assert client.get(CHAT).status_code == 404  # known path, wrong method
    assert server.request_count == 3


def test_async_client() -> None:
    async def ask(base_url: str) -> bytes:
        async with httpx.AsyncClient(base_url=base_url) as client:
            response = await client.post(CHAT, json={"model": "m", "stream": True})
            return response.content

    with LocalServer(default_text="async works") as server:
        chunks = stream_chunks(asyncio.run(ask(server.base_url)))
    assert "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks) == (
        "async works"
    )


# --- scripting ---------------------------------------------------------------------------------


def test_enqueue_serves_in_order_with_repeat(server: LocalServer, client: httpx.Client) -> None:
    server.enqueue(Reply.json({"n": 1}, repeat=2), Reply.json({"n": 2}))
    server.enqueue(Reply.json({"n": 3}))

    answers = [client.post(CHAT, json={}).json() for _ in range(4)]
    assert answers == [{"n": 1}, {"n": 1}, {"n": 2}, {"n": 3}]
    assert client.post(CHAT, json={"model": "m"}).json()["object"] == "chat.completion"


def test_reset_drops_queue_and_requests(server: LocalServer, client: httpx.Client) -> None:
    server.enqueue(Reply.json({"n": 1}, repeat=3))
    client.post(CHAT, json={})
    server.reset()

    assert server.requests == []
    assert client.post(CHAT, json={"model": "m"}).json()["object"] == "chat.completion"


def test_error_reply(server: LocalServer, client: httpx.Client) -> None:
    server.enqueue(
        Reply.error(429, headers={"retry-after": "0"}, repeat=2),
        Reply.error(500, "boom", code="oops"),
        Reply.error(400, "bad", error_type="custom_error"),
    )

    for _ in range(2):
        response = client.post(CHAT, json={})
        assert response.status_code == 429
        assert response.headers["retry-after"] == "0"
        assert response.headers["content-type"] == "application/json"
        error = response.json()["error"]
        assert (error["type"], error["code"]) == ("requests", "rate_limit_exceeded")
        assert set(error) == {"message", "type", "param", "code"}
    response = client.post(CHAT, json={})
    assert response.status_code == 500
    assert response.json() == openai_error_event("boom", "server_error", "oops")
    assert client.post(CHAT, json={}).json()["error"]["type"] == "custom_error"


def test_unknown_status_code(server: LocalServer, client: httpx.Client) -> None:
    server.enqueue(Reply.error(529, "overloaded"))
    response = client.post(CHAT, json={})
    assert response.status_code == 529
    assert response.json()["error"]["type"] == "server_error"  # OpenAI has no name for 529


def test_openai_stream_builder(server: LocalServer, client: httpx.Client) -> None:
    server.enqueue(
        Reply.openai_stream(
            "abcdefgh", chunks=3, model="x", finish_reason="length", include_usage=True, id="c1"
        )
    )
    chunks = stream_chunks(client.post(CHAT, json={}).content)

    assert [chunk["id"] for chunk in chunks] == ["c1"] * 6
    assert [chunk["choices"][0]["delta"].get("content") for chunk in chunks[:4]] == [
        "",
        "abc",
        "def",
        "gh",
    ]
    assert chunks[4]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "length"}
    assert chunks[5]["usage"] == {"prompt_tokens": 0, "completion_tokens": 1, "total_tokens": 1}


def test_openai_stream_without_done_or_finish(server: LocalServer, client: httpx.Client) -> None:
    server.enqueue(Reply.openai_stream("a b", finish_reason=None, done=False))
    events = sse_events(client.post(CHAT, json={}).content)

    chunks = [json.loads(event) for event in events]
    assert [chunk["choices"][0]["delta"].get("content") for chunk in chunks] == ["", "a", " b"]
    assert all(chunk["choices"][0]["finish_reason"] is None for chunk in chunks)


def test_openai_completion_builder(server: LocalServer, client: httpx.Client) -> None:
    server.enqueue(Reply.openai_completion("Hi there", model="x", finish_reason="length"))
    body = client.post(CHAT, json={}).json()

    assert body["model"] == "x"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "Hi there"}
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"] == {"prompt_tokens": 0, "completion_tokens": 2, "total_tokens": 2}


def test_sse_builder_writes_events_as_given(server: LocalServer) -> None:
    reply = Reply.sse([{"a": "é"}, "plain", b": comment\n\nevent: x\ndata: y\n\n"], done=False)
    head, body = raw_body(server, reply)

    assert b"content-type: text/event-stream" in head.lower()
    expected = [
        'data: {"a":"é"}\n\n'.encode(),
        b"data: plain\n\n",
        b": comment\n\nevent: x\ndata: y\n\n",
    ]
    framed = b"".join(b"%x\r\n%s\r\n" % (len(event), event) for event in expected)
    assert body == framed + b"0\r\n\r\n"  # one HTTP chunk per event


def test_openai_chunk_helper() -> None:
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f"}}
    chunk = openai_chunk(tool_calls=[call], model="x", id="c", created=7)
    assert chunk == {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 7,
        "model": "x",
        "choices": [{"index": 0, "delta": {"tool_calls": [call]}, "finish_reason": None}],
    }
    refusal = openai_chunk(role="assistant", refusal="no", index=1)
    assert refusal["choices"] == [
        {"index": 1, "delta": {"role": "assistant", "refusal": "no"}, "finish_reason": None}
    ]
    usage = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    final = openai_chunk(choices=[], usage=usage)
    assert final["choices"] == []
    assert final["usage"] == usage


def test_in_band_error_event(server: LocalServer, client: httpx.Client) -> None:
    server.enqueue(Reply.sse([openai_chunk(content="a"), openai_error_event("later")]))
    events = sse_events(client.post(CHAT, json={}).content)

    assert json.loads(events[1]) == {
        "error": {"message": "later", "type": "server_error", "param": None, "code": None}
    }
    assert events[2] == b"[DONE]"


def test_reply_validation() -> None:
    with pytest.raises(ValueError, match="not both"):
        Reply(body=b"abc", split_at=[1], write_size=1)
    with pytest.raises(ValueError, match="repeat"):
        Reply(repeat=0)
    with pytest.raises(ValueError, match="chunks"):
        Reply.openai_stream("abc", chunks=0)


# --- framing and faults ------------------------------------------------------------------------


def test_split_at_makes_one_chunk_per_piece(server: LocalServer) -> None:
    _, body = raw_body(server, Reply(body=b"abcdefghij", split_at=[7, 3, 3, 99]))
    assert body == b"3\r\nabc\r\n4\r\ndefg\r\n3\r\nhij\r\n0\r\n\r\n"


def test_write_size_with_delay(server: LocalServer) -> None:
    _, body = raw_body(server, Reply(body=b"abcdefg", write_size=3, delay=0.001))
    assert body == b"3\r\nabc\r\n3\r\ndef\r\n1\r\ng\r\n0\r\n\r\n"


def test_split_writes_arrive_whole_through_httpx(server: LocalServer, client: httpx.Client) -> None:
    text = "Grüße, 世界! " * 5
    server.enqueue(Reply.openai_stream(text, write_size=7))
    chunks = stream_chunks(client.post(CHAT, json={}).content)
    assert "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks) == text


def test_unchunked_reply_ends_at_close(server: LocalServer, client: httpx.Client) -> None:
    server.enqueue(Reply(201, {"x-thing": "1"}, b"whole body", chunked=False, split_at=[5]))
    response = client.post(CHAT, json={})

    assert response.status_code == 201
    assert response.headers["connection"] == "close"
    assert response.headers["x-thing"] == "1"
    assert "content-length" not in response.headers
    assert "transfer-encoding" not in response.headers
    assert response.content == b"whole body"
    assert server.wait_for_open_connections(0)


def test_drop_after_in_chunked_reply_is_an_error(server: LocalServer, client: httpx.Client) -> None:
    server.enqueue(Reply(body=b"0123456789", write_size=4, drop_after=6))
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(CHAT, json={})
    assert server.wait_for_open_connections(0)
    _, body = raw_body(server, Reply(body=b"0123456789", write_size=4, drop_after=6))
    assert body == b"4\r\n0123\r\n2\r\n45\r\n"  # no terminator


def test_drop_after_in_unchunked_reply_gives_short_body(
    server: LocalServer, client: httpx.Client
) -> None:
    server.enqueue(Reply(body=b"0123456789", chunked=False, drop_after=4))
    assert client.post(CHAT, json={}).content == b"0123"


def test_drop_after_with_content_length_is_an_error(
    server: LocalServer, client: httpx.Client
) -> None:
    server.enqueue(Reply.json({"long": "x" * 100}, drop_after=10))
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(CHAT, json={})


def test_drop_after_zero_sends_only_headers(server: LocalServer) -> None:
    head, body = raw_body(server, Reply(body=b"abc", drop_after=0))
    assert head.startswith(b"HTTP/1.1 200 ")
    assert body == b""


# --- recording and connections -----------------------------------------------------------------


def test_requests_are_recorded(server: LocalServer, client: httpx.Client) -> None:
    client.post(CHAT + "?x=1", json={"model": "m", "n": 1}, headers={"X-Custom-Header": "Value"})
    client.post(CHAT, content=iter([b'{"model":', b'"m"}']))  # a chunked request body

    first, second = server.requests
    assert isinstance(first, RecordedRequest)
    assert first.method == "POST"
    assert first.path == "/v1/chat/completions?x=1"
    assert first.headers["x-custom-header"] == "Value"
    assert first.headers["content-type"] == "application/json"
    assert all(name == name.lower() for name in first.headers)
    assert first.json() == {"model": "m", "n": 1}
    assert second.body == b'{"model":"m"}'
    assert server.request_count == 2


def test_keep_alive_and_release(server: LocalServer) -> None:
    assert server.open_connections == 0
    with httpx.Client(base_url=server.base_url) as client:
        for _ in range(3):
            client.post(CHAT, json={"model": "m"})
        assert server.open_connections == 1  # one connection, reused
    assert server.wait_for_open_connections(0)
    assert server.open_connections == 0


def test_wait_for_open_connections_times_out(server: LocalServer) -> None:
    assert not server.wait_for_open_connections(1, timeout=0.01)


def test_stop_closes_a_connection_mid_stream() -> None:
    server = LocalServer().start()
    try:
        server.enqueue(Reply.openai_stream("x " * 50, delay=0.05))
        with (
            httpx.Client(base_url=server.base_url) as client,
            client.stream("POST", CHAT, json={}) as response,
        ):
            pieces = response.iter_raw()
            assert next(pieces).startswith(b"data: ")
            server.stop()
            with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
                for _ in pieces:
                    pass
        assert server.open_connections == 0
    finally:
        server.stop()


def test_lifecycle() -> None:
    server = LocalServer()
    with pytest.raises(RuntimeError, match="not been started"):
        _ = server.url
    server.start()
    try:
        with pytest.raises(RuntimeError, match="already running"):
            server.start()
        assert server.url.startswith("http://127.0.0.1:")
        assert server.base_url == server.url + "/v1"
    finally:
        server.stop()
    server.stop()  # a second stop does nothing


@pytest.mark.skipif(sys.platform == "win32", reason="uses SIGINT")
def test_command_line() -> None:
    command = [sys.executable, "-m", "llmclient.testing", "--text", "from the shell"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            found = re.search(r"http://127\.0\.0\.1:\d+/v1", process.stdout.readline())
            assert found is not None
            base_url = found.group()
            with httpx.Client(base_url=base_url) as client:
                body = client.post(CHAT, json={"model": "m"}).json()
            assert body["choices"][0]["message"]["content"] == "from the shell"
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=5) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
