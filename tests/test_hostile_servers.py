"""Servers that try to take what is not theirs: redirects to another origin, answers that echo the
request's secrets back, and bodies too large to hold. Everything runs on 127.0.0.1, through the
real HTTP path, on both facades."""

from __future__ import annotations

import contextlib
import json
import logging
import pickle
import socket
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from conftest import AsyncFacade, Facade
from test_hooks import Recorder
from test_hygiene import log_text, texts_of_error

from llmclient import (
    APIStatusError,
    AuthenticationError,
    DecodeError,
    EventTooLargeError,
    InternalServerError,
    LlmError,
    ProviderSpec,
    RedirectError,
    ResponseTooLargeError,
)
from llmclient._config import ClientConfig
from llmclient._core.call import ChatCall
from llmclient._core.redact import Secrets
from llmclient._core.request import prepare_call
from llmclient._core.scrub import scrub_error
from llmclient.errors import InputError, status_error_class
from llmclient.sse import SSEDecoder
from llmclient.testing import LocalServer, RecordedRequest, Reply, openai_chunk, openai_error_event

KEY = "sk-hostile-0123456789abcdef"
HELLO = [{"role": "user", "content": "Hi"}]

# --- redirects never carry the key elsewhere ---------------------------------------------------


@pytest.fixture
def elsewhere() -> Iterator[LocalServer]:
    """Another origin (another port), which records whatever reaches it."""
    with LocalServer() as local:
        yield local


@pytest.fixture
def following_client(facade: Facade) -> Iterator[httpx.Client | httpx.AsyncClient]:
    """A user's own httpx client, of the facade's kind, made to follow redirects."""
    if isinstance(facade, AsyncFacade):
        async_client = httpx.AsyncClient(follow_redirects=True)
        yield async_client
        facade.run(async_client.aclose())
    else:
        client = httpx.Client(follow_redirects=True)
        yield client
        client.close()


#: Each provider's way of sending the key, and the base URL path its requests go under.
PROVIDERS: dict[str, tuple[str, str]] = {
    "openai": ("authorization", "/v1"),
    "anthropic": ("x-api-key", "/v1"),
    "gemini": ("x-goog-api-key", "/v1beta"),
    "azure": ("api-key", ""),
    "gateway": ("x-gateway-auth", "/v1"),
}
GATEWAY = ProviderSpec(
    "gateway", "https://gateway.invalid/v1", None, auth_header="x-gateway-auth", auth_prefix="Key "
)

#: What each method calls, for the providers that have it.
CALLS: dict[str, tuple[tuple[str, ...], Any]] = {
    "chat": (tuple(PROVIDERS), lambda c, p: c.chat(f"{p}/some-model", HELLO)),
    "chat_stream": (tuple(PROVIDERS), lambda c, p: c.chat_stream(f"{p}/some-model", HELLO)),
    "embed": (("openai", "gemini", "azure", "gateway"), lambda c, p: c.embed(f"{p}/emb", "hi")),
    "list_models": (("openai", "anthropic", "gemini", "gateway"), lambda c, p: c.list_models(p)),
}
REDIRECT_CASES = [
    (method, provider) for method, (providers, _) in CALLS.items() for provider in providers
]


@pytest.mark.parametrize("own_http_client", [True, False], ids=["follow_redirects", "default"])
@pytest.mark.parametrize(("method", "provider"), REDIRECT_CASES)
def test_a_redirect_to_another_origin_is_an_error_and_the_key_stays_home(
    method: str,
    provider: str,
    own_http_client: bool,
    facade: Facade,
    server: LocalServer,
    elsewhere: LocalServer,
    following_client: Any,
) -> None:
    header, path = PROVIDERS[provider]
    target = f"{elsewhere.url}/collect?token=tok-123&user=u"
    server.enqueue(Reply(307, {"Location": target}))
    client = facade.client(
        base_url=f"{server.url}{path}",
        api_key=KEY,
        providers=[GATEWAY],
        **({"http_client": following_client} if own_http_client else {}),
    )
    with pytest.raises(RedirectError) as caught:
        CALLS[method][1](client, provider)
    assert elsewhere.request_count == 0
    assert KEY in server.requests[0].headers[header]  # the key was in play, and sent home only
    error = caught.value
    assert error.status_code == 307
    assert error.location == f"{elsewhere.url}/collect?token=***&user=***"
    assert f"redirected to {elsewhere.url}/collect?token=***&user=***" in str(error)
    assert "tok-123" not in repr(error)
    assert error.attempts == 1  # a redirect is not retried


