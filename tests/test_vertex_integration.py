"""Vertex AI through the real HTTP path, on both facades, against the local server's Vertex
paths: Gemini and Claude, streamed and not, embeddings, and the credentials that sign them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Facade, text_of

from llmclient import InvalidRequestError
from llmclient.testing import LocalServer, Reply, anthropic_thinking, anthropic_tool_use

GEMINI = "vertex/gemini-2.5-flash"
CLAUDE = "vertex/claude-sonnet-4-5@20250929"
HELLO = [{"role": "user", "content": "Tell me a story"}]
TOKEN = "ya29.given-by-the-caller"
PROJECT = "local-project"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


@pytest.fixture(autouse=True)
def _vertex_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", PROJECT)
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "us-east5")


def make_client(facade: Facade, server: LocalServer, **kwargs: Any) -> Any:
    kwargs.setdefault("api_key", TOKEN)
    return facade.client(base_url=server.url, **kwargs)


def test_gemini_streams_from_the_google_publisher(facade: Facade, server: LocalServer) -> None:
    chunks = list(make_client(facade, server).chat_stream(GEMINI, HELLO))
    assert text_of(chunks) == server.default_text
    request = server.requests[0]
    assert request.path == (
        f"/v1/projects/{PROJECT}/locations/us-east5/publishers/google/models/"
        "gemini-2.5-flash:streamGenerateContent?alt=sse"
    )
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


def test_gemini_answers_a_whole_chat(facade: Facade, server: LocalServer) -> None:
    answer = make_client(facade, server).chat(GEMINI, HELLO, temperature=0.2)
    assert answer.choices[0].message.content == server.default_text
    assert server.requests[0].json()["generationConfig"] == {"temperature": 0.2}


def test_claude_streams_from_the_anthropic_publisher(facade: Facade, server: LocalServer) -> None:
    chunks = list(make_client(facade, server).chat_stream(CLAUDE, HELLO, max_tokens=50))
    assert text_of(chunks) == server.default_text
    request = server.requests[0]
    assert request.path.endswith(
        "publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict"
    )
    body = request.json()
    assert body["anthropic_version"] == "vertex-2023-10-16"
    assert "model" not in body
    assert chunks[-1].usage is not None


def test_a_claude_tool_loop_with_thinking_round_trips(facade: Facade, server: LocalServer) -> None:
    content = [
        anthropic_thinking("Weather needed.", "sig-1"),
        anthropic_tool_use("get_weather", {"city": "Oslo"}, id="toolu_1"),
    ]
    server.enqueue(Reply.anthropic_message(content=content), Reply.anthropic_message("Sunny."))
    client = make_client(facade, server)
    first = client.chat(CLAUDE, HELLO, tools=[WEATHER_TOOL], reasoning_effort="low")
    message = first.choices[0].message
    assert message.tool_calls is not None
    followup = [*HELLO, message, {"role": "tool", "tool_call_id": "toolu_1", "content": "sun"}]
    answer = client.chat(CLAUDE, followup, tools=[WEATHER_TOOL], reasoning_effort="low")
    assert answer.choices[0].message.content == "Sunny."
    sent = server.requests[1].json()["messages"][1]["content"]
    assert sent[0] == {"type": "thinking", "thinking": "Weather needed.", "signature": "sig-1"}
    assert sent[1]["type"] == "tool_use"


def test_embeddings_predict_on_vertex(facade: Facade, server: LocalServer) -> None:
    result = make_client(facade, server).embed(
        "vertex/text-embedding-005", ["a", "bb"], dimensions=4
    )
    assert [len(item.embedding) for item in result.data] == [4, 4]
    assert server.requests[0].path.endswith("models/text-embedding-005:predict")
    assert json.loads(server.requests[0].body)["parameters"] == {"outputDimensionality": 4}


def test_a_vertex_error_is_typed(facade: Facade, server: LocalServer) -> None:
    from llmclient import PermissionDeniedError

    server.enqueue(Reply.vertex_error(403, "Permission denied on resource project."))
    with pytest.raises(PermissionDeniedError, match="Permission denied"):
        make_client(facade, server, max_retries=0).chat(GEMINI, HELLO)


def test_no_project_is_an_input_error_before_any_request(
    facade: Facade, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT")
    with pytest.raises(InvalidRequestError, match="GOOGLE_CLOUD_PROJECT"):
        make_client(facade, server).chat(GEMINI, HELLO)
    assert server.request_count == 0


def streamed_call() -> Reply:
    """A Gemini stream whose one call streams its arguments, as Vertex AI sends them."""
    from llmclient.testing import gemini_chunk

    def step(path: str, value: str, more: bool = False) -> dict[str, Any]:
        partial: dict[str, Any] = {"jsonPath": path, "stringValue": value}
        if more:
            partial["willContinue"] = True
        return {"functionCall": {"partialArgs": [partial], "willContinue": True}}

    parts = [
        {"functionCall": {"name": "get_weather", "willContinue": True}, "thoughtSignature": "c2ln"},
        step("$.city", "Par", more=True),
        step("$.city", "is"),
        {"functionCall": {"willContinue": True}},
        {
            "functionCall": {
                "partialArgs": [{"jsonPath": "$.days", "numberValue": 3}],
                "willContinue": True,
            }
        },
        {"functionCall": {}},
    ]
    events = [gemini_chunk(parts=[part]) for part in parts]
    events.append(gemini_chunk(finish_reason="STOP", usage={"promptTokenCount": 5}))
    return Reply.sse(events, done=False)


def check_streamed_call(client: Any) -> None:
    stream = client.chat_stream(GEMINI, HELLO, tools=[WEATHER_TOOL])
    chunks = list(stream)
    calls = stream.final_completion().choices[0].message.tool_calls or []
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris", "days": 3})
    ]
    pieces = [
        call.function.arguments
        for chunk in chunks
        for choice in chunk.choices
        for call in choice.delta.tool_calls or ()
        if call.function and call.function.arguments
    ]
    assert len(pieces) > 2


def test_streamed_function_call_arguments_join_into_the_calls_json(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(streamed_call())
    check_streamed_call(make_client(facade, server))


# --- Application Default Credentials -------------------------------------------------------


@pytest.fixture
def token_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    """A server that issues tokens and takes only those, and a service-account file whose
    token endpoint it is, named by GOOGLE_APPLICATION_CREDENTIALS."""
    with LocalServer(google_tokens=True) as local:
        account = tmp_path / "service-account.json"
        account.write_text(json.dumps(local.service_account_info(project_id=PROJECT)))
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(account))
        monkeypatch.delenv("GOOGLE_CLOUD_PROJECT")  # the credentials' project serves
        yield local


def test_adc_sign_gemini_and_claude_calls_with_one_token(
    facade_or_trio: Facade, token_server: LocalServer
) -> None:
    client = facade_or_trio.client(base_url=token_server.url)
    chunks = list(client.chat_stream(GEMINI, HELLO))
    assert text_of(chunks) == token_server.default_text
    answer = client.chat(CLAUDE, HELLO)
    assert answer.choices[0].message.content == token_server.default_text
    [token] = token_server.issued_tokens
    assert [r.headers["authorization"] for r in token_server.requests] == [f"Bearer {token}"] * 2
    assert f"/projects/{PROJECT}/" in token_server.requests[0].path
    assert len(token_server.token_requests) == 1


def test_adc_stream_a_tool_call_with_streamed_arguments(
    facade: Facade, token_server: LocalServer
) -> None:
    token_server.enqueue(streamed_call())
    check_streamed_call(facade.client(base_url=token_server.url))
    assert token_server.requests[0].headers["authorization"].startswith("Bearer ya29.local-")


def test_a_token_near_its_expiry_is_refreshed_between_calls(
    facade: Facade, token_server: LocalServer
) -> None:
    token_server.token_lifetime = 30  # within the refresh margin as soon as it is issued
    client = facade.client(base_url=token_server.url)
    for _ in range(2):
        client.chat(GEMINI, HELLO)
    first, second = token_server.issued_tokens
    sent = [r.headers["authorization"] for r in token_server.requests]
    assert sent == [f"Bearer {first}", f"Bearer {second}"]


def test_a_401_is_answered_with_one_refresh_and_one_resend(
    facade_or_trio: Facade, token_server: LocalServer
) -> None:
    client = facade_or_trio.client(base_url=token_server.url, max_retries=0)
    client.chat(GEMINI, HELLO)
    token_server.expire_tokens()  # revoked: the next request is refused
    chunks = list(client.chat_stream(CLAUDE, HELLO))
    assert text_of(chunks) == token_server.default_text
    old, new = token_server.issued_tokens
    sent = [r.headers["authorization"] for r in token_server.requests]
    assert sent == [f"Bearer {old}", f"Bearer {old}", f"Bearer {new}"]


def test_without_credentials_a_missing_key_error_says_what_to_set(
    facade: Facade, server: LocalServer
) -> None:
    from llmclient import MissingAPIKeyError

    with pytest.raises(MissingAPIKeyError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        facade.client(base_url=server.url).chat(GEMINI, HELLO)
    assert server.request_count == 0
