"""llmclient.testing as Vertex AI: Gemini's and Claude's paths under a project's location,
``:predict`` embeddings, Google-shaped errors, the token endpoint and the optional bearer-token
check, driven with plain httpx (and with google-auth itself where it is installed)."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from llmclient.sse import SSEDecoder
from llmclient.testing import (
    DEFAULT_EMBEDDING_DIMENSIONS,
    DEFAULT_TEXT,
    LocalServer,
    RecordedRequest,
    Reply,
    embedding_for,
    service_account_info,
)
from llmclient.testing._google_auth import GoogleTokens
from llmclient.testing._routes import default_reply

LOCATION = "/v1/projects/local-project/locations/us-east5"
GLOBAL = "/v1/projects/local-project/locations/global"
CLAUDE = "claude-sonnet-4-5@20250929"
GEMINI = "gemini-2.5-pro"
RAW = f"{LOCATION}/publishers/anthropic/models/{CLAUDE}:rawPredict"
STREAM_RAW = f"{LOCATION}/publishers/anthropic/models/{CLAUDE}:streamRawPredict"
GENERATE = f"{LOCATION}/publishers/google/models/{GEMINI}:generateContent"
STREAM_GENERATE = f"{LOCATION}/publishers/google/models/{GEMINI}:streamGenerateContent?alt=sse"
PREDICT = f"{LOCATION}/publishers/google/models/text-embedding-005:predict"
VERSION = "vertex-2023-10-16"
CLAUDE_BODY = {
    "anthropic_version": VERSION,
    "max_tokens": 64,
    "system": "Be brief.",
    "messages": [{"role": "user", "content": "Say hello to me"}],
}
GEMINI_BODY = {"contents": [{"role": "user", "parts": [{"text": "Say hello to me"}]}]}
SCOPE = "https://www.googleapis.com/auth/cloud-platform"
REFRESH_GRANT = {
    "grant_type": "refresh_token",
    "refresh_token": "1//local-refresh",
    "client_id": "local-client.apps.googleusercontent.com",
    "client_secret": "local-secret",
}
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
HAS_KEY_MAKER = any(importlib.util.find_spec(name) for name in ("cryptography", "rsa"))
needs_key_maker = pytest.mark.skipif(not HAS_KEY_MAKER, reason="neither cryptography nor rsa")


@pytest.fixture
def client(server: LocalServer) -> Iterator[httpx.Client]:
    """Plain httpx at the server's root, where Vertex's paths are (the conftest's server)."""
    with httpx.Client(base_url=server.url, timeout=5.0) as http_client:
        yield http_client


@pytest.fixture
def guarded() -> Iterator[LocalServer]:
    """A server that demands one of its own tokens on every Vertex path."""
    with LocalServer(google_tokens=True) as local:
        yield local


def sse(body: bytes) -> list[tuple[str, Any]]:
    """A whole SSE body as (event type, JSON data), checking it ends cleanly."""
    decoder = SSEDecoder()
    events = decoder.feed(body)
    assert not decoder.pending()
    return [(event.event, json.loads(event.data)) for event in events]


def google_error(response: httpx.Response, status: int, grpc_status: str) -> str:
    """The message of a Google-shaped error, checking its shape."""
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"code", "message", "status"}
    assert (error["code"], error["status"]) == (status, grpc_status)
    return str(error["message"])


def token(server: LocalServer) -> str:
    """A token from the server's endpoint, by a refresh-token grant."""
    response = httpx.post(server.token_url, data=REFRESH_GRANT)
    assert response.status_code == 200
    return str(response.json()["access_token"])


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(claims: dict[str, Any], *, header: dict[str, Any] | None = None, sign: Any = None) -> str:
    """A JWT of ``claims``, signed by ``sign(signing_input)`` or with a made-up signature."""
    head = b64url(json.dumps(header or {"alg": "RS256", "typ": "JWT"}).encode())
    signing_input = f"{head}.{b64url(json.dumps(claims).encode())}"
    signature = sign(signing_input.encode()) if sign else b"not a real signature"
    return f"{signing_input}.{b64url(signature)}"


