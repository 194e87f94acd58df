"""Tests for typed status errors (llmclient._core.status, errors) and the retry policy (_retry)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from llmclient._core import retry as _retry
from llmclient._core.retry import (
    INITIAL_BACKOFF,
    MAX_BACKOFF,
    MAX_RETRY_AFTER,
    backoff,
    is_retryable,
    parse_retry_after,
    parse_should_retry,
    retrying,
)
from llmclient._core.status import build_status_error, decode_body, request_id, status_for_error
from llmclient.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DecodeError,
    EventTooLargeError,
    IncompleteStreamError,
    InternalServerError,
    InvalidRequestError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    UnprocessableEntityError,
    status_error_class,
)


@pytest.fixture(autouse=True)
def documented_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Check the documented policy even when a shared conftest shrinks the backoff for speed."""
    monkeypatch.setattr(_retry, "INITIAL_BACKOFF", INITIAL_BACKOFF)
    monkeypatch.setattr(_retry, "MAX_BACKOFF", MAX_BACKOFF)


def openai_error(
    message: str = "Something went wrong.",
    error_type: str | None = "invalid_request_error",
    code: Any = None,
    param: str | None = None,
) -> dict[str, Any]:
    """An error body as OpenAI sends it."""
    return {"error": {"message": message, "type": error_type, "code": code, "param": param}}


def status_error(
    status: int, headers: Mapping[str, str] | None = None, body: Any = None
) -> APIStatusError:
    return build_status_error("openai", status, openai_error() if body is None else body, headers)


def stream_error(error: Mapping[str, Any]) -> APIStatusError:
    return build_status_error("openai", 200, {"error": dict(error)}, in_stream=True)


# --- status -> class ----------------------------------------------------------------------

STATUS_CLASSES = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (409, ConflictError),
    (413, RequestTooLargeError),
    (422, UnprocessableEntityError),
    (429, RateLimitError),
    (500, InternalServerError),
    (502, InternalServerError),
    (503, InternalServerError),
    (504, InternalServerError),
    (529, OverloadedError),
    (408, APIStatusError),
    (418, APIStatusError),
]


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
def test_status_maps_to_its_error_class(status: int, cls: type[APIStatusError]) -> None:
    assert status_error_class(status) is cls
    error = status_error(status)
    assert type(error) is cls
    assert error.status_code == status
    assert error.in_stream is False


def test_overloaded_error_is_an_internal_server_error() -> None:
    assert issubclass(OverloadedError, InternalServerError)
    assert issubclass(InternalServerError, APIStatusError)
    assert issubclass(APIStatusError, APIError)


def test_overloaded_error_type_on_a_503_is_an_overloaded_error() -> None:
    error = status_error(503, body=openai_error("Overloaded", error_type="overloaded_error"))
    assert type(error) is OverloadedError
    assert error.status_code == 503


def test_status_error_keeps_every_field_of_an_openai_body() -> None:
    body = openai_error(
        "Invalid value for 'temperature': must be <= 2.",
        error_type="invalid_request_error",
        code="invalid_value",
        param="temperature",
    )
    error = status_error(400, {"x-request-id": "req_abc123"}, body)
    assert type(error) is BadRequestError
    assert error.message == "Invalid value for 'temperature': must be <= 2."
    assert error.status_code == 400
    assert error.provider == "openai"
    assert error.request_id == "req_abc123"
    assert error.error_type == "invalid_request_error"
    assert error.code == "invalid_value"
    assert error.param == "temperature"
    assert error.body == body
    assert error.in_stream is False
    assert error.retry_after is None
    assert error.should_retry is None
    assert error.attempts == 1


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-request-id": "req_1"}, "req_1"),
        ({"request-id": "req_2"}, "req_2"),
        ({"x-request-id": "req_1", "request-id": "req_2"}, "req_1"),
        (httpx.Headers({"X-Request-ID": "req_3"}), "req_3"),
        (httpx.Headers({"Request-Id": "req_4"}), "req_4"),
        ({}, None),
    ],
)
def test_request_id_comes_from_either_header(headers: Mapping[str, str], expected: str) -> None:
    assert request_id(headers) == expected
    assert status_error(500, headers).request_id == expected


