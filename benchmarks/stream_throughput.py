"""Chunks per second for a 10,000-chunk OpenAI stream from a local server: llmclient vs raw httpx.

Run with `make bench` (or `python benchmarks/stream_throughput.py --chunks 10000 --rounds 5`).
The server is a separate process that writes one prebuilt HTTP response per request, so it
costs the client's process nothing. Figures are medians over the rounds; nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import socket
import statistics
import time
from collections.abc import Callable

import httpx

from llmclient import AsyncLlmClient, LlmClient

MESSAGES = [{"role": "user", "content": "benchmark"}]


def build_body(chunks: int) -> bytes:
    events = []
    for i in range(chunks):
        chunk = {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": "gpt-4o-mini",
            "system_fingerprint": "fp_bench",
            "choices": [
                {
                    "index": 0,
                    "delta": {"content": f"tok{i} "},
                    "logprobs": None,
                    "finish_reason": None,
                }
            ],
        }
        events.append(b"data: " + json.dumps(chunk).encode() + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    return b"".join(events)


def serve(port_queue: multiprocessing.Queue[int], chunks: int) -> None:
    body = build_body(chunks)
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        + f"content-length: {len(body)}\r\n\r\n".encode()
    )
    response = head + body
    listener = socket.create_server(("127.0.0.1", 0))
    port_queue.put(listener.getsockname()[1])

    def handle(conn: socket.socket) -> None:
        buffer = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head_end = buffer.index(b"\r\n\r\n") + 4
                length = 0
                for line in buffer[:head_end].split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                while len(buffer) < head_end + length:
                    buffer += conn.recv(65536)
                buffer = buffer[head_end + length :]
                conn.sendall(response)

    import threading

    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def raw_sync(http: httpx.Client, url: str) -> int:
    count = 0
    with http.stream("POST", url, json={"stream": True}) as response:
        for line in response.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                json.loads(line[6:])
                count += 1
    return count


async def raw_async(http: httpx.AsyncClient, url: str) -> int:
    count = 0
    async with http.stream("POST", url, json={"stream": True}) as response:
        async for line in response.aiter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                json.loads(line[6:])
                count += 1
    return count


def llmclient_sync(client: LlmClient) -> int:
    return sum(1 for _ in client.chat_stream("openai/gpt-4o-mini", MESSAGES))


async def llmclient_async(client: AsyncLlmClient) -> int:
    count = 0
    async for _ in await client.chat_stream("openai/gpt-4o-mini", MESSAGES):
        count += 1
    return count


def measure(run: Callable[[], int], chunks: int, rounds: int) -> float:
    rates = []
    run()  # warm up
    for _ in range(rounds):
        start = time.perf_counter()
        count = run()
        elapsed = time.perf_counter() - start
        assert count == chunks, f"expected {chunks} chunks, got {count}"
        rates.append(count / elapsed)
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(ports, args.chunks), daemon=True)
    server.start()
    base_url = f"http://127.0.0.1:{ports.get(timeout=10)}/v1"
    url = f"{base_url}/chat/completions"
    # Clients are made once: only streams over a warm connection are timed.
    loop = asyncio.new_event_loop()
    http, ahttp = httpx.Client(), httpx.AsyncClient()
    client, aclient = LlmClient(base_url=base_url), AsyncLlmClient(base_url=base_url)
    try:
        rows = [
            ("raw httpx iter_lines + json.loads, sync", lambda: raw_sync(http, url)),
            ("llmclient LlmClient.chat_stream", lambda: llmclient_sync(client)),
            (
                "raw httpx aiter_lines + json.loads, async",
                lambda: loop.run_until_complete(raw_async(ahttp, url)),
            ),
            (
                "llmclient AsyncLlmClient.chat_stream",
                lambda: loop.run_until_complete(llmclient_async(aclient)),
            ),
        ]
        results = {name: measure(run, args.chunks, args.rounds) for name, run in rows}
    finally:
        http.close()
        client.close()
        loop.run_until_complete(ahttp.aclose())
        loop.run_until_complete(aclient.aclose())
        loop.close()
        server.terminate()
    floor_sync = results[rows[0][0]]
    floor_async = results[rows[2][0]]
    print(f"{args.chunks} chunks per stream, median of {args.rounds} rounds")
    print(f"{'client':<45} {'chunks/s':>10} {'vs floor':>9}")
    for index, (name, _) in enumerate(rows):
        floor = floor_sync if index < 2 else floor_async
        print(f"{name:<45} {results[name]:>10,.0f} {results[name] / floor:>8.2f}x")


if __name__ == "__main__":
    main()
