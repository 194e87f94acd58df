"""Auth as a part: each auth on httpx requests, then through the real HTTP path on both facades.

Three auths: the static key header every dialect names today, a bearer token from a provider
that refreshes (before it expires, and once after a 401, inside one attempt), and a request
signer, shown to see the exact bytes sent by a toy HMAC signer the server checks. Tokens
expire on a fake clock: no test waits for time to pass. A test gives a dialect another auth
the one way the house has, by the dialect's ``new_auth``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import socket
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any

import httpx
import pytest
from conftest import Facade, authorized

from llmclient import AuthenticationError, BadRequestError
from llmclient._auth import (
    NO_AUTH,
    BearerTokenAuth,
    Chain,
    HeaderAuth,
    RequestAuth,
    RequestSigner,
    Token,
)
from llmclient._config import ClientConfig
from llmclient._core.call import ChatCall
from llmclient._core.embeddings import prepare_embed
from llmclient._core.models import prepare_list_models
from llmclient._core.request import prepare_call
from llmclient._core.scrub import call_secrets
from llmclient._core.timeouts import FIRST_CHUNK
from llmclient._providers.openai import OpenAIDialect
from llmclient._transport import build_httpx_request, send_auth
from llmclient._watchdog import CallTimer
from llmclient.errors import InvalidRequestError
from llmclient.hooks import Hooks, RequestEvent, RetryEvent
from llmclient.testing import LocalServer, Reply
from llmclient.testing._request import RecordedRequest

KEY = "sk-AUTH-KEY-0123456789"
MODEL = "openai/gpt-4o-mini"
HELLO = [{"role": "user", "content": "Hi"}]
URL = "https://api.example.com/v1/chat/completions"


@pytest.fixture(autouse=True)
def _no_keys_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "AZURE_OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)


def call_for(model: str = MODEL, config: ClientConfig | None = None, **params: Any) -> ChatCall:
    config = config or ClientConfig(api_key=KEY, base_url="http://127.0.0.1:9/v1")
    return prepare_call(config, "chat", model, HELLO, params, stream=False)


def post(headers: Mapping[str, str] | None = None, content: bytes = b"{}") -> httpx.Request:
    return httpx.Request("POST", URL, headers=headers, content=content)


class FakeClock:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class Tokens:
    """A token provider: ``tok-SECRET-1``, ``-2``, ... each valid for ``lifetime`` seconds of
    the clock; it records whether each was fetched blocking (``token``) or awaited."""

    def __init__(self, clock: FakeClock, lifetime: float = 3_600.0) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.fetched: list[str] = []

    def _next(self, how: str) -> Token:
        self.fetched.append(how)
        return Token(f"tok-SECRET-{len(self.fetched)}", self.clock.now + self.lifetime)

    def token(self) -> Token:
        return self._next("token")

    async def atoken(self) -> Token:
        await asyncio.sleep(0)  # a real await: the fetch runs on the caller's event loop
        return self._next("atoken")

    def values(self) -> list[str]:
        return [f"tok-SECRET-{number}" for number in range(1, len(self.fetched) + 1)]


def drive(auth: httpx.Auth, request: httpx.Request, *responses: httpx.Response) -> list[str]:
    """Run ``auth``'s blocking flow, answering each request it sends with the next response;
    return the ``authorization`` header of each request sent."""
    flow = auth.sync_auth_flow(request)
    sent = [next(flow).headers.get("authorization", "")]
    for response in responses:
        try:
            sent.append(flow.send(response).headers.get("authorization", ""))
        except StopIteration:
            return sent
    return sent


def adrive(auth: httpx.Auth, request: httpx.Request, *responses: httpx.Response) -> list[str]:
    """:func:`drive` for the asyncio flow."""

    async def run() -> list[str]:
        flow = auth.async_auth_flow(request)
        sent = [(await flow.__anext__()).headers.get("authorization", "")]
        for response in responses:
            try:
                sent.append((await flow.asend(response)).headers.get("authorization", ""))
            except StopAsyncIteration:
                return sent
        return sent

    return asyncio.run(run())


DRIVERS = {"sync": drive, "async": adrive}


# --- the static key header ---------------------------------------------------------------------


def test_header_auth_sets_its_header_replacing_one_of_that_name() -> None:
    request = post({"Authorization": "Bearer from-the-httpx-client", "x-other": "kept"})
    assert drive(HeaderAuth("authorization", "Bearer ", KEY), request) == [f"Bearer {KEY}"]
    assert request.headers.get_list("authorization") == [f"Bearer {KEY}"]
    assert request.headers["x-other"] == "kept"


@pytest.mark.parametrize(
    ("model", "header", "value"),
    [
        ("openai/gpt-4o", "authorization", f"Bearer {KEY}"),
        ("anthropic/claude-sonnet", "x-api-key", KEY),
        ("gemini/gemini-2.5-flash", "x-goog-api-key", KEY),
        ("azure/my-deployment", "api-key", KEY),
    ],
)
def test_every_dialect_names_the_registrys_key_header(model: str, header: str, value: str) -> None:
    call = call_for(model)
    assert isinstance(call.auth, HeaderAuth)
    assert header not in call.http_request().headers  # the request built holds no key
    assert authorized(call).headers[header] == value


def test_endpoint_calls_take_their_dialects_auth() -> None:
    config = ClientConfig(api_key=KEY, base_url="http://127.0.0.1:9/v1")
    embed = prepare_embed(config, "gemini/text-embedding-004", "Hi", None, None, {})
    models = prepare_list_models(config, "anthropic", {})
    assert authorized(embed).headers["x-goog-api-key"] == KEY
    assert authorized(models).headers["x-api-key"] == KEY


def test_a_call_without_a_key_sends_none() -> None:
    call = call_for(config=ClientConfig(base_url="http://127.0.0.1:9/v1"))
    assert call.auth is NO_AUTH
    assert "authorization" not in authorized(call).headers


@pytest.mark.parametrize("where", ["extra_headers", "default_headers"])
def test_the_callers_header_of_that_name_wins_whatever_its_case(where: str) -> None:
    mine = {"X-API-KEY": "the-callers-own"}
    config = ClientConfig(
        api_key=KEY,
        base_url="http://127.0.0.1:9/v1",
        default_headers=mine if where == "default_headers" else {},
    )
    params = {"extra_headers": mine} if where == "extra_headers" else {}
    call = call_for("anthropic/claude-sonnet", config, **params)
    assert call.auth is NO_AUTH
    assert authorized(call).headers["x-api-key"] == "the-callers-own"


def test_no_auth_repr_or_call_repr_holds_the_key() -> None:
    call = call_for()
    for text in (repr(call.auth), str(call.auth), repr(call), repr(call.http_request())):
        assert KEY not in text
    assert repr(call.auth) == "HeaderAuth('authorization')"
    assert KEY in call.auth.secrets()


def test_the_request_logs_and_hooks_see_holds_no_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="llmclient")
    call = call_for()
    with httpx.Client() as client:
        request = build_httpx_request(client, call, None)
    assert "authorization" not in request.headers
    assert not any(KEY in value for value in request.headers.values())
    assert "POST http://127.0.0.1:9/v1/chat/completions" in caplog.text
    assert KEY not in caplog.text
    # Only sending applies the key.
    assert drive(send_auth(call, client), request) == [f"Bearer {KEY}"]


# --- the bearer token: unit --------------------------------------------------------------------


def bearer(margin: float = 60.0, lifetime: float = 3_600.0) -> tuple[BearerTokenAuth, Tokens]:
    clock = FakeClock()
    tokens = Tokens(clock, lifetime)
    return BearerTokenAuth(tokens, clock=clock, margin=margin), tokens


@pytest.mark.parametrize("how", ["sync", "async"])
def test_a_token_is_fetched_once_and_kept_until_near_its_expiry(how: str) -> None:
    auth, tokens = bearer(margin=60.0, lifetime=600.0)
    run = DRIVERS[how]
    assert run(auth, post()) == ["Bearer tok-SECRET-1"]
    tokens.clock.now += 539.0  # 61 s left: still good
    assert run(auth, post()) == ["Bearer tok-SECRET-1"]
    tokens.clock.now += 2.0  # 59 s left: refreshed before it is sent again
    assert run(auth, post()) == ["Bearer tok-SECRET-2"]
    assert tokens.fetched == ["token" if how == "sync" else "atoken"] * 2


def test_a_token_without_an_expiry_is_kept() -> None:
    class Forever:
        def token(self) -> Token:
            return Token("tok-SECRET-forever")

        async def atoken(self) -> Token:
            raise AssertionError("the blocking flow never awaits")

    auth = BearerTokenAuth(Forever())
    assert drive(auth, post()) + drive(auth, post()) == ["Bearer tok-SECRET-forever"] * 2


@pytest.mark.parametrize("how", ["sync", "async"])
def test_a_401_fetches_a_new_token_and_sends_the_request_once_more(how: str) -> None:
    auth, tokens = bearer()
    request = post(content=b'{"model":"m"}')
    sent = DRIVERS[how](auth, request, httpx.Response(401), httpx.Response(200))
    assert sent == ["Bearer tok-SECRET-1", "Bearer tok-SECRET-2"]
    assert len(tokens.fetched) == 2
    assert DRIVERS[how](auth, post()) == ["Bearer tok-SECRET-2"]  # the new one is kept


@pytest.mark.parametrize("how", ["sync", "async"])
def test_a_second_401_ends_the_flow(how: str) -> None:
    auth, tokens = bearer()
    sent = DRIVERS[how](auth, post(), httpx.Response(401), httpx.Response(401))
    assert sent == ["Bearer tok-SECRET-1", "Bearer tok-SECRET-2"]  # and no third request
    assert len(tokens.fetched) == 2


def test_after_a_401_a_token_another_request_fetched_meanwhile_is_used() -> None:
    auth, tokens = bearer()
    first = auth.sync_auth_flow(post())
    second = auth.sync_auth_flow(post())
    assert next(first).headers["authorization"] == "Bearer tok-SECRET-1"
    assert next(second).headers["authorization"] == "Bearer tok-SECRET-1"
    assert second.send(httpx.Response(401)).headers["authorization"] == "Bearer tok-SECRET-2"
    assert first.send(httpx.Response(401)).headers["authorization"] == "Bearer tok-SECRET-2"
    assert len(tokens.fetched) == 2


class UnreadBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that must not be read, and says whether it was closed."""

    def __init__(self) -> None:
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        raise AssertionError("the 401's body was read")

    async def __aiter__(self) -> Any:
        raise AssertionError("the 401's body was read")

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