def test_status_error_reads_retry_headers() -> None:
    headers = httpx.Headers({"Retry-After": "7", "X-Should-Retry": "false"})
    error = status_error(429, headers)
    assert error.retry_after == 7.0
    assert error.should_retry is False


def test_numeric_code_is_kept_as_text() -> None:
    error = status_error(500, body=openai_error("boom", error_type="server_error", code=500))
    assert error.code == "500"


def test_html_error_body_keeps_a_truncated_text_message() -> None:
    page = "<html><body><h1>502 Bad Gateway</h1>" + "x" * 1000 + "</body></html>"
    body = decode_body(f"\n  {page}\n".encode())
    error = build_status_error("openai", 502, body, {})
    assert type(error) is InternalServerError
    assert error.body == f"\n  {page}\n"
    assert error.message == page[:500] + "..."
    assert error.error_type is None
    assert error.code is None


def test_short_text_error_body_is_the_message() -> None:
    error = build_status_error("openai", 503, decode_body(b"Service Unavailable\n"), {})
    assert error.message == "Service Unavailable"


@pytest.mark.parametrize("body", [b"", b"   ", b"{}", b"[1, 2]", b"null", b'{"error": {}}'])
def test_body_without_a_message_says_the_status(body: bytes) -> None:
    assert build_status_error("openai", 502, decode_body(body), {}).message == "HTTP 502"


def test_long_json_message_is_truncated() -> None:
    error = status_error(400, body=openai_error("m" * 600))
    assert error.message == "m" * 500 + "..."


@pytest.mark.parametrize(
    ("body", "message", "error_type"),
    [
        ({"error": "model is overloaded"}, "model is overloaded", None),
        ({"message": "Not found", "type": "not_found_error"}, "Not found", "not_found_error"),
        (
            {"error": {"message": "Bad key", "type": "authentication_error"}},
            "Bad key",
            "authentication_error",
        ),
    ],
)
def test_other_error_body_shapes_keep_their_message(
    body: dict[str, Any], message: str, error_type: str | None
) -> None:
    error = build_status_error("openai", 401, body, {})
    assert error.message == message
    assert error.error_type == error_type


def test_decode_body_gives_json_or_text() -> None:
    assert decode_body(b'{"error": {"message": "x"}}') == {"error": {"message": "x"}}
    assert decode_body(b"<html>oops</html>") == "<html>oops</html>"
    assert decode_body(b"bad \xff byte") == "bad \ufffd byte"


# --- in-band (in-stream) errors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "cls", "status"),
    [
        ({"type": "rate_limit_error"}, RateLimitError, 429),
        ({"code": "rate_limit_exceeded"}, RateLimitError, 429),
        ({"type": "overloaded_error"}, OverloadedError, 529),
        ({"type": "server_error"}, InternalServerError, 500),
        ({"code": 503}, InternalServerError, 503),
        ({"type": "server_error", "code": 503}, InternalServerError, 503),
        ({"type": "invalid_request_error"}, BadRequestError, 400),
        ({"type": "authentication_error"}, AuthenticationError, 401),
        ({"type": "not_found_error"}, NotFoundError, 404),
        ({"type": "Service_Unavailable"}, InternalServerError, 503),
        ({"status": "permission_denied"}, PermissionDeniedError, 403),
        ({"type": "something_new"}, InternalServerError, 500),
        ({}, InternalServerError, 500),
    ],
)
def test_in_stream_error_class_follows_the_error_type(
    error: dict[str, Any], cls: type[APIStatusError], status: int
) -> None:
    exc = stream_error({"message": "stream failed", **error})
    assert type(exc) is cls
    assert exc.status_code == status
    assert exc.in_stream is True
    assert exc.message == "stream failed"
    assert exc.provider == "openai"