@pytest.mark.parametrize("status", [301, 302, 303, 308])
def test_every_redirect_status_is_refused(
    status: int, facade: Facade, server: LocalServer, elsewhere: LocalServer, following_client: Any
) -> None:
    server.enqueue(Reply(status, {"Location": f"{elsewhere.base_url}/chat/completions"}))
    client = facade.client(base_url=server.base_url, api_key=KEY, http_client=following_client)
    with pytest.raises(RedirectError) as caught:
        client.chat("openai/gpt-4o-mini", HELLO)
    assert caught.value.status_code == status
    assert elsewhere.request_count == 0


def test_a_relative_redirect_is_named_in_full(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply(308, {"Location": "/v2/chat/completions?sig=abc"}))
    client = facade.client(base_url=server.base_url, api_key=KEY)
    with pytest.raises(RedirectError) as caught:
        client.chat("openai/gpt-4o-mini", HELLO)
    assert caught.value.location == f"{server.url}/v2/chat/completions?sig=***"
    assert server.request_count == 1


def test_a_3xx_without_a_location_is_a_redirect_error_too(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply(300))
    client = facade.client(base_url=server.base_url, api_key=KEY)
    with pytest.raises(RedirectError, match="without naming where") as caught:
        list(client.chat_stream("openai/gpt-4o-mini", HELLO))
    assert caught.value.location is None


def test_the_connection_is_released_after_a_redirect(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply(307, {"Location": "/elsewhere"}))
    client = facade.client(base_url=server.base_url, api_key=KEY)
    with pytest.raises(RedirectError):
        client.chat_stream("openai/gpt-4o-mini", HELLO)
    answer = client.chat("openai/gpt-4o-mini", HELLO)  # the same client goes on working
    assert answer.choices[0].message.content


# --- echoed secrets are hidden -----------------------------------------------------------------

QUERY_SECRET = "qs-hostile-query-secret-42"
HEADER_SECRET = "gw-hostile-header-token-77"
#: The start of each secret: a cut-off copy of one is hidden too.
SECRET_STARTS = [secret[:8] for secret in (KEY, QUERY_SECRET, HEADER_SECRET)]

#: How an echoing server answers: given the request quoted back as text, and the request.
Answer = Callable[[str, RecordedRequest], Reply]


class EchoServer(LocalServer):
    """A hostile proxy: every answer quotes the request back, its URL and headers included."""

    def __init__(self) -> None:
        super().__init__()
        self.answer: Answer = lambda echo, request: Reply.error(500, echo)

    def _reply_for(self, request: RecordedRequest) -> Reply:
        super()._reply_for(request)  # recorded as any request is
        echo = f"{request.method} {request.path} {json.dumps(request.headers)}"
        return self.answer(echo, request)


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    with EchoServer() as local:
        yield local


def auth_value(request: RecordedRequest) -> str:
    """The request's key header, whichever the provider uses."""
    return next(
        value
        for name, value in request.headers.items()
        if name in {h for h, _ in PROVIDERS.values()}
    )


def status_echo(echo: str, request: RecordedRequest) -> Reply:
    """A 401 whose every field quotes the secrets: message, type, code, param, a nested copy
    of the headers, and the request id header."""
    error = {"message": echo, "type": "invalid_request_error", "code": auth_value(request)}
    body = {"error": {**error, "param": request.path}, "echo": {"headers": request.headers}}
    return Reply.json(body, 401, headers={"x-request-id": auth_value(request)})


def long_echo(echo: str, request: RecordedRequest) -> Reply:
    """A message cut at 500 characters in the middle of the key."""
    return Reply.error(400, "." * 490 + auth_value(request).removeprefix("Bearer "))