def claims_for(issuer: str, **changes: Any) -> dict[str, Any]:
    """The claims google-auth puts in a service account's assertion."""
    now = int(time.time())
    claims = {
        "iat": now,
        "exp": now + 3600,
        "iss": issuer,
        "aud": "https://oauth2.googleapis.com/token",
        "scope": SCOPE,
    }
    claims.update(changes)
    return claims


def signer(info: dict[str, str]) -> Any:
    """A function signing bytes with RS256 under the account's private key, with
    cryptography where it is installed, else with rsa."""
    pem = info["private_key"].encode()
    if importlib.util.find_spec("cryptography"):
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding

        key: Any = serialization.load_pem_private_key(pem, None)
        return lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    import rsa

    private = rsa.PrivateKey.load_pkcs1(pem)
    return lambda data: rsa.sign(data, private, "SHA-256")


def grant(server: LocalServer, assertion: str) -> httpx.Response:
    return httpx.post(server.token_url, data={"grant_type": JWT_BEARER, "assertion": assertion})


# --- Gemini on Vertex --------------------------------------------------------------------------


@pytest.mark.parametrize("location", [LOCATION, GLOBAL])
def test_gemini_generate_content_answers_for_the_path_model(
    client: httpx.Client, location: str
) -> None:
    path = f"{location}/publishers/google/models/{GEMINI}:generateContent"
    response = client.post(path, json=GEMINI_BODY)

    assert response.status_code == 200
    body = response.json()
    assert body["modelVersion"] == GEMINI
    assert body["candidates"][0]["content"]["parts"] == [{"text": DEFAULT_TEXT}]
    assert body["candidates"][0]["finishReason"] == "STOP"
    assert body["usageMetadata"]["promptTokenCount"] == 4


def test_gemini_stream_on_vertex_is_gemini_sse(client: httpx.Client) -> None:
    response = client.post(STREAM_GENERATE, json=GEMINI_BODY)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [data for _, data in sse(response.content)]
    texts = [event["candidates"][0]["content"]["parts"][0]["text"] for event in events]
    assert "".join(texts) == DEFAULT_TEXT
    assert {event["modelVersion"] for event in events} == {GEMINI}
    assert events[-1]["candidates"][0]["finishReason"] == "STOP"


def test_gemini_on_vertex_with_bad_json_gets_a_google_400(client: httpx.Client) -> None:
    response = client.post(GENERATE, content=b"{not json")
    assert google_error(response, 400, "INVALID_ARGUMENT") == "Invalid JSON payload received."


# --- Claude on Vertex --------------------------------------------------------------------------


@pytest.mark.parametrize("location", [LOCATION, GLOBAL])
@pytest.mark.parametrize("model", [CLAUDE, "claude-sonnet-4-5%4020250929"])
def test_claude_raw_predict_answers_a_whole_message(
    client: httpx.Client, location: str, model: str
) -> None:
    path = f"{location}/publishers/anthropic/models/{model}:rawPredict"
    response = client.post(path, json=CLAUDE_BODY)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["type"] == "message"
    assert body["model"] == CLAUDE  # the path's model, decoded
    assert body["content"] == [{"type": "text", "text": DEFAULT_TEXT}]
    assert body["stop_reason"] == "end_turn"
    assert body["usage"] == {"input_tokens": 6, "output_tokens": len(DEFAULT_TEXT.split())}


def test_claude_stream_raw_predict_streams_as_anthropic_does(client: httpx.Client) -> None:
    response = client.post(STREAM_RAW, json={**CLAUDE_BODY, "stream": True})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse(response.content)
    names = [name for name, _ in events]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert all(data["type"] == name for name, data in events)
    start = events[0][1]["message"]
    assert (start["model"], start["usage"]["input_tokens"]) == (CLAUDE, 6)
    deltas = [data["delta"]["text"] for name, data in events if name == "content_block_delta"]
    assert "".join(deltas) == DEFAULT_TEXT
    assert events[-2][1]["delta"]["stop_reason"] == "end_turn"