@pytest.mark.parametrize(
    ("error", "default", "expected"),
    [
        ({"code": 429, "type": "server_error"}, 500, 429),
        ({"code": 200, "type": "server_error"}, 418, 500),
        ({"code": 1001}, 418, 418),
        ({"code": "insufficient_quota"}, 500, 429),
        ({"type": 12}, 500, 500),
        ({}, 502, 502),
    ],
)
def test_status_for_error_prefers_numeric_code_then_type(
    error: dict[str, Any], default: int, expected: int
) -> None:
    assert status_for_error(error, default) == expected


def test_str_of_http_error_reads_well() -> None:
    error = status_error(
        429,
        {"x-request-id": "req_42"},
        openai_error("Rate limit reached for gpt-4o.", error_type="rate_limit_error"),
    )
    assert str(error) == (
        "openai HTTP 429: rate_limit_error: Rate limit reached for gpt-4o. (request id req_42)"
    )


def test_str_of_in_stream_error_reads_well() -> None:
    error = stream_error({"message": "Overloaded", "type": "overloaded_error"})
    assert str(error) == "openai in stream 529: overloaded_error: Overloaded"


def test_str_of_bare_status_error_reads_well() -> None:
    assert str(APIStatusError("I'm a teapot", status_code=418)) == "provider HTTP 418: I'm a teapot"


# --- Retry-After and x-should-retry -------------------------------------------------------

DATE = "Wed, 21 Oct 2015 07:28:00 GMT"
DATE_TS = datetime(2015, 10, 21, 7, 28, 0, tzinfo=timezone.utc).timestamp()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "250.5"}, 0.2505),
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after-ms": "250", "retry-after": "10"}, 0.25),
        ({"retry-after-ms": "soon", "retry-after": "3"}, 3.0),
        ({"retry-after": "-5"}, 0.0),
        ({"retry-after-ms": "-100"}, 0.0),
    ],
)
def test_retry_after_in_seconds_or_milliseconds(headers: dict[str, str], expected: float) -> None:
    assert parse_retry_after(headers, now=0.0) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("now", "expected"), [(DATE_TS - 30, 30.0), (DATE_TS - 0.5, 0.5), (DATE_TS + 60, 0.0)]
)
def test_retry_after_as_http_date_is_seconds_from_now(now: float, expected: float) -> None:
    assert parse_retry_after({"retry-after": DATE}, now=now) == pytest.approx(expected)


def test_retry_after_date_works_with_case_insensitive_headers() -> None:
    headers = httpx.Headers({"Retry-After": DATE})
    assert parse_retry_after(headers, now=DATE_TS - 12) == pytest.approx(12.0)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"retry-after": "soon"},
        {"retry-after": ""},
        {"retry-after": "Someday, 99 Foo 20xx"},
        {"retry-after-ms": "a while"},
    ],
)
def test_unreadable_or_missing_retry_after_is_none(headers: dict[str, str]) -> None:
    assert parse_retry_after(headers, now=0.0) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        (" true ", True),
        ("false", False),
        ("False", False),
        ("1", None),
        ("yes", None),
        ("", None),
        (None, None),
    ],
)
def test_should_retry_header_reads_true_false_or_none(
    value: str | None, expected: bool | None
) -> None:
    headers = {} if value is None else {"x-should-retry": value}
    assert parse_should_retry(headers) is expected


# --- is_retryable -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (408, True),
        (409, True),
        (413, False),
        (422, False),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (504, True),
        (529, True),
    ],
)
def test_is_retryable_by_status(status: int, expected: bool) -> None:
    assert is_retryable(status_error(status)) is expected


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (APIConnectionError("connection reset", provider="openai"), True),
        (APITimeoutError("read timed out", provider="openai"), True),
        (DecodeError("bad json"), False),
        (IncompleteStreamError("cut short"), True),  # before the first chunk: nothing lost
        (EventTooLargeError("huge"), False),
        (InvalidRequestError("bad input"), False),
        (ValueError("not ours"), False),
        (KeyboardInterrupt(), False),
    ],
)
def test_is_retryable_for_other_errors(exc: BaseException, expected: bool) -> None:
    assert is_retryable(exc) is expected