ANSWERS: dict[str, tuple[Answer, type[LlmError], str]] = {
    "status": (status_echo, AuthenticationError, "chat"),
    "status-stream": (status_echo, AuthenticationError, "stream"),
    "cut-message": (long_echo, APIStatusError, "chat"),
    "error-event-first": (
        lambda echo, _: Reply.sse([openai_error_event(echo, "invalid_request_error")], done=False),
        APIStatusError,
        "stream",
    ),
    "error-event-mid-stream": (
        lambda echo, _: Reply.sse(
            [openai_chunk(content="Hi"), openai_error_event(echo)], done=False
        ),
        APIStatusError,
        "iterate",
    ),
    "not-json": (
        lambda echo, request: Reply(
            200,
            {"Content-Type": "application/json"},
            b"<" + b"x" * 60 + auth_value(request).encode() + b">",
            content_length=True,
        ),
        DecodeError,
        "chat",
    ),
    "not-an-event-stream": (
        lambda echo, _: Reply(200, {"Content-Type": "text/html"}, echo.encode()),
        DecodeError,
        "stream",
    ),
    "retried": (lambda echo, _: Reply.error(500, echo), InternalServerError, "chat"),
}


def call_until_error(client: Any, how: str, model: str) -> None:
    if how == "chat":
        client.chat(model, HELLO)
    elif how == "stream":
        client.chat_stream(model, HELLO)
    else:
        stream = client.chat_stream(model, HELLO)
        list(stream)


def assert_hidden(*texts: str | bytes) -> None:
    for text in texts:
        for start in SECRET_STARTS:
            assert (start.encode() if isinstance(text, bytes) else start) not in text


def echo_client(facade: Facade, echo: EchoServer, recorder: Recorder, path: str = "/v1") -> Any:
    return facade.client(
        base_url=f"{echo.url}{path}?key={QUERY_SECRET}",
        api_key=KEY,
        default_headers={"X-Gateway-Token": HEADER_SECRET},
        providers=[GATEWAY],
        hooks=[recorder],
        max_retries=1,
    )


@pytest.mark.parametrize("case", list(ANSWERS))
def test_secrets_a_server_echoes_are_hidden_everywhere(
    case: str, facade: Facade, echo: EchoServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="llmclient")
    echo.answer, error_class, how = ANSWERS[case]
    recorder = Recorder()
    client = echo_client(facade, echo, recorder)
    with pytest.raises(error_class) as caught:
        call_until_error(client, how, "openai/gpt-4o-mini")
    error = caught.value
    sent = echo.requests[0]
    assert sent.headers["authorization"] == f"Bearer {KEY}"  # the secrets were all in play
    assert sent.headers["x-gateway-token"] == HEADER_SECRET
    assert sent.path.endswith(f"?key={QUERY_SECRET}")
    assert "***" in str(error)  # the echo arrived, and was hidden
    events = recorder.events("error") + recorder.events("retry")
    assert events
    assert_hidden(
        *texts_of_error(error),
        repr(getattr(error, "body", None)),
        pickle.dumps(error),
        *(repr(event) for event in events),
        *(str(event.error) for event in events),
        log_text(caplog),
    )
    if case == "retried":
        assert len(recorder.events("retry")) == 1


@pytest.mark.parametrize("provider", list(PROVIDERS))
@pytest.mark.parametrize("how", ["chat", "stream"])
def test_every_providers_key_header_is_hidden_when_echoed(
    provider: str, how: str, facade: Facade, echo: EchoServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="llmclient")
    echo.answer = status_echo
    recorder = Recorder()
    client = echo_client(facade, echo, recorder, PROVIDERS[provider][1])
    with pytest.raises(AuthenticationError) as caught:
        call_until_error(client, how, f"{provider}/some-model")
    assert KEY in echo.requests[0].headers[PROVIDERS[provider][0]]
    assert caught.value.request_id is not None
    assert "***" in caught.value.request_id
    assert_hidden(
        *texts_of_error(caught.value),
        pickle.dumps(caught.value),
        *(repr(event) for event in recorder.events("error")),
        log_text(caplog),
    )


def test_echoed_secrets_are_hidden_in_embedding_and_model_list_errors(
    facade: Facade, echo: EchoServer
) -> None:
    echo.answer = status_echo
    client = echo_client(facade, echo, Recorder())
    for call in (
        lambda: client.embed("openai/text-embedding-3-small", "hi"),
        lambda: client.list_models("openai"),
    ):
        with pytest.raises(AuthenticationError) as caught:
            call()
        assert_hidden(*texts_of_error(caught.value), pickle.dumps(caught.value))


# --- bodies too large to hold ------------------------------------------------------------------

