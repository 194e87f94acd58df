"""LocalServer answers as the real APIs do on each wire it serves: request ids in each
provider's header, each provider's error bodies, Anthropic's count_tokens, and a 404 that says
what to change for a path with /v1 twice."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from llmclient.testing import LocalServer, Reply

HI = [{"role": "user", "content": "Hi"}]
ANTHROPIC = {"anthropic-version": "2023-06-01"}


@pytest.fixture
def http(server: LocalServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=5.0) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "headers", "header"),
    [
        ("POST", "/v1/chat/completions", {}, "x-request-id"),
        ("POST", "/v1/embeddings", {}, "x-request-id"),
        ("GET", "/v1/models", {}, "x-request-id"),
        ("POST", "/v1/messages", ANTHROPIC, "request-id"),
        ("POST", "/v1/messages/count_tokens", ANTHROPIC, "request-id"),
        ("GET", "/v1/models", ANTHROPIC, "request-id"),
        ("POST", "/model/amazon.nova-pro-v1:0/converse", {}, "x-amzn-requestid"),
    ],
)
def test_each_wire_gets_its_request_id_header(
    http: httpx.Client, method: str, path: str, headers: dict[str, str], header: str
) -> None:
    body = {"model": "m", "messages": HI, "input": "hi"}
    response = http.request(method, path, json=body, headers=headers)

    assert response.status_code == 200
    assert response.headers[header]
    others = {"x-request-id", "request-id", "x-amzn-requestid"} - {header}
    assert not others & set(response.headers)


def test_request_ids_differ_and_a_scripted_one_stands(
    http: httpx.Client, server: LocalServer
) -> None:
    server.enqueue(Reply.error(429, headers={"x-request-id": "req_mine"}))

    first = http.post("/v1/chat/completions", json={"model": "m", "messages": HI})
    second = http.post("/v1/chat/completions", json={"model": "m", "messages": HI})
    third = http.post("/v1/chat/completions", json={"model": "m", "messages": HI})

    assert first.headers["x-request-id"] == "req_mine"
    assert second.headers["x-request-id"] != third.headers["x-request-id"]


def test_gemini_answers_carry_no_request_id(http: httpx.Client) -> None:
    response = http.post("/v1beta/models/gemini-2.5-flash:generateContent", json={"contents": []})

    assert response.status_code == 200
    assert not {"x-request-id", "request-id"} & set(response.headers)


@pytest.mark.parametrize(
    ("status", "error_type", "code"),
    [
        (401, "invalid_request_error", "invalid_api_key"),
        (429, "requests", "rate_limit_exceeded"),
        (400, "invalid_request_error", None),
        (500, "server_error", None),
    ],
)
def test_openai_errors_have_openais_type_and_code(
    status: int, error_type: str, code: str | None
) -> None:
    body = Reply.error(status, "no").body

    assert body == (
        b'{"error":{"message":"no","type":"%s","param":null,"code":%s}}'
        % (error_type.encode(), b"null" if code is None else b'"%s"' % code.encode())
    )


def test_an_explicit_error_type_sends_no_default_code() -> None:
    assert b'"code":null' in Reply.error(429, error_type="tokens").body


def test_an_unknown_anthropic_path_is_a_404_in_anthropics_shape(http: httpx.Client) -> None:
    response = http.post("/v1/messages/batches/x", json={}, headers=ANTHROPIC)

    assert response.status_code == 404
    assert response.json() == {
        "type": "error",
        "error": {
            "type": "not_found_error",
            "message": "Invalid URL (POST /v1/messages/batches/x)",
        },
    }


def test_count_tokens_counts_the_words_of_system_and_messages(http: httpx.Client) -> None:
    body = {
        "model": "claude-sonnet-4-5",
        "system": "Be brief.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "one two three"}]}],
    }

    response = http.post("/v1/messages/count_tokens", json=body, headers=ANTHROPIC)

    assert response.json() == {"input_tokens": 5}


def test_count_tokens_refuses_a_body_that_is_not_json(http: httpx.Client) -> None:
    response = http.post("/v1/messages/count_tokens", content=b"{", headers=ANTHROPIC)

    assert response.status_code == 400
    assert response.json()["type"] == "error"


@pytest.mark.parametrize(
    ("path", "headers", "shape"),
    [
        ("/v1/v1/messages", ANTHROPIC, "anthropic"),
        ("/v1/v1/chat/completions", {}, "openai"),
    ],
)
def test_a_path_with_v1_twice_is_a_404_saying_what_to_change(
    http: httpx.Client, server: LocalServer, path: str, headers: dict[str, str], shape: str
) -> None:
    server.enqueue(Reply.openai_completion("queued"))

    response = http.post(path, json={"model": "m", "messages": HI}, headers=headers)

    assert response.status_code == 404
    body = response.json()
    message = body["error"]["message"]
    assert "/v1 twice" in message
    assert "url (no /v1) rather than its base_url" in message
    assert ("type" in body) == (shape == "anthropic")
    # the queued reply waits for a request to the right path
    assert http.post("/v1/chat/completions", json={}).json()["choices"][0]["message"] == {
        "role": "assistant",
        "content": "queued",
    }


def test_anthropic_tool_call_builds_a_tool_use_answer() -> None:
    reply = Reply.anthropic_tool_call("f", {"x": 1}, tool_use_id="toolu_1", text="Calling f.")

    body = httpx.Response(200, content=reply.body).json()
    assert [block["type"] for block in body["content"]] == ["text", "tool_use"]
    assert body["content"][1] == {
        "type": "tool_use",
        "id": "toolu_1",
        "name": "f",
        "input": {"x": 1},
    }
    assert body["stop_reason"] == "tool_use"


@pytest.mark.parametrize(
    ("reply", "path"),
    [
        (Reply.openai_completion("Hi"), "/v1/chat/completions"),
        (Reply.openai_stream("Hi there", write_size=7), "/v1/chat/completions"),
        (Reply.anthropic_message("Hi"), "/v1/messages"),
        (Reply.anthropic_stream("Hi there"), "/v1/messages"),
        (Reply.anthropic_tool_call("f", {}, stream=True), "/v1/messages"),
    ],
)
def test_a_scripted_reply_names_the_requested_model(
    http: httpx.Client, server: LocalServer, reply: Reply, path: str
) -> None:
    server.enqueue(reply)

    body = http.post(path, json={"model": "my-fine-tune-with-a-long-name", "messages": HI}).text

    assert body.count("my-fine-tune-with-a-long-name") >= 1
    assert reply.echo_model is not None
    assert reply.echo_model not in body


def test_the_requested_model_keeps_the_writes_where_the_events_end(
    http: httpx.Client, server: LocalServer
) -> None:
    reply = Reply.openai_stream("one two three")
    server.enqueue(reply)

    with http.stream(
        "POST", "/v1/chat/completions", json={"model": "m-longer", "stream": True}
    ) as r:
        pieces = list(r.iter_raw())
    text = b"".join(pieces).decode()

    assert text.count('"model":"m-longer"') == len(reply.split_at) - 1  # all but [DONE]
    assert text.endswith("data: [DONE]\n\n")


def test_a_reply_built_with_a_model_keeps_it(http: httpx.Client, server: LocalServer) -> None:
    server.enqueue(Reply.openai_completion("Hi", model="gpt-4o"))

    body = http.post("/v1/chat/completions", json={"model": "other", "messages": HI}).json()

    assert body["model"] == "gpt-4o"