@pytest.mark.parametrize(
    ("status", "header", "expected"),
    [(400, "true", True), (401, "true", True), (503, "false", False), (429, "false", False)],
)
def test_should_retry_header_overrides_status(status: int, header: str, expected: bool) -> None:
    assert is_retryable(status_error(status, {"x-should-retry": header})) is expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": str(MAX_RETRY_AFTER)}, True),
        ({"retry-after": str(MAX_RETRY_AFTER + 1)}, False),
        ({"retry-after-ms": "3600000"}, False),
        ({"retry-after": "3600", "x-should-retry": "true"}, False),
    ],
)
def test_retry_after_above_limit_is_not_retried(headers: dict[str, str], expected: bool) -> None:
    assert is_retryable(status_error(429, headers)) is expected


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"type": "rate_limit_error"}, True),
        ({"code": 503}, True),
        ({"type": "service_unavailable"}, True),
        ({"type": "overloaded_error"}, True),
        ({"type": "server_error"}, False),
        ({"code": 502}, False),
        ({"type": "invalid_request_error"}, False),
        ({}, False),
    ],
)
def test_in_stream_errors_are_retried_only_when_transient(
    error: dict[str, Any], expected: bool
) -> None:
    assert is_retryable(stream_error({"message": "x", **error})) is expected


# --- backoff ------------------------------------------------------------------------------

NOMINAL = [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (6, 8.0), (20, 8.0)]


def test_backoff_constants_match_the_documented_policy() -> None:
    assert (INITIAL_BACKOFF, MAX_BACKOFF, MAX_RETRY_AFTER) == (0.5, 8.0, 60.0)


@pytest.mark.parametrize(("attempt", "nominal"), NOMINAL)
@pytest.mark.parametrize(("draw", "factor"), [(0.0, 1.0), (0.5, 0.875), (1.0, 0.75)])
def test_backoff_doubles_up_to_the_cap_with_jitter(
    monkeypatch: pytest.MonkeyPatch, attempt: int, nominal: float, draw: float, factor: float
) -> None:
    monkeypatch.setattr(_retry.random, "random", lambda: draw)
    assert backoff(attempt, None) == pytest.approx(nominal * factor)


@pytest.mark.parametrize(("attempt", "nominal"), NOMINAL)
@pytest.mark.parametrize("seed", range(5))
def test_backoff_jitter_stays_within_three_quarters_and_full_delay(
    monkeypatch: pytest.MonkeyPatch, attempt: int, nominal: float, seed: int
) -> None:
    monkeypatch.setattr(_retry.random, "random", random.Random(seed).random)
    assert 0.75 * nominal <= backoff(attempt, None) <= nominal


@pytest.mark.parametrize("attempt", [64, 1025])
def test_backoff_stays_capped_for_very_large_attempt_numbers(
    monkeypatch: pytest.MonkeyPatch, attempt: int
) -> None:
    monkeypatch.setattr(_retry.random, "random", lambda: 0.0)
    assert backoff(attempt, None) == MAX_BACKOFF


def test_backoff_applies_to_connection_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_retry.random, "random", lambda: 0.0)
    assert backoff(3, APIConnectionError("reset")) == 2.0


@pytest.mark.parametrize(("retry_after", "attempt"), [(3.0, 1), (0.0, 4), (30.0, 2)])
def test_backoff_uses_retry_after_when_given(retry_after: float, attempt: int) -> None:
    error = status_error(429, {"retry-after": str(retry_after)})
    assert backoff(attempt, error) == retry_after


# --- the tenacity retrier built from the policy -------------------------------------------


def fake_sleeps(max_retries: int) -> tuple[Any, list[float]]:
    """A retrier that records its sleeps instead of sleeping."""
    sleeps: list[float] = []
    return retrying(max_retries).copy(sleep=sleeps.append), sleeps


