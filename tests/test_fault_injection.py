"""Fault injection: recorded-shape streams of every dialect, cut, re-chunked, corrupted and refused.

Each dialect (OpenAI, Anthropic, Gemini) gets one realistic stream: a role, text with multi-byte
characters, a tool call whose arguments arrive in fragments, a finish reason and usage. The I/O-free
core is the oracle: feeding the first ``k`` bytes to a ``ChunkParser`` (as both facades do) says
which chunks a cut at ``k`` must deliver and whether the answer is complete. The byte-offset sweep
runs there, at every offset up to 2,000 and at a stride after; through the real HTTP path, on both
facades, a spread of offsets per dialect and framing must give exactly what the oracle says.

Every run ends in one of two ways: the complete, correct answer, or a typed ``LlmError`` after a
prefix of the answer's chunks. Never a short answer returned as if whole, never a chunk twice.
"""

from __future__ import annotations

import email.utils
import functools
import json
import random
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import httpx
import pytest
from conftest import Facade, drain, in_flight

from llmclient import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    ChatCompletion,
    ChatCompletionChunk,
    DecodeError,
    EventTooLargeError,
    IncompleteStreamError,
    InternalServerError,
    LlmError,
    OverloadedError,
    RateLimitError,
    accumulate,
)
from llmclient._config import ClientConfig
from llmclient._core.call import ChatCall
from llmclient._core.framing import SSEFraming
from llmclient._core.request import prepare_call
from llmclient._core.stream import ChunkParser
from llmclient.sse import DEFAULT_MAX_EVENT_SIZE
from llmclient.testing import LocalServer, Reply, anthropic_event

KEY = "sk-fault-injection-test-key"
HELLO = [{"role": "user", "content": "What is the weather in Paris?"}]
#: Asked for on every call, so that each dialect's stream ends with a usage chunk.
PARAMS: dict[str, Any] = {"stream_options": {"include_usage": True}}
DIALECTS = ["openai", "anthropic", "gemini"]
MODELS = {
    "openai": "openai/gpt-4o-2024-08-06",
    "anthropic": "anthropic/claude-sonnet-4-20250514",
    "gemini": "gemini/gemini-2.5-flash",
}
SSE_HEADERS = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"}

TEXT = "Bonjour! Here is the weather: Paris 21 °C, Tōkyō 18 °C 🌤. Checking the forecast next."
ARGUMENTS = '{"city": "Paris", "unit": "celsius", "days": [1, 2, 3]}'
TOOL_NAME = "get_weather"


@pytest.fixture(autouse=True)
def _no_provider_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "GEMINI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


# --- the recorded-shape streams ------------------------------------------------------------------


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _data(payload: Any, end: bytes = b"\n\n") -> bytes:
    return b"data: " + json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode() + end


