"""llmclient.testing as Bedrock: Converse, ConverseStream in AWS's event-stream framing,
InvokeModel embeddings, the foundation-model list, errors and the optional signature check,
driven with plain httpx and read back with our decoder and botocore's."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.eventstream import EventStreamBuffer

from llmclient._core.eventstream import EventStreamFraming
from llmclient.testing import (
    AUTO,
    DEFAULT_MODEL_IDS,
    DEFAULT_TEXT,
    LocalServer,
    Reply,
    bedrock_event,
    bedrock_exception,
    bedrock_reasoning,
    bedrock_tool_use,
    embedding_for,
    event_stream_frame,
)

MODEL = "anthropic.claude-3-5-sonnet-20240620-v1%3A0"
CONVERSE = f"/model/{MODEL}/converse"
STREAM = f"/model/{MODEL}/converse-stream"
TITAN = "/model/amazon.titan-embed-text-v2%3A0/invoke"
COHERE = "/model/cohere.embed-english-v3/invoke"
REQUEST = {
    "system": [{"text": "Be brief."}],
    "messages": [{"role": "user", "content": [{"text": "Say hello to me"}]}],
}
KEY_ID, SECRET = "AKIDLOCALTEST", "local/secret+EXAMPLE"

Event = tuple[str, dict[str, Any]]


@pytest.fixture
def client(server: LocalServer) -> Iterator[httpx.Client]:
    """Plain httpx at the server's root, where Bedrock's paths are (the conftest's server)."""
    with httpx.Client(base_url=server.url, timeout=5.0) as http_client:
        yield http_client


def decode(body: bytes) -> list[Event]:
    """The frames of a whole event-stream body as (type, payload), checking it ends cleanly."""
    framing = EventStreamFraming()
    frames = framing.feed_frames(body)
    assert not framing.pending()
    return [(name, json.loads(payload)) for name, payload, _ in frames]


def events(body: bytes) -> list[Event]:
    """The events of a ConverseStream body, each checked for its padding, which is dropped."""
    decoded = decode(body)
    for _, payload in decoded:
        assert isinstance(payload.pop("p"), str)
    return decoded


def deltas(decoded: list[Event], index: int = 0) -> list[dict[str, Any]]:
    return [
        payload["delta"]
        for name, payload in decoded
        if name == "contentBlockDelta" and payload["contentBlockIndex"] == index
    ]


def served(server: LocalServer, reply: Reply) -> list[bytes]:
    """``reply`` as the server writes it to a raw ``Connection: close`` request: the body's
    HTTP chunks (one per write), without the terminator when the connection was cut."""
    server.enqueue(reply)
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), 5) as sock:
        sock.sendall(
            b"POST /raw HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        received = b""
        while data := sock.recv(65536):
            received += data
    body = received.partition(b"\r\n\r\n")[2]
    pieces: list[bytes] = []
    while body:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        pieces.append(body[:size])
        body = body[size + 2 :]
    return pieces


def signed(
    server: LocalServer,
    path: str,
    body: bytes,
    *,
    key_id: str = KEY_ID,
    secret: str = SECRET,
    token: str | None = None,
) -> dict[str, str]:
    """The headers botocore's SigV4 gives a Bedrock request to ``server``."""
    request = AWSRequest(
        "POST", server.url + path, data=body, headers={"Content-Type": "application/json"}
    )
    SigV4Auth(Credentials(key_id, secret, token), "bedrock", "us-east-1").add_auth(request)
    return dict(request.headers.items())


# --- default answers ---------------------------------------------------------------------------


def test_default_converse_stream_says_the_default_text(client: httpx.Client) -> None:
    response = client.post(STREAM, json=REQUEST)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.amazon.eventstream"
    assert response.headers["transfer-encoding"] == "chunked"
    decoded = events(response.content)
    names = [name for name, _ in decoded]
    assert names[0] == "messageStart"
    assert names[-4:] == ["contentBlockDelta", "contentBlockStop", "messageStop", "metadata"]
    assert "contentBlockStart" not in names  # text blocks have none
    assert decoded[0][1] == {"role": "assistant"}
    pieces = [delta["text"] for delta in deltas(decoded)]
    assert len(pieces) == len(DEFAULT_TEXT.split())
    assert "".join(pieces) == DEFAULT_TEXT
    assert decoded[-2][1] == {"stopReason": "end_turn"}
    output = len(DEFAULT_TEXT.split())
    assert decoded[-1][1]["usage"] == {
        "inputTokens": 6,  # "Be brief." and "Say hello to me"
        "outputTokens": output,
        "totalTokens": 6 + output,
    }
    assert decoded[-1][1]["metrics"]["latencyMs"] > 0


def test_default_converse_answers_in_json(client: httpx.Client) -> None:
    response = client.post(CONVERSE, json=REQUEST)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["output"] == {"message": {"role": "assistant", "content": [{"text": DEFAULT_TEXT}]}}
    assert body["stopReason"] == "end_turn"
    assert body["usage"]["inputTokens"] == 6
    assert body["usage"]["totalTokens"] == 6 + body["usage"]["outputTokens"]
    assert isinstance(body["metrics"]["latencyMs"], int)


def test_default_answers_follow_the_server_text() -> None:
    with LocalServer(default_text="Short and sweet.") as server, httpx.Client() as http:
        answer = http.post(server.url + CONVERSE, json=REQUEST).json()
        stream = events(http.post(server.url + STREAM, json=REQUEST).content)
    assert answer["output"]["message"]["content"] == [{"text": "Short and sweet."}]
    assert [delta["text"] for delta in deltas(stream)] == ["Short", " and", " sweet."]


@pytest.mark.parametrize(
    "model_id",
    [
        "us.amazon.nova-pro-v1%3A0",
        "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude",
    ],
)
def test_any_percent_encoded_model_id_is_answered(client: httpx.Client, model_id: str) -> None:
    response = client.post(f"/model/{model_id}/converse", json=REQUEST)
    assert response.status_code == 200
    assert response.json()["stopReason"] == "end_turn"


def test_malformed_converse_body_gets_a_bedrock_400(client: httpx.Client) -> None:
    response = client.post(CONVERSE, content=b"{not json")

    assert response.status_code == 400
    assert response.headers["x-amzn-errortype"].startswith("ValidationException:")
    assert "Malformed input request" in response.json()["message"]


def test_unknown_bedrock_operation_gets_a_bedrock_404(client: httpx.Client) -> None:
    response = client.post(f"/model/{MODEL}/invoke-with-response-stream", json={})

    assert response.status_code == 404
    assert response.headers["x-amzn-errortype"].startswith("UnknownOperationException:")
    assert response.json() == {
        "message": f"Invalid URL (POST /model/{MODEL}/invoke-with-response-stream)"
    }


def test_titan_embedding(client: httpx.Client) -> None:
    response = client.post(TITAN, json={"inputText": "three small words"})

    assert response.status_code == 200
    assert response.json() == {
        "embedding": embedding_for("three small words"),
        "inputTextTokenCount": 3,
    }


def test_titan_embedding_with_dimensions(client: httpx.Client) -> None:
    body = {"inputText": "hi", "dimensions": 4, "normalize": True}
    assert client.post(TITAN, json=body).json()["embedding"] == embedding_for("hi", 4)


def test_titan_embedding_with_bad_dimensions_is_refused(client: httpx.Client) -> None:
    response = client.post(TITAN, json={"inputText": "hi", "dimensions": 0})
    assert response.status_code == 400
    assert response.headers["x-amzn-errortype"].startswith("ValidationException:")


def test_cohere_embeddings(client: httpx.Client) -> None:
    texts = ["first text", "second"]
    body = client.post(COHERE, json={"texts": texts, "input_type": "search_document"}).json()

    assert body["embeddings"] == [embedding_for(text) for text in texts]
    assert body["texts"] == texts
    assert body["response_type"] == "embeddings_floats"
    assert isinstance(body["id"], str)


def test_cohere_embeddings_by_type(client: httpx.Client) -> None:
    request = {"texts": ["a"], "input_type": "search_query", "embedding_types": ["float"]}
    body = client.post(COHERE, json=request).json()

    assert body["embeddings"] == {"float": [embedding_for("a")]}
    assert body["response_type"] == "embeddings_by_type"


@pytest.mark.parametrize(
    "request_body",
    [
        {"prompt": "neither Titan's nor Cohere's"},
        {"texts": [], "input_type": "search_document"},
        {"texts": ["no input type"]},
        {"texts": ["a"], "input_type": "search_document", "embedding_types": ["int8"]},
        [1, 2],
    ],
)
def test_other_invoke_bodies_get_a_validation_error(
    client: httpx.Client, request_body: Any
) -> None:
    response = client.post(TITAN, json=request_body)

    assert response.status_code == 400
    assert response.headers["x-amzn-errortype"] == (
        "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/"
    )
    assert response.json()["message"].startswith("Malformed input request")


def test_foundation_models_lists_the_bedrock_models(client: httpx.Client) -> None:
    response = client.get("/foundation-models")

    assert response.status_code == 200
    summaries = response.json()["modelSummaries"]
    assert [summary["modelId"] for summary in summaries] == list(DEFAULT_MODEL_IDS["bedrock"])
    first = summaries[0]
    assert first["modelArn"] == f"arn:aws:bedrock:us-east-1::foundation-model/{first['modelId']}"
    assert first["providerName"] == "Anthropic"
    assert first["outputModalities"] == ["TEXT"]
    assert first["responseStreamingSupported"] is True
    assert first["inferenceTypesSupported"] == ["ON_DEMAND"]
    assert first["modelLifecycle"] == {"status": "ACTIVE"}
    titan = next(s for s in summaries if s["modelId"] == "amazon.titan-embed-text-v2:0")
    assert titan["outputModalities"] == ["EMBEDDING"]


# --- builders ----------------------------------------------------------------------------------


def test_stream_builder_cuts_text_into_chunks(server: LocalServer, client: httpx.Client) -> None:
    server.enqueue(Reply.bedrock_stream("abcdefgh", chunks=3))
    decoded = events(client.post(STREAM, json={}).content)
    assert [delta["text"] for delta in deltas(decoded)] == ["abc", "def", "gh"]


def test_stream_builder_streams_content_blocks_as_bedrock_does(
    server: LocalServer, client: httpx.Client
) -> None:
    server.enqueue(
        Reply.bedrock_stream(
            content=[
                bedrock_reasoning("Let me think it over", "sig-1"),
                bedrock_reasoning("", redacted="ZW5jcnlwdGVk"),
                {"text": "Checking the weather."},
                bedrock_tool_use("tooluse_1", "get_weather", {"city": "Paris", "days": [1, 2]}),
            ]
        )
    )
    decoded = events(client.post(STREAM, json={}).content)

    reasoning = deltas(decoded, 0)
    assert "".join(d["reasoningContent"].get("text", "") for d in reasoning) == (
        "Let me think it over"
    )
    assert reasoning[-1] == {"reasoningContent": {"signature": "sig-1"}}
    assert deltas(decoded, 1) == [{"reasoningContent": {"redactedContent": "ZW5jcnlwdGVk"}}]
    assert "".join(d["text"] for d in deltas(decoded, 2)) == "Checking the weather."
    starts = [payload for name, payload in decoded if name == "contentBlockStart"]
    assert starts == [
        {
            "contentBlockIndex": 3,
            "start": {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather"}},
        }
    ]
    pieces = [d["toolUse"]["input"] for d in deltas(decoded, 3)]
    assert len(pieces) > 2
    assert json.loads("".join(pieces)) == {"city": "Paris", "days": [1, 2]}
    stops = [payload for name, payload in decoded if name == "contentBlockStop"]
    assert stops == [{"contentBlockIndex": index} for index in range(4)]
    assert decoded[-2] == ("messageStop", {"stopReason": "tool_use"})  # AUTO follows the tool


def test_unsigned_reasoning_streams_no_signature(server: LocalServer, client: httpx.Client) -> None:
    server.enqueue(Reply.bedrock_stream(content=[bedrock_reasoning("Just thinking")], chunks=2))
    decoded = events(client.post(STREAM, json={}).content)
    assert deltas(decoded) == [
        {"reasoningContent": {"text": "Just th"}},
        {"reasoningContent": {"text": "inking"}},
    ]


def test_a_tool_call_without_input_streams_empty_json(
    server: LocalServer, client: httpx.Client
) -> None:
    server.enqueue(Reply.bedrock_stream(content=[bedrock_tool_use("t", "list_alerts", {})]))
    decoded = events(client.post(STREAM, json={}).content)
    assert json.loads("".join(d["toolUse"]["input"] for d in deltas(decoded))) == {}


def test_stream_builder_stop_reason_and_usage(server: LocalServer, client: httpx.Client) -> None:
    usage = {"inputTokens": 18, "cacheReadInputTokens": 1536, "cacheWriteInputTokens": 512}
    server.enqueue(
        Reply.bedrock_stream("one two", stop_reason="max_tokens", usage=usage),
        Reply.bedrock_stream("one two", stop_reason=None, usage={"totalTokens": 7}),
    )
    first = events(client.post(STREAM, json={}).content)
    second = events(client.post(STREAM, json={}).content)

    assert first[-2] == ("messageStop", {"stopReason": "max_tokens"})
    assert first[-1][1]["usage"] == {**usage, "outputTokens": 2, "totalTokens": 18 + 1536 + 512 + 2}
    assert [name for name, _ in second][-2:] == ["contentBlockStop", "metadata"]  # no messageStop
    assert second[-1][1]["usage"] == {"inputTokens": 0, "outputTokens": 2, "totalTokens": 7}


def test_stream_builder_refuses_a_block_it_cannot_stream() -> None:
    with pytest.raises(ValueError, match="no block of the shape"):
        Reply.bedrock_stream(content=[{"image": {"format": "png"}}])


def test_event_padding_is_deterministic_and_replaceable() -> None:
    frame = bedrock_event("contentBlockDelta", contentBlockIndex=0, delta={"text": "Hi"})
    assert frame == bedrock_event("contentBlockDelta", contentBlockIndex=0, delta={"text": "Hi"})
    ((_, payload),) = decode(frame)
    assert set(payload["p"]) <= set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    )
    assert list(payload) == sorted(payload)  # keys sorted, as Bedrock sends them
    assert decode(bedrock_event("messageStop", stopReason="end_turn", p="ab")) == [
        ("messageStop", {"p": "ab", "stopReason": "end_turn"})
    ]


def test_converse_builder_with_content(server: LocalServer, client: httpx.Client) -> None:
    content = [
        bedrock_reasoning("Two words", "sig"),
        {"text": "I'll check."},
        bedrock_tool_use("tooluse_2", "get_weather", {"location": "Paris"}),
    ]
    server.enqueue(Reply.bedrock_converse(content=content, usage={"inputTokens": 5}))
    body = client.post(CONVERSE, json={}).json()

    assert body["output"]["message"] == {
        "role": "assistant",
        "content": [
            {"reasoningContent": {"reasoningText": {"text": "Two words", "signature": "sig"}}},
            {"text": "I'll check."},
            {
                "toolUse": {
                    "toolUseId": "tooluse_2",
                    "name": "get_weather",
                    "input": {"location": "Paris"},
                }
            },
        ],
    }
    assert body["stopReason"] == "tool_use"
    assert body["usage"] == {"inputTokens": 5, "outputTokens": 4, "totalTokens": 9}


@pytest.mark.parametrize(
    ("stop_reason", "expected"),
    [(AUTO, "end_turn"), ("guardrail_intervened", "guardrail_intervened")],
)
def test_converse_builder_stop_reason(
    server: LocalServer, client: httpx.Client, stop_reason: str, expected: str
) -> None:
    server.enqueue(Reply.bedrock_converse("Hello.", stop_reason=stop_reason))
    assert client.post(CONVERSE, json={}).json()["stopReason"] == expected


def test_reasoning_block_shapes() -> None:
    assert bedrock_reasoning("hmm") == {"reasoningContent": {"reasoningText": {"text": "hmm"}}}
    assert bedrock_reasoning("", redacted="b64") == {"reasoningContent": {"redactedContent": "b64"}}
    with pytest.raises(ValueError, match="redacted"):
        bedrock_reasoning("text too", redacted="b64")


def test_exception_frame_after_events(server: LocalServer, client: httpx.Client) -> None:
    frames = [
        bedrock_event("messageStart", role="assistant"),
        bedrock_event("contentBlockDelta", contentBlockIndex=0, delta={"text": "Hel"}),
        bedrock_exception(
            "modelStreamErrorException",
            "Model Stream Error",
            originalStatusCode=500,
            originalMessage="The model stream failed.",
        ),
    ]
    server.enqueue(Reply.event_stream(frames))
    response = client.post(STREAM, json={})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.amazon.eventstream"
    decoded = EventStreamFraming().feed_frames(response.content)
    assert [(name, kind) for name, _, kind in decoded] == [
        ("messageStart", "event"),
        ("contentBlockDelta", "event"),
        ("exception:modelStreamErrorException", "exception"),
    ]
    assert json.loads(decoded[-1][1]) == {
        "message": "Model Stream Error",
        "originalStatusCode": 500,
        "originalMessage": "The model stream failed.",
    }


def test_exception_frame_headers_are_bedrocks() -> None:
    buffer = EventStreamBuffer()
    buffer.add_data(bedrock_exception("throttlingException", "Too many tokens"))
    (message,) = list(buffer)
    assert message.headers == {
        ":message-type": "exception",
        ":exception-type": "throttlingException",
        ":content-type": "application/json",
    }
    assert json.loads(message.payload) == {"message": "Too many tokens"}


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, "ValidationException"),
        (403, "AccessDeniedException"),
        (404, "ResourceNotFoundException"),
        (429, "ThrottlingException"),
        (500, "InternalServerException"),
        (503, "ServiceUnavailableException"),
        (502, "InternalServerException"),
        (409, "ValidationException"),
    ],
)
def test_error_type_follows_the_status(
    server: LocalServer, client: httpx.Client, status: int, error_type: str
) -> None:
    server.enqueue(Reply.bedrock_error(status, "Nope."))
    response = client.post(CONVERSE, json={})

    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-amzn-errortype"] == (
        f"{error_type}:http://internal.amazon.com/coral/com.amazon.bedrock/"
    )
    assert response.json() == {"message": "Nope."}


