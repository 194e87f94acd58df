"""One concurrency scenario in a fresh process, so the memory it reports is its own.

``python benchmarks/_concurrency.py ORIGIN CLIENT STREAMS CHUNKS [cold|warm]`` opens
``STREAMS`` async streams of ``CHUNKS`` content chunks at once against the benchmark server,
waits until every one has delivered its first chunk (so all are open together), then reads
them all to the end. It prints one JSON object: the wall and CPU seconds of the whole round,
the peak resident memory (``VmHWM``) during the round and the resident memory just before it.

Clients: ``floor`` (raw httpx ``aiter_lines`` + ``json.loads``), ``llmclient``
(``AsyncLlmClient.chat_stream``), and ``socket`` (an asyncio protocol that only counts bytes:
what the server can deliver at this concurrency). The floor's httpx client gets the same
connection limits as llmclient's own, so both open and keep the same connections.

The pool starts ``cold`` by default: the client is made before the round, and the round opens
its connections (a loopback connect costs tens of microseconds), as a batch job that fires off
``asyncio.gather`` of many calls does. ``warm`` first opens them with one tiny stream each; then
httpcore 1.0's pool bookkeeping, which for every idle connection counts all connections
(encode/httpcore#1000, #924), costs more than reading the streams.
"""

from __future__ import annotations

import asyncio
import gc
import json
import resource
import sys
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
from _clients import API_KEY, MESSAGES, OPENAI_MODEL, OPENAI_PAYLOAD, base_url, http_request
from _server import http_response, openai_body


def status_kib(field: str) -> int:
    """``VmRSS`` or ``VmHWM`` in KiB; without /proc, the peak so far from getrusage."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def reset_peak() -> bool:
    """Reset ``VmHWM`` to the current resident size (Linux ``clear_refs``); False if refused."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


class _Counter(asyncio.Protocol):
    """Counts the bytes of each response on one kept-alive connection."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.received = 0
        loop = asyncio.get_running_loop()
        self.first: asyncio.Future[None] = loop.create_future()
        self.done: asyncio.Future[None] = loop.create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def send(self, request: bytes) -> None:
        loop = asyncio.get_running_loop()
        self.received = 0
        self.first, self.done = loop.create_future(), loop.create_future()
        assert self.transport is not None
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.received += len(data)
        if not self.first.done():
            self.first.set_result(None)
        if self.received >= self.size and not self.done.done():
            self.done.set_result(None)


def http_client() -> httpx.AsyncClient:
    """An httpx client with llmclient's own pool limits, for both the floor and llmclient."""
    from llmclient._base import DEFAULT_LIMITS

    return httpx.AsyncClient(limits=DEFAULT_LIMITS, timeout=httpx.Timeout(60.0))


async def warm(http: httpx.AsyncClient, origin: str, streams: int) -> None:
    """Open the pool's connections with one tiny stream each, all at once."""
    url = f"{base_url(origin, 1)}/chat/completions"

    async def tiny() -> None:
        async with http.stream("POST", url, json=OPENAI_PAYLOAD) as response:
            await response.aread()

    await asyncio.gather(*(tiny() for _ in range(streams)))


class Floor:
    def __init__(self, origin: str, chunks: int) -> None:
        self.http = http_client()
        self.url = f"{base_url(origin, chunks)}/chat/completions"

    async def open(self) -> tuple[httpx.Response, AsyncIterator[str]]:
        request = self.http.build_request("POST", self.url, json=OPENAI_PAYLOAD)
        response = await self.http.send(request, stream=True)
        response.raise_for_status()
        lines = response.aiter_lines()
        async for line in lines:
            if line.startswith("data: "):
                json.loads(line[6:])
                break
        return response, lines

    async def consume(self, opened: tuple[httpx.Response, AsyncIterator[str]]) -> int:
        response, lines = opened
        count = 1
        async for line in lines:
            if line.startswith("data: ") and line != "data: [DONE]":
                json.loads(line[6:])
                count += 1
        await response.aclose()
        return count

    async def aclose(self) -> None:
        await self.http.aclose()


class Llmclient:
    def __init__(self, origin: str, chunks: int) -> None:
        from llmclient import AsyncLlmClient

        self.http = http_client()
        self.client = AsyncLlmClient(
            base_url=base_url(origin, chunks), api_key=API_KEY, http_client=self.http
        )

    async def open(self) -> Any:
        return await self.client.chat_stream(f"openai/{OPENAI_MODEL}", MESSAGES)

    async def consume(self, stream: Any) -> int:
        count = 0  # the first chunk is still in the stream: iterating yields it
        async for _ in stream:
            count += 1
        return count

    async def aclose(self) -> None:
        await self.client.aclose()
        await self.http.aclose()


class Socket:
    def __init__(self, origin: str, chunks: int) -> None:
        self.origin = origin
        url = f"{base_url(origin, chunks)}/chat/completions"
        self.request = http_request(origin, urlsplit(url).path, OPENAI_PAYLOAD)
        self.size = len(http_response(openai_body(chunks)))
        self.chunks = chunks
        self.idle: list[_Counter] = []

    async def connect(self, streams: int) -> None:
        parts = urlsplit(self.origin)
        loop = asyncio.get_running_loop()
        for _ in range(streams):
            _, counter = await loop.create_connection(
                lambda: _Counter(self.size), parts.hostname, parts.port
            )
            self.idle.append(counter)

    async def open(self) -> _Counter:
        counter = self.idle.pop()
        counter.send(self.request)
        await counter.first
        return counter

    async def consume(self, counter: _Counter) -> int:
        await counter.done
        self.idle.append(counter)
        return self.chunks + 2

    async def aclose(self) -> None:
        for counter in self.idle:
            assert counter.transport is not None
            counter.transport.close()


async def run(origin: str, client: str, streams: int, chunks: int, pool: str) -> dict[str, Any]:
    contender: Floor | Llmclient | Socket
    if client == "socket":
        contender = Socket(origin, chunks)
        await contender.connect(streams)
    else:
        contender = Floor(origin, chunks) if client == "floor" else Llmclient(origin, chunks)
        if pool == "warm":
            await warm(contender.http, origin, streams)
    try:
        gc.collect()
        base = status_kib("VmRSS")
        exact = reset_peak()
        if not exact:
            base = status_kib("VmHWM")
        start, start_cpu = time.perf_counter(), time.process_time()
        opened = await asyncio.gather(*(contender.open() for _ in range(streams)))
        all_open = time.perf_counter() - start
        counts = await asyncio.gather(*(contender.consume(item) for item in opened))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        peak = status_kib("VmHWM")
    finally:
        await contender.aclose()
    if any(count != chunks + 2 for count in counts):
        raise SystemExit(f"{client}: expected {chunks + 2} chunks per stream, got {set(counts)}")
    return {
        "client": client,
        "streams": streams,
        "chunks": chunks,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "open_seconds": all_open,
        "base_kib": base,
        "peak_kib": peak,
        "peak_exact": exact,
        "pool": pool,
    }


def main() -> None:
    origin, client, streams, chunks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    pool = sys.argv[5] if len(sys.argv) > 5 else "cold"
    result = asyncio.run(run(origin, client, streams, chunks, pool))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