def test_vertex_answers_follow_the_server_text() -> None:
    with LocalServer(default_text="Short and sweet.") as server, httpx.Client() as http:
        message = http.post(server.url + RAW, json=CLAUDE_BODY).json()
        claude = sse(
            http.post(server.url + STREAM_RAW, json={**CLAUDE_BODY, "stream": True}).content
        )
        gemini = http.post(server.url + GENERATE, json=GEMINI_BODY).json()
    assert message["content"][0]["text"] == "Short and sweet."
    deltas = [data["delta"]["text"] for name, data in claude if name == "content_block_delta"]
    assert deltas == ["Short", " and", " sweet."]
    assert gemini["candidates"][0]["content"]["parts"] == [{"text": "Short and sweet."}]


@pytest.mark.parametrize(
    ("path", "body"),
    [(STREAM_RAW, {**CLAUDE_BODY, "stream": True}), (STREAM_GENERATE, GEMINI_BODY)],
)
def test_vertex_streams_follow_the_server_delay(path: str, body: dict[str, Any]) -> None:
    server = LocalServer(stream_delay=0.25)
    request = RecordedRequest("POST", path, {}, json.dumps(body).encode())
    assert default_reply(request, server).delay == 0.25


@pytest.mark.parametrize(
    ("path", "body", "problem"),
    [
        (RAW, {**CLAUDE_BODY, "model": CLAUDE}, "model: Extra inputs are not permitted"),
        (RAW, {k: v for k, v in CLAUDE_BODY.items() if k != "anthropic_version"}, VERSION),
        (RAW, {**CLAUDE_BODY, "anthropic_version": "2023-06-01"}, VERSION),
        (RAW, {**CLAUDE_BODY, "stream": True}, "stream: must be absent or false for :rawPredict"),
        (STREAM_RAW, CLAUDE_BODY, "stream: must be true for :streamRawPredict"),
        (STREAM_RAW, {**CLAUDE_BODY, "stream": False}, "stream: must be true"),
    ],
)
def test_a_claude_body_vertex_would_refuse_gets_an_anthropic_400(
    server: LocalServer, client: httpx.Client, path: str, body: dict[str, Any], problem: str
) -> None:
    response = client.post(path, json=body)

    assert response.status_code == 400
    assert response.json()["type"] == "error"
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert problem in error["message"]


def test_malformed_claude_body_gets_an_anthropic_400(client: httpx.Client) -> None:
    response = client.post(RAW, content=b"{not json")
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_queued_anthropic_replies_answer_claude_on_vertex(
    server: LocalServer, client: httpx.Client
) -> None:
    server.enqueue(Reply.anthropic_stream("Hi there", model=CLAUDE, chunks=2))
    events = sse(client.post(STREAM_RAW, json={**CLAUDE_BODY, "stream": True}).content)

    deltas = [data["delta"]["text"] for name, data in events if name == "content_block_delta"]
    assert deltas == ["Hi t", "here"]
    assert "model" not in server.requests[0].json()


# --- unknown paths -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", f"{LOCATION}/publishers/anthropic/models/{CLAUDE}:generateContent"),
        ("POST", f"{LOCATION}/publishers/google/models/{GEMINI}:rawPredict"),
        ("POST", f"{LOCATION}/publishers/meta/models/llama-4:predict"),
        ("GET", GENERATE),
        ("POST", f"{LOCATION}/endpoints/1234:predict"),
        ("GET", LOCATION),
    ],
)
def test_other_vertex_paths_get_a_google_404(client: httpx.Client, method: str, path: str) -> None:
    response = client.request(method, path, json={})
    message = google_error(response, 404, "NOT_FOUND")
    assert message == f"Invalid URL ({method} {path.partition('?')[0]})"