def test_error_with_a_type_and_headers_of_its_own(
    server: LocalServer, client: httpx.Client
) -> None:
    server.enqueue(
        Reply.bedrock_error(
            429,
            "Model is not ready.",
            error_type="ModelNotReadyException",
            headers={"x-amzn-RequestId": "req-1"},
        ),
        Reply.bedrock_error(403, "Bad token.", error_type="UnrecognizedClientException"),
    )
    first = client.post(CONVERSE, json={})
    second = client.post(CONVERSE, json={})

    assert first.headers["x-amzn-errortype"].startswith("ModelNotReadyException:")
    assert first.headers["x-amzn-requestid"] == "req-1"
    assert second.headers["x-amzn-errortype"] == (  # AWS's front door, not Bedrock, names it
        "UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.coral.service/"
    )


def test_embeddings_builder(server: LocalServer, client: httpx.Client) -> None:
    server.enqueue(
        Reply.bedrock_embeddings([[0.5, 0.5]], input_tokens=2),
        Reply.bedrock_embeddings(
            [[1.0], [2.0]], model="cohere.embed-multilingual-v3", texts=["a", "b"]
        ),
        Reply.bedrock_embeddings([[1.0]], model="cohere.embed-english-v3", by_type=True),
    )
    titan = client.post(TITAN, json={}).json()
    cohere = client.post(COHERE, json={}).json()
    by_type = client.post(COHERE, json={}).json()

    assert titan == {"embedding": [0.5, 0.5], "inputTextTokenCount": 2}
    assert cohere["embeddings"] == [[1.0], [2.0]]
    assert cohere["texts"] == ["a", "b"]
    assert by_type["embeddings"] == {"float": [[1.0]]}
    with pytest.raises(ValueError, match="one vector"):
        Reply.bedrock_embeddings([[1.0], [2.0]])