LIMIT = 64 * 1024
FRAMINGS = {
    "content-length": {"content_length": True},
    "chunked": {"chunked": True},
    "until-close": {"chunked": False},
}
#: Each whole-body method, and the path its request goes to.
WHOLE_BODY_CALLS: dict[str, Callable[[Any], Any]] = {
    "chat": lambda client: client.chat("openai/gpt-4o-mini", HELLO),
    "embed": lambda client: client.embed("openai/text-embedding-3-small", "hi"),
    "list_models": lambda client: client.list_models("openai"),
}


def oversized(size: int, **framing: Any) -> Reply:
    body = b'{"data": "' + b"x" * size + b'"}'
    return Reply(200, {"Content-Type": "application/json"}, body, write_size=16 * 1024, **framing)


@pytest.mark.parametrize("framing", list(FRAMINGS))
@pytest.mark.parametrize("method", list(WHOLE_BODY_CALLS))
def test_a_body_past_max_response_size_is_refused(
    method: str, framing: str, facade: Facade, server: LocalServer
) -> None:
    server.enqueue(oversized(4 * LIMIT, **FRAMINGS[framing]))
    client = facade.client(base_url=server.base_url, api_key=KEY, max_response_size=LIMIT)
    with pytest.raises(
        ResponseTooLargeError, match=f"max_response_size \\({LIMIT} bytes\\)"
    ) as caught:
        WHOLE_BODY_CALLS[method](client)
    assert caught.value.limit == LIMIT
    assert caught.value.provider == "openai"
    assert server.request_count == 1  # not retried: the next answer would be as large
    answer = client.chat("openai/gpt-4o-mini", HELLO)  # the client goes on working
    assert answer.choices[0].message.content


def test_a_body_exactly_at_max_response_size_is_read(facade: Facade, server: LocalServer) -> None:
    reply = Reply.openai_completion("Hello")
    server.enqueue(reply)
    client = facade.client(base_url=server.base_url, api_key=KEY, max_response_size=len(reply.body))
    assert client.chat("openai/gpt-4o-mini", HELLO).choices[0].message.content == "Hello"


@pytest.fixture
def flood_url() -> Iterator[str]:
    """A server that answers one request with a 200 whose chunked JSON body goes on for 64 MiB,
    written from one prebuilt piece, so that it allocates nothing while it writes."""
    piece = b"%x\r\n%s\r\n" % (64 * 1024, b"x" * 64 * 1024)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    head += b'Transfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n'

    def serve(listener: socket.socket) -> None:
        connection, _ = listener.accept()
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                request += connection.recv(65536)
            with contextlib.suppress(OSError):
                connection.sendall(head)
                for _ in range(1024):
                    connection.sendall(piece)

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        thread = threading.Thread(target=serve, args=(listener,), daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
        thread.join(10)


def test_an_oversized_body_is_not_read_into_memory(facade: Facade, flood_url: str) -> None:
    client = facade.client(base_url=flood_url, api_key=KEY, max_response_size=LIMIT)
    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLargeError):
            client.chat("openai/gpt-4o-mini", HELLO)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024  # a small fraction of the 64 MiB on offer


def test_error_bodies_are_cut_not_refused(facade: Facade, server: LocalServer) -> None:
    message = "m" * (200 * 1024)
    server.enqueue(Reply.error(400, message))
    client = facade.client(base_url=server.base_url, api_key=KEY, max_response_size=LIMIT)
    with pytest.raises(APIStatusError) as caught:
        client.chat("openai/gpt-4o-mini", HELLO)
    assert caught.value.status_code == 400


@pytest.mark.parametrize("where", ["first", "after-a-chunk"])
def test_max_event_size_is_set_on_the_client(
    where: str, facade: Facade, server: LocalServer
) -> None:
    big = openai_chunk(content="x" * 8192)
    events = [big] if where == "first" else [openai_chunk(content="Hi"), big]
    server.enqueue(Reply.sse(events), Reply.sse(events))
    client = facade.client(base_url=server.base_url, api_key=KEY, max_event_size=4096)
    with pytest.raises(EventTooLargeError, match="max_event_size of 4096 bytes"):
        list(client.chat_stream("openai/gpt-4o-mini", HELLO))
    roomy = facade.client(base_url=server.base_url, api_key=KEY, max_event_size=16384)
    chunks = list(roomy.chat_stream("openai/gpt-4o-mini", HELLO))
    assert chunks[-1].choices[0].delta.content == "x" * 8192