def openai_events() -> list[bytes]:
    """As ``gpt-4o`` streams with ``include_usage``: role, text, a tool call, finish, usage."""
    base = {
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion.chunk",
        "created": 1741569952,
        "model": "gpt-4o-2024-08-06",
        "service_tier": "default",
        "system_fingerprint": "fp_eb9dce56a8",
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return _data({**base, "choices": [choice], "usage": None})

    call = {
        "index": 0,
        "id": "call_DdmO9pD3xa9XTPNJ32zg2hcA",
        "type": "function",
        "function": {"name": TOOL_NAME, "arguments": ""},
    }
    usage = {"prompt_tokens": 81, "completion_tokens": 40, "total_tokens": 121}
    return [
        chunk({"role": "assistant", "content": "", "refusal": None}),
        *(chunk({"content": piece}) for piece in _pieces(TEXT, 6)),
        chunk({"tool_calls": [call]}),
        *(
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
            for piece in _pieces(ARGUMENTS, 7)
        ),
        chunk({}, "tool_calls"),
        _data({**base, "choices": [], "usage": usage}),
        b"data: [DONE]\n\n",
    ]


def anthropic_events() -> list[bytes]:
    """As the Messages API streams: text block, ping, tool_use block, message_delta, stop."""
    message = {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "claude-sonnet-4-20250514",
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 472,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": 2,
        },
    }
    tool = {"type": "tool_use", "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "name": TOOL_NAME}
    return [
        anthropic_event("message_start", message=message),
        anthropic_event("content_block_start", index=0, content_block={"type": "text", "text": ""}),
        anthropic_event("ping"),
        *(
            anthropic_event(
                "content_block_delta", index=0, delta={"type": "text_delta", "text": piece}
            )
            for piece in _pieces(TEXT, 6)
        ),
        anthropic_event("content_block_stop", index=0),
        anthropic_event("content_block_start", index=1, content_block={**tool, "input": {}}),
        *(
            anthropic_event(
                "content_block_delta",
                index=1,
                delta={"type": "input_json_delta", "partial_json": piece},
            )
            for piece in ["", *_pieces(ARGUMENTS, 7)]
        ),
        anthropic_event("content_block_stop", index=1),
        anthropic_event(
            "message_delta",
            delta={"stop_reason": "tool_use", "stop_sequence": None},
            usage={"output_tokens": 89},
        ),
        anthropic_event("message_stop"),
    ]


def gemini_events() -> list[bytes]:
    """As ``streamGenerateContent?alt=sse`` streams: CRLF framing, running usage, a tool call."""

    def event(parts: list[dict[str, Any]], usage: dict[str, int], **extra: Any) -> bytes:
        candidate = {"content": {"parts": parts, "role": "model"}, "index": 0, **extra}
        payload = {
            "candidates": [candidate],
            "usageMetadata": usage,
            "modelVersion": "gemini-2.5-flash",
            "responseId": "mFuTaK2zC5fWz7IPyZW_2Q0",
        }
        return _data(payload, b"\r\n\r\n")

    running = {"promptTokenCount": 9, "totalTokenCount": 9}
    final = {
        "promptTokenCount": 9,
        "candidatesTokenCount": 31,
        "thoughtsTokenCount": 12,
        "totalTokenCount": 52,
    }
    call = {"functionCall": {"name": TOOL_NAME, "args": json.loads(ARGUMENTS)}}
    return [
        *(event([{"text": piece}], running) for piece in _pieces(TEXT, 6)),
        event([call], final, finishReason="STOP"),
    ]


EVENTS: dict[str, list[bytes]] = {
    "openai": openai_events(),
    "anthropic": anthropic_events(),
    "gemini": gemini_events(),
}
BODIES = {dialect: b"".join(events) for dialect, events in EVENTS.items()}
#: What the complete answer of each recorded stream says (usage: prompt, completion, total).
USAGE = {"openai": (81, 40, 121), "anthropic": (472, 89, 561), "gemini": (9, 43, 52)}


def event_ends(dialect: str) -> list[int]:
    """The byte offset just past each event of a recorded stream: where a server flushes."""
    ends, offset = [], 0
    for event in EVENTS[dialect]:
        offset += len(event)
        ends.append(offset)
    return ends


def sse_reply(body: bytes, headers: dict[str, str] | None = None, **faults: Any) -> Reply:
    return Reply(200, {**SSE_HEADERS, **(headers or {})}, body, **faults)


# --- the oracle: the I/O-free core, fed exactly as the facades feed it ---------------------------


@functools.cache
def stream_call(dialect: str) -> ChatCall:
    return prepare_call(
        ClientConfig(api_key=KEY), "chat_stream", MODELS[dialect], HELLO, PARAMS, stream=True
    )


def new_parser(dialect: str) -> ChunkParser:
    call = stream_call(dialect)
    return ChunkParser(
        call.dialect.new_stream(call), call.dialect.new_framing(call), call.provider.name
    )


def settled(chunks: list[ChatCompletionChunk]) -> list[ChatCompletionChunk]:
    """The same chunks with ``created`` zeroed: some dialects stamp it from the clock."""
    for chunk in chunks:
        chunk.created = 0
    return chunks


def settled_completion(completion: ChatCompletion) -> ChatCompletion:
    return attrs.evolve(completion, created=0)


@attrs.frozen
class Outcome:
    """What a body cut after some bytes gives: the chunks, and whether the answer is whole."""

    chunks: list[ChatCompletionChunk]
    complete: bool


def parse(dialect: str, data: bytes) -> Outcome:
    parser = new_parser(dialect)
    chunks = parser.feed(data)
    try:
        parser.end()
    except IncompleteStreamError:
        return Outcome(settled(chunks), complete=False)
    return Outcome(settled(chunks), complete=True)


@functools.cache
def full_chunks(dialect: str) -> tuple[ChatCompletionChunk, ...]:
    outcome = parse(dialect, BODIES[dialect])
    assert outcome.complete
    return tuple(outcome.chunks)


def full_completion(dialect: str) -> ChatCompletion:
    return settled_completion(accumulate(full_chunks(dialect)))


@functools.cache
def first_chunk_offset(dialect: str) -> int:
    """The fewest bytes of the body that give a chunk: a cut before it is a cut before the call
    returns."""
    low, high = 0, len(BODIES[dialect])
    while low < high:
        middle = (low + high) // 2
        if parse(dialect, BODIES[dialect][:middle]).chunks:
            high = middle
        else:
            low = middle + 1
    return low


def sweep_offsets(dialect: str) -> list[int]:
    """Every offset up to 2,000, a stride of 11 after it, and two bytes either side of every
    event's end."""
    size = len(BODIES[dialect])
    offsets = set(range(min(2000, size) + 1)) | set(range(2000, size + 1, 11)) | {size}
    offsets |= {
        end + d for end in event_ends(dialect) for d in range(-2, 3) if 0 <= end + d <= size
    }
    return sorted(offsets)


def http_offsets(dialect: str, count: int = 25) -> list[int]:
    """``count`` offsets spread over the body, with the edges that matter always among them."""
    size = len(BODIES[dialect])
    first = first_chunk_offset(dialect)
    must = {0, 1, first - 1, first, first + 1, size - 1, size}
    spread = [round(i * size / (count - len(must))) for i in range(count - len(must))]
    offsets = sorted(must | set(spread))
    step = 1
    while len(offsets) < count:  # spread points may coincide with the edges
        offsets = sorted(set(offsets) | {min(size, first + 1 + step)})
        step += 1
    return offsets


def test_each_recorded_stream_says_the_whole_answer() -> None:
    for dialect in DIALECTS:
        completion = full_completion(dialect)
        (choice,) = completion.choices
        assert choice.message.content == TEXT, dialect
        assert choice.message.role == "assistant", dialect
        (call,) = choice.message.tool_calls or []
        assert call.function.name == TOOL_NAME, dialect
        assert json.loads(call.function.arguments) == json.loads(ARGUMENTS), dialect
        assert call.id, dialect
        assert choice.finish_reason == "tool_calls", dialect
        assert completion.usage is not None, dialect
        usage = completion.usage
        assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == USAGE[dialect]
        chunks = full_chunks(dialect)
        assert chunks[0].choices[0].delta.role == "assistant", dialect
        assert chunks[-1].choices == [], dialect
        assert len(chunks) > 15, dialect


# --- cut after every byte offset: the core -------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_cut_after_any_byte_gives_a_prefix_then_an_error_or_the_whole_answer(
    dialect: str,
) -> None:
    """For each offset k: the body's first k bytes, then the end of the body; then, on the same
    parser, the rest of the body (the same stream split into two reads at k).

    The bytes a client reads before a cut do not depend on the framing; the framing only decides
    whether the cut looks like a clean end (this test) or a broken connection (an
    ``APIConnectionError`` after the same chunks, covered through HTTP below)."""
    body = BODIES[dialect]
    whole = list(full_chunks(dialect))
    completion = full_completion(dialect)
    failures: list[str] = []
    offsets = sweep_offsets(dialect)
    for k in offsets:
        parser = new_parser(dialect)
        head = settled(parser.feed(body[:k]))
        if head != whole[: len(head)]:
            failures.append(f"{k}: the chunks before the cut are not a prefix of the answer")
        try:
            parser.end()
        except IncompleteStreamError:
            if parser.finished:
                failures.append(f"{k}: finished, yet reported incomplete")
        except LlmError as exc:
            failures.append(f"{k}: the cut raised {exc!r}, not IncompleteStreamError")
        else:
            if head != whole:
                failures.append(f"{k}: silent truncation, {len(head)} of {len(whole)} chunks")
            elif settled_completion(parser.completion()) != completion:
                failures.append(f"{k}: the completion differs from the uncut one")
        tail = settled(parser.feed(body[k:]))
        parser.end()
        if head + tail != whole:
            failures.append(f"{k}: split into two reads, {len(head)}+{len(tail)} chunks differ")
    assert not failures, "\n".join(failures)
    assert len(offsets) >= min(len(body) + 1, 2000)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_first_chunk_comes_with_the_first_event_that_carries_one(dialect: str) -> None:
    first = first_chunk_offset(dialect)
    assert parse(dialect, BODIES[dialect][: first - 1]).chunks == []
    assert parse(dialect, BODIES[dialect][:first]).chunks == list(full_chunks(dialect)[:1])
    assert first <= event_ends(dialect)[3]