def test_models_builder(server: LocalServer, client: httpx.Client) -> None:
    server.enqueue(Reply.bedrock_models(["meta.llama3-2-1b-instruct-v1:0"], region="eu-west-1"))
    (summary,) = client.get("/foundation-models").json()["modelSummaries"]
    assert summary["modelArn"] == (
        "arn:aws:bedrock:eu-west-1::foundation-model/meta.llama3-2-1b-instruct-v1:0"
    )
    assert summary["providerName"] == "Meta"


# --- framing and faults ------------------------------------------------------------------------


def test_event_stream_frame_reads_back_through_botocore() -> None:
    headers = {":event-type": "contentBlockDelta", "x-custom": "Grüße ☃"}
    payload = json.dumps({"delta": {"text": "世界"}}).encode()
    frame = event_stream_frame(headers, payload)

    buffer = EventStreamBuffer()
    buffer.add_data(frame)
    (message,) = list(buffer)
    assert message.headers == headers
    assert message.payload == payload
    assert EventStreamFraming().feed_frames(frame) == [
        ("contentBlockDelta", payload.decode(), "event")
    ]


def test_built_streams_read_the_same_through_botocore() -> None:
    reply = Reply.bedrock_stream(content=[{"text": "Hi there"}, bedrock_tool_use("t", "f", {})])
    buffer = EventStreamBuffer()
    buffer.add_data(reply.body)
    theirs = [(m.headers[":event-type"], json.loads(m.payload)) for m in buffer]
    assert theirs == decode(reply.body)


