"""fallbacks=[...]: another model is tried when one fails before its first chunk, never after."""

from __future__ import annotations

import pytest
from conftest import Facade, drain, text_of

from llmclient import (
    BadRequestError,
    ChatCompletionChunk,
    InternalServerError,
    InvalidRequestError,
    OverloadedError,
    UnknownProviderError,
)
from llmclient.testing import LocalServer, Reply, openai_chunk, openai_error_event

PRIMARY = "openai/gpt-4o-mini"
FALLBACK = "anthropic/claude-3-5-haiku-20241022"
HELLO = [{"role": "user", "content": "Hi"}]


def paths(server: LocalServer) -> list[str]:
    return [request.path for request in server.requests]


def test_a_model_that_stays_unavailable_falls_back_to_the_next(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.error(503, repeat=2), Reply.anthropic_stream("From the fallback."))
    client = facade.client(base_url=server.base_url, api_key="k", max_retries=1)
    chunks = list(client.chat_stream(PRIMARY, HELLO, fallbacks=[FALLBACK]))
    assert text_of(chunks) == "From the fallback."
    assert {chunk.model for chunk in chunks} == {"claude-3-5-haiku-20241022"}
    assert paths(server) == ["/v1/chat/completions"] * 2 + ["/v1/messages"]


def test_chat_falls_back_on_a_missing_model(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.error(404, "The model does not exist"))
    client = facade.client(base_url=server.base_url, api_key="k")
    completion = client.chat(PRIMARY, HELLO, fallbacks=["openai/gpt-4o", FALLBACK])
    assert completion.model == "gpt-4o"
    assert server.request_count == 2


def test_no_fallback_after_the_first_chunk(facade: Facade, server: LocalServer) -> None:
    events = [openai_chunk(content="Half"), openai_error_event("Overloaded", "overloaded_error")]
    server.enqueue(Reply.sse(events, done=False))
    client = facade.client(base_url=server.base_url, api_key="k")
    stream = client.chat_stream(PRIMARY, HELLO, fallbacks=[FALLBACK])
    received: list[ChatCompletionChunk] = []
    with pytest.raises(OverloadedError):
        drain(stream, received)
    assert text_of(received) == "Half"
    assert server.request_count == 1


def test_an_error_in_the_request_does_not_fall_back(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.error(400, "bad request"))
    client = facade.client(base_url=server.base_url, api_key="k")
    with pytest.raises(BadRequestError):
        client.chat_stream(PRIMARY, HELLO, fallbacks=[FALLBACK])
    assert server.request_count == 1


def test_when_every_model_fails_the_last_error_is_raised(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.error(500, "primary down"), Reply.anthropic_error(529, "overloaded"))
    client = facade.client(base_url=server.base_url, api_key="k", max_retries=0)
    with pytest.raises(InternalServerError) as caught:
        client.chat(PRIMARY, HELLO, fallbacks=[FALLBACK])
    assert caught.value.provider == "anthropic"
    assert server.request_count == 2


@pytest.mark.parametrize(
    ("fallbacks", "error"),
    [("anthropic/claude", InvalidRequestError), (["nope/model"], UnknownProviderError)],
)
def test_bad_fallbacks_are_refused_before_anything_is_sent(
    facade: Facade, server: LocalServer, fallbacks: object, error: type[Exception]
) -> None:
    client = facade.client(base_url=server.base_url, api_key="k")
    with pytest.raises(error):
        client.chat_stream(PRIMARY, HELLO, fallbacks=fallbacks)
    assert server.request_count == 0
