"""The contenders: one function per way of consuming a stream, sync and async.

Each "consume" function reads one whole stream and returns how many items it produced; each
"first" function returns the seconds from sending the request to the first chunk object and
then reads the rest, so the connection goes back to the pool warm. Clients are made by the
caller, outside any timed region.

The floor is raw httpx: ``iter_lines`` + ``json.loads`` of every ``data:`` line, producing
plain dicts. The official SDKs and httpx-sse are optional: :func:`installed` tells whether
one can be imported, without importing it.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

OPENAI_MODEL = "gpt-4o-mini"
BEDROCK_MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
BEDROCK_PAYLOAD = {"messages": [{"role": "user", "content": [{"text": "Tell me a story."}]}]}
ANTHROPIC_MODEL = "claude-3-5-haiku-20241022"
MESSAGES = [{"role": "user", "content": "Tell me a story about a lighthouse keeper."}]
OPENAI_PAYLOAD: dict[str, Any] = {"model": OPENAI_MODEL, "messages": MESSAGES, "stream": True}
ANTHROPIC_PAYLOAD: dict[str, Any] = {
    "model": ANTHROPIC_MODEL,
    "max_tokens": 1024,
    "messages": MESSAGES,
    "stream": True,
}
API_KEY = "sk-benchmark"

OPTIONAL = {"httpx-sse": "httpx_sse", "openai": "openai", "anthropic": "anthropic"}
"""Optional contenders: distribution name -> module name."""


def installed(module: str) -> bool:
    """Whether ``module`` can be imported here (it is not imported)."""
    return importlib.util.find_spec(module) is not None


def version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def base_url(origin: str, chunks: int) -> str:
    """The ``/v1`` base URL of streams with ``chunks`` content chunks."""
    return f"{origin}/c/{chunks}/v1"


# --- the floor: raw httpx, iter_lines + json.loads ---------------------------------------


def floor_sync(http: httpx.Client, url: str, payload: dict[str, Any]) -> int:
    count = 0
    with http.stream("POST", url, json=payload) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                json.loads(line[6:])
                count += 1
    return count


async def floor_async(http: httpx.AsyncClient, url: str, payload: dict[str, Any]) -> int:
    count = 0
    async with http.stream("POST", url, json=payload) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                json.loads(line[6:])
                count += 1
    return count


def floor_first_sync(http: httpx.Client, url: str, payload: dict[str, Any]) -> float:
    start = time.perf_counter()
    first = 0.0
    with http.stream("POST", url, json=payload) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if not first and line.startswith("data: "):
                json.loads(line[6:])
                first = time.perf_counter() - start
    return first


async def floor_first_async(http: httpx.AsyncClient, url: str, payload: dict[str, Any]) -> float:
    start = time.perf_counter()
    first = 0.0
    async with http.stream("POST", url, json=payload) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if not first and line.startswith("data: "):
                json.loads(line[6:])
                first = time.perf_counter() - start
    return first


# --- httpx-sse ------------------------------------------------------------------------------


def httpx_sse_sync(http: httpx.Client, url: str, payload: dict[str, Any]) -> int:
    import httpx_sse

    count = 0
    with httpx_sse.connect_sse(http, "POST", url, json=payload) as source:
        for event in source.iter_sse():
            if event.data != "[DONE]":
                json.loads(event.data)
                count += 1
    return count


async def httpx_sse_async(http: httpx.AsyncClient, url: str, payload: dict[str, Any]) -> int:
    import httpx_sse

    count = 0
    async with httpx_sse.aconnect_sse(http, "POST", url, json=payload) as source:
        async for event in source.aiter_sse():
            if event.data != "[DONE]":
                json.loads(event.data)
                count += 1
    return count


# --- the event-stream floor: raw httpx, botocore's decoder + json.loads -------------------


def eventstream_floor_sync(http: httpx.Client, url: str, payload: dict[str, Any]) -> int:
    from botocore.eventstream import EventStreamBuffer

    count = 0
    buffer = EventStreamBuffer()
    with http.stream("POST", url, json=payload) as response:
        response.raise_for_status()
        for data in response.iter_bytes():
            buffer.add_data(data)
            for message in buffer:
                json.loads(message.payload)
                count += 1
    return count


async def eventstream_floor_async(
    http: httpx.AsyncClient, url: str, payload: dict[str, Any]
) -> int:
    from botocore.eventstream import EventStreamBuffer

    count = 0
    buffer = EventStreamBuffer()
    async with http.stream("POST", url, json=payload) as response:
        response.raise_for_status()
        async for data in response.aiter_bytes():
            buffer.add_data(data)
            for message in buffer:
                json.loads(message.payload)
                count += 1
    return count


# --- llmclient ------------------------------------------------------------------------------


def llmclient_sync(client: Any, model: str) -> int:
    count = 0
    for _ in client.chat_stream(model, MESSAGES):
        count += 1
    return count


async def llmclient_async(client: Any, model: str) -> int:
    count = 0
    async for _ in await client.chat_stream(model, MESSAGES):
        count += 1
    return count


def llmclient_first_sync(client: Any, model: str) -> float:
    start = time.perf_counter()
    stream = client.chat_stream(model, MESSAGES)
    next(stream)
    first = time.perf_counter() - start
    for _ in stream:
        pass
    return first


async def llmclient_first_async(client: Any, model: str) -> float:
    start = time.perf_counter()
    stream = await client.chat_stream(model, MESSAGES)
    await stream.__anext__()
    first = time.perf_counter() - start
    async for _ in stream:
        pass
    return first


# --- the official SDKs (optional) -----------------------------------------------------------


def openai_sync(client: Any) -> int:
    count = 0
    for _ in client.chat.completions.create(model=OPENAI_MODEL, messages=MESSAGES, stream=True):
        count += 1
    return count


async def openai_async(client: Any) -> int:
    count = 0
    stream = await client.chat.completions.create(
        model=OPENAI_MODEL, messages=MESSAGES, stream=True
    )
    async for _ in stream:
        count += 1
    return count


def openai_first_sync(client: Any) -> float:
    start = time.perf_counter()
    chunks = iter(
        client.chat.completions.create(model=OPENAI_MODEL, messages=MESSAGES, stream=True)
    )
    next(chunks)
    first = time.perf_counter() - start
    for _ in chunks:
        pass
    return first


async def openai_first_async(client: Any) -> float:
    start = time.perf_counter()
    stream = await client.chat.completions.create(
        model=OPENAI_MODEL, messages=MESSAGES, stream=True
    )
    chunks = stream.__aiter__()
    await chunks.__anext__()
    first = time.perf_counter() - start
    async for _ in chunks:
        pass
    return first


def anthropic_sync(client: Any) -> int:
    count = 0
    stream = client.messages.create(
        model=ANTHROPIC_MODEL, max_tokens=1024, messages=MESSAGES, stream=True
    )
    for _ in stream:
        count += 1
    return count


async def anthropic_async(client: Any) -> int:
    count = 0
    stream = await client.messages.create(
        model=ANTHROPIC_MODEL, max_tokens=1024, messages=MESSAGES, stream=True
    )
    async for _ in stream:
        count += 1
    return count


# --- a raw socket reader: how fast the server can deliver -----------------------------------


def http_request(origin: str, path: str, payload: dict[str, Any]) -> bytes:
    """The bytes of one keep-alive POST of ``payload`` as JSON."""
    body = json.dumps(payload).encode()
    host = urlsplit(origin).netloc
    return (
        f"POST {path} HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode() + body


class SocketReader:
    """Sends a request on one kept-alive socket and counts the response's bytes, no parsing.

    ``size`` is the exact size of the response (status line, headers and body), known because
    the server's bytes are prebuilt.
    """

    def __init__(self, origin: str, path: str, size: int) -> None:
        parts = urlsplit(origin)
        self.sock = socket.create_connection((parts.hostname, parts.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request = http_request(origin, path, OPENAI_PAYLOAD)
        self.size = size
        self.view = memoryview(bytearray(1 << 20))

    def __call__(self) -> int:
        self.sock.sendall(self.request)
        received = 0
        while received < self.size:
            got = self.sock.recv_into(self.view)
            if not got:
                raise ConnectionError("the server closed the connection")
            received += got
        return received

    def close(self) -> None:
        self.sock.close()