def test_event_stream_frame_refuses_headers_too_long() -> None:
    with pytest.raises(ValueError, match="too long"):
        event_stream_frame({"x" * 256: "v"}, b"")


def test_event_stream_writes_one_frame_per_write(server: LocalServer) -> None:
    reply = Reply.bedrock_stream("one two three")
    pieces = served(server, reply)
    assert len(pieces) == len(decode(reply.body))
    for piece in pieces:
        assert len(decode(piece)) == 1  # each write is exactly one whole frame


def test_split_at_cuts_frames_in_the_middle(server: LocalServer, client: httpx.Client) -> None:
    whole = Reply.bedrock_stream("one two three")
    reply = Reply.bedrock_stream("one two three", split_at=[5, 30, 31])
    pieces = served(server, reply)

    assert [len(piece) for piece in pieces[:3]] == [5, 25, 1]
    framing = EventStreamFraming()
    assert framing.feed_frames(pieces[0]) == []  # inside the first prelude
    frames = [frame for piece in pieces[1:] for frame in framing.feed_frames(piece)]
    assert frames == EventStreamFraming().feed_frames(whole.body)
    server.enqueue(reply)
    assert decode(client.post(STREAM, json={}).content) == decode(whole.body)


def test_drop_after_cuts_the_connection_inside_a_frame(
    server: LocalServer, client: httpx.Client
) -> None:
    whole = Reply.bedrock_stream("one two three")
    first = whole.body[: whole.split_at[0]]
    cut = len(first) + 10  # inside the second frame
    pieces = served(server, Reply.bedrock_stream("one two three", drop_after=cut))

    received = b"".join(pieces)
    assert received == whole.body[:cut]
    framing = EventStreamFraming()
    assert framing.feed_frames(received) == EventStreamFraming().feed_frames(first)
    assert framing.pending()  # a frame was cut
    server.enqueue(Reply.bedrock_stream("one two three", drop_after=cut))
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(STREAM, json={})