# --- cut through the real HTTP path --------------------------------------------------------------


def collect(stream: Iterator[ChatCompletionChunk]) -> tuple[list[ChatCompletionChunk], Any]:
    """Iterate to the end: the chunks received, and the error that ended it (or None)."""
    received: list[ChatCompletionChunk] = []
    try:
        drain(stream, received)
    except LlmError as exc:
        return received, exc
    return received, None


@pytest.mark.parametrize("framing", ["chunked", "close"])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_cut_connection_gives_exactly_what_the_oracle_says(
    facade: Facade, server: LocalServer, dialect: str, framing: str
) -> None:
    """``chunked``: the cut is a broken chunked body (a connection error). ``close``: the body
    ends when the connection closes, so the cut is a clean end of body (an
    ``IncompleteStreamError``). Either way, a cut before the first chunk is retried."""
    body = BODIES[dialect]
    chunked = framing == "chunked"
    first = first_chunk_offset(dialect)
    whole = list(full_chunks(dialect))
    client = facade.client(base_url=server.base_url, api_key=KEY)
    failures: list[str] = []
    offsets = http_offsets(dialect)
    for k in offsets:
        server.reset()
        cut = sse_reply(body, split_at=event_ends(dialect), drop_after=k, chunked=chunked)
        server.enqueue(cut, sse_reply(body, split_at=event_ends(dialect)))
        expected = parse(dialect, body[:k])
        try:
            stream = client.chat_stream(MODELS[dialect], HELLO, **PARAMS)
        except LlmError as exc:
            opening: Any = exc
            received: list[ChatCompletionChunk] = []
            error: Any = exc
        else:
            opening = None
            received, error = collect(stream)
        received = settled(received)
        if expected.complete:
            outcome_ok = error is None and received == whole and server.request_count == 1
            if outcome_ok and settled_completion(stream.final_completion()) != full_completion(
                dialect
            ):
                failures.append(f"{k}: final_completion() differs from the uncut answer")
        elif k < first:  # nothing reached the user before the cut: retried, then whole
            outcome_ok = error is None and received == whole and server.request_count == 2
        else:  # after the first chunk: the chunks before the cut, then the error
            kind = APIConnectionError if chunked else IncompleteStreamError
            outcome_ok = (
                opening is None
                and type(error) is kind
                and received == expected.chunks
                and server.request_count == 1
            )
        if not outcome_ok:
            failures.append(
                f"{k}: got {len(received)} chunks, error {error!r}, "
                f"{server.request_count} requests; the oracle says {len(expected.chunks)} "
                f"chunks, complete={expected.complete}, first chunk at byte {first}"
            )
    assert not failures, "\n".join(failures)
    assert len(offsets) == 25
    assert in_flight(facade, client) == 0