# --- embeddings --------------------------------------------------------------------------------


def test_predict_embeds_each_instance(client: httpx.Client) -> None:
    instances = [
        {"content": "three small words", "task_type": "RETRIEVAL_DOCUMENT", "title": "A doc"},
        {"content": "second"},
    ]
    response = client.post(PREDICT, json={"instances": instances})

    assert response.status_code == 200
    assert response.json() == {
        "predictions": [
            {
                "embeddings": {
                    "values": embedding_for("three small words"),
                    "statistics": {"token_count": 3, "truncated": False},
                }
            },
            {
                "embeddings": {
                    "values": embedding_for("second"),
                    "statistics": {"token_count": 1, "truncated": False},
                }
            },
        ],
        "metadata": {"billableCharacterCount": len("three small words") + len("second")},
    }


def test_predict_honours_output_dimensionality(client: httpx.Client) -> None:
    body = {
        "instances": [{"content": "hi", "task_type": "RETRIEVAL_QUERY"}],
        "parameters": {"outputDimensionality": 3, "autoTruncate": False},
    }
    predictions = client.post(PREDICT, json=body).json()["predictions"]
    assert predictions[0]["embeddings"]["values"] == embedding_for("hi", 3)
    default = client.post(PREDICT, json={"instances": [{"content": "hi"}]}).json()
    assert len(default["predictions"][0]["embeddings"]["values"]) == DEFAULT_EMBEDDING_DIMENSIONS


def test_gemini_embedding_takes_one_instance_a_request(client: httpx.Client) -> None:
    path = f"{GLOBAL}/publishers/google/models/gemini-embedding-001:predict"
    one = client.post(path, json={"instances": [{"content": "a"}]})
    two = client.post(path, json={"instances": [{"content": "a"}, {"content": "b"}]})

    assert one.status_code == 200
    assert "at most 1 instances" in google_error(two, 400, "INVALID_ARGUMENT")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"instances": []},
        {"instances": [{"content": f"text {n}"} for n in range(251)]},
        {"instances": [{"text": "not content"}]},
        {"instances": ["bare string"]},
        {"instances": [{"content": "a", "task_type": "retrieval_query"}]},
        {"instances": [{"content": "a"}], "parameters": [1]},
        {"instances": [{"content": "a"}], "parameters": {"outputDimensionality": 0}},
        {"instances": [{"content": "a"}], "parameters": {"outputDimensionality": True}},
        {"instances": [{"content": "a"}], "parameters": {"autoTruncate": "no"}},
        [1, 2],
    ],
)
def test_a_predict_body_vertex_would_refuse_gets_a_google_400(
    client: httpx.Client, body: Any
) -> None:
    google_error(client.post(PREDICT, json=body), 400, "INVALID_ARGUMENT")


def test_vertex_embeddings_builder(server: LocalServer, client: httpx.Client) -> None:
    server.enqueue(Reply.vertex_embeddings([[0.5, 0.25], [1.0, 0.0]]))
    assert client.post(PREDICT, json={}).json() == {
        "predictions": [
            {
                "embeddings": {
                    "values": [0.5, 0.25],
                    "statistics": {"token_count": 0, "truncated": False},
                }
            },
            {
                "embeddings": {
                    "values": [1.0, 0.0],
                    "statistics": {"token_count": 0, "truncated": False},
                }
            },
        ],
        "metadata": {"billableCharacterCount": 0},
    }
    with pytest.raises(ValueError, match="1 texts for 2 vectors"):
        Reply.vertex_embeddings([[0.5], [1.0]], texts=["one"])


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "grpc_status"),
    [
        (400, "INVALID_ARGUMENT"),
        (401, "UNAUTHENTICATED"),
        (403, "PERMISSION_DENIED"),
        (404, "NOT_FOUND"),
        (429, "RESOURCE_EXHAUSTED"),
        (500, "INTERNAL"),
        (503, "UNAVAILABLE"),
    ],
)
def test_vertex_error_names_googles_status(
    server: LocalServer, client: httpx.Client, status: int, grpc_status: str
) -> None:
    server.enqueue(Reply.vertex_error(status, "Quota exceeded.", headers={"retry-after": "0"}))
    response = client.post(RAW, json=CLAUDE_BODY)
    assert google_error(response, status, grpc_status) == "Quota exceeded."
    assert response.headers["retry-after"] == "0"