@pytest.mark.parametrize("how", ["sync", "async"])
def test_the_401s_body_is_closed_unread(how: str) -> None:
    auth, _ = bearer()
    body = UnreadBody()
    rejected = httpx.Response(401, stream=body)
    DRIVERS[how](auth, post(), rejected, httpx.Response(200))
    assert body.closed
    assert rejected.read() == b""  # what httpx reads of it before sending the request again


@pytest.mark.parametrize("value", ["tok-SECRET-x\r\nX-Injected: yes", "tok-SECRET-é"])
def test_a_token_that_cannot_go_in_a_header_is_refused_unshown(value: str) -> None:
    class Bad:
        def token(self) -> Token:
            return Token(value)

        async def atoken(self) -> Token:
            return Token(value)

    with pytest.raises(InvalidRequestError, match="token from the credential provider") as info:
        drive(BearerTokenAuth(Bad()), post())
    assert "SECRET" not in str(info.value)
    assert "SECRET" not in repr(info.value)


def test_a_provider_that_returns_no_token_is_named() -> None:
    class Wrong:
        def token(self) -> Any:
            return "tok-SECRET-bare-string"

        async def atoken(self) -> Any:
            return "tok-SECRET-bare-string"

    with pytest.raises(TypeError, match="must return a Token, got str"):
        drive(BearerTokenAuth(Wrong()), post())