# --- the same stream in every chunking -----------------------------------------------------------
#
# From here on each test runs the three dialects in turn on one client (a client costs more to
# build than a stream does); every assertion names the dialect it is about.


def random_splits(size: int, seed: int, largest: int) -> list[int]:
    rng = random.Random(seed)
    offsets, offset = [], 0
    while offset < size:
        offset += rng.randint(1, largest)
        offsets.append(offset)
    return offsets


#: chunking -> the server's writes of a dialect's body (``Reply`` fault options).
CHUNKINGS: dict[str, Callable[[str], dict[str, Any]]] = {
    "whole": lambda d: {"split_at": []},
    "whole-content-length": lambda d: {"split_at": [], "content_length": True},
    "one-write-per-event": lambda d: {"split_at": event_ends(d)},
    "one-byte": lambda d: {"write_size": 1},
    "random-1-to-64-seed-5-until-close": lambda d: {
        "split_at": random_splits(len(BODIES[d]), 5, 64),
        "chunked": False,
    },
    "random-1-to-7-seed-1": lambda d: {"split_at": random_splits(len(BODIES[d]), 1, 7)},
    "random-1-to-64-seed-2": lambda d: {"split_at": random_splits(len(BODIES[d]), 2, 64)},
    "random-1-to-512-seed-3": lambda d: {"split_at": random_splits(len(BODIES[d]), 3, 512)},
}


@pytest.mark.parametrize("chunking", list(CHUNKINGS))
def test_every_chunking_gives_identical_chunks(
    facade: Facade, server: LocalServer, chunking: str
) -> None:
    client = facade.client(base_url=server.base_url, api_key=KEY)
    for dialect in DIALECTS:
        server.reset()
        server.enqueue(sse_reply(BODIES[dialect], **CHUNKINGS[chunking](dialect)))
        stream = client.chat_stream(MODELS[dialect], HELLO, **PARAMS)
        assert settled(list(stream)) == list(full_chunks(dialect)), dialect
        assert settled_completion(stream.final_completion()) == full_completion(dialect), dialect
        assert server.request_count == 1, dialect
    assert in_flight(facade, client) == 0


def test_final_completion_counts_chunks_already_iterated(
    facade: Facade, server: LocalServer
) -> None:
    client = facade.client(base_url=server.base_url, api_key=KEY)
    for dialect in DIALECTS:
        body = BODIES[dialect]
        server.enqueue(sse_reply(body, split_at=random_splits(len(body), 4, 9)))
        stream = client.chat_stream(MODELS[dialect], HELLO, **PARAMS)
        for _ in range(5):
            next(stream)
        assert settled_completion(stream.final_completion()) == full_completion(dialect), dialect
    assert in_flight(facade, client) == 0


# --- bad bodies: each a typed error a user can act on --------------------------------------------


def error_reply(dialect: str, status: int, message: str, **kwargs: Any) -> Reply:
    """An error answer in the dialect's own shape."""
    if dialect == "anthropic":
        return Reply.anthropic_error(status, message, **kwargs)
    if dialect == "gemini":
        return Reply.gemini_error(status, message, **kwargs)
    return Reply.error(status, message, **kwargs)


def json_error_body(dialect: str, kind: str, message: str) -> dict[str, Any]:
    """An error body as each provider writes it; ``kind`` is "bad_request" or "overloaded"."""
    if dialect == "anthropic":
        error_type = "invalid_request_error" if kind == "bad_request" else "overloaded_error"
        return {"type": "error", "error": {"type": error_type, "message": message}}
    if dialect == "gemini":
        code, status = (400, "INVALID_ARGUMENT") if kind == "bad_request" else (503, "UNAVAILABLE")
        return {"error": {"code": code, "message": message, "status": status}}
    error_type = "invalid_request_error" if kind == "bad_request" else "overloaded_error"
    return {"error": {"message": message, "type": error_type, "param": None, "code": None}}


def whole_answer(dialect: str) -> Reply:
    """The non-streamed answer, as a server that ignores ``stream: true`` sends it."""
    if dialect == "anthropic":
        return Reply.anthropic_message(TEXT)
    if dialect == "gemini":
        return Reply.gemini_response(TEXT)
    return Reply.openai_completion(TEXT)


def bad_event(dialect: str, data: bytes) -> bytes:
    end = b"\r\n\r\n" if dialect == "gemini" else b"\n\n"
    kind = b"event: content_block_delta\n" if dialect == "anthropic" else b""
    return kind + b"data: " + data + end


def raised_by(call: Callable[[], object]) -> LlmError:
    """The ``LlmError`` that ``call`` raises; fails the test if it returns."""
    try:
        call()
    except LlmError as exc:
        return exc
    raise AssertionError("no error was raised")


PROXY_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)