def test_vertex_error_takes_a_status_name_of_its_own(
    server: LocalServer, client: httpx.Client
) -> None:
    server.enqueue(
        Reply.vertex_error(400, "Failed precondition.", grpc_status="FAILED_PRECONDITION")
    )
    google_error(client.post(GENERATE, json=GEMINI_BODY), 400, "FAILED_PRECONDITION")


# --- the token endpoint ------------------------------------------------------------------------


def test_token_url_is_the_servers_token_path(server: LocalServer) -> None:
    assert server.token_url == server.url + "/token"


def test_refresh_token_grant_issues_a_new_token_each_time(server: LocalServer) -> None:
    first = httpx.post(server.token_url, data=REFRESH_GRANT)
    second = httpx.post(server.token_url, data=REFRESH_GRANT)

    assert first.status_code == 200
    assert first.headers["content-type"] == "application/json"
    assert first.json() == {
        "access_token": "ya29.local-1",
        "expires_in": 3600,
        "token_type": "Bearer",
    }
    assert second.json()["access_token"] == "ya29.local-2"
    assert server.issued_tokens == ["ya29.local-1", "ya29.local-2"]


def test_token_requests_are_recorded_apart_and_leave_the_queue(
    server: LocalServer, client: httpx.Client
) -> None:
    server.enqueue(Reply.vertex_error(503))
    assert httpx.post(server.token_url, data=REFRESH_GRANT).status_code == 200
    assert client.post(GENERATE, json=GEMINI_BODY).status_code == 503  # the queue's head

    assert server.request_count == 1
    (recorded,) = server.token_requests
    assert recorded.method == "POST"
    assert recorded.headers["content-type"] == "application/x-www-form-urlencoded"
    server.reset()
    assert server.token_requests == []
    assert server.issued_tokens == ["ya29.local-1"]  # still valid after a reset


def test_token_lifetime_is_the_expires_in_of_tokens_issued_after(server: LocalServer) -> None:
    server.token_lifetime = 60
    assert httpx.post(server.token_url, data=REFRESH_GRANT).json()["expires_in"] == 60


@pytest.mark.parametrize(
    ("form", "error", "description"),
    [
        ({}, "unsupported_grant_type", "Invalid grant_type: "),
        ({"grant_type": "password"}, "unsupported_grant_type", "Invalid grant_type: password"),
        (
            {**REFRESH_GRANT, "refresh_token": ""},
            "invalid_request",
            "Missing required parameter: refresh_token",
        ),
        (
            {k: v for k, v in REFRESH_GRANT.items() if k != "client_secret"},
            "invalid_request",
            "Missing required parameter: client_secret",
        ),
        ({"grant_type": JWT_BEARER}, "invalid_request", "Missing required parameter: assertion"),
    ],
)
def test_a_grant_it_cannot_honour_gets_oauths_400(
    server: LocalServer, form: dict[str, str], error: str, description: str
) -> None:
    response = httpx.post(server.token_url, data=form)

    assert response.status_code == 400
    assert response.json() == {"error": error, "error_description": description}
    assert server.issued_tokens == []


