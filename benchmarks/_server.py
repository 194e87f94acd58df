"""A fast local HTTP/1.1 server for the benchmarks: prebuilt response bytes over raw sockets.

It runs in its own process (``python benchmarks/_server.py``, which prints its port), so
serving costs the measured client's process nothing. One thread, one ``selectors`` loop,
non-blocking sockets, keep-alive: per request it parses the head, skips the body, and writes
bytes built once per route, sending as much as the kernel takes per call.

Routes (``N`` is the number of content chunks, so one server serves every stream size):

- ``POST /c/N/v1/chat/completions``: an OpenAI chat completion stream. The first chunk
  carries ``role``, then ``N`` content chunks, then an empty delta with ``finish_reason``,
  then ``data: [DONE]``, each chunk shaped as OpenAI sends them.
- ``POST /c/N/v1/messages``: an Anthropic Messages stream with ``N`` text deltas, built by
  ``llmclient.testing.Reply.anthropic_stream``.
- ``POST /c/N/v1/model/{modelId}/converse-stream``: a Bedrock ConverseStream (AWS event-stream
  framing) with ``N`` text deltas, built by ``llmclient.testing.Reply.bedrock_stream``.

``--framing length`` (the default) sends a ``Content-Length`` body; ``--framing chunked``
sends ``Transfer-Encoding: chunked`` with one HTTP chunk per event (per event-stream message
for Bedrock), so a client reads one event per chunk, as from a provider that flushes every
event.

The process exits when its parent does. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import selectors
import socket
import string
import subprocess
import sys
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

WORD = "word "
"""Every content chunk says this (five characters, about one token)."""

_ROUTE = re.compile(rb"/c/(\d+)/v1/(chat/completions|messages|model/[^/]+/converse-stream)")
_NOT_FOUND = (
    b"HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 9\r\n\r\nnot found"
)
_RECV_SIZE = 256 * 1024


def openai_body(chunks: int) -> bytes:
    """An OpenAI stream body with ``chunks`` content chunks, compact JSON like the real API.

    As OpenAI does unless asked not to (``stream_options.include_obfuscation``), every chunk
    ends with an ``obfuscation`` member: random characters that vary its length.
    """
    padding = random.Random(chunks)
    alphabet = string.ascii_letters + string.digits
    common = {
        "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
        "object": "chat.completion.chunk",
        "created": 1741570283,
        "model": "gpt-4o-mini-2024-07-18",
        "service_tier": "default",
        "system_fingerprint": "fp_06737a9306",
    }

    def event(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        obfuscation = "".join(padding.choices(alphabet, k=padding.randint(1, 16)))
        payload = {**common, "choices": [choice], "obfuscation": obfuscation}
        data = json.dumps(payload, separators=(",", ":"))
        return b"data: " + data.encode() + b"\n\n"

    parts = [event({"role": "assistant", "content": "", "refusal": None})]
    parts += [event({"content": WORD}) for _ in range(chunks)]
    parts.append(event({}, "stop"))
    parts.append(b"data: [DONE]\n\n")
    return b"".join(parts)


def anthropic_body(chunks: int) -> bytes:
    """An Anthropic Messages stream body with ``chunks`` text deltas."""
    from llmclient.testing import Reply

    return Reply.anthropic_stream(WORD * chunks, chunks=chunks, input_tokens=12).body


def bedrock_body(chunks: int) -> bytes:
    """A Bedrock ConverseStream body with ``chunks`` text deltas, each padded with a random
    ``p`` of 1 to 50 characters, as AWS pads them."""
    from llmclient.testing import bedrock_event

    padding = random.Random(chunks)
    alphabet = string.ascii_letters + string.digits

    def event(kind: str, **fields: Any) -> bytes:
        fields["p"] = "".join(padding.choices(alphabet, k=padding.randint(1, 50)))
        return bedrock_event(kind, **fields)

    usage = {"inputTokens": 12, "outputTokens": chunks, "totalTokens": 12 + chunks}
    frames = [event("messageStart", role="assistant")]
    frames += [
        event("contentBlockDelta", contentBlockIndex=0, delta={"text": WORD}) for _ in range(chunks)
    ]
    frames += [
        event("contentBlockStop", contentBlockIndex=0),
        event("messageStop", stopReason="end_turn"),
        event("metadata", usage=usage, metrics={"latencyMs": 100}),
    ]
    return b"".join(frames)


def _messages(body: bytes) -> list[bytes]:
    """An event-stream body cut into its messages (each starts with its total length)."""
    out, at = [], 0
    while at < len(body):
        size = int.from_bytes(body[at : at + 4], "big")
        out.append(body[at : at + size])
        at += size
    return out


def http_response(body: bytes, framing: str = "length", binary: bool = False) -> bytes:
    """The whole response to one request: status line, headers and ``body``, framed; a
    ``binary`` body is an AWS event-stream."""
    kind = b"application/vnd.amazon.eventstream" if binary else b"text/event-stream; charset=utf-8"
    head = b"HTTP/1.1 200 OK\r\ncontent-type: " + kind + b"\r\n"
    if framing == "length":
        return head + b"content-length: %d\r\n\r\n" % len(body) + body
    if binary:
        events = _messages(body)
    else:
        events = [event + b"\n\n" for event in body.split(b"\n\n") if event]
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(event), event) for event in events)
    return head + b"transfer-encoding: chunked\r\n\r\n" + chunked + b"0\r\n\r\n"


_BODIES = {
    b"chat/completions": openai_body,
    b"messages": anthropic_body,
    b"converse-stream": bedrock_body,
}


class _Connection:
    __slots__ = ("events", "inbox", "outbox", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.inbox = bytearray()
        self.outbox: deque[memoryview] = deque()
        self.events = selectors.EVENT_READ


class Server:
    """The serving loop; :meth:`run` never returns while the parent process lives."""

    def __init__(self, framing: str = "length") -> None:
        self.framing = framing
        self.responses: dict[tuple[bytes, int], bytes] = {}
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4096)
        self.listener.setblocking(False)
        self.port: int = self.listener.getsockname()[1]
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ, None)

    def response(self, path: bytes) -> bytes:
        found = _ROUTE.search(path)
        if found is None:
            return _NOT_FOUND
        route = found[2] if not found[2].startswith(b"model/") else b"converse-stream"
        key = (route, int(found[1]))
        response = self.responses.get(key)
        if response is None:
            build = _BODIES[route]
            binary = route == b"converse-stream"
            response = self.responses[key] = http_response(build(key[1]), self.framing, binary)
        return response

    def run(self) -> None:
        parent = os.getppid()
        while True:
            for key, mask in self.selector.select(timeout=1.0):
                if key.data is None:
                    self._accept()
                    continue
                connection: _Connection = key.data
                try:
                    if mask & selectors.EVENT_READ:
                        self._read(connection)
                    if connection.outbox:
                        self._write(connection)
                except OSError:
                    self._close(connection)
            if os.getppid() != parent:
                return  # the benchmark that started us is gone

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except BlockingIOError:
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = _Connection(sock)
            self.selector.register(sock, selectors.EVENT_READ, connection)

    def _read(self, connection: _Connection) -> None:
        try:
            data = connection.sock.recv(_RECV_SIZE)
        except BlockingIOError:
            return
        if not data:
            self._close(connection)
            return
        inbox = connection.inbox
        inbox += data
        while True:
            head_end = inbox.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = bytes(inbox[:head_end]).lower()
            body_start = head_end + 4
            if b"transfer-encoding: chunked" in head:
                body_end = inbox.find(b"0\r\n\r\n", body_start)
                if body_end < 0:
                    return
                body_end += 5
            else:
                length = re.search(rb"\r\ncontent-length:\s*(\d+)", head)
                body_end = body_start + (int(length[1]) if length else 0)
                if len(inbox) < body_end:
                    return
            path = head.split(b" ", 2)[1]
            del inbox[:body_end]
            connection.outbox.append(memoryview(self.response(path)))

    def _write(self, connection: _Connection) -> None:
        outbox = connection.outbox
        while outbox:
            view = outbox[0]
            try:
                sent = connection.sock.send(view)
            except BlockingIOError:
                break
            if sent < len(view):
                outbox[0] = view[sent:]
                break
            outbox.popleft()
        wanted = selectors.EVENT_READ | (selectors.EVENT_WRITE if outbox else 0)
        if wanted != connection.events:
            connection.events = wanted
            self.selector.modify(connection.sock, wanted, connection)

    def _close(self, connection: _Connection) -> None:
        self.selector.unregister(connection.sock)
        connection.sock.close()


@contextmanager
def running_server(framing: str = "length", warm: tuple[int, ...] = ()) -> Iterator[str]:
    """Start the server in a new process; yield its origin, ``http://127.0.0.1:PORT``.

    ``warm`` lists stream sizes whose responses are built before the first request.
    """
    command = [sys.executable, str(Path(__file__)), "--framing", framing]
    command += [arg for size in warm for arg in ("--warm", str(size))]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError(f"the benchmark server did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line)}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framing", choices=("length", "chunked"), default="length")
    parser.add_argument("--warm", type=int, action="append", default=[])
    args = parser.parse_args()
    server = Server(args.framing)
    for size in args.warm:
        server.response(b"/c/%d/v1/chat/completions" % size)
        server.response(b"/c/%d/v1/messages" % size)
        server.response(b"/c/%d/v1/model/m/converse-stream" % size)
    print(server.port, flush=True)
    with suppress(KeyboardInterrupt):
        server.run()


if __name__ == "__main__":
    main()