#: case -> (reply for a dialect, the error's class, words its message holds, requests made).
BAD_BODIES: dict[str, tuple[Callable[[str], Reply], type[LlmError], list[str], int]] = {
    "html-page-from-a-proxy": (
        lambda d: Reply(200, {"Content-Type": "text/html"}, PROXY_PAGE),
        DecodeError,
        ["expected an event stream", "text/html", "status 200", "502 Bad Gateway"],
        1,
    ),
    "plain-text-from-a-proxy": (
        lambda d: Reply(200, {"Content-Type": "text/plain"}, b"upstream connect error"),
        DecodeError,
        ["expected an event stream", "text/plain", "upstream connect error"],
        1,
    ),
    "json-error-body-with-200": (
        lambda d: Reply.json(json_error_body(d, "bad_request", "Model `x-9` does not exist.")),
        BadRequestError,
        ["400", "Model `x-9` does not exist."],
        1,
    ),
    "json-error-body-labelled-as-event-stream": (
        lambda d: sse_reply(
            json.dumps(json_error_body(d, "bad_request", "Model `x-9` does not exist.")).encode()
        ),
        BadRequestError,
        ["400", "Model `x-9` does not exist."],
        1,
    ),
    "json-overloaded-body-with-200-is-retried": (
        lambda d: Reply.json(json_error_body(d, "overloaded", "Overloaded, retry."), repeat=3),
        InternalServerError,
        ["Overloaded, retry."],
        3,
    ),
    "empty-event-stream": (
        lambda d: sse_reply(b"", repeat=3),
        IncompleteStreamError,
        ["ended before its end marker", "incomplete"],
        3,
    ),
    "empty-body-without-content-type": (
        lambda d: Reply(200, {}, b"", repeat=3),
        IncompleteStreamError,
        ["ended before its end marker", "incomplete"],
        3,
    ),
    "empty-body-with-content-length": (
        lambda d: sse_reply(b"", content_length=True, repeat=3),
        IncompleteStreamError,
        ["ended before its end marker", "incomplete"],
        3,
    ),
    "empty-body-until-close": (
        lambda d: sse_reply(b"", chunked=False, repeat=3),
        IncompleteStreamError,
        ["ended before its end marker", "incomplete"],
        3,
    ),
    "corrupt-gzip-body": (
        lambda d: sse_reply(b"\x1f\x8b\x08 not gzip at all", headers={"Content-Encoding": "gzip"}),
        DecodeError,
        ["could not be decoded", "decompressing"],
        1,
    ),
    "json-answer-when-a-stream-was-asked-for": (
        whole_answer,
        DecodeError,
        ["expected an event stream", "application/json", "status 200"],
        1,
    ),
    "malformed-json-in-the-first-event": (
        lambda d: sse_reply(bad_event(d, b'{"candidates": [oops')),
        DecodeError,
        ["event #1", "is not valid JSON", "oops"],
        1,
    ),
    "invalid-utf8-in-the-first-event": (
        lambda d: sse_reply(bad_event(d, b'{"text": "caf\xe9 \xff"}')),
        DecodeError,
        ["not valid UTF-8", "caf\\xe9"],
        1,
    ),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_bad_body_before_the_first_chunk_is_a_typed_error_from_the_call(
    facade: Facade, server: LocalServer, case: str
) -> None:
    build, kind, words, requests = BAD_BODIES[case]
    client = facade.client(base_url=server.base_url, api_key=KEY)
    for dialect in DIALECTS:
        server.reset()
        server.enqueue(build(dialect))
        error = raised_by(lambda d=dialect: client.chat_stream(MODELS[d], HELLO, **PARAMS))
        assert isinstance(error, kind), (dialect, error)
        for word in words:
            assert word in str(error), f"{dialect}: {word!r} not in {str(error)!r}"
        assert isinstance(error, APIError)
        assert error.provider == dialect
        assert error.attempts == requests == server.request_count, dialect
        assert KEY not in str(error), dialect
    assert in_flight(facade, client) == 0


def test_end_marker_alone_is_an_error_not_an_empty_answer(
    facade: Facade, server: LocalServer
) -> None:
    """``chat_stream`` returns once the first chunk has arrived (README, "Retries"): a stream
    that is nothing but ``data: [DONE]`` has no first chunk, and no answer to return."""
    server.enqueue(sse_reply(b"data: [DONE]\n\n"))
    client = facade.client(base_url=server.base_url, api_key=KEY, max_retries=0)
    with pytest.raises(IncompleteStreamError, match="openai: the stream ended before its first"):
        client.chat_stream(MODELS["openai"], HELLO)
    assert server.request_count == 1
    assert in_flight(facade, client) == 0


#: case -> (bytes spliced in after the fifth event, the error's class, words of its message).
#: The server writes the first three events, then the next two, the bad one and the rest in one
#: write: the chunks read with the bad event still come out before its error.
BAD_EVENTS: dict[str, tuple[bytes, type[LlmError], list[str]]] = {
    "malformed-json": (b'{"choices": [{"delta": {"content": "unterminated', DecodeError, ["JSON"]),
    "invalid-utf8": (b'{"text": "\xc3\x28 broken"}', DecodeError, ["not valid UTF-8"]),
    "truncated-multibyte": (b'{"text": "\xf0\x9f\x8c"}', DecodeError, ["not valid UTF-8"]),
}


@pytest.mark.parametrize("case", list(BAD_EVENTS))
def test_bad_event_mid_stream_comes_after_the_chunks_before_it(
    facade: Facade, server: LocalServer, case: str
) -> None:
    data, kind, words = BAD_EVENTS[case]
    client = facade.client(base_url=server.base_url, api_key=KEY)
    for dialect in DIALECTS:
        server.reset()
        events, at = EVENTS[dialect], 5
        body = b"".join([*events[:at], bad_event(dialect, data), *events[at:]])
        server.enqueue(sse_reply(body, split_at=[len(b"".join(events[: at - 2]))]))
        received, error = collect(client.chat_stream(MODELS[dialect], HELLO, **PARAMS))
        assert type(error) is kind, (dialect, error)
        for word in words:
            assert word in str(error), f"{dialect}: {word!r} not in {str(error)!r}"
        assert error.provider == dialect
        assert received, dialect
        assert settled(received) == parse(dialect, b"".join(events[:at])).chunks, dialect
        assert server.request_count == 1, dialect
    assert in_flight(facade, client) == 0


def feed_in_pieces(
    parser: ChunkParser, data: bytes, size: int, into: list[ChatCompletionChunk]
) -> None:
    for offset in range(0, len(data), size):
        into += settled(parser.feed(data[offset : offset + size]))


@pytest.mark.parametrize("dialect", DIALECTS)
def test_event_over_the_size_limit_comes_after_the_chunks_before_it(dialect: str) -> None:
    """The size limit, at unit level with a small decoder: the chunks of every event before the
    oversized one, then ``EventTooLargeError``, as soon as the limit is passed."""
    events = EVENTS[dialect]
    largest = max(len(event) for event in events)
    oversized = bad_event(dialect, b'{"pad": "' + b"x" * (2 * largest) + b'"}')
    parser = new_parser(dialect)
    parser._framing = SSEFraming(max_event_size=largest)
    before = b"".join(events[:6])
    received = settled(parser.feed(before))
    with pytest.raises(EventTooLargeError, match=f"exceeds max_event_size of {largest} bytes"):
        feed_in_pieces(parser, oversized, 64, received)
    assert received == parse(dialect, before).chunks
    assert received


#: case -> (what follows five good events in the same read, given the largest event's size).
SAME_READ_FAULTS: dict[str, tuple[Callable[[str, int], bytes], type[LlmError]]] = {
    "invalid-utf8": (lambda d, largest: bad_event(d, b'{"text": "\xc3\x28"}'), DecodeError),
    "oversized-event": (
        lambda d, largest: bad_event(d, b'{"pad": "' + b"x" * (2 * largest) + b'"}'),
        EventTooLargeError,
    ),
    "oversized-unfinished-line": (
        lambda d, largest: b"data: " + b"x" * (2 * largest),
        EventTooLargeError,
    ),
    "malformed-json": (lambda d, largest: bad_event(d, b'{"text": oops}'), DecodeError),
}


@pytest.mark.parametrize("case", list(SAME_READ_FAULTS))
@pytest.mark.parametrize("dialect", DIALECTS)
def test_error_read_with_good_events_comes_after_their_chunks(dialect: str, case: str) -> None:
    """``ChunkParser.feed``: "When an error follows chunks in the same bytes, the chunks are
    returned and the error is kept ..., raised by the next feed or end"."""
    build, kind = SAME_READ_FAULTS[case]
    events = EVENTS[dialect]
    largest = max(len(event) for event in events)
    before = b"".join(events[:5])
    parser = new_parser(dialect)
    parser._framing = SSEFraming(max_event_size=largest)
    chunks = settled(parser.feed(before + build(dialect, largest)))
    assert chunks == parse(dialect, before).chunks
    assert chunks
    with pytest.raises(kind):
        parser.end()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_recorded_event_fits_a_decoder_sized_to_the_largest(dialect: str) -> None:
    parser = new_parser(dialect)
    parser._framing = SSEFraming(max_event_size=max(len(event) for event in EVENTS[dialect]))
    assert settled(parser.feed(BODIES[dialect])) == list(full_chunks(dialect))
    parser.end()


def test_event_over_the_default_limit_through_http_is_raised_by_the_call(
    facade: Facade, server: LocalServer
) -> None:
    """One 33 MiB event, past the default 32 MiB limit: the client stops reading at the limit."""
    padding = b"x" * (DEFAULT_MAX_EVENT_SIZE + 1024 * 1024)
    server.enqueue(sse_reply(b'data: {"pad": "' + padding + b'"}\n\n'))
    client = facade.client(base_url=server.base_url, api_key=KEY)
    with pytest.raises(EventTooLargeError, match=f"max_event_size of {DEFAULT_MAX_EVENT_SIZE}"):
        client.chat_stream(MODELS["openai"], HELLO)
    assert server.request_count == 1
    assert in_flight(facade, client) == 0


# --- refusals and retries ------------------------------------------------------------------------


def http_date(delta: timedelta) -> str:
    return email.utils.format_datetime(datetime.now(timezone.utc) + delta, usegmt=True)


#: case -> (headers on a 429, whether it is retried, the retry_after the error reports).
RETRY_AFTER: dict[str, tuple[Callable[[], dict[str, str]], bool, Callable[[float], bool]]] = {
    "seconds": (lambda: {"retry-after": "0.01"}, True, lambda s: s == 0.01),
    "http-date-passed": (
        lambda: {"retry-after": http_date(timedelta(seconds=-30))},
        True,
        lambda s: s == 0.0,
    ),
    "milliseconds": (lambda: {"retry-after-ms": "10"}, True, lambda s: s == 0.01),
    "milliseconds-win-over-seconds": (
        lambda: {"retry-after-ms": "5", "retry-after": "3600"},
        True,
        lambda s: s == 0.005,
    ),
    "seconds-above-the-cap": (lambda: {"retry-after": "61"}, False, lambda s: s == 61),
    "http-date-above-the-cap": (
        lambda: {"retry-after": http_date(timedelta(hours=1))},
        False,
        lambda s: 3500 < s <= 3600,
    ),
    "milliseconds-above-the-cap": (
        lambda: {"retry-after-ms": "600000"},
        False,
        lambda s: s == 600,
    ),
}


@pytest.mark.parametrize("case", list(RETRY_AFTER))
def test_rate_limit_retry_after_is_honoured_or_raised_at_once(
    facade: Facade, server: LocalServer, case: str
) -> None:
    """Each dialect: a 429 then the stream (the whole answer when the wait is honoured), then
    429s only (raised after every attempt, or at once past the 60 s cap)."""
    headers, retried, reported = RETRY_AFTER[case]
    client = facade.client(base_url=server.base_url, api_key=KEY, max_retries=2)
    for dialect in DIALECTS:
        server.reset()
        server.enqueue(
            error_reply(dialect, 429, "Slow down.", headers=headers()),
            sse_reply(BODIES[dialect], split_at=event_ends(dialect)),
        )
        if retried:
            chunks = settled(list(client.chat_stream(MODELS[dialect], HELLO, **PARAMS)))
            assert chunks == list(full_chunks(dialect)), dialect
            assert server.request_count == 2, dialect
        server.reset()
        server.enqueue(error_reply(dialect, 429, "Slow down.", headers=headers(), repeat=3))
        error = raised_by(lambda d=dialect: client.chat_stream(MODELS[d], HELLO, **PARAMS))
        assert isinstance(error, RateLimitError), (dialect, error)
        assert error.attempts == server.request_count == (3 if retried else 1), dialect
        assert error.retry_after is not None, dialect
        assert reported(error.retry_after), (dialect, error.retry_after)
        assert error.status_code == 429, dialect
        assert "Slow down." in str(error), dialect
    assert in_flight(facade, client) == 0


def test_server_error_sequence_is_retried_then_streams(facade: Facade, server: LocalServer) -> None:
    client = facade.client(base_url=server.base_url, api_key=KEY, max_retries=4)
    for dialect in DIALECTS:
        server.reset()
        server.enqueue(
            *(
                error_reply(dialect, status, f"Failure {status}.")
                for status in (500, 502, 503, 529)
            ),
            sse_reply(BODIES[dialect], split_at=event_ends(dialect)),
        )
        chunks = settled(list(client.chat_stream(MODELS[dialect], HELLO, **PARAMS)))
        assert chunks == list(full_chunks(dialect)), dialect
        assert server.request_count == 5, dialect
    assert in_flight(facade, client) == 0


@pytest.mark.parametrize(
    ("statuses", "kind"),
    [
        ((500, 502, 503), InternalServerError),
        ((503, 500, 529), OverloadedError),
        ((529, 529, 529), OverloadedError),
        ((502, 502, 502), InternalServerError),
    ],
    ids=lambda value: "-".join(map(str, value)) if isinstance(value, tuple) else value.__name__,
)
def test_server_error_sequence_past_max_retries_raises_the_last(
    facade: Facade, server: LocalServer, statuses: tuple[int, ...], kind: type[APIStatusError]
) -> None:
    client = facade.client(base_url=server.base_url, api_key=KEY, max_retries=2)
    for dialect in DIALECTS:
        server.reset()
        server.enqueue(*(error_reply(dialect, status, f"Failure {status}.") for status in statuses))
        server.enqueue(sse_reply(BODIES[dialect]))  # one retry too many would get this
        error = raised_by(lambda d=dialect: client.chat_stream(MODELS[d], HELLO, **PARAMS))
        assert type(error) is kind, (dialect, error)
        assert isinstance(error, APIStatusError)
        assert error.status_code == statuses[-1], dialect
        assert f"Failure {statuses[-1]}." in str(error), dialect
        assert error.attempts == server.request_count == 3, dialect
    assert in_flight(facade, client) == 0


def test_should_retry_true_makes_a_400_retried(facade: Facade, server: LocalServer) -> None:
    client = facade.client(base_url=server.base_url, api_key=KEY, max_retries=2)
    should = {"x-should-retry": "true"}
    for dialect in DIALECTS:
        server.reset()
        server.enqueue(
            error_reply(dialect, 400, "Try again.", headers=should),
            sse_reply(BODIES[dialect], split_at=event_ends(dialect)),
        )
        chunks = settled(list(client.chat_stream(MODELS[dialect], HELLO, **PARAMS)))
        assert chunks == list(full_chunks(dialect)), dialect
        assert server.request_count == 2, dialect
        server.reset()
        server.enqueue(error_reply(dialect, 400, "Try again.", headers=should, repeat=5))
        error = raised_by(lambda d=dialect: client.chat_stream(MODELS[d], HELLO, **PARAMS))
        assert isinstance(error, BadRequestError), (dialect, error)
        assert error.attempts == server.request_count == 3, dialect


def test_should_retry_false_makes_a_503_final(facade: Facade, server: LocalServer) -> None:
    client = facade.client(base_url=server.base_url, api_key=KEY)
    for dialect in DIALECTS:
        server.reset()
        server.enqueue(
            error_reply(dialect, 503, "Do not retry.", headers={"x-should-retry": "false"}),
            sse_reply(BODIES[dialect]),
        )
        error = raised_by(lambda d=dialect: client.chat_stream(MODELS[d], HELLO, **PARAMS))
        assert type(error) is InternalServerError, (dialect, error)
        assert "Do not retry." in str(error), dialect
        assert error.should_retry is False, dialect
        assert error.attempts == server.request_count == 1, dialect
    assert in_flight(facade, client) == 0


def test_connection_refused_is_retried_then_raised_by_the_call(facade: Facade) -> None:
    with LocalServer() as gone:
        base_url = gone.base_url
    client = facade.client(base_url=base_url, api_key=KEY, max_retries=2)
    for dialect in DIALECTS:
        error = raised_by(lambda d=dialect: client.chat_stream(MODELS[d], HELLO, **PARAMS))
        assert type(error) is APIConnectionError, (dialect, error)
        assert "connection failed sending the request" in str(error), dialect
        assert error.attempts == 3, dialect
        assert error.provider == dialect
        assert isinstance(error.__cause__, httpx.ConnectError), dialect


class SilentServer:
    """Accepts connections and reads each request, and never answers any of them."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stop = threading.Event()
        self._seen = threading.Condition()
        self._connections: list[socket.socket] = []
        self.requests = 0
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/v1"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._connections.append(connection)
            reader = threading.Thread(target=self._read, args=(connection,), daemon=True)
            self._threads.append(reader)
            reader.start()

    def _read(self, connection: socket.socket) -> None:
        received = b""
        while b"\r\n\r\n" not in received:
            try:
                data = connection.recv(65536)
            except OSError:
                return
            if not data:
                return
            received += data
        with self._seen:
            self.requests += 1
            self._seen.notify_all()

    def wait_for_requests(self, count: int) -> bool:
        with self._seen:
            return self._seen.wait_for(lambda: self.requests >= count, timeout=10)

    def reset(self) -> None:
        with self._seen:
            self.requests = 0

    def close(self) -> None:
        self._stop.set()
        for connection in self._connections:
            connection.close()
        self._listener.close()
        for thread in self._threads:
            thread.join(5)


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


@pytest.mark.parametrize(
    ("knob", "rule"),
    [
        ({"timeout": httpx.Timeout(10.0, read=0.05)}, "timed out"),
        ({"first_chunk_timeout": 0.05}, "first_chunk_timeout of 0.05s tripped"),
    ],
    ids=["read-timeout", "first-chunk-timeout"],
)
def test_server_that_never_answers_is_retried_then_timed_out(
    facade: Facade, silent: SilentServer, knob: dict[str, Any], rule: str
) -> None:
    client = facade.client(base_url=silent.base_url, api_key=KEY, max_retries=1, **knob)
    for dialect in DIALECTS:
        error = raised_by(lambda d=dialect: client.chat_stream(MODELS[d], HELLO, **PARAMS))
        assert isinstance(error, APITimeoutError), (dialect, error)
        assert rule in str(error), (dialect, str(error))
        assert error.attempts == 2, dialect
        assert silent.wait_for_requests(2), dialect
        assert silent.requests == error.attempts, dialect
        assert error.provider == dialect
        silent.reset()
    assert in_flight(facade, client) == 0


def test_headers_then_silence_is_retried_then_timed_out(
    facade: Facade, server: LocalServer
) -> None:
    """The status and headers arrive, then only a comment: the first-chunk rule trips; the server
    saw each attempt."""
    client = facade.client(base_url=server.base_url, api_key=KEY, max_retries=2)
    for dialect in DIALECTS:
        server.reset()
        body = b": keep-alive\n\n" + BODIES[dialect]
        server.enqueue(sse_reply(body, split_at=[14], delay=60, repeat=3))
        error = raised_by(
            lambda d=dialect: client.chat_stream(
                MODELS[d], HELLO, first_chunk_timeout=0.05, **PARAMS
            )
        )
        assert isinstance(error, APITimeoutError), (dialect, error)
        assert "first_chunk_timeout of 0.05s tripped" in str(error), dialect
        assert error.attempts == 3, dialect
        assert server.wait_for_requests(3), dialect  # a loaded server may read the last late
        assert server.request_count == 3, dialect
    assert in_flight(facade, client) == 0