def test_write_size_and_delay_apply_to_event_streams(server: LocalServer) -> None:
    reply = Reply.bedrock_stream("hello", write_size=7, delay=0.001)
    pieces = served(server, reply)
    assert all(len(piece) == 7 for piece in pieces[:-1])
    assert b"".join(pieces) == reply.body


# --- the signature check -----------------------------------------------------------------------


@pytest.fixture
def checking() -> Iterator[LocalServer]:
    with LocalServer(aws_credentials=(KEY_ID, SECRET)) as local_server:
        yield local_server


def post(server: LocalServer, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    with httpx.Client(timeout=5.0) as http:
        return http.post(server.url + path, content=body, headers=headers)


def test_a_request_signed_by_botocore_is_answered(checking: LocalServer) -> None:
    body = json.dumps(REQUEST).encode()
    response = post(
        checking, STREAM + "?trace=a%20b", body, signed(checking, STREAM + "?trace=a%20b", body)
    )

    assert response.status_code == 200
    assert "".join(d["text"] for d in deltas(events(response.content))) == DEFAULT_TEXT


def test_temporary_credentials_are_checked_with_their_token(checking: LocalServer) -> None:
    body = b"{}"
    headers = signed(checking, CONVERSE, body, token="session-token==")
    assert "X-Amz-Security-Token" in headers
    assert post(checking, CONVERSE, body, headers).status_code == 200
    headers["X-Amz-Security-Token"] = "another-token"
    assert post(checking, CONVERSE, body, headers).status_code == 403


@pytest.mark.parametrize(
    "tamper",
    ["body", "path", "secret", "date", "signed header", "dropped header"],
)
def test_a_tampered_request_gets_invalid_signature(checking: LocalServer, tamper: str) -> None:
    body = json.dumps(REQUEST).encode()
    headers = signed(checking, CONVERSE, body, secret="wrong" if tamper == "secret" else SECRET)
    path = CONVERSE
    if tamper == "body":
        body = body.replace(b"hello", b"HELLO")
    elif tamper == "path":
        path = CONVERSE.replace("converse", "converse-stream")
    elif tamper == "date":
        headers["X-Amz-Date"] = "20200101T000000Z"
    elif tamper == "signed header":
        headers["Content-Type"] = "text/plain"
    elif tamper == "dropped header":
        del headers["Content-Type"]
    response = post(checking, path, body, headers)

    assert response.status_code == 403
    assert response.headers["x-amzn-errortype"] == (
        "InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/"
    )
    assert response.json()["message"].startswith("The request signature we calculated")
    assert SECRET not in response.text


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "AWS4-HMAC-SHA256 garbage", "Basic dXNlcjpwYXNz"],
)
def test_a_request_without_a_usable_authorization_is_unrecognized(
    checking: LocalServer, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = post(checking, CONVERSE, b"{}", headers)

    assert response.status_code == 403
    assert response.headers["x-amzn-errortype"].startswith("UnrecognizedClientException:")
    assert response.json() == {"message": "The security token included in the request is invalid."}


def test_another_access_key_is_unrecognized(checking: LocalServer) -> None:
    response = post(
        checking, CONVERSE, b"{}", signed(checking, CONVERSE, b"{}", key_id="AKIDOTHER")
    )
    assert response.status_code == 403
    assert response.headers["x-amzn-errortype"].startswith("UnrecognizedClientException:")


def test_a_bearer_token_is_accepted(checking: LocalServer) -> None:
    response = post(checking, CONVERSE, b"{}", {"Authorization": "Bearer bedrock-api-key"})
    assert response.status_code == 200


def test_a_refused_request_leaves_the_queue_alone(checking: LocalServer) -> None:
    checking.enqueue(Reply.bedrock_converse("Scripted."))
    assert post(checking, CONVERSE, b"{}", {}).status_code == 403
    answer = post(checking, CONVERSE, b"{}", signed(checking, CONVERSE, b"{}"))

    assert answer.json()["output"]["message"]["content"] == [{"text": "Scripted."}]
    assert checking.request_count == 2  # the refused one is recorded too


def test_paths_other_than_bedrocks_are_not_checked(checking: LocalServer) -> None:
    response = post(checking, "/v1/chat/completions", b'{"messages": []}', {})
    assert response.status_code == 200


def test_every_bedrock_path_is_checked(checking: LocalServer) -> None:
    with httpx.Client(timeout=5.0) as http:
        assert http.get(checking.url + "/foundation-models").status_code == 403
        assert http.post(checking.url + TITAN, json={"inputText": "x"}).status_code == 403
