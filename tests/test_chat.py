"""Non-streamed ``chat`` and client behaviour through the real HTTP path, on both facades."""

from __future__ import annotations

import httpx
import pytest
from conftest import Facade, in_flight

from llmclient import (
    APITimeoutError,
    AuthenticationError,
    InternalServerError,
    Message,
    MissingAPIKeyError,
    NotFoundError,
    UnknownProviderError,
)
from llmclient.testing import LocalServer, Reply

MODEL = "openai/gpt-4o-mini"
HELLO = [{"role": "user", "content": "Hi"}]
SECRET = "sk-very-secret-key-123"


def test_chat_returns_a_typed_completion(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.openai_completion("Hello there", prompt_tokens=3))
    client = facade.client(base_url=server.base_url, api_key=SECRET)
    completion = client.chat(MODEL, HELLO, max_tokens=20)
    assert completion.choices[0].message.content == "Hello there"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == 3
    body = server.requests[0].json()
    assert "stream" not in body
    assert body["max_tokens"] == 20
    assert server.requests[0].headers["accept"] == "application/json"
    assert in_flight(facade, client) == 0


def test_chat_answer_can_be_sent_back_as_the_next_message(
    facade: Facade, server: LocalServer
) -> None:
    client = facade.client(base_url=server.base_url, api_key=SECRET)
    answer = client.chat(MODEL, HELLO).choices[0].message
    assert isinstance(answer, Message)
    client.chat(MODEL, [*HELLO, answer, {"role": "user", "content": "More"}])
    sent = server.requests[1].json()["messages"]
    assert sent[1] == {"role": "assistant", "content": answer.content}


def test_chat_retries_server_errors_then_answers(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.error(500), Reply.openai_completion("Recovered"))
    client = facade.client(base_url=server.base_url, api_key=SECRET)
    assert client.chat(MODEL, HELLO).choices[0].message.content == "Recovered"
    assert server.request_count == 2


def test_chat_raises_the_status_class_with_provider_details(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(
        Reply.error(
            404,
            "The model does not exist",
            code="model_not_found",
            headers={"x-request-id": "req_123"},
        )
    )
    client = facade.client(base_url=server.base_url, api_key=SECRET)
    with pytest.raises(NotFoundError) as caught:
        client.chat(MODEL, HELLO)
    error = caught.value
    assert error.status_code == 404
    assert error.request_id == "req_123"
    assert error.provider == "openai"
    assert error.code == "model_not_found"
    assert "The model does not exist" in str(error)


def test_api_key_never_appears_in_errors(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.error(401, "Incorrect API key provided"), Reply.error(500, repeat=3))
    client = facade.client(base_url=server.base_url, api_key=SECRET, max_retries=0)
    for expected in (AuthenticationError, InternalServerError):
        with pytest.raises(expected) as caught:
            client.chat(MODEL, HELLO)
        error: BaseException | None = caught.value
        while error is not None:
            assert SECRET not in str(error)
            assert SECRET not in repr(error)
            error = error.__cause__ or error.__context__
    assert SECRET not in repr(client)


def test_timeout_before_first_chunk_is_an_api_timeout_error(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.openai_stream("late", delay=0.5, split_at=[1]))
    client = facade.client(base_url=server.base_url, api_key=SECRET, max_retries=0)
    with pytest.raises(APITimeoutError):
        client.chat_stream(MODEL, HELLO, timeout=0.05)


def test_missing_key_is_raised_before_any_request(
    facade: Facade, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    client = facade.client()
    with pytest.raises(MissingAPIKeyError, match="OPENAI_API_KEY"):
        client.chat_stream(MODEL, HELLO)


def test_environment_key_is_used_when_none_is_given(
    facade: Facade, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    client = facade.client(base_url=server.base_url)
    client.chat(MODEL, HELLO)
    client.chat(MODEL, HELLO, api_key="sk-per-call")
    assert server.requests[0].headers["authorization"] == "Bearer sk-from-env"
    assert server.requests[1].headers["authorization"] == "Bearer sk-per-call"


def test_unknown_provider_and_keyword_fail_before_any_request(
    facade: Facade, server: LocalServer
) -> None:
    client = facade.client(base_url=server.base_url, api_key=SECRET)
    with pytest.raises(UnknownProviderError, match="openai"):
        client.chat("opnai/gpt-4o", HELLO)
    with pytest.raises(TypeError, match="temprature"):
        client.chat(MODEL, HELLO, temprature=0.5)
    assert server.request_count == 0


def test_default_and_extra_headers_are_sent(facade: Facade, server: LocalServer) -> None:
    client = facade.client(
        base_url=server.base_url, api_key=SECRET, default_headers={"x-team": "search"}
    )
    client.chat(MODEL, HELLO, extra_headers={"x-trace": "abc"}, extra_body={"store": False})
    request = server.requests[0]
    assert request.headers["x-team"] == "search"
    assert request.headers["x-trace"] == "abc"
    assert request.json()["store"] is False


def test_a_users_own_http_client_is_used_and_left_open(facade: Facade, server: LocalServer) -> None:
    seen: list[str] = []
    if facade.name == "sync":
        http = httpx.Client(event_hooks={"request": [lambda r: seen.append(str(r.url))]})
    else:

        async def hook(request: httpx.Request) -> None:
            seen.append(str(request.url))

        http = httpx.AsyncClient(event_hooks={"request": [hook]})
    client = facade.client(base_url=server.base_url, api_key=SECRET, http_client=http)
    client.chat(MODEL, HELLO)
    client.close()
    assert seen == [f"{server.base_url}/chat/completions"]
    assert not http.is_closed
    if isinstance(http, httpx.Client):
        http.close()
    else:
        facade.run(http.aclose())  # type: ignore[union-attr]