def test_retrier_retries_up_to_max_retries_then_raises_with_attempts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_retry.random, "random", lambda: 0.0)
    retrier, sleeps = fake_sleeps(2)
    calls: list[int] = []

    def fail() -> None:
        calls.append(1)
        raise status_error(503)

    with pytest.raises(InternalServerError) as info:
        retrier(fail)
    assert len(calls) == 3
    assert info.value.attempts == 3
    assert sleeps == [0.5, 1.0]


def test_retrier_does_not_retry_a_non_retryable_error() -> None:
    retrier, sleeps = fake_sleeps(5)
    calls: list[int] = []

    def fail() -> None:
        calls.append(1)
        raise status_error(400)

    with pytest.raises(BadRequestError) as info:
        retrier(fail)
    assert len(calls) == 1
    assert info.value.attempts == 1
    assert sleeps == []


def test_retrier_returns_the_first_success_and_waits_retry_after() -> None:
    retrier, sleeps = fake_sleeps(3)
    outcomes: list[Any] = [status_error(429, {"retry-after-ms": "1200"}), "answer"]

    def flaky() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return str(outcome)

    assert retrier(flaky) == "answer"
    assert sleeps == [1.2]


def test_retrier_with_zero_retries_tries_once() -> None:
    retrier, sleeps = fake_sleeps(0)

    def fail() -> None:
        raise APIConnectionError("reset")

    with pytest.raises(APIConnectionError) as info:
        retrier(fail)
    assert info.value.attempts == 1
    assert sleeps == []


# --- retry_call: the first attempt before any retrier, the rest through tenacity ------------


def steps_failing(*errors: Exception) -> tuple[Any, list[str]]:
    """A step that raises ``errors`` in turn, then answers; and the list of its calls."""
    calls: list[str] = []
    pending = list(errors)

    def step(argument: str) -> str:
        calls.append(argument)
        if pending:
            raise pending.pop(0)
        return f"answer to {argument}"

    return step, calls


def test_retry_call_answers_from_the_first_attempt() -> None:
    step, calls = steps_failing()
    assert _retry.retry_call(2, None, None, step, "q") == "answer to q"
    assert calls == ["q"]


def test_retry_call_counts_a_failed_first_attempt_as_tenacitys_first() -> None:
    told: list[tuple[int, float]] = []
    step, calls = steps_failing(status_error(503, {"retry-after-ms": "1"}), status_error(503))
    answer = _retry.retry_call(2, None, lambda n, exc, delay: told.append((n, delay)), step, "q")
    assert answer == "answer to q"
    assert calls == ["q"] * 3  # the failed first attempt is replayed, never sent again
    assert [n for n, _ in told] == [1, 2]
    assert told[0][1] == 0.001


def test_retry_call_does_not_chain_the_last_error_to_the_first() -> None:
    first, last = status_error(503), status_error(503)
    step, _ = steps_failing(first, last)
    with pytest.raises(InternalServerError) as info:
        _retry.retry_call(1, None, None, step, "q")
    assert info.value is last
    assert last.__context__ is None


@pytest.mark.parametrize(("max_retries", "attempts"), [(0, 1), (2, 3)])
def test_retry_call_gives_up_with_the_attempts_made(max_retries: int, attempts: int) -> None:
    step, calls = steps_failing(*[status_error(503) for _ in range(5)])
    with pytest.raises(InternalServerError) as info:
        _retry.retry_call(max_retries, None, None, step, "q")
    assert len(calls) == attempts
    assert info.value.attempts == attempts


def test_retry_call_raises_a_non_retryable_first_error_with_one_attempt() -> None:
    step, calls = steps_failing(status_error(400))
    with pytest.raises(BadRequestError) as info:
        _retry.retry_call(2, None, None, step, "q")
    assert (len(calls), info.value.attempts) == (1, 1)


def test_async_retry_call_is_the_twin() -> None:
    step, calls = steps_failing(status_error(503), status_error(503))

    async def async_step(argument: str) -> str:
        return str(step(argument))

    async def main() -> str:
        return await _retry.async_retry_call(2, None, None, async_step, "q")

    assert asyncio.run(main()) == "answer to q"
    assert calls == ["q"] * 3
