"""Timeouts against hostile input, on both clients: every value is checked where it is given."""

from __future__ import annotations

import math

import httpx
import pytest
from conftest import Facade, in_flight, text_of

from llmclient import InvalidRequestError, LlmClient
from llmclient.testing import LocalServer

MODEL = "openai/gpt-4o-mini"
HELLO = [{"role": "user", "content": "Hi"}]
NOWHERE = "http://127.0.0.1:9/v1"  # never reached: every case here fails before sending
STREAM_TIMEOUTS = ("first_chunk_timeout", "idle_timeout", "total_timeout")
UNWAITABLE = [math.inf, -math.inf, math.nan, 2e9]


# --- every timeout is checked where it is given ---------------------------------------------------


@pytest.mark.parametrize("value", UNWAITABLE)
@pytest.mark.parametrize("name", ["timeout", *STREAM_TIMEOUTS])
def test_a_client_refuses_a_timeout_it_cannot_wait(name: str, value: float) -> None:
    with pytest.raises(InvalidRequestError, match=rf"^{name} must be a positive number.*1e9"):
        LlmClient(base_url=NOWHERE, **{name: value})


@pytest.mark.parametrize("value", UNWAITABLE)
@pytest.mark.parametrize("name", ["timeout", *STREAM_TIMEOUTS])
def test_a_call_refuses_a_timeout_it_cannot_wait(facade: Facade, name: str, value: float) -> None:
    client = facade.client(base_url=NOWHERE, max_retries=0)
    with pytest.raises(InvalidRequestError, match=rf"^{name} must be a positive number"):
        client.chat_stream(MODEL, HELLO, **{name: value})
    with pytest.raises(InvalidRequestError, match=rf"^{name} must be a positive number"):
        client.chat(MODEL, HELLO, **{name: value})


@pytest.mark.parametrize("phase", ["connect", "read", "write", "pool"])
def test_each_phase_of_an_httpx_timeout_is_checked(phase: str) -> None:
    timeout = httpx.Timeout(5.0, **{phase: math.inf})
    with pytest.raises(InvalidRequestError, match=rf"^timeout's {phase} timeout .* got inf"):
        LlmClient(base_url=NOWHERE, timeout=timeout)


def test_an_httpx_timeout_may_still_say_none_or_zero() -> None:
    LlmClient(base_url=NOWHERE, timeout=httpx.Timeout(None, connect=5.0, pool=0)).close()


def test_the_longest_timeouts_allowed_still_work(facade: Facade, server: LocalServer) -> None:
    client = facade.client(
        base_url=server.base_url, timeout=1e9, first_chunk_timeout=1e9, total_timeout=1e9
    )
    assert text_of(list(client.chat_stream(MODEL, HELLO, idle_timeout=1e9))) != ""
    assert client.chat(MODEL, HELLO, timeout=1e9).choices[0].message.content
    assert in_flight(facade, client) == 0
