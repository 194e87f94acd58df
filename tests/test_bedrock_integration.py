"""Bedrock's Converse API through the real HTTP path, on both facades (and trio), against the
local server's Converse and ConverseStream, in AWS's binary event-stream framing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Facade, drain, in_flight, text_of

from llmclient import (
    APIConnectionError,
    BadRequestError,
    ChatCompletionChunk,
    DecodeError,
    IncompleteStreamError,
    InternalServerError,
    MissingAPIKeyError,
    PermissionDeniedError,
    RateLimitError,
)
from llmclient.testing import (
    LocalServer,
    Reply,
    bedrock_event,
    bedrock_exception,
    bedrock_reasoning,
    bedrock_tool_use,
)

MODEL = "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0"
WIRE_PATH = "/v1/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0"
HELLO = [{"role": "user", "content": "Tell me a story"}]
STORY = "Once upon a time a small client read every Bedrock frame correctly."
KEY = "bedrock-api-key-secret"
AKID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SIGNATURE = "EqQBCkYIBxgCKkBsignature=="
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def make_client(facade: Facade, server: LocalServer, **kwargs: Any) -> Any:
    kwargs.setdefault("api_key", KEY)
    return facade.client(base_url=server.base_url, **kwargs)


def finish_reasons(chunks: list[ChatCompletionChunk]) -> list[str]:
    return [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]


def start() -> bytes:
    return bedrock_event("messageStart", role="assistant")


def text(index: int, piece: str) -> bytes:
    return bedrock_event("contentBlockDelta", contentBlockIndex=index, delta={"text": piece})


def stop(reason: str = "end_turn") -> bytes:
    return bedrock_event("messageStop", stopReason=reason)


def metadata() -> bytes:
    usage = {"inputTokens": 9, "outputTokens": 4, "totalTokens": 13}
    return bedrock_event("metadata", usage=usage, metrics={"latencyMs": 120})


# --- text ------------------------------------------------------------------------------------


def test_a_stream_arrives_as_openai_chunks_then_usage(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.bedrock_stream(STORY, chunks=7, usage={"inputTokens": 11}))
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO, max_tokens=300))
    assert text_of(chunks) == STORY
    assert chunks[0].choices[0].delta.role == "assistant"
    assert finish_reasons(chunks) == ["stop"]
    assert chunks[-1].choices == []
    usage = chunks[-1].usage
    assert usage is not None
    assert usage.prompt_tokens == 11
    request = server.requests[0]
    assert request.path == f"{WIRE_PATH}/converse-stream"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["accept"] == "application/vnd.amazon.eventstream"
    assert request.json()["inferenceConfig"] == {"maxTokens": 300}


def test_a_whole_chat_answers_from_converse(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.bedrock_converse(STORY, usage={"inputTokens": 5}))
    answer = make_client(facade, server).chat(MODEL, HELLO)
    assert answer.choices[0].message.content == STORY
    assert answer.choices[0].finish_reason == "stop"
    assert answer.usage is not None
    assert answer.usage.prompt_tokens == 5
    assert server.requests[0].path == f"{WIRE_PATH}/converse"


def test_the_default_answer_streams_the_servers_text(
    facade_or_trio: Facade, server: LocalServer
) -> None:
    client = make_client(facade_or_trio, server)
    chunks = list(client.chat_stream(MODEL, HELLO))
    assert text_of(chunks) == server.default_text
    assert in_flight(facade_or_trio, client) == 0


@pytest.mark.parametrize("size", [1, 5, 13, 64])
def test_any_write_size_gives_the_same_answer(
    facade: Facade, server: LocalServer, size: int
) -> None:
    server.enqueue(Reply.bedrock_stream(STORY, chunks=5, write_size=size))
    assert text_of(list(make_client(facade, server).chat_stream(MODEL, HELLO))) == STORY


# --- tools and reasoning ---------------------------------------------------------------------


def test_parallel_tool_calls_come_in_pieces_and_join(facade: Facade, server: LocalServer) -> None:
    content = [
        {"text": "Checking both."},
        bedrock_tool_use("tooluse_1", "get_weather", {"city": "Paris"}),
        bedrock_tool_use("tooluse_2", "get_weather", {"city": "Tokyo"}),
    ]
    server.enqueue(Reply.bedrock_stream(content=content, chunks=3))
    stream = make_client(facade, server).chat_stream(MODEL, HELLO, tools=[WEATHER_TOOL])
    chunks = list(stream)
    completion = stream.final_completion()
    calls = completion.choices[0].message.tool_calls or []
    assert [(c.id, json.loads(c.function.arguments)) for c in calls] == [
        ("tooluse_1", {"city": "Paris"}),
        ("tooluse_2", {"city": "Tokyo"}),
    ]
    assert finish_reasons(chunks) == ["tool_calls"]
    pieces = [
        call
        for chunk in chunks
        for choice in chunk.choices
        for call in choice.delta.tool_calls or ()
        if call.index == 0 and call.function and call.function.arguments
    ]
    assert len(pieces) > 1
    sent = server.requests[0].json()["toolConfig"]["tools"][0]["toolSpec"]
    assert sent["name"] == "get_weather"


def test_a_tool_loop_with_reasoning_sends_the_signed_block_back(
    facade: Facade, server: LocalServer
) -> None:
    content = [
        bedrock_reasoning("The user wants weather.", SIGNATURE),
        bedrock_tool_use("tooluse_1", "get_weather", {"city": "Oslo"}),
    ]
    server.enqueue(Reply.bedrock_stream(content=content), Reply.bedrock_converse("Sunny."))
    client = make_client(facade, server)
    stream = client.chat_stream(MODEL, HELLO, tools=[WEATHER_TOOL], reasoning_effort="low")
    list(stream)
    message = stream.final_completion().choices[0].message
    assert message.reasoning_content == "The user wants weather."
    followup = [*HELLO, message, {"role": "tool", "tool_call_id": "tooluse_1", "content": "sun"}]
    answer = client.chat(MODEL, followup, tools=[WEATHER_TOOL], reasoning_effort="low")
    assert answer.choices[0].message.content == "Sunny."
    sent = server.requests[1].json()
    assert sent["additionalModelRequestFields"]["thinking"]["type"] == "enabled"
    assistant, results = sent["messages"][1], sent["messages"][2]
    assert assistant["content"] == [
        {
            "reasoningContent": {
                "reasoningText": {"text": "The user wants weather.", "signature": SIGNATURE}
            }
        },
        {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Oslo"}}},
    ]
    assert results["content"][0]["toolResult"]["toolUseId"] == "tooluse_1"


def test_usage_counts_cache_reads_and_writes(facade: Facade, server: LocalServer) -> None:
    usage = {"inputTokens": 18, "outputTokens": 25, "cacheReadInputTokens": 1536}
    server.enqueue(Reply.bedrock_stream("Cached.", usage={**usage, "cacheWriteInputTokens": 512}))
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO))
    final = chunks[-1].usage
    assert final is not None
    assert (final.prompt_tokens, final.completion_tokens) == (18 + 1536 + 512, 25)
    assert final.prompt_tokens_details is not None
    assert final.prompt_tokens_details.cached_tokens == 1536
    assert final.prompt_tokens_details.cache_creation_tokens == 512


def test_a_guardrail_stop_is_a_content_filter(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.bedrock_stream("Redacted.", stop_reason="guardrail_intervened"))
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO))
    assert finish_reasons(chunks) == ["content_filter"]


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "error_class", "status"),
    [
        ("throttlingException", RateLimitError, 429),
        ("validationException", BadRequestError, 400),
        ("serviceUnavailableException", InternalServerError, 503),
        ("internalServerException", InternalServerError, 500),
        ("modelStreamErrorException", InternalServerError, 500),
    ],
)
def test_an_exception_frame_after_text_raises_its_typed_error_after_the_text(
    facade: Facade, server: LocalServer, name: str, error_class: type[Exception], status: int
) -> None:
    frames = [start(), text(0, "Hel"), text(0, "lo"), bedrock_exception(name, "It broke.")]
    server.enqueue(Reply.event_stream(frames))
    chunks: list[ChatCompletionChunk] = []
    client = make_client(facade, server, max_retries=0)
    with pytest.raises(error_class) as caught:
        drain(client.chat_stream(MODEL, HELLO), chunks)
    assert text_of(chunks) == "Hello"
    assert getattr(caught.value, "status_code", None) == status
    assert "It broke." in str(caught.value)
    assert server.request_count == 1
    assert in_flight(facade, client) == 0


def test_throttling_before_the_first_chunk_is_retried(facade: Facade, server: LocalServer) -> None:
    throttled = Reply.event_stream([start(), bedrock_exception("throttlingException", "Slow down")])
    server.enqueue(throttled, Reply.bedrock_stream(STORY))
    chunks = list(make_client(facade, server).chat_stream(MODEL, HELLO))
    assert text_of(chunks) == STORY
    assert server.request_count == 2


def test_a_validation_exception_before_the_first_chunk_is_raised_by_the_call(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.event_stream([bedrock_exception("validationException", "Too long.")]))
    with pytest.raises(BadRequestError, match="Too long"):
        make_client(facade, server).chat_stream(MODEL, HELLO)
    assert server.request_count == 1


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(400, BadRequestError), (403, PermissionDeniedError), (500, InternalServerError)],
)
def test_http_errors_carry_the_aws_error_type_and_request_id(
    facade: Facade, server: LocalServer, status: int, error_class: type[Exception]
) -> None:
    reply = Reply.bedrock_error(status, "No.", headers={"x-amzn-RequestId": "req-7"})
    server.enqueue(reply)
    with pytest.raises(error_class) as caught:
        make_client(facade, server, max_retries=0).chat_stream(MODEL, HELLO)
    error = caught.value
    assert getattr(error, "request_id", None) == "req-7"
    assert getattr(error, "error_type", "").endswith("Exception")
    assert getattr(error, "message", None) == "No."


def test_a_429_is_retried_then_answers(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.bedrock_error(429, "Too many requests"), Reply.bedrock_converse(STORY))
    answer = make_client(facade, server).chat(MODEL, HELLO)
    assert answer.choices[0].message.content == STORY
    assert server.request_count == 2


@pytest.mark.parametrize(
    "frames",
    [
        [start(), text(0, "Hi")],  # no messageStop
        [start(), text(0, "Hi"), stop()],  # no metadata
        [],  # an empty body
    ],
    ids=["no-message-stop", "no-metadata", "empty"],
)
def test_a_stream_without_its_end_is_incomplete(
    facade: Facade, server: LocalServer, frames: list[bytes]
) -> None:
    server.enqueue(Reply.event_stream(frames))
    chunks: list[ChatCompletionChunk] = []
    with pytest.raises(IncompleteStreamError):
        drain(make_client(facade, server, max_retries=0).chat_stream(MODEL, HELLO), chunks)


def test_a_stream_cut_inside_a_frame_raises(facade: Facade, server: LocalServer) -> None:
    body = b"".join([start(), text(0, "Hello"), text(0, " there"), stop(), metadata()])
    cut = len(start()) + len(text(0, "Hello")) + 7  # inside the third frame
    server.enqueue(Reply.event_stream([body], drop_after=cut))
    chunks: list[ChatCompletionChunk] = []
    with pytest.raises((APIConnectionError, IncompleteStreamError)):
        drain(make_client(facade, server, max_retries=0).chat_stream(MODEL, HELLO), chunks)
    assert text_of(chunks) == "Hello"


def test_a_corrupted_frame_is_a_decode_error_after_the_chunks_before_it(
    facade: Facade, server: LocalServer
) -> None:
    broken = bytearray(text(0, " there"))
    broken[-1] ^= 0xFF  # the message CRC no longer matches
    server.enqueue(Reply.event_stream([start(), text(0, "Hello"), bytes(broken), stop()]))
    chunks: list[ChatCompletionChunk] = []
    with pytest.raises(DecodeError, match="CRC"):
        drain(make_client(facade, server, max_retries=0).chat_stream(MODEL, HELLO), chunks)
    assert text_of(chunks) == "Hello"


def test_breaking_out_of_a_stream_releases_the_connection(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.bedrock_stream(STORY, chunks=10))
    client = make_client(facade, server)
    for _ in client.chat_stream(MODEL, HELLO):
        break
    assert in_flight(facade, client) == 0


def test_leaving_a_with_block_early_releases_the_connection(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.bedrock_stream(STORY, chunks=10))
    client = make_client(facade, server)
    with client.chat_stream(MODEL, HELLO) as stream:
        next(iter(stream))
    assert in_flight(facade, client) == 0


# --- SigV4 -----------------------------------------------------------------------------------


@pytest.fixture
def signing_server() -> Any:
    with LocalServer(aws_credentials=(AKID, SECRET)) as local:
        yield local


def test_requests_are_signed_with_aws_credentials(
    facade_or_trio: Facade, signing_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-value")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    client = facade_or_trio.client(base_url=signing_server.base_url)
    chunks = list(client.chat_stream(MODEL, HELLO))
    assert text_of(chunks) == signing_server.default_text
    headers = signing_server.requests[0].headers
    assert headers["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={AKID}/")
    assert "/eu-central-1/bedrock/aws4_request" in headers["authorization"]
    assert headers["x-amz-security-token"] == "session-token-value"
    answer = client.chat(MODEL, HELLO)
    assert answer.choices[0].message.content == signing_server.default_text


def test_a_wrong_secret_is_refused_and_never_shown(
    facade: Facade, signing_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-at-all")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    with pytest.raises(PermissionDeniedError) as caught:
        facade.client(base_url=signing_server.base_url).chat(MODEL, HELLO)
    assert "not-the-secret-at-all" not in str(caught.value)
    assert "not-the-secret-at-all" not in repr(caught.value)


def test_credentials_from_a_shared_credentials_profile_sign(
    facade: Facade, signing_server: LocalServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[work]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"
    )
    config = tmp_path / "config"
    config.write_text("[profile work]\nregion = ap-southeast-2\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "work")
    answer = facade.client(base_url=signing_server.base_url).chat(MODEL, HELLO)
    assert answer.choices[0].message.content == signing_server.default_text
    assert "/ap-southeast-2/bedrock/" in signing_server.requests[0].headers["authorization"]


def test_no_credentials_for_aws_is_an_input_error_before_any_request(
    facade: Facade, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    with pytest.raises(MissingAPIKeyError, match="AWS_BEARER_TOKEN_BEDROCK"):
        facade.client().chat(MODEL, HELLO)


def test_botocores_chain_is_looked_up_off_the_event_loop_as_the_request_is_signed(
    facade_or_trio: Facade, signing_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sniffio

    from llmclient import _aws
    from llmclient._core.sigv4 import AwsCredentials

    monkeypatch.setenv("AWS_REGION", "us-east-1")
    looked_up: list[str | None] = []

    def chain(profile: Any) -> _aws.CredentialSource:
        try:
            looked_up.append(sniffio.current_async_library())
        except sniffio.AsyncLibraryNotFoundError:
            looked_up.append(None)  # a worker thread (or the blocking client's own)
        return _aws.StaticCredentials(AwsCredentials(AKID, SECRET), "a test chain")

    monkeypatch.setattr(_aws, "_from_botocore", chain)
    client = facade_or_trio.client(base_url=signing_server.base_url)
    answer = client.chat(MODEL, HELLO)
    assert answer.choices[0].message.content == signing_server.default_text
    assert looked_up == [None]


def test_a_url_of_your_own_without_credentials_goes_unsigned(
    facade: Facade, server: LocalServer
) -> None:
    answer = facade.client(base_url=server.base_url).chat(MODEL, HELLO)
    assert answer.choices[0].message.content == server.default_text
    assert "authorization" not in server.requests[0].headers