def test_tokens_stay_out_of_reprs_and_are_known_as_secrets() -> None:
    auth, _ = bearer()
    drive(auth, post(), httpx.Response(401), httpx.Response(200))
    drive(auth, post(), httpx.Response(401), httpx.Response(200))
    texts = [repr(auth), str(auth), repr(Token("tok-SECRET-1", 5.0))]
    assert not any("SECRET" in text for text in texts)
    assert repr(Token("tok-SECRET-1", 5.0)) == "Token(expires_at=5.0)"
    # The last two: a request still in flight may carry the older one.
    assert auth.secrets() == ("tok-SECRET-2", "tok-SECRET-3")


# --- the signer: unit --------------------------------------------------------------------------

SIGNING_KEY = b"signing-SECRET-key"


def canonical(method: str, target: str, headers: Mapping[str, str], body: bytes) -> bytes:
    """What the toy signer signs: method, request target, every header but its own, body."""
    lines = sorted(f"{name.lower()}:{value}" for name, value in headers.items())
    kept = [line for line in lines if not line.startswith("x-signature:")]
    return "\n".join([method, target, *kept, ""]).encode() + body


class HmacSigner(RequestSigner):
    """A toy signer: an HMAC of everything sent, in ``x-signature``."""

    def __init__(self) -> None:
        self.signed: list[httpx.Request] = []

    def sign(self, request: httpx.Request) -> Mapping[str, str]:
        self.signed.append(request)
        target = request.url.raw_path.decode("ascii")
        message = canonical(request.method, target, request.headers, request.content)
        return {"x-signature": hmac.new(SIGNING_KEY, message, hashlib.sha256).hexdigest()}