def test_a_token_request_that_is_not_a_form_is_refused(server: LocalServer) -> None:
    response = httpx.post(server.token_url, content=b"\xff\xfe")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_a_jwt_grant_from_an_account_it_did_not_make_is_checked_for_shape(
    server: LocalServer,
) -> None:
    response = grant(server, jwt(claims_for("someone@other-project.iam.gserviceaccount.com")))

    assert response.status_code == 200
    assert response.json()["access_token"] == "ya29.local-1"


@pytest.mark.parametrize(
    ("assertion", "error", "description"),
    [
        ("only.two", "invalid_grant", "Invalid JWT: not three base64url parts."),
        ("!!!.e30.e30", "invalid_grant", "Invalid JWT: a part is not a JSON object."),
        ("abcde.e30.e30", "invalid_grant", "Invalid JWT: a part is not base64url."),
        (jwt(claims_for("a@b"), header={"alg": "none"}), "invalid_grant", "RS256"),
        (jwt(claims_for("")), "invalid_grant", "no issuer"),
        (jwt(claims_for("a@b", aud="https://example.invalid/other")), "invalid_grant", "audience"),
        (jwt(claims_for("a@b", exp=int(time.time()) + 7200)), "invalid_grant", "short-lived"),
        (jwt(claims_for("a@b", iat="yesterday")), "invalid_grant", "short-lived"),
        (jwt(claims_for("a@b", scope="")), "invalid_scope", "Invalid OAuth scope"),
    ],
)
def test_a_malformed_jwt_grant_gets_oauths_400(
    server: LocalServer, assertion: str, error: str, description: str
) -> None:
    response = grant(server, assertion)

    assert response.status_code == 400
    assert response.json()["error"] == error
    assert description in response.json()["error_description"]


def test_a_jwt_audience_may_be_the_servers_own_token_url(server: LocalServer) -> None:
    assert grant(server, jwt(claims_for("a@b", aud=server.token_url))).status_code == 200


@needs_key_maker
def test_a_jwt_grant_from_an_account_it_made_must_verify(server: LocalServer) -> None:
    info = server.service_account_info()
    other = service_account_info(server.token_url)
    claims = claims_for(info["client_email"])

    signed = grant(server, jwt(claims, sign=signer(info)))
    forged = grant(server, jwt(claims, sign=signer(other)))
    unsigned = grant(server, jwt(claims))

    assert signed.status_code == 200
    for refused in (forged, unsigned):
        assert refused.status_code == 400
        assert refused.json() == {
            "error": "invalid_grant",
            "error_description": "Invalid JWT Signature.",
        }
    assert server.issued_tokens == ["ya29.local-1"]


# --- google_tokens=True ------------------------------------------------------------------------


@pytest.mark.parametrize("path", [RAW, GENERATE, PREDICT])
def test_guarded_vertex_paths_refuse_a_request_without_a_token(
    guarded: LocalServer, path: str
) -> None:
    guarded.enqueue(Reply.vertex_error(500))
    response = httpx.post(guarded.url + path, json={})

    message = google_error(response, 401, "UNAUTHENTICATED")
    assert message.startswith("Request had invalid authentication credentials.")
    assert guarded.request_count == 1  # recorded
    headers = {"Authorization": f"Bearer {token(guarded)}"}
    assert httpx.post(guarded.url + path, json={}, headers=headers).status_code == 500  # queue kept


