"""The official ``openai`` and ``anthropic`` SDKs, pointed at LocalServer, get what the real
APIs send: answers, streams, tool calls, typed errors with request ids, retries."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import openai
import pytest

from llmclient.testing import LocalServer, Reply, openai_chunk

FAST_RETRY = {"retry-after-ms": "1"}  # both SDKs wait this long before a retry


@pytest.fixture
def openai_client(server: LocalServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=2) as client:
        yield client


@pytest.fixture
def anthropic_client(server: LocalServer) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=server.url, api_key="sk-ant-test", max_retries=2) as client:
        yield client


def test_openai_chat_completion_names_the_requested_model(
    openai_client: openai.OpenAI, server: LocalServer
) -> None:
    completion = openai_client.chat.completions.create(
        model="gpt-4.1-nano", messages=[{"role": "user", "content": "Hi"}]
    )

    assert completion.model == "gpt-4.1-nano"
    assert completion.choices[0].message.content == server.default_text
    assert completion._request_id is not None
    assert completion._request_id.startswith("req_")


def test_openai_stream_arrives_in_pieces(openai_client: openai.OpenAI) -> None:
    openai_client_stream = openai_client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(openai_client_stream)

    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("Once upon a time")
    assert chunks[-1].usage is not None


def test_openai_streamed_tool_call(openai_client: openai.OpenAI, server: LocalServer) -> None:
    call = {"index": 0, "id": "call_1", "type": "function"}
    server.enqueue(
        Reply.sse(
            [
                openai_chunk(role="assistant", tool_calls=[{**call, "function": {"name": "f"}}]),
                openai_chunk(tool_calls=[{"index": 0, "function": {"arguments": '{"x": 1}'}}]),
                openai_chunk(finish_reason="tool_calls"),
            ]
        )
    )

    chunks = list(
        openai_client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Call f"}], stream=True
        )
    )

    first = chunks[0].choices[0].delta.tool_calls
    assert first is not None
    assert first[0].function is not None
    assert first[0].function.name == "f"
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_openai_bad_key_is_an_authentication_error_with_openai_code(
    openai_client: openai.OpenAI, server: LocalServer
) -> None:
    server.enqueue(Reply.error(401, "Incorrect API key provided."))

    with pytest.raises(openai.AuthenticationError) as caught:
        openai_client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
        )

    assert caught.value.code == "invalid_api_key"
    assert caught.value.type == "invalid_request_error"
    assert caught.value.request_id is not None
    assert server.request_count == 1


def test_openai_rate_limit_is_retried(openai_client: openai.OpenAI, server: LocalServer) -> None:
    server.enqueue(Reply.error(429, "Rate limit reached.", headers=FAST_RETRY))

    completion = openai_client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
    )

    assert completion.choices[0].message.content == server.default_text
    assert server.request_count == 2


def test_openai_rate_limit_error_carries_openai_type_and_code(
    openai_client: openai.OpenAI, server: LocalServer
) -> None:
    server.enqueue(Reply.error(429, "Rate limit reached.", headers=FAST_RETRY, repeat=3))

    with pytest.raises(openai.RateLimitError) as caught:
        openai_client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
        )

    assert (caught.value.type, caught.value.code) == ("requests", "rate_limit_exceeded")
    assert server.request_count == 3


def test_anthropic_message_names_the_requested_model(
    anthropic_client: anthropic.Anthropic, server: LocalServer
) -> None:
    message = anthropic_client.messages.create(
        model="claude-sonnet-4-5", max_tokens=100, messages=[{"role": "user", "content": "Hi"}]
    )

    assert message.model == "claude-sonnet-4-5"
    assert message.content[0].type == "text"
    assert message.content[0].text == server.default_text
    assert message._request_id is not None


def test_anthropic_stream_gives_the_text(anthropic_client: anthropic.Anthropic) -> None:
    with anthropic_client.messages.stream(
        model="claude-sonnet-4-5", max_tokens=100, messages=[{"role": "user", "content": "Hi"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()

    assert text.startswith("Once upon a time")
    assert final.stop_reason == "end_turn"


@pytest.mark.parametrize("streamed", [False, True])
def test_anthropic_tool_use(
    anthropic_client: anthropic.Anthropic, server: LocalServer, streamed: bool
) -> None:
    reply = Reply.anthropic_tool_call(
        "get_weather", {"city": "Paris"}, tool_use_id="toolu_1", stream=streamed
    )
    server.enqueue(reply)
    request = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "Weather in Paris?"}],
    }

    if streamed:
        with anthropic_client.messages.stream(**request) as stream:  # type: ignore[arg-type]
            message = stream.get_final_message()
    else:
        message = anthropic_client.messages.create(**request)  # type: ignore[call-overload]

    block = message.content[-1]
    assert block.type == "tool_use"
    assert (block.id, block.name, block.input) == ("toolu_1", "get_weather", {"city": "Paris"})
    assert message.stop_reason == "tool_use"


def test_anthropic_count_tokens(anthropic_client: anthropic.Anthropic) -> None:
    counted = anthropic_client.messages.count_tokens(
        model="claude-sonnet-4-5", messages=[{"role": "user", "content": "three words here"}]
    )

    assert counted.input_tokens == 3


def test_anthropic_bad_key_is_an_authentication_error_with_a_request_id(
    anthropic_client: anthropic.Anthropic, server: LocalServer
) -> None:
    server.enqueue(Reply.anthropic_error(401, "invalid x-api-key"))

    with pytest.raises(anthropic.AuthenticationError, match="invalid x-api-key") as caught:
        anthropic_client.messages.create(
            model="claude-sonnet-4-5", max_tokens=10, messages=[{"role": "user", "content": "Hi"}]
        )

    assert caught.value.body == {
        "type": "error",
        "error": {"type": "authentication_error", "message": "invalid x-api-key"},
    }
    assert caught.value.request_id is not None


def test_anthropic_overloaded_is_retried(
    anthropic_client: anthropic.Anthropic, server: LocalServer
) -> None:
    server.enqueue(Reply.anthropic_error(529, "Overloaded", headers=FAST_RETRY))

    message = anthropic_client.messages.create(
        model="claude-sonnet-4-5", max_tokens=10, messages=[{"role": "user", "content": "Hi"}]
    )

    assert message.stop_reason == "end_turn"
    assert server.request_count == 2


def test_anthropic_given_base_url_is_told_to_use_url(server: LocalServer) -> None:
    client = anthropic.Anthropic(base_url=server.base_url, api_key="k", max_retries=0)

    with client, pytest.raises(anthropic.NotFoundError, match="/v1 twice") as caught:
        client.messages.create(
            model="claude-sonnet-4-5", max_tokens=10, messages=[{"role": "user", "content": "Hi"}]
        )

    assert "server's url" in str(caught.value)
    assert server.request_count == 1