def signature_holds(request: RecordedRequest) -> bool:
    """Whether the server received exactly what was signed."""
    message = canonical(request.method, request.path, request.headers, request.body)
    expected = hmac.new(SIGNING_KEY, message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(request.headers.get("x-signature", ""), expected)


def test_a_signer_sees_the_final_request_and_adds_its_headers() -> None:
    signer = HmacSigner()
    request = httpx.Request("POST", f"{URL}?key=q", headers={"x-a": "1"}, content=b'{"a":1}')
    assert drive(signer, request) == [""]
    (seen,) = signer.signed
    assert seen is request
    assert (seen.method, str(seen.url), seen.content) == ("POST", f"{URL}?key=q", b'{"a":1}')
    assert seen.headers["host"] == "api.example.com"
    assert seen.headers["content-length"] == "7"
    message = canonical("POST", "/v1/chat/completions?key=q", request.headers, b'{"a":1}')
    assert request.headers["x-signature"] == hmac.new(SIGNING_KEY, message, "sha256").hexdigest()


def test_a_signer_must_say_how_it_signs() -> None:
    with pytest.raises(NotImplementedError, match="must define sign"):
        drive(RequestSigner(), post())


# --- an httpx client's own auth ----------------------------------------------------------------


class Passes(httpx.Auth):
    """An httpx client's own auth: it numbers the requests it sees."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.seen.append(request.headers.get("authorization", ""))
        request.headers["x-gateway"] = f"pass-{len(self.seen)}"
        yield request


@pytest.mark.parametrize("how", ["sync", "async"])
def test_a_chain_runs_the_clients_auth_on_every_request_ours_sends(how: str) -> None:
    auth, _ = bearer()
    theirs = Passes()
    request = post()
    sent = DRIVERS[how](Chain(auth, theirs), request, httpx.Response(401), httpx.Response(200))
    assert sent == ["Bearer tok-SECRET-1", "Bearer tok-SECRET-2"]
    assert theirs.seen == sent  # after ours, on each request
    assert request.headers["x-gateway"] == "pass-2"


def test_send_auth_is_the_calls_own_unless_the_httpx_client_has_one() -> None:
    call = call_for()
    with httpx.Client() as plain, httpx.Client(auth=Passes()) as gateway:
        assert send_auth(call, plain) is call.auth
        chained = send_auth(call, gateway)
    assert isinstance(chained, Chain)
    assert (chained.first, chained.then) == (call.auth, gateway.auth)


# --- the watchdog follows a request sent again -------------------------------------------------


def test_a_request_sent_again_on_another_socket_is_watched_there() -> None:
    params = {"first_chunk_timeout": 0.05}
    call = prepare_call(ClientConfig(api_key=KEY), "chat_stream", MODEL, HELLO, params, stream=True)
    timer = CallTimer.for_call(call)
    assert timer is not None
    first, first_peer = socket.socketpair()
    second, second_peer = socket.socketpair()
    with first, first_peer, second, second_peer:
        second.settimeout(10)
        timer.start_attempt()
        timer.watch_socket(first)
        timer.watch_socket(second)  # the 401's connection closed; the resend went over this one
        timer.watch_socket(second)
        assert second.recv(10) == b""  # blocks until the watchdog shuts it down
        assert timer.tripped() == FIRST_CHUNK
        first_peer.sendall(b"ok")
        assert first.recv(10) == b"ok"  # the first socket was left alone
        timer.stop()


# --- through the real HTTP path: the static header ---------------------------------------------


@pytest.mark.parametrize(
    ("model", "header", "value", "reply"),
    [
        ("openai/gpt-4o", "authorization", f"Bearer {KEY}", Reply.openai_completion),
        ("anthropic/claude-sonnet", "x-api-key", KEY, Reply.anthropic_message),
        ("gemini/gemini-2.5-flash", "x-goog-api-key", KEY, Reply.gemini_response),
        ("azure/my-deployment", "api-key", KEY, Reply.openai_completion),
    ],
)
def test_each_dialect_sends_its_key_header_as_before(
    model: str,
    header: str,
    value: str,
    reply: Callable[[str], Reply],
    facade: Facade,
    server: LocalServer,
) -> None:
    server.enqueue(reply("Hello"), Reply.error(500), reply("Hello"))
    client = facade.client(base_url=server.base_url, api_key=KEY)
    assert client.chat(model, HELLO).choices[0].message.content == "Hello"
    assert client.chat(model, HELLO).choices[0].message.content == "Hello"  # after a retry
    assert server.request_count == 3
    for request in server.requests:
        assert request.headers[header] == value
        assert KEY not in request.path
        others = {"authorization", "x-api-key", "x-goog-api-key", "api-key"} - {header}
        assert others.isdisjoint(request.headers)


def test_the_callers_header_reaches_the_server_instead(facade: Facade, server: LocalServer) -> None:
    client = facade.client(base_url=server.base_url, api_key=KEY)
    client.chat(MODEL, HELLO, extra_headers={"Authorization": "Bearer proxy-token"})
    assert server.requests[0].headers["authorization"] == "Bearer proxy-token"


@pytest.fixture
def http_client(facade: Facade) -> Iterator[Callable[..., Any]]:
    """Makes the user's own httpx client for the facade's client, closed after the test."""
    made: list[httpx.Client | httpx.AsyncClient] = []

    def make(**kwargs: Any) -> httpx.Client | httpx.AsyncClient:
        client = httpx.Client(**kwargs) if facade.name == "sync" else httpx.AsyncClient(**kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        if isinstance(client, httpx.Client):
            client.close()
        else:
            facade.run(client.aclose())  # type: ignore[union-attr]


def test_an_httpx_clients_default_header_still_gives_way_to_the_key(
    facade: Facade, server: LocalServer, http_client: Callable[..., Any]
) -> None:
    own = http_client(headers={"Authorization": "Bearer from-httpx"})
    client = facade.client(base_url=server.base_url, api_key=KEY, http_client=own)
    client.chat(MODEL, HELLO)
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_an_httpx_clients_own_auth_still_runs_after_ours(
    facade: Facade, server: LocalServer, http_client: Callable[..., Any]
) -> None:
    theirs = Passes()
    own = http_client(auth=theirs)
    client = facade.client(base_url=server.base_url, api_key=KEY, http_client=own)
    client.chat(MODEL, HELLO)
    assert theirs.seen == [f"Bearer {KEY}"]
    assert server.requests[0].headers["x-gateway"] == "pass-1"
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


# --- through the real HTTP path: a refreshing bearer token -------------------------------------


class Recorder(Hooks):
    """Hooks that keep each attempt's request event and each retry, and can run a step
    before each retry's pause (the clock moving on, in a test)."""

    def __init__(self, on_retry: Callable[[], None] | None = None) -> None:
        self.requests: list[RequestEvent] = []
        self.retries: list[RetryEvent] = []
        self._on_retry = on_retry

    def on_request(self, event: RequestEvent) -> None:
        self.requests.append(event)

    def on_retry(self, event: RetryEvent) -> None:
        self.retries.append(event)
        if self._on_retry is not None:
            self._on_retry()


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> Tokens:
    """The openai dialect authenticates with a refreshing bearer token from these tokens."""
    clock = FakeClock()
    source = Tokens(clock, lifetime=600.0)
    auth = BearerTokenAuth(source, clock=clock)
    monkeypatch.setattr(OpenAIDialect, "new_auth", staticmethod(lambda call: auth))
    return source


def fetched_with(facade: Facade) -> str:
    """How the facade's client fetches a token: awaited on the asyncio client."""
    return "token" if facade.name == "sync" else "atoken"


def sent_tokens(server: LocalServer) -> list[str]:
    return [request.headers["authorization"] for request in server.requests]


def test_a_token_is_fetched_once_for_many_calls(
    tokens: Tokens, facade: Facade, server: LocalServer
) -> None:
    client = facade.client(base_url=server.base_url, api_key=KEY)
    client.chat(MODEL, HELLO)
    list(client.chat_stream(MODEL, HELLO))
    assert sent_tokens(server) == ["Bearer tok-SECRET-1"] * 2
    assert tokens.fetched == [fetched_with(facade)]


def test_a_token_expiring_between_attempts_is_refreshed_before_the_next(
    tokens: Tokens, facade: Facade, server: LocalServer
) -> None:
    def expire() -> None:
        tokens.clock.now += 600.0

    hooks = Recorder(on_retry=expire)
    server.enqueue(Reply.error(503), Reply.openai_completion("Hello"))
    client = facade.client(base_url=server.base_url, api_key=KEY, hooks=[hooks])
    assert client.chat(MODEL, HELLO).choices[0].message.content == "Hello"
    assert sent_tokens(server) == ["Bearer tok-SECRET-1", "Bearer tok-SECRET-2"]
    assert tokens.fetched == [fetched_with(facade)] * 2
    assert [event.attempt for event in hooks.requests] == [1, 2]


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_a_401_refreshes_the_token_and_resends_within_one_attempt(
    stream: bool, tokens: Tokens, facade: Facade, server: LocalServer
) -> None:
    hooks = Recorder()
    answer = Reply.openai_stream("Hello") if stream else Reply.openai_completion("Hello")
    server.enqueue(Reply.error(401), answer)
    client = facade.client(base_url=server.base_url, api_key=KEY, hooks=[hooks], max_retries=0)
    if stream:
        text = "".join(client.chat_stream(MODEL, HELLO).text())
    else:
        text = client.chat(MODEL, HELLO).choices[0].message.content or ""
    assert text == "Hello"
    assert sent_tokens(server) == ["Bearer tok-SECRET-1", "Bearer tok-SECRET-2"]
    assert tokens.fetched == [fetched_with(facade)] * 2
    # One attempt: one request event, no retry, even with max_retries=0.
    assert [event.attempt for event in hooks.requests] == [1]
    assert hooks.retries == []
    assert server.requests[0].json() == server.requests[1].json()


def test_a_second_401_is_the_answer_of_one_attempt(
    tokens: Tokens, facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.error(401, repeat=3))
    client = facade.client(base_url=server.base_url, api_key=KEY, max_retries=2)
    with pytest.raises(AuthenticationError) as info:
        client.chat(MODEL, HELLO)
    assert info.value.attempts == 1
    assert server.request_count == 2
    assert len(tokens.fetched) == 2


def test_a_resend_that_fails_is_retried_as_the_next_attempt(
    tokens: Tokens, facade: Facade, server: LocalServer
) -> None:
    hooks = Recorder()
    server.enqueue(Reply.error(401), Reply.error(500), Reply.openai_completion("Hello"))
    client = facade.client(base_url=server.base_url, api_key=KEY, hooks=[hooks], max_retries=1)
    assert client.chat(MODEL, HELLO).choices[0].message.content == "Hello"
    assert sent_tokens(server) == ["Bearer tok-SECRET-1"] + ["Bearer tok-SECRET-2"] * 2
    assert [event.attempt for event in hooks.requests] == [1, 2]
    assert [event.attempt for event in hooks.retries] == [1]
    assert len(tokens.fetched) == 2


def test_a_401_whose_body_would_not_read_is_resent_all_the_same(
    tokens: Tokens, facade: Facade, server: LocalServer
) -> None:
    # A body declared as 1 GB and cut after one byte: reading it would fail.
    cut = Reply(401, {"Content-Length": "1000000000"}, b"{", chunked=False)
    server.enqueue(cut, Reply.openai_completion("Hello"))
    client = facade.client(base_url=server.base_url, api_key=KEY, max_retries=0)
    assert client.chat(MODEL, HELLO).choices[0].message.content == "Hello"
    assert sent_tokens(server) == ["Bearer tok-SECRET-1", "Bearer tok-SECRET-2"]


def test_a_token_the_server_echoes_is_hidden_from_errors_and_logs(
    tokens: Tokens, facade: Facade, server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="llmclient")
    server.enqueue(Reply.error(400, "bad token tok-SECRET-1 (and header Bearer tok-SECRET-1)"))
    client = facade.client(base_url=server.base_url, api_key=KEY, max_retries=0)
    with pytest.raises(BadRequestError) as info:
        client.chat(MODEL, HELLO)
    error = info.value
    assert sent_tokens(server) == ["Bearer tok-SECRET-1"]
    for text in (str(error), repr(error), repr(vars(error)), caplog.text):
        assert "SECRET" not in text
    assert "bad token ***" in str(error)


def test_the_calls_secrets_include_the_tokens_its_auth_sent(
    tokens: Tokens, facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.error(401), Reply.openai_completion("Hello"))
    facade.client(base_url=server.base_url, api_key=KEY).chat(MODEL, HELLO)
    secrets = call_secrets(call_for())
    assert secrets.text("tok-SECRET-1 tok-SECRET-2 sk-AUTH-KEY-0123456789") == "*** *** ***"


# --- through the real HTTP path: a signer ------------------------------------------------------


@pytest.fixture
def signer(monkeypatch: pytest.MonkeyPatch) -> HmacSigner:
    """The openai dialect signs its requests with the toy HMAC signer."""
    signer = HmacSigner()
    monkeypatch.setattr(OpenAIDialect, "new_auth", staticmethod(lambda call: signer))
    return signer


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_a_signer_signs_the_exact_bytes_sent(
    stream: bool, signer: HmacSigner, facade: Facade, server: LocalServer
) -> None:
    answer = Reply.openai_stream("Hi") if stream else Reply.openai_completion("Hi")
    server.enqueue(Reply.error(500), answer)
    client = facade.client(base_url=f"{server.base_url}?tenant=t-1", api_key=KEY)
    extra: Any = {"extra_body": {"metadata": {"trace": "abc"}}, "extra_headers": {"x-team": "ml"}}
    if stream:
        text = "".join(client.chat_stream(MODEL, HELLO, **extra).text())
    else:
        text = client.chat(MODEL, HELLO, **extra).choices[0].message.content or ""
    assert text == "Hi"
    assert server.request_count == 2 == len(signer.signed)  # every attempt signed anew
    for request in server.requests:
        assert signature_holds(request)
        assert request.path == "/v1/chat/completions?tenant=t-1"
        assert request.json()["metadata"] == {"trace": "abc"}
        assert request.headers["x-team"] == "ml"
        assert "authorization" not in request.headers  # the dialect named the signer instead


def test_a_signer_signs_endpoint_calls_too(
    signer: HmacSigner, facade: Facade, server: LocalServer
) -> None:
    client = facade.client(base_url=f"{server.base_url}?tenant=t-1", api_key=KEY)
    assert client.list_models("openai")
    client.embed("openai/text-embedding-3-small", "Hi")
    get, embed = server.requests
    assert (get.method, get.body) == ("GET", b"")
    assert embed.json()["input"] == "Hi"
    assert all(signature_holds(request) for request in server.requests)


def test_the_auth_base_sends_the_request_as_it_is() -> None:
    request = post({"x-a": "1"})
    assert drive(RequestAuth(), request) == [""]
    assert dict(request.headers) == dict(post({"x-a": "1"}).headers)
    assert RequestAuth().secrets() == ()
