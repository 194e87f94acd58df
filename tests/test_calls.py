"""Tests for the I/O-free parts both facades drive: plans (llmclient._core.calls) and how a
response's body is read (llmclient._transport.BodyReading), with no server at all."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from llmclient._config import ClientConfig
from llmclient._core.call import ChatCall
from llmclient._core.calls import ModelList, chat_plan, fallback_of, models_plan, stream_plan
from llmclient._core.models import ModelPage
from llmclient._core.request import prepare_call
from llmclient._core.stream import MAX_ERROR_BODY
from llmclient._transport import BodyReading, answer_reading, stream_refusal
from llmclient.errors import (
    APIConnectionError,
    BadRequestError,
    DecodeError,
    InternalServerError,
    LlmError,
    NotFoundError,
    ResponseTooLargeError,
)
from llmclient.types import Model

CONFIG = ClientConfig(api_key="sk-test", max_response_size=100)


def chat_call(model: str = "openai/gpt-4o") -> ChatCall:
    messages = [{"role": "user", "content": "Hi"}]
    return prepare_call(CONFIG, "chat", model, messages, {}, stream=False)


def response(status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, headers=headers or {})


def read(reading: BodyReading[Any], *pieces: bytes) -> Any:
    """Read ``pieces`` as a facade does: until the reading wants no more."""
    with reading:
        for piece in pieces:
            if reading.add(piece):
                break
    return reading.made()


# --- plans ------------------------------------------------------------------------------------


def test_a_plan_pairs_each_model_but_the_last_with_its_fallback() -> None:
    calls = [chat_call(), chat_call("anthropic/claude-3-5-haiku"), chat_call("gemini/gemini-2.0")]
    plan = chat_plan(calls)
    assert list(plan.fallbacks()) == [(calls[0], calls[1]), (calls[1], calls[2])]
    assert plan.calls[-1] is calls[2]


@pytest.mark.parametrize(
    ("error", "falls_back"),
    [
        (InternalServerError("down", status_code=500), True),
        (NotFoundError("no such model", status_code=404), True),
        (APIConnectionError("refused"), True),
        (BadRequestError("bad request", status_code=400), False),
    ],
)
def test_only_transient_and_availability_failures_fall_back(
    error: LlmError, falls_back: bool
) -> None:
    first, second = chat_call(), chat_call("anthropic/claude-3-5-haiku")
    plan = chat_plan([first, second])
    assert plan.falls_back(first, error) is falls_back
    assert fallback_of(second, error) is (second if falls_back else None)
    assert fallback_of(None, error) is None


def test_a_streamed_answer_tells_the_hooks_of_no_end_itself() -> None:
    plan = stream_plan([chat_call()])
    assert plan.parse is None
    stream = object()
    plan.add(plan.calls[0], stream)
    assert plan.result() is stream
    assert plan.end() is None


def test_a_model_list_asks_for_each_next_page_and_returns_every_model() -> None:
    plan = models_plan(ClientConfig(api_key="sk-test"), "anthropic", {})
    assert isinstance(plan, ModelList)
    first = plan.calls[0]
    second = plan.add(first, ModelPage([Model(id="a")], next="a"))
    assert second is not None
    assert second.params["after_id"] == "a"
    assert plan.add(second, ModelPage([Model(id="b")])) is None
    assert [model.id for model in plan.result()] == ["a", "b"]
    assert plan.end() == (None, ())


def test_a_model_list_page_pointing_back_at_itself_is_a_decode_error() -> None:
    plan = models_plan(ClientConfig(api_key="sk-test"), "anthropic", {})
    second = plan.add(plan.calls[0], ModelPage([Model(id="a")], next="a"))
    assert second is not None
    with pytest.raises(DecodeError, match="page just read"):
        plan.add(second, ModelPage([Model(id="a")], next="a"))


# --- reading a body ---------------------------------------------------------------------------


def test_a_whole_answer_is_parsed_from_every_piece() -> None:
    call = chat_call()
    reading = answer_reading(call, response(), None, lambda _call, body: body.decode())
    assert read(reading, b"ab", b"cd") == "abcd"


def test_a_whole_answer_past_max_response_size_is_refused() -> None:
    reading = answer_reading(chat_call(), response(), None, lambda _call, body: body)
    with pytest.raises(ResponseTooLargeError):
        read(reading, b"x" * 60, b"x" * 60)


def test_a_declared_length_past_max_response_size_is_refused_before_reading() -> None:
    reading = answer_reading(
        chat_call(), response(headers={"content-length": "101"}), None, lambda _c, body: body
    )
    with pytest.raises(ResponseTooLargeError):
        read(reading)


def test_an_error_status_raises_the_providers_error_from_a_cut_body() -> None:
    body = b'{"error": {"message": "no"}}'
    reading = answer_reading(chat_call(), response(400), None, lambda _call, body: body)
    with pytest.raises(BadRequestError) as raised:
        read(reading, body + b" " * MAX_ERROR_BODY, b"never read")
    assert raised.value.status_code == 400
    assert "no" in str(raised.value)


def test_a_failed_read_is_our_connection_error_chained_to_httpxs() -> None:
    reading = answer_reading(chat_call(), response(), None, lambda _call, body: body)
    cause = httpx.ReadError("reset by peer")
    with pytest.raises(APIConnectionError, match="reading the response") as raised, reading:
        raise cause
    assert raised.value.__cause__ is cause


def test_only_a_stream_of_the_framings_media_type_is_read_as_a_stream() -> None:
    call, sse = chat_call(), "text/event-stream"
    assert stream_refusal(call, response(headers={"content-type": sse}), None, sse) is None
    refusal = stream_refusal(call, response(headers={"content-type": "text/html"}), None, sse)
    assert refusal is not None
    with pytest.raises(DecodeError, match="expected an event stream"):
        read(refusal, b"<html>proxy error</html>")
