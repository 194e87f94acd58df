"""Tests for llmclient._core.stream: bytes of an OpenAI stream in, typed chunks and errors out."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import httpx
import pytest

from llmclient._config import ClientConfig
from llmclient._core.accumulate import accumulate
from llmclient._core.call import ChatCall
from llmclient._core.request import prepare_call
from llmclient._core.stream import ChunkParser, error_from_response, needs_error_body
from llmclient._providers.openai import DIALECT
from llmclient.errors import (
    APIStatusError,
    BadRequestError,
    DecodeError,
    IncompleteStreamError,
    InternalServerError,
    OverloadedError,
    RateLimitError,
    ResponseError,
)
from llmclient.types import (
    ChatCompletionChunk,
    ChoiceLogprobs,
    Delta,
    FunctionCallDelta,
    TokenLogprob,
    ToolCallDelta,
    TopLogprob,
    Usage,
)


def make_call() -> ChatCall:
    config = ClientConfig(api_key="sk-test")
    messages = [{"role": "user", "content": "Hi"}]
    return prepare_call(config, "chat_stream", "openai/gpt-4o", messages, {}, stream=True)


CALL = make_call()
#: The media type of the openai dialect's stream.
SSE = DIALECT.new_framing(CALL).media_type


def new_parser() -> ChunkParser:
    return ChunkParser(DIALECT.new_stream(CALL), DIALECT.new_framing(CALL), "openai")


def event(payload: Any) -> bytes:
    """One ``data:`` event holding ``payload`` as JSON (non-ASCII kept as raw UTF-8)."""
    return b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n"


DONE = b"data: [DONE]\n\n"
BASE = {
    "id": "chatcmpl-9xYz",
    "object": "chat.completion.chunk",
    "created": 1718000000,
    "model": "gpt-4o-2024-08-06",
    "system_fingerprint": "fp_abc123",
}


def chunk(*choices: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {**BASE, "choices": list(choices), **extra}


def choice(
    delta: dict[str, Any] | None, finish: str | None = None, index: int = 0
) -> dict[str, Any]:
    return {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}


USAGE = {
    "prompt_tokens": 12,
    "completion_tokens": 5,
    "total_tokens": 17,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
}

# A realistic answer to a stream request with stream_options={"include_usage": True}.
TEXT_EVENTS = [
    chunk(choice({"role": "assistant", "content": "", "refusal": None}), usage=None),
    chunk(choice({"content": "Hello"}), usage=None),
    chunk(choice({"content": ", wörld 🌍 — ça va?"}), usage=None),
    chunk(choice({}, "stop"), usage=None),
    chunk(usage=USAGE),
]
TEXT_STREAM = b"".join(event(payload) for payload in TEXT_EVENTS) + DONE


def feed_all(
    parts: Iterable[bytes], parser: ChunkParser | None = None
) -> list[ChatCompletionChunk]:
    parser = parser or new_parser()
    chunks: list[ChatCompletionChunk] = []
    for part in parts:
        chunks.extend(parser.feed(part))
    return chunks


def parse(stream: bytes) -> list[ChatCompletionChunk]:
    return feed_all([stream])


EXPECTED_TEXT_CHUNKS = parse(TEXT_STREAM)


def content_of(chunks: list[ChatCompletionChunk], index: int = 0) -> str:
    return "".join(c.delta.content or "" for ch in chunks for c in ch.choices if c.index == index)


# --- a plain text stream ------------------------------------------------------------------


def test_text_stream_parses_into_typed_chunks() -> None:
    chunks = EXPECTED_TEXT_CHUNKS
    assert len(chunks) == 5
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    first = chunks[0]
    assert first.id == "chatcmpl-9xYz"
    assert first.object == "chat.completion.chunk"
    assert first.created == 1718000000
    assert first.model == "gpt-4o-2024-08-06"
    assert first.system_fingerprint == "fp_abc123"
    assert first.usage is None
    assert first.choices[0].delta == Delta(role="assistant", content="")
    assert content_of(chunks) == "Hello, wörld 🌍 — ça va?"
    assert [ch.choices[0].finish_reason for ch in chunks[:4]] == [None, None, None, "stop"]
    assert chunks[3].choices[0].delta == Delta()
    assert chunks[4].choices == []
    assert chunks[4].usage is not None
    assert chunks[4].usage.total_tokens == 17
    assert chunks[4].usage.prompt_tokens_details is not None
    assert chunks[4].usage.prompt_tokens_details.cached_tokens == 0


class LineFraming:
    """A framing that is not SSE: one payload per line, every frame of type ``message``."""

    media_type = "application/x-ndjson"
    pending_error = None

    def __init__(self) -> None:
        self._rest = b""

    def feed_frames(self, data: bytes) -> list[tuple[str, str]]:
        *lines, self._rest = (self._rest + data).split(b"\n")
        return [("message", line.decode()) for line in lines]


def test_the_parser_reads_frames_from_the_framing_it_is_given() -> None:
    body = b"".join(json.dumps(payload).encode() + b"\n" for payload in TEXT_EVENTS)
    parser = ChunkParser(DIALECT.new_stream(CALL), LineFraming(), "openai")

    chunks = feed_all([body[i : i + 7] for i in range(0, len(body), 7)] + [b"[DONE]\n"], parser)

    assert chunks == EXPECTED_TEXT_CHUNKS
    assert parser.finished
    parser.end()


def test_a_stream_in_another_framing_is_told_apart_by_its_media_type() -> None:
    parser = ChunkParser(DIALECT.new_stream(CALL), LineFraming(), "openai")

    assert (
        needs_error_body(200, {"content-type": "application/x-ndjson"}, parser.media_type) is False
    )
    assert needs_error_body(200, {"content-type": "text/event-stream"}, parser.media_type) is True


def _event_spans(stream: bytes) -> list[tuple[int, int]]:
    """The byte range of each event in ``stream`` (each ends after its blank line)."""
    ends = [i + 2 for i in range(len(stream)) if stream.startswith(b"\n\n", i)]
    return list(zip([0, *ends[:-1]], ends, strict=True))


SPANS = _event_spans(TEXT_STREAM)


def test_event_spans_cover_the_whole_stream() -> None:
    assert len(SPANS) == len(TEXT_EVENTS) + 1
    assert SPANS[0][0] == 0
    assert SPANS[-1][1] == len(TEXT_STREAM)


# Every split point of the stream, grouped by the event it falls in (one test per event keeps
# the run fast while still trying each of the ~1500 two-feed splits).
@pytest.mark.parametrize(("start", "end"), SPANS, ids=[f"event-{n}" for n in range(len(SPANS))])
def test_every_two_feed_split_gives_the_same_chunks(start: int, end: int) -> None:
    for at in range(max(start, 1), min(end, len(TEXT_STREAM) - 1) + 1):
        parser = new_parser()
        chunks = feed_all([TEXT_STREAM[:at], TEXT_STREAM[at:]], parser)
        assert chunks == EXPECTED_TEXT_CHUNKS, f"split at byte {at}"
        assert parser.finished, f"split at byte {at}"


def test_one_byte_feeds_give_the_same_chunks() -> None:
    parser = new_parser()
    chunks = feed_all([TEXT_STREAM[i : i + 1] for i in range(len(TEXT_STREAM))], parser)
    assert chunks == EXPECTED_TEXT_CHUNKS
    assert parser.finished
    parser.end()


def test_feed_returns_only_the_chunks_its_bytes_complete() -> None:
    parser = new_parser()
    first, second = event(TEXT_EVENTS[0]), event(TEXT_EVENTS[1])
    assert parser.feed(first[:-1]) == []
    assert parser.feed(first[-1:] + second[:10]) == [EXPECTED_TEXT_CHUNKS[0]]
    assert parser.feed(second[10:]) == [EXPECTED_TEXT_CHUNKS[1]]
    assert parser.feed(b"") == []


def test_finished_becomes_true_only_at_done() -> None:
    parser = new_parser()
    assert parser.finished is False
    for payload in TEXT_EVENTS:
        parser.feed(event(payload))
        assert parser.finished is False
    assert parser.feed(b"data: [DON") == []
    assert parser.finished is False
    assert parser.feed(b"E]\n") == []
    assert parser.finished is False
    assert parser.feed(b"\n") == []
    assert parser.finished is True


def test_end_before_done_raises_incomplete_stream() -> None:
    parser = new_parser()
    parser.feed(TEXT_STREAM[: -len(DONE)])
    with pytest.raises(IncompleteStreamError) as info:
        parser.end()
    assert isinstance(info.value, ResponseError)
    assert info.value.provider == "openai"
    assert str(info.value) == (
        "openai: the stream ended before its end marker; the answer is incomplete."
    )


def test_end_of_an_empty_body_raises_incomplete_stream() -> None:
    with pytest.raises(IncompleteStreamError):
        new_parser().end()


def test_done_without_its_blank_line_is_not_the_end() -> None:
    parser = new_parser()
    parser.feed(TEXT_STREAM[:-1])
    with pytest.raises(IncompleteStreamError):
        parser.end()


def test_end_after_done_does_not_raise() -> None:
    parser = new_parser()
    parser.feed(TEXT_STREAM)
    parser.end()
    parser.end()
    assert parser.finished


@pytest.mark.parametrize(
    "after",
    [
        event(chunk(choice({"content": "late"}))),
        b"data: not json at all\n\n",
        event({"error": {"message": "late error", "type": "server_error"}}),
        b"event: error\ndata: {}\n\n",
        b"data: [1, 2]\n\n" + DONE,
    ],
)
def test_events_after_done_are_ignored(after: bytes) -> None:
    parser = new_parser()
    assert parser.feed(TEXT_STREAM + after) == EXPECTED_TEXT_CHUNKS
    assert parser.feed(after) == []
    assert parser.finished
    parser.end()


def test_comments_and_other_fields_do_not_make_chunks() -> None:
    stream = b": keep-alive\n\nid: 1\nretry: 10\n" + event(TEXT_EVENTS[1]) + b": ping\n\n" + DONE
    assert parse(stream) == [EXPECTED_TEXT_CHUNKS[1]]


def test_crlf_line_endings_work() -> None:
    assert parse(TEXT_STREAM.replace(b"\n", b"\r\n")) == EXPECTED_TEXT_CHUNKS


# --- tool calls, several choices, refusal, reasoning, logprobs ----------------------------

WEATHER_ARGS = '{"city": "Paris", "unit": "celsius"}'
TIME_ARGS = '{"tz": "Europe/Paris"}'
TOOL_EVENTS = [
    chunk(choice({"role": "assistant", "content": None, "refusal": None})),
    chunk(
        choice(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_weather",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": ""},
                    }
                ]
            }
        )
    ),
    *(
        chunk(choice({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
        for piece in ['{"ci', 'ty": "Pa', 'ris", "un', 'it": "celsius"}']
    ),
    chunk(
        choice(
            {
                "tool_calls": [
                    {
                        "index": 1,
                        "id": "call_time",
                        "type": "function",
                        "function": {"name": "get_time", "arguments": TIME_ARGS},
                    }
                ]
            }
        )
    ),
    chunk(choice({}, "tool_calls")),
]
TOOL_STREAM = b"".join(event(payload) for payload in TOOL_EVENTS) + DONE


def tool_deltas(chunks: list[ChatCompletionChunk]) -> list[ToolCallDelta]:
    return [tc for ch in chunks for c in ch.choices for tc in c.delta.tool_calls or []]


def test_tool_call_deltas_parse_into_typed_fragments() -> None:
    deltas = tool_deltas(parse(TOOL_STREAM))
    assert all(isinstance(d, ToolCallDelta) for d in deltas)
    assert deltas[0] == ToolCallDelta(
        index=0,
        id="call_weather",
        type="function",
        function=FunctionCallDelta(name="get_weather", arguments=""),
    )
    assert deltas[1] == ToolCallDelta(index=0, function=FunctionCallDelta(arguments='{"ci'))
    assert deltas[-1].index == 1
    assert deltas[-1].id == "call_time"


@pytest.mark.parametrize(("index", "args"), [(0, WEATHER_ARGS), (1, TIME_ARGS)])
def test_tool_call_argument_fragments_join_into_the_original_json(index: int, args: str) -> None:
    deltas = [d for d in tool_deltas(parse(TOOL_STREAM)) if d.index == index]
    joined = "".join(d.function.arguments or "" for d in deltas if d.function)
    assert joined == args
    assert json.loads(joined) == json.loads(args)
    assert [d.id for d in deltas if d.id] == [["call_weather", "call_time"][index]]


def test_tool_call_stream_ends_with_tool_calls_finish_reason() -> None:
    chunks = parse(TOOL_STREAM)
    assert chunks[0].choices[0].delta.content is None
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_two_choices_interleave_by_index() -> None:
    stream = (
        event(chunk(choice({"role": "assistant", "content": ""}, index=0)))
        + event(chunk(choice({"role": "assistant", "content": ""}, index=1)))
        + event(chunk(choice({"content": "Red"}, index=0)))
        + event(chunk(choice({"content": "Blue"}, index=1)))
        + event(chunk(choice({"content": " apple"}, index=1)))
        + event(chunk(choice({}, "stop", index=0), choice({}, "length", index=1)))
        + DONE
    )
    chunks = parse(stream)
    assert content_of(chunks, 0) == "Red"
    assert content_of(chunks, 1) == "Blue apple"
    assert [(c.index, c.finish_reason) for c in chunks[-1].choices] == [(0, "stop"), (1, "length")]


def test_refusal_delta_is_kept() -> None:
    stream = (
        event(chunk(choice({"role": "assistant", "content": None, "refusal": ""})))
        + event(chunk(choice({"refusal": "I'm sorry, "})))
        + event(chunk(choice({"refusal": "I can't help with that."})))
        + event(chunk(choice({}, "stop")))
        + DONE
    )
    chunks = parse(stream)
    refusal = "".join(ch.choices[0].delta.refusal or "" for ch in chunks)
    assert refusal == "I'm sorry, I can't help with that."
    assert all(ch.choices[0].delta.content is None for ch in chunks)


def test_reasoning_content_delta_is_kept() -> None:
    stream = (
        event(chunk(choice({"role": "assistant", "reasoning_content": "Let me think. "})))
        + event(chunk(choice({"reasoning_content": "2+2=4.", "content": None})))
        + event(chunk(choice({"content": "4"})))
        + DONE
    )
    chunks = parse(stream)
    assert [ch.choices[0].delta.reasoning_content for ch in chunks] == [
        "Let me think. ",
        "2+2=4.",
        None,
    ]
    assert content_of(chunks) == "4"


def test_logprobs_are_typed() -> None:
    logprobs = {
        "content": [
            {
                "token": "Hi",
                "logprob": -0.0123,
                "bytes": [72, 105],
                "top_logprobs": [
                    {"token": "Hi", "logprob": -0.0123, "bytes": [72, 105]},
                    {"token": "Hello", "logprob": -4.5, "bytes": None},
                ],
            }
        ],
        "refusal": None,
    }
    payload = chunk({"index": 0, "delta": {"content": "Hi"}, "logprobs": logprobs})
    [parsed] = parse(event(payload) + DONE)
    assert parsed.choices[0].logprobs == ChoiceLogprobs(
        content=[
            TokenLogprob(
                token="Hi",
                logprob=-0.0123,
                bytes=[72, 105],
                top_logprobs=[
                    TopLogprob(token="Hi", logprob=-0.0123, bytes=[72, 105]),
                    TopLogprob(token="Hello", logprob=-4.5, bytes=None),
                ],
            )
        ],
        refusal=None,
    )


def test_unknown_fields_at_every_level_are_ignored() -> None:
    plain = chunk(
        {
            "index": 0,
            "delta": {
                "content": "x",
                "tool_calls": [{"index": 0, "id": "c1", "function": {"arguments": "{}"}}],
            },
            "logprobs": {"content": [{"token": "x", "logprob": -1.0, "top_logprobs": []}]},
        },
        usage={**USAGE, "completion_tokens_details": {"reasoning_tokens": 3}},
    )
    noisy = json.loads(json.dumps(plain))
    noisy["x_groq"] = {"id": "req_1"}
    noisy["obfuscation"] = "abc"
    noisy["usage"]["queue_time"] = 0.01
    noisy["usage"]["completion_tokens_details"]["future_tokens"] = 9
    noisy["usage"]["prompt_tokens_details"]["new_detail"] = {"deep": [1]}
    ch = noisy["choices"][0]
    ch["stop_reason"] = None
    ch["matched_stop"] = 2
    ch["delta"]["audio"] = {"id": "a"}
    ch["delta"]["tool_calls"][0]["extra"] = True
    ch["delta"]["tool_calls"][0]["function"]["strict"] = True
    ch["logprobs"]["content"][0]["extra"] = "y"
    ch["logprobs"]["meta"] = {}
    assert parse(event(noisy) + DONE) == parse(event(plain) + DONE)
    [parsed] = parse(event(noisy) + DONE)
    assert parsed.usage is not None
    assert parsed.usage.completion_tokens_details is not None
    assert parsed.usage.completion_tokens_details.reasoning_tokens == 3


def test_null_delta_and_null_id_do_not_crash() -> None:
    payload = {
        "id": None,
        "model": None,
        "created": None,
        "system_fingerprint": None,
        "choices": [{"index": 0, "delta": None, "finish_reason": "stop", "logprobs": None}],
        "usage": None,
    }
    [parsed] = parse(event(payload) + DONE)
    assert parsed.id == ""
    assert parsed.model == ""
    assert parsed.created == 0
    assert parsed.system_fingerprint is None
    assert parsed.choices[0].delta == Delta()
    assert parsed.choices[0].finish_reason == "stop"


def test_null_inside_tool_call_delta_and_usage_falls_back_to_defaults() -> None:
    delta = {"tool_calls": [{"index": None, "id": None, "type": None, "function": None}]}
    usage = {"prompt_tokens": None, "completion_tokens": 3, "total_tokens": None}
    [parsed] = parse(event(chunk(choice(delta), usage=usage)) + DONE)
    assert parsed.choices[0].delta.tool_calls == [ToolCallDelta()]
    assert parsed.usage == Usage(completion_tokens=3)


# --- malformed events ---------------------------------------------------------------------


def test_malformed_json_raises_decode_error_naming_the_event_and_quoting_it() -> None:
    bad = '{"id": "chatcmpl-9xYz", "choices": [{"delta": {"content": "Hel'
    parser = new_parser()
    assert parser.feed(event(TEXT_EVENTS[0]) + b"data: " + bad.encode() + b"\n\n") == [
        EXPECTED_TEXT_CHUNKS[0]
    ]
    with pytest.raises(DecodeError) as info:
        parser.end()
    message = str(info.value)
    assert message.startswith("openai: event #2 ")
    assert repr(bad) in message
    assert "is not valid JSON" in message
    assert info.value.provider == "openai"


def test_long_malformed_event_is_quoted_only_by_its_start() -> None:
    bad = '{"choices": [' + "x" * 500
    with pytest.raises(DecodeError) as info:
        parse(b"data: " + bad.encode() + b"\n\n")
    message = str(info.value)
    assert f"event #1 {bad[:80] + '...'!r} is not valid JSON" in message
    assert "x" * 100 not in message


def test_invalid_utf8_raises_decode_error_with_provider() -> None:
    with pytest.raises(DecodeError, match="not valid UTF-8") as info:
        parse(b'data: {"choices": [], "id": "\xff\xfe"}\n\n')
    assert info.value.provider == "openai"


@pytest.mark.parametrize(
    "data", [b"[1, 2]", b"42", b'"text"', b"null", b"true", b"[]"], ids=lambda d: d.decode()
)
def test_json_that_is_not_an_object_raises_decode_error(data: bytes) -> None:
    with pytest.raises(DecodeError, match=r"event #1 .* is not a JSON object"):
        parse(b"data: " + data + b"\n\n")


@pytest.mark.parametrize(
    "payload",
    [{"choices": 7}, {"choices": [5]}, {"created": "yesterday"}],
    ids=["choices-int", "choice-int", "created-text"],
)
def test_object_of_the_wrong_shape_raises_decode_error(payload: dict[str, Any]) -> None:
    with pytest.raises(DecodeError, match=r"event #1 .* is not a chat completion chunk"):
        parse(event(payload))


# --- errors inside the stream -------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "cls", "status"),
    [
        ({"type": "rate_limit_error", "code": "rate_limit_exceeded"}, RateLimitError, 429),
        ({"type": "overloaded_error"}, OverloadedError, 529),
        ({"type": "server_error"}, InternalServerError, 500),
        ({"code": 503}, InternalServerError, 503),
        ({"type": "invalid_request_error", "param": "messages"}, BadRequestError, 400),
    ],
)
def test_in_band_error_event_raises_typed_status_error(
    error: dict[str, Any], cls: type[APIStatusError], status: int
) -> None:
    parser = new_parser()
    assert parser.feed(event(TEXT_EVENTS[0])) == [EXPECTED_TEXT_CHUNKS[0]]
    with pytest.raises(cls) as info:
        parser.feed(event({"error": {"message": "The stream failed.", **error}}))
    exc = info.value
    assert type(exc) is cls
    assert exc.in_stream is True
    assert exc.status_code == status
    assert exc.provider == "openai"
    assert exc.message == "The stream failed."
    assert exc.body == {"error": {"message": "The stream failed.", **error}}
    assert parser.finished is False


@pytest.mark.parametrize(
    "data",
    [
        {"error": {"message": "Overloaded", "type": "overloaded_error"}},
        {"message": "Overloaded", "type": "overloaded_error"},
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
    ],
    ids=["wrapped", "bare", "anthropic-shape"],
)
def test_error_event_type_raises_typed_status_error(data: dict[str, Any]) -> None:
    stream = b"event: error\ndata: " + json.dumps(data).encode() + b"\n\n"
    with pytest.raises(OverloadedError) as info:
        parse(stream)
    assert info.value.in_stream is True
    assert info.value.message == "Overloaded"
    assert str(info.value) == "openai in stream 529: overloaded_error: Overloaded"


def test_object_with_choices_and_error_field_is_a_chunk() -> None:
    payload = chunk(choice({"content": "ok"}), error=None)
    assert content_of(parse(event(payload) + DONE)) == "ok"


# --- responses that are not an event stream -----------------------------------------------


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (500, {"content-type": "text/event-stream"}, True),
        (429, {}, True),
        (404, {"content-type": "application/json"}, True),
        (301, {"content-type": "text/html"}, True),
        (200, {"content-type": "application/json"}, True),
        (200, {"content-type": "application/json; charset=utf-8"}, True),
        (200, {"content-type": "text/html; charset=utf-8"}, True),
        (200, {"content-type": "text/plain"}, True),
        (200, {"content-type": "text/event-stream"}, False),
        (200, {"content-type": "text/event-stream; charset=utf-8"}, False),
        (200, {"content-type": "text/event-stream;charset=UTF-8"}, False),
        (200, httpx.Headers({"Content-Type": "text/event-stream"}), False),
        (200, httpx.Headers({"Content-Type": "application/json"}), True),
        (200, {}, False),
        (201, {"content-type": "text/event-stream"}, False),
    ],
)
def test_needs_error_body_for_non_2xx_or_a_body_that_is_not_an_event_stream(
    status: int, headers: Any, expected: bool
) -> None:
    assert needs_error_body(status, headers, SSE) is expected


@pytest.mark.parametrize("content_type", ["Text/Event-Stream", "TEXT/EVENT-STREAM; charset=utf-8"])
def test_event_stream_media_type_is_case_insensitive(content_type: str) -> None:
    # RFC 9110 8.3.1: type and subtype are case-insensitive.
    assert needs_error_body(200, {"content-type": content_type}, SSE) is False


def test_200_json_error_body_becomes_typed_status_error() -> None:
    body = json.dumps(
        {"error": {"message": "Rate limit reached.", "type": "rate_limit_error", "code": None}}
    ).encode()
    headers = httpx.Headers({"Content-Type": "application/json", "X-Request-ID": "req_9"})
    error = error_from_response(CALL, 200, headers, body)
    assert type(error) is RateLimitError
    assert error.status_code == 429
    assert error.in_stream is True
    assert error.request_id == "req_9"
    assert error.message == "Rate limit reached."


def test_200_html_page_becomes_decode_error_naming_the_content_type() -> None:
    body = b"<!DOCTYPE html><html><body>Please sign in to the captive portal</body></html>"
    headers = {"content-type": "text/html; charset=utf-8"}
    error = error_from_response(CALL, 200, headers, body)
    assert type(error) is DecodeError
    assert error.provider == "openai"
    message = str(error)
    assert message.startswith("openai: expected an event stream, got text/html; charset=utf-8")
    assert "with status 200" in message
    assert "<!DOCTYPE html>" in message


def test_200_without_content_type_says_so() -> None:
    error = error_from_response(CALL, 200, {}, b"oops")
    assert isinstance(error, DecodeError)
    assert "got no content type with status 200: 'oops'" in str(error)


def test_200_json_without_error_field_becomes_decode_error() -> None:
    error = error_from_response(
        CALL, 200, {"content-type": "application/json"}, b'{"id": "chatcmpl-1", "choices": []}'
    )
    assert isinstance(error, DecodeError)
    assert "application/json" in str(error)


def test_500_becomes_internal_server_error() -> None:
    body = json.dumps(
        {"error": {"message": "The server had an error.", "type": "server_error", "code": None}}
    ).encode()
    headers = {"content-type": "application/json", "x-request-id": "req_500"}
    error = error_from_response(CALL, 500, headers, body)
    assert type(error) is InternalServerError
    assert error.status_code == 500
    assert error.in_stream is False
    assert error.request_id == "req_500"
    assert error.error_type == "server_error"
    assert error.message == "The server had an error."


def test_429_with_retry_after_keeps_it() -> None:
    headers = {"content-type": "application/json", "retry-after-ms": "2500"}
    error = error_from_response(CALL, 429, headers, b'{"error": {"message": "slow down"}}')
    assert type(error) is RateLimitError
    assert error.retry_after == 2.5


def test_502_html_page_becomes_internal_server_error_with_its_text() -> None:
    error = error_from_response(
        CALL, 502, {"content-type": "text/html"}, b"<html>502 Bad Gateway</html>"
    )
    assert type(error) is InternalServerError
    assert error.message == "<html>502 Bad Gateway</html>"


def test_chunks_before_an_error_in_the_same_read_are_returned_first() -> None:
    parser = new_parser()
    data = event(TEXT_EVENTS[0]) + event(TEXT_EVENTS[1]) + b"data: {broken\n\n"
    assert parser.feed(data) == EXPECTED_TEXT_CHUNKS[:2]
    assert isinstance(parser.error, DecodeError)
    with pytest.raises(DecodeError):
        parser.feed(b"")
    with pytest.raises(DecodeError):
        parser.end()


# --- events of one shape, read without parsing their JSON ------------------------------------


def one_by_one(events: list[bytes]) -> list[ChatCompletionChunk]:
    """Each event parsed by a parser of its own: what a stream of them must give."""
    return [chunk for data in events for chunk in parse(data + DONE)]


TEXTS = ["Hello", "", ' "quoted" ', "back\\slash", "wörld 🌍", "tab\there", "\u2028", "Hello"]


@pytest.mark.parametrize(
    "template",
    [
        chunk(choice({"content": None})),
        chunk(choice({"role": "assistant", "content": None, "refusal": None})),
        {"choices": [{"delta": {"content": None}, "index": 1}], "id": "c", "usage": None},
        chunk(choice({"content": None, "reasoning_content": "thinking"}), service_tier="flex"),
    ],
)
def test_events_differing_only_in_content_read_as_when_parsed_alone(
    template: dict[str, Any],
) -> None:
    events = []
    for text in TEXTS:
        payload = json.loads(json.dumps(template))
        payload["choices"][0]["delta"]["content"] = text
        events.append(event(payload))
        events.append(b"data: " + json.dumps(payload, ensure_ascii=True).encode() + b"\n\n")
    assert parse(b"".join(events) + DONE) == one_by_one(events)


@pytest.mark.parametrize(
    "extra",
    [
        [{"content": "a"}, {"content": "b"}, {"content": "c"}],
        [{"content": "z"}, {"content": "z"}, {"content": "z"}],
        [{"content": 5}, {"content": 5}, {"content": 5}],
        [{'"content': "a"}, {'"content': "b"}, {'"content': "c"}],
    ],
)
def test_a_later_member_named_content_is_not_mistaken_for_the_delta_text(
    extra: list[dict[str, Any]],
) -> None:
    events = [event(chunk({"index": 0, "delta": {"content": "a"}, "x": x})) for x in extra]
    chunks = parse(b"".join(events) + DONE)
    assert chunks == one_by_one(events)
    assert [c.choices[0].delta.content for c in chunks] == ["a", "a", "a"]


def test_a_duplicate_content_key_takes_the_last_value_as_json_does() -> None:
    events = [
        b'data: {"choices":[{"index":0,"delta":{"content":"%s","content":"b"}}]}\n\n' % text
        for text in (b"b", b"x", b"y")
    ]
    chunks = parse(b"".join(events) + DONE)
    assert [c.choices[0].delta.content for c in chunks] == ["b", "b", "b"]


@pytest.mark.parametrize(
    "last",
    [
        b'data: {"choices":[{"index":0,"delta":{"content":"x\x01"}}]}\n\n',
        b'data: {"choices":[{"index":0,"delta":{"content":"x\\q"}}]}\n\n',
        b'data: {"choices":[{"index":0,"delta":{"content":"x"}}]}}\n\n',
        b'data: {"choices":[{"index":0,"delta":{"content":"x","y"}}]}\n\n',
    ],
)
def test_malformed_event_of_a_known_shape_raises_decode_error(last: bytes) -> None:
    first = b'data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n'
    second = b'data: {"choices":[{"index":0,"delta":{"content":"b"}}]}\n\n'
    parser = new_parser()
    assert len(parser.feed(first + second)) == 2
    with pytest.raises(DecodeError):
        parser.feed(last)


def test_error_event_of_a_known_shape_raises_typed_status_error() -> None:
    data = event(chunk(choice({"content": "a"})))
    parser = new_parser()
    parser.feed(data + data)
    with pytest.raises(APIStatusError):
        parser.feed(b"event: error\n" + data)


def test_completion_adds_up_every_chunk_fed_however_the_bytes_were_split() -> None:
    parser = new_parser()
    chunks = feed_all([TEXT_STREAM[:100], TEXT_STREAM[100:]], parser)
    assert parser.count == len(chunks)
    assert parser.completion() == accumulate(chunks)


def test_events_that_never_repeat_their_shape_read_as_when_parsed_alone() -> None:
    events = [
        event(chunk(choice({"content": text}), obfuscation="x" * number))
        for number, text in enumerate(TEXTS * 2)
    ]
    assert parse(b"".join(events) + DONE) == one_by_one(events)


PADDINGS = ["Vx2", "", "a" * 17, 'q"uo\\te', "ü", "9k", "zz", "Lm0p"]


def test_events_padded_like_openai_read_by_their_shape_as_when_parsed_alone() -> None:
    """OpenAI pads every event with a random ``obfuscation`` string; both strings change."""
    events = [
        event(chunk(choice({"content": text}), obfuscation=padding))
        for text, padding in zip(TEXTS * 3, PADDINGS * 3, strict=True)
    ]
    parser = new_parser()
    assert feed_all([b"".join(events) + DONE], parser) == one_by_one(events)
    assert parser._translator._shape.verified  # type: ignore[attr-defined]


def test_padding_inside_the_choice_or_before_the_text_reads_as_when_parsed_alone() -> None:
    inside = [
        event(chunk({"index": 0, "delta": {"content": text, "obfuscation": padding}}))
        for text, padding in zip(TEXTS, PADDINGS, strict=True)
    ]
    before = [
        event({"obfuscation": padding, **chunk(choice({"content": text}))})
        for text, padding in zip(TEXTS, PADDINGS, strict=True)
    ]
    for events in (inside, before):
        assert parse(b"".join(events) + DONE) == one_by_one(events)