@pytest.mark.parametrize(
    "authorization", ["Bearer ya29.local-1", "Bearer ya29.made-up", "Basic eWEyOQ==", ""]
)
def test_guarded_vertex_paths_refuse_a_token_not_issued_here(
    guarded: LocalServer, authorization: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = httpx.post(guarded.url + RAW, json=CLAUDE_BODY, headers=headers)
    google_error(response, 401, "UNAUTHENTICATED")


def test_guarded_vertex_paths_answer_an_issued_token(guarded: LocalServer) -> None:
    headers = {"Authorization": f"Bearer {token(guarded)}"}
    with httpx.Client(base_url=guarded.url, headers=headers) as http:
        assert http.post(RAW, json=CLAUDE_BODY).json()["model"] == CLAUDE
        assert http.post(STREAM_RAW, json={**CLAUDE_BODY, "stream": True}).status_code == 200
        assert http.post(GENERATE, json=GEMINI_BODY).status_code == 200
        assert http.post(PREDICT, json={"instances": [{"content": "a"}]}).status_code == 200


def test_expire_tokens_forces_a_new_token(guarded: LocalServer) -> None:
    old = {"Authorization": f"Bearer {token(guarded)}"}
    assert httpx.post(guarded.url + GENERATE, json=GEMINI_BODY, headers=old).status_code == 200

    guarded.expire_tokens()

    google_error(
        httpx.post(guarded.url + GENERATE, json=GEMINI_BODY, headers=old), 401, "UNAUTHENTICATED"
    )
    new = {"Authorization": f"Bearer {token(guarded)}"}
    assert httpx.post(guarded.url + GENERATE, json=GEMINI_BODY, headers=new).status_code == 200
    assert guarded.issued_tokens == ["ya29.local-1", "ya29.local-2"]


def test_a_token_with_no_lifetime_is_expired_at_once(guarded: LocalServer) -> None:
    guarded.token_lifetime = 0
    headers = {"Authorization": f"Bearer {token(guarded)}"}
    google_error(
        httpx.post(guarded.url + RAW, json=CLAUDE_BODY, headers=headers), 401, "UNAUTHENTICATED"
    )


def test_a_token_expires_when_its_lifetime_has_passed_on_the_clock() -> None:
    now = [100.0]
    tokens = GoogleTokens(clock=lambda: now[0])
    form = "grant_type=refresh_token&refresh_token=r&client_id=c&client_secret=s"
    issued = tokens.answer(RecordedRequest("POST", "/token", {}, form.encode()), lifetime=60)
    request = RecordedRequest("POST", RAW, {"authorization": "Bearer ya29.local-1"}, b"{}")

    assert json.loads(issued.body)["expires_in"] == 60
    now[0] = 159.9
    assert tokens.refusal(request) is None
    now[0] = 160.0
    refused = tokens.refusal(request)
    assert refused is not None
    assert refused.status == 401


def test_guarded_servers_check_only_vertex_paths(guarded: LocalServer) -> None:
    response = httpx.post(guarded.base_url + "/chat/completions", json={"messages": []})
    assert response.status_code == 200


def test_unguarded_servers_take_any_authorization(client: httpx.Client) -> None:
    headers = {"Authorization": "Bearer anything"}
    assert client.post(RAW, json=CLAUDE_BODY, headers=headers).status_code == 200
    assert client.post(RAW, json=CLAUDE_BODY).status_code == 200


# --- service accounts --------------------------------------------------------------------------


@needs_key_maker
def test_service_account_info_is_a_key_file_for_the_token_url(server: LocalServer) -> None:
    info = service_account_info(server.token_url, project_id="my-project")
    again = service_account_info(server.token_url)

    assert info["type"] == "service_account"
    assert info["project_id"] == "my-project"
    assert info["token_uri"] == server.token_url
    assert info["client_email"].endswith("@my-project.iam.gserviceaccount.com")
    assert info["private_key"].startswith("-----BEGIN ")
    assert info["private_key"].rstrip().endswith("PRIVATE KEY-----")
    assert len(info["private_key_id"]) == 40
    assert again["project_id"] == "local-project"
    assert again["private_key"] != info["private_key"]
    assert again["client_email"] != info["client_email"]
    assert json.loads(json.dumps(info)) == info


def test_service_account_info_without_a_key_maker_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("cryptography.hazmat.primitives", "cryptography.hazmat.primitives.asymmetric"):
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "rsa", None)
    with pytest.raises(ImportError, match=r"cryptography package \(or rsa\): pip install"):
        service_account_info("http://127.0.0.1:1/token")