# --- answers nested too deeply to parse ------------------------------------------------------

DEEP = b"[" * 200_000 + b"]" * 200_000
DEEP_EVENT = b'data: {"id": "x", "choices": ' + b"[" * 200_000 + b"]" * 200_000 + b"}\n\n"


@pytest.mark.parametrize(
    ("reply", "how", "error_class"),
    [
        (
            Reply(200, {"Content-Type": "application/json"}, DEEP, content_length=True),
            "chat",
            DecodeError,
        ),
        (
            Reply(400, {"Content-Type": "application/json"}, DEEP, content_length=True),
            "chat",
            APIStatusError,
        ),
        (Reply.sse([DEEP_EVENT]), "stream", DecodeError),
        (Reply.sse([openai_chunk(content="Hi"), DEEP_EVENT]), "iterate", DecodeError),
    ],
    ids=["chat-body", "error-body", "first-event", "later-event"],
)
def test_json_nested_too_deeply_is_a_typed_error_not_a_recursion_error(
    reply: Reply, how: str, error_class: type[LlmError], facade: Facade, server: LocalServer
) -> None:
    server.enqueue(reply)
    client = facade.client(base_url=server.base_url, api_key=KEY, max_retries=0)
    with pytest.raises(error_class):
        call_until_error(client, how, "openai/gpt-4o-mini")


def test_a_deeply_nested_embeddings_answer_is_a_decode_error(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply(200, {"Content-Type": "application/json"}, DEEP, content_length=True))
    client = facade.client(base_url=server.base_url, api_key=KEY, max_retries=0)
    with pytest.raises(DecodeError, match="nested too deeply"):
        client.embed("openai/text-embedding-3-small", "hi")


# --- the scrubber on its own -------------------------------------------------------------------


def call_for(base_url: str, **params: Any) -> ChatCall:
    config = ClientConfig(
        base_url=base_url, default_headers={"X-Auth-Token": "Bearer tok-abcdefgh"}
    )
    return prepare_call(config, "chat", "openai/gpt-4o-mini", HELLO, params, stream=False)


def test_the_secrets_of_a_call_are_its_key_query_values_and_credential_headers() -> None:
    call = call_for(
        "https://gw.example.com/v1?key=query-value-1&api-version=2024-10-21&bare-token-value",
        api_key=KEY,
    )
    error = APIStatusError(
        f"{KEY} query-value-1 bare-token-value tok-abcdefgh api-version=2024-10-21",
        status_code=400,
    )
    scrub_error(error, call)
    assert str(error) == "provider HTTP 400: *** *** *** *** api-version=2024-10-21"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("as sent: sk-secret/key+value=", "as sent: ***"),
        ("percent-encoded: sk-secret%2Fkey%2Bvalue%3D", "percent-encoded: ***"),
        ('escaped in JSON: "sk-secret\\/key+value="', 'escaped in JSON: "***"'),
        ("cut short: sk-secret/k...", "cut short: ***..."),
        ("cut shorter: sk-secr...", "cut shorter: sk-secr..."),
        ("twice: sk-secret/key+value= and sk-secret/key+value=", "twice: *** and ***"),
    ],
)
def test_secrets_are_hidden_in_every_form_they_may_come_back_in(text: str, shown: str) -> None:
    secrets = Secrets(["sk-secret/key+value="])
    assert secrets.text(text) == shown


def test_values_too_short_to_tell_from_words_are_not_looked_for() -> None:
    assert not Secrets(["abc", ""])
    error = APIStatusError("abc and more", status_code=400, body={"abc": 1})
    scrub_error(error, call_for("http://127.0.0.1:1/v1?k=abc"))
    assert error.message == "abc and more"
    assert error.body == {"abc": 1}


def test_every_3xx_status_maps_to_redirect_error() -> None:
    assert status_error_class(304) is RedirectError
    assert status_error_class(399) is RedirectError
    assert status_error_class(400) is not RedirectError


def test_max_event_size_must_be_an_int() -> None:
    with pytest.raises(InputError, match="max_event_size must be an int"):
        SSEDecoder(max_event_size="1024")  # type: ignore[arg-type]