def test_service_account_keys_made_by_rsa_verify(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    rsa = pytest.importorskip("rsa")
    for name in ("cryptography.hazmat.primitives", "cryptography.hazmat.primitives.asymmetric"):
        monkeypatch.setitem(sys.modules, name, None)
    info = server.service_account_info()
    assert info["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    private = rsa.PrivateKey.load_pkcs1(info["private_key"].encode())

    def sign(data: bytes) -> bytes:
        return bytes(rsa.sign(data, private, "SHA-256"))

    assert grant(server, jwt(claims_for(info["client_email"]), sign=sign)).status_code == 200


# --- google-auth against the token endpoint ----------------------------------------------------


class HttpxRequest:
    """google-auth's transport callable, over httpx."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        response = self.http.request(method, url, content=body, headers=headers, timeout=timeout)
        return HttpxResponse(response)


class HttpxResponse:
    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.headers = response.headers
        self.data = response.content


@pytest.fixture
def google_auth(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """google.auth, where installed, seeing only this test's settings: no gcloud
    configuration, no metadata server."""
    auth = pytest.importorskip("google.auth")
    for name in ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "GCE_METADATA_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    return auth


def test_google_auth_service_account_file_gets_its_token_here(
    guarded: LocalServer, google_auth: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key_file = tmp_path / "service-account.json"
    key_file.write_text(json.dumps(guarded.service_account_info(project_id="adc-project")))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))

    credentials, project = google_auth.default(scopes=[SCOPE])
    with httpx.Client(timeout=5.0) as http:
        credentials.refresh(HttpxRequest(http))
        headers = {"Authorization": f"Bearer {credentials.token}"}
        answer = http.post(guarded.url + RAW, json=CLAUDE_BODY, headers=headers)

    assert project == "adc-project"
    assert credentials.token == "ya29.local-1"
    assert answer.status_code == 200
    (recorded,) = guarded.token_requests
    form = dict(httpx.QueryParams(recorded.body.decode()))
    assert form["grant_type"] == JWT_BEARER
    claims = json.loads(base64.urlsafe_b64decode(form["assertion"].split(".")[1] + "=="))
    assert claims["scope"] == SCOPE


def test_google_auth_sees_the_token_lifetime(server: LocalServer, google_auth: Any) -> None:
    from google.oauth2 import service_account

    server.token_lifetime = 0
    credentials = service_account.Credentials.from_service_account_info(
        server.service_account_info(), scopes=[SCOPE]
    )
    with httpx.Client(timeout=5.0) as http:
        credentials.refresh(HttpxRequest(http))
    assert credentials.token == "ya29.local-1"
    assert credentials.expired  # so google-auth refreshes before the next request


def test_google_auth_user_credentials_refresh_here(server: LocalServer, google_auth: Any) -> None:
    from google.oauth2.credentials import Credentials

    credentials = Credentials(
        None,
        refresh_token=REFRESH_GRANT["refresh_token"],
        client_id=REFRESH_GRANT["client_id"],
        client_secret=REFRESH_GRANT["client_secret"],
        token_uri=server.token_url,  # an authorized-user file's token_uri is not read
    )
    with httpx.Client(timeout=5.0) as http:
        credentials.refresh(HttpxRequest(http))
        credentials.refresh(HttpxRequest(http))

    assert credentials.token == "ya29.local-2"
    assert server.issued_tokens == ["ya29.local-1", "ya29.local-2"]


def test_google_auth_reports_a_refused_grant(server: LocalServer, google_auth: Any) -> None:
    from google.auth.exceptions import RefreshError
    from google.oauth2 import service_account

    info = server.service_account_info()
    info["private_key"] = service_account_info(server.token_url)["private_key"]  # not its key
    credentials = service_account.Credentials.from_service_account_info(info, scopes=[SCOPE])
    with httpx.Client(timeout=5.0) as http, pytest.raises(RefreshError, match="invalid_grant"):
        credentials.refresh(HttpxRequest(http))
