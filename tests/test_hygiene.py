"""Secrets and input hygiene: no secret leaves the client, and bad input never reaches the wire.

Three secrets are planted: an API key, a password in a base URL and a value in a base URL's
query. Every error path (status errors, refused and silent servers, decode errors, cut and
incomplete streams, in-stream errors, invalid input) is driven through the real HTTP path on
both facades, and the secrets are looked for in each exception's message, repr and attributes,
in every chained ``__cause__`` / ``__context__`` (httpx's exceptions included), in the formatted
traceback, in ``repr(client)`` and in every ``llmclient`` log record at DEBUG. Invalid input is
checked to fail before any request reaches the server.

httpx's and httpcore's own log records are theirs and are not asserted on here (httpx logs the
full request URL, query included, at INFO; neither logs request headers).
"""

from __future__ import annotations

import logging
import socket
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import httpx
import pytest
from conftest import Facade

from llmclient import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    DecodeError,
    IncompleteStreamError,
    InternalServerError,
    InvalidRequestError,
    LlmError,
    MissingAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from llmclient._config import ClientConfig
from llmclient._core.redact import redact_url, scrub_text
from llmclient._core.request import PARAM_RULES, prepare_call
from llmclient._transport import transport_error
from llmclient.testing import LocalServer, Reply, openai_chunk, openai_error_event

SECRET = "sk-SECRET-0123456789"
PASSWORD = "pw-SECRET-5555"
QUERY_SECRET = "qs-SECRET-9876543210"
# "SECRET-" catches a part of any of them (source lines in a traceback name the constants only).
SECRETS = (SECRET, PASSWORD, QUERY_SECRET, "SECRET-")
MODEL = "openai/gpt-4o-mini"
HELLO = [{"role": "user", "content": "Hi"}]


@pytest.fixture(autouse=True)
def _no_keys_or_urls_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log record at DEBUG, ours and httpx's (which runs too, to show it does not fail)."""
    for name in ("llmclient", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A server that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"


@pytest.fixture
def refused_url() -> str:
    """A port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


# --- where secrets could hide ------------------------------------------------------------------


def exception_chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception it chains, through ``__cause__`` and ``__context__``."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        current = todo.pop()
        if any(current is known for known in seen):
            continue
        seen.append(current)
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return seen


def texts_of_error(exc: BaseException) -> list[str]:
    """Everything a user, a log line or an error tracker may print about ``exc``."""
    texts = ["".join(traceback.format_exception(exc))]
    for error in exception_chain(exc):
        texts += [str(error), repr(error), repr(error.args)]
        if isinstance(error, LlmError):
            texts.append(repr(vars(error)))  # status, body, request id...: nothing else
    return texts


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    """The ``llmclient`` records, formatted with their tracebacks."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(
        formatter.format(record)
        for record in caplog.records
        if record.name == "llmclient" or record.name.startswith("llmclient.")
    )


def send(client: Any, stream: bool, model: str = MODEL, **params: Any) -> None:
    """One call, streamed to its end or not."""
    if stream:
        list(client.chat_stream(model, HELLO, **params))
    else:
        client.chat(model, HELLO, **params)


def client_repr(client: Any) -> str:
    return repr(getattr(client, "client", client))  # the async driver wraps the client


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


# --- the error matrix through the real HTTP path -----------------------------------------------


@attrs.frozen
class Case:
    """One way a call fails: the replies that make it fail, and what it raises."""

    replies: Callable[[], list[Reply]]
    error: type[LlmError]
    stream: bool
    target: str = "server"  # or "refused", "silent"
    params: dict[str, Any] = attrs.field(factory=dict)


def _cut_stream() -> list[Reply]:
    reply = Reply.sse([openai_chunk(content="Hello"), openai_chunk(content=" there")], done=False)
    return [attrs.evolve(reply, drop_after=len(reply.body) - 5)]


_GZIP_LIE = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
_HTML = b"<html><body>502 Bad Gateway</body></html>"

CASES: dict[str, Case] = {
    **{
        f"{status}-{kind}": Case(lambda s=status: [Reply.error(s)], error, kind == "stream")
        for status, error in [
            (401, AuthenticationError),
            (403, PermissionDeniedError),
            (404, NotFoundError),
            (429, RateLimitError),
            (500, InternalServerError),
        ]
        for kind in ("chat", "stream")
    },
    "refused-chat": Case(list, APIConnectionError, False, "refused"),
    "refused-stream": Case(list, APIConnectionError, True, "refused"),
    "timeout-chat": Case(list, APITimeoutError, False, "silent", {"timeout": 0.2}),
    "timeout-stream": Case(list, APITimeoutError, True, "silent", {"timeout": 0.2}),
    "first-chunk-timeout": Case(
        list, APITimeoutError, True, "silent", {"first_chunk_timeout": 0.2}
    ),
    "total-timeout": Case(list, APITimeoutError, False, "silent", {"total_timeout": 0.2}),
    "html-body-chat": Case(
        lambda: [Reply(200, {"Content-Type": "application/json"}, _HTML, content_length=True)],
        DecodeError,
        False,
    ),
    "html-body-stream": Case(
        lambda: [Reply(200, {"Content-Type": "text/html"}, _HTML, content_length=True)],
        DecodeError,
        True,
    ),
    "bad-gzip-chat": Case(
        lambda: [Reply(200, _GZIP_LIE, b"not gzip at all", content_length=True)],
        DecodeError,
        False,
    ),
    "bad-json-event": Case(
        lambda: [Reply.sse([openai_chunk(content="Hi"), "{not json"], done=False)],
        DecodeError,
        True,
    ),
    "incomplete-stream": Case(
        lambda: [Reply.sse([openai_chunk(content="Hi")], done=False)], IncompleteStreamError, True
    ),
    "cut-stream": Case(_cut_stream, APIConnectionError, True),
    "error-event-mid-stream": Case(
        lambda: [Reply.sse([openai_chunk(content="Hi"), openai_error_event("boom")], done=False)],
        APIStatusError,
        True,
    ),
    "error-event-first": Case(
        lambda: [Reply.sse([openai_error_event("boom", "invalid_request_error")], done=False)],
        APIStatusError,
        True,
    ),
    "error-in-200-body": Case(
        lambda: [Reply.json(openai_error_event("boom"))], APIStatusError, False
    ),
    "invalid-params": Case(list, InvalidRequestError, False, params={"temperature": 9}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_no_secret_in_any_error_log_or_repr(
    name: str,
    facade: Facade,
    server: LocalServer,
    silent_url: str,
    refused_url: str,
    logs: pytest.LogCaptureFixture,
) -> None:
    case = CASES[name]
    base = {"server": server.base_url, "silent": silent_url, "refused": refused_url}[case.target]
    server.enqueue(*case.replies())
    client = facade.client(base_url=f"{base}?key={QUERY_SECRET}", api_key=SECRET, max_retries=0)
    with pytest.raises(case.error) as caught:
        send(client, case.stream, **case.params)
    assert_no_secret(*texts_of_error(caught.value), log_text(logs))
    assert SECRET not in client_repr(client)
    if case.target == "server" and server.request_count:
        # The secrets were really in play: sent, and nowhere in what came back.
        sent = server.requests[0]
        assert sent.headers["authorization"] == f"Bearer {SECRET}"
        assert sent.path.endswith(f"?key={QUERY_SECRET}")
    if case.error is InvalidRequestError:
        assert server.request_count == 0


@pytest.mark.parametrize(
    ("provider", "auth_header", "error_reply"),
    [
        ("openai", "authorization", Reply.error),
        ("anthropic", "x-api-key", Reply.anthropic_error),
        ("gemini", "x-goog-api-key", Reply.gemini_error),
        ("azure", "api-key", Reply.error),
    ],
)
@pytest.mark.parametrize("status", [401, 429, 500])
@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_status_errors_of_every_dialect_hold_no_secret(
    provider: str,
    auth_header: str,
    error_reply: Callable[[int], Reply],
    status: int,
    stream: bool,
    facade: Facade,
    server: LocalServer,
    logs: pytest.LogCaptureFixture,
) -> None:
    server.enqueue(error_reply(status))
    client = facade.client(
        base_url=f"{server.base_url}?key={QUERY_SECRET}", api_key=SECRET, max_retries=0
    )
    with pytest.raises(APIStatusError) as caught:
        send(client, stream, f"{provider}/some-model")
    assert caught.value.status_code == status
    assert_no_secret(*texts_of_error(caught.value), log_text(logs))
    assert SECRET in server.requests[0].headers[auth_header]
    assert f"key={QUERY_SECRET}" in server.requests[0].path


def test_retried_failures_log_no_secret(
    facade: Facade, server: LocalServer, logs: pytest.LogCaptureFixture
) -> None:
    server.enqueue(
        Reply.error(500), Reply.error(429, headers={"retry-after": "0"}), Reply.error(503)
    )
    client = facade.client(
        base_url=f"{server.base_url}?key={QUERY_SECRET}", api_key=SECRET, max_retries=2
    )
    with pytest.raises(InternalServerError) as caught:
        client.chat(MODEL, HELLO)
    assert caught.value.attempts == 3
    assert any(record.name == "llmclient" for record in logs.records)
    assert_no_secret(*texts_of_error(caught.value), log_text(logs))


def test_missing_key_error_names_the_variable_and_no_other_providers_key(
    facade: Facade, logs: pytest.LogCaptureFixture
) -> None:
    client = facade.client(api_keys={"anthropic": SECRET})
    with pytest.raises(MissingAPIKeyError, match="OPENAI_API_KEY") as caught:
        client.chat(MODEL, HELLO)
    assert_no_secret(*texts_of_error(caught.value), log_text(logs), client_repr(client))


# --- keys that cannot go into a header ---------------------------------------------------------

BAD_KEY_CHARS = {
    "lf": "\n",
    "cr": "\r",
    "crlf": "\r\n",
    "nul": "\0",
    "tab": "\t",
    "escape": "\x1b",
    "del": "\x7f",
    "e-acute": "é",
    "line-separator": "\u2028",
    "nbsp": "\u00a0",
    "emoji": "🔑",
}


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        pytest.param(bad, where, id=f"{where}-{name}")
        for where in ("client", "api_keys", "call", "environment")
        for name, bad in BAD_KEY_CHARS.items()
        if not (where == "environment" and bad == "\0")  # no environment variable holds NUL
    ],
)
def test_key_with_header_breaking_character_is_refused_before_sending(
    bad: str,
    where: str,
    facade: Facade,
    server: LocalServer,
    monkeypatch: pytest.MonkeyPatch,
    logs: pytest.LogCaptureFixture,
) -> None:
    key = f"{SECRET}{bad}X-Injected: yes"
    if where == "environment":
        monkeypatch.setenv("OPENAI_API_KEY", key)
    client = facade.client(
        base_url=server.base_url,
        api_key=key if where == "client" else None,
        api_keys={"openai": key} if where == "api_keys" else None,
    )
    params = {"api_key": key} if where == "call" else {}
    with pytest.raises(InvalidRequestError, match=r"API key for 'openai' has .* at position 21"):
        client.chat(MODEL, HELLO, **params)
    with pytest.raises(InvalidRequestError) as caught:
        list(client.chat_stream(MODEL, HELLO, **params))
    assert server.request_count == 0
    texts = [*texts_of_error(caught.value), log_text(logs), client_repr(client)]
    assert_no_secret(*texts)
    assert not any("X-Injected" in text for text in texts)


@pytest.mark.parametrize(
    ("bad", "described"),
    [("\n", "a line break"), ("\x1b", "the control character U+001B"), ("é", "a non-ASCII")],
)
def test_bad_key_message_says_what_and_where_but_not_the_key(bad: str, described: str) -> None:
    config = ClientConfig(api_key=f"sk-abc{bad}")
    with pytest.raises(InvalidRequestError) as caught:
        prepare_call(config, "chat", MODEL, HELLO, {}, stream=False)
    message = str(caught.value)
    assert f"has {described}" in message
    assert "position 7 of 7" in message
    assert "sk-abc" not in message


def test_key_that_is_not_a_string_is_refused(facade: Facade, server: LocalServer) -> None:
    client = facade.client(base_url=server.base_url)
    with pytest.raises(InvalidRequestError, match="must be a string, got bytes") as caught:
        client.chat(MODEL, HELLO, api_key=SECRET.encode())  # type: ignore[typeddict-item]
    assert_no_secret(*texts_of_error(caught.value))
    assert server.request_count == 0


def test_printable_key_with_inner_space_is_sent_as_it_is(
    facade: Facade, server: LocalServer
) -> None:
    client = facade.client(base_url=server.base_url, api_key="key with spaces~!")
    client.chat(MODEL, HELLO)
    assert server.requests[0].headers["authorization"] == "Bearer key with spaces~!"


# --- headers -----------------------------------------------------------------------------------

BAD_HEADERS = {
    "crlf-in-value": ({"x-team": f"{SECRET}\r\nX-Injected: yes"}, "line break"),
    "lf-in-value": ({"authorization": f"Bearer {SECRET}\n"}, "line break"),
    "nul-in-value": ({"x-team": f"{SECRET}\0"}, "control character"),
    "non-ascii-value": ({"x-team": f"{SECRET}é"}, "non-ASCII"),
    "crlf-in-name": ({"x-team\r\nX-Injected": "yes"}, "not a valid HTTP token"),
    "space-in-name": ({"x team": "yes"}, "not a valid HTTP token"),
    "empty-name": ({"": "yes"}, "not a valid HTTP token"),
    "int-value": ({"x-team": 5}, r"\['x-team'\] must be a string, got int"),
    "not-a-mapping": ("x-team: yes", "must be a dict of header names"),
}


@pytest.mark.parametrize(("headers", "match"), list(BAD_HEADERS.values()), ids=list(BAD_HEADERS))
def test_bad_extra_headers_are_refused_before_sending(
    headers: Any, match: str, facade: Facade, server: LocalServer
) -> None:
    client = facade.client(base_url=server.base_url, api_key=SECRET)
    with pytest.raises(InvalidRequestError, match=f"extra_headers.*{match}") as caught:
        client.chat(MODEL, HELLO, extra_headers=headers)
    assert server.request_count == 0
    assert_no_secret(*texts_of_error(caught.value))


# A default_headers that is not a mapping fails in the client's dict() call before it is checked.
BAD_DEFAULT_HEADERS = {name: case for name, case in BAD_HEADERS.items() if name != "not-a-mapping"}


@pytest.mark.parametrize(
    ("headers", "match"), list(BAD_DEFAULT_HEADERS.values()), ids=list(BAD_DEFAULT_HEADERS)
)
def test_bad_default_headers_are_refused_when_the_client_is_built(
    headers: Any, match: str, facade: Facade
) -> None:
    with pytest.raises(InvalidRequestError, match=f"default_headers.*{match}") as caught:
        facade.client(api_key=SECRET, default_headers=headers)
    assert_no_secret(*texts_of_error(caught.value))


def test_headers_with_tabs_and_visible_ascii_are_sent(facade: Facade, server: LocalServer) -> None:
    client = facade.client(base_url=server.base_url, default_headers={"x-a": "one\ttwo ~!"})
    client.chat(MODEL, HELLO, extra_headers={"X-Trace_ID.1": "abc"})
    assert server.requests[0].headers["x-a"] == "one\ttwo ~!"
    assert server.requests[0].headers["x-trace_id.1"] == "abc"


# --- base URLs with credentials or a query -----------------------------------------------------


@pytest.mark.parametrize(
    "userinfo",
    [f"user:{PASSWORD}@", f"{PASSWORD}@", f":{PASSWORD}@"],
    ids=["user-pw", "token", "pw"],
)
def test_base_url_with_credentials_is_refused_when_the_client_is_built(
    userinfo: str, facade: Facade
) -> None:
    with pytest.raises(InvalidRequestError, match="holds credentials") as caught:
        facade.client(base_url=f"https://{userinfo}gw.example.com/v1?key={QUERY_SECRET}")
    assert "'https://***@gw.example.com/v1?key=***'" in str(caught.value)
    assert "api_key=" in str(caught.value)
    assert_no_secret(*texts_of_error(caught.value))


def test_base_url_variable_with_credentials_is_refused_naming_the_variable(
    facade: Facade, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url.replace("//", f"//u:{PASSWORD}@"))
    client = facade.client(api_key=SECRET)
    with pytest.raises(
        InvalidRequestError, match=r"OPENAI_BASE_URL .* holds credentials"
    ) as caught:
        client.chat(MODEL, HELLO)
    assert server.request_count == 0
    assert_no_secret(*texts_of_error(caught.value))


def test_registered_provider_url_with_credentials_is_refused(
    facade: Facade, server: LocalServer
) -> None:
    client = facade.client(api_key=SECRET)
    client.register_provider("gw", base_url=server.base_url.replace("//", f"//u:{PASSWORD}@"))
    with pytest.raises(InvalidRequestError, match=r"provider 'gw'.* holds credentials") as caught:
        client.chat("gw/some-model", HELLO)
    assert server.request_count == 0
    assert_no_secret(*texts_of_error(caught.value))


@pytest.mark.parametrize(
    ("base_url", "match"),
    [
        ("ftp://gw.example.com/v1", "http:// or https://"),
        ("gw.example.com/v1", "http:// or https://"),
        ("http:///v1", "http:// or https://"),
        ("http://gw.example.com:port/v1", "not a valid URL"),
        ("http://[::1/v1", "not a valid URL"),
        (f"http://gw.example.com/v1#{QUERY_SECRET}", "fragment"),
        ("http://gw.example.com/v1#", "fragment"),
        ("", "http:// or https://"),
    ],
)
def test_malformed_base_url_is_refused_when_the_client_is_built(
    base_url: str, match: str, facade: Facade
) -> None:
    with pytest.raises(InvalidRequestError, match=match) as caught:
        facade.client(base_url=base_url)
    assert_no_secret(*texts_of_error(caught.value))


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_base_url_query_goes_on_every_request_and_attempt(
    stream: bool, facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.error(500))
    client = facade.client(
        base_url=f"{server.base_url}/?key={QUERY_SECRET}&tenant=a", max_retries=1
    )
    if stream:
        list(client.chat_stream(MODEL, HELLO))
    else:
        client.chat(MODEL, HELLO)
    paths = [request.path for request in server.requests]
    assert paths == [f"/v1/chat/completions?key={QUERY_SECRET}&tenant=a"] * 2


def test_base_url_query_joins_the_dialects_own_query() -> None:
    config = ClientConfig(
        base_url=f"https://r.example.com/v1beta?key={QUERY_SECRET}", api_key=SECRET
    )
    call = prepare_call(config, "chat_stream", "gemini/gemini-2.5-flash", HELLO, {}, stream=True)
    url = call.http_request().url
    assert url == (
        "https://r.example.com/v1beta/models/gemini-2.5-flash:streamGenerateContent"
        f"?alt=sse&key={QUERY_SECRET}"
    )


def test_base_url_api_version_replaces_azures_own() -> None:
    config = ClientConfig(
        base_url=f"https://r.openai.azure.com?api-version=2025-01-01&code={QUERY_SECRET}",
        api_key=SECRET,
    )
    call = prepare_call(config, "chat", "azure/my-deployment", HELLO, {}, stream=False)
    assert call.http_request().url == (
        "https://r.openai.azure.com/openai/deployments/my-deployment/chat/completions"
        f"?api-version=2025-01-01&code={QUERY_SECRET}"
    )


def test_reprs_show_the_base_url_without_its_query_values() -> None:
    config = ClientConfig(base_url=f"https://gw.example.com/v1?key={QUERY_SECRET}", api_key=SECRET)
    call = prepare_call(config, "chat", MODEL, HELLO, {}, stream=False)
    texts = [repr(config), repr(call), repr(call.http_request())]
    assert_no_secret(*texts)
    assert "'https://gw.example.com/v1?key=***'" in repr(config)
    assert "'https://gw.example.com/v1/chat/completions?key=***'" in repr(call.http_request())
    assert call.base_url == "https://gw.example.com/v1"


def test_client_repr_shows_the_base_url_without_its_query_values(facade: Facade) -> None:
    client = facade.client(base_url=f"https://gw.example.com/v1?key={QUERY_SECRET}")
    assert QUERY_SECRET not in client_repr(client)
    assert "https://gw.example.com/v1?key=***" in client_repr(client)


@pytest.mark.parametrize(
    "message",
    [
        f"Could not connect to http://u:{PASSWORD}@h:1/v1?key={QUERY_SECRET}",
        f"Illegal header value b'Bearer {SECRET}\\x01'",
    ],
    ids=["url", "h11-header-value"],
)
def test_transport_error_does_not_repeat_secrets_from_httpx_messages(message: str) -> None:
    error = transport_error(httpx.ConnectError(message), "openai", "sending the request")
    assert_no_secret(str(error), repr(error))


# --- redaction ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://api.openai.com/v1", "https://api.openai.com/v1"),
        ("http://127.0.0.1:8000/v1/", "http://127.0.0.1:8000/v1/"),
        (f"https://user:{PASSWORD}@gw.example.com/v1", "https://***@gw.example.com/v1"),
        (f"https://{PASSWORD}@gw.example.com:8443/v1", "https://***@gw.example.com:8443/v1"),
        (f"https://gw.example.com/v1?key={QUERY_SECRET}", "https://gw.example.com/v1?key=***"),
        (
            f"https://r.example.com/x?api-version=2024-10-21&code={QUERY_SECRET}&alt=sse",
            "https://r.example.com/x?api-version=2024-10-21&code=***&alt=sse",
        ),
        (f"https://gw.example.com/v1?{QUERY_SECRET}", "https://gw.example.com/v1?***"),
        (
            f"https://gw.example.com/v1?a=1&&b={QUERY_SECRET}",
            "https://gw.example.com/v1?a=***&b=***",
        ),
        (f"https://gw.example.com/v1#{QUERY_SECRET}", "https://gw.example.com/v1"),
        (f"user:{PASSWORD}@gw.example.com/v1?k={QUERY_SECRET}", "***@gw.example.com"),
        (f"http://[::1/v1?key={QUERY_SECRET}", "(a URL that cannot be parsed)"),
        ("", ""),
    ],
)
def test_redact_url_hides_user_info_query_values_and_fragment(url: str, shown: str) -> None:
    assert redact_url(url) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            f"POST http://u:{PASSWORD}@h/v1?key={QUERY_SECRET} failed",
            "POST http://***@h/v1?key=*** failed",
        ),
        (f"header was 'Bearer {SECRET}'", "header was 'Bearer ***'"),
        (f"Illegal header value b'{SECRET}\\x01'", "Illegal header value (not shown)"),
        ("[Errno 111] Connection refused", "[Errno 111] Connection refused"),
    ],
)
def test_scrub_text_redacts_urls_auth_tokens_and_header_values(text: str, shown: str) -> None:
    assert scrub_text(text) == shown


# --- parameters checked before the network -----------------------------------------------------

INVALID_PARAMS: list[tuple[str, Any, str]] = [
    ("max_tokens", 0, "a positive int"),
    ("max_tokens", -1, "a positive int"),
    ("max_tokens", True, "a positive int"),
    ("max_tokens", 1.5, "a positive int"),
    ("max_tokens", "100", "a positive int"),
    ("max_completion_tokens", 0, "a positive int"),
    ("max_completion_tokens", -5, "a positive int"),
    ("n", 0, "an int of 1 or more"),
    ("n", 2.0, "an int of 1 or more"),
    ("temperature", -0.1, "a number from 0 to 2"),
    ("temperature", 2.01, "a number from 0 to 2"),
    ("temperature", "hot", "a number from 0 to 2"),
    ("temperature", True, "a number from 0 to 2"),
    ("top_p", -0.01, "a number from 0 to 1"),
    ("top_p", 1.5, "a number from 0 to 1"),
    ("presence_penalty", 2.5, "a number from -2 to 2"),
    ("frequency_penalty", -3, "a number from -2 to 2"),
    ("top_logprobs", -1, "an int from 0 to 20"),
    ("top_logprobs", 21, "an int from 0 to 20"),
    ("seed", 1.5, "an int"),
    ("seed", "42", "an int"),
    ("seed", False, "an int"),
    ("stop", 5, "a string or a list of strings"),
    ("stop", ["END", 1], "a string or a list of strings"),
    ("stop", {"END": 1}, "a string or a list of strings"),
    ("logprobs", "yes", "true or false"),
    ("logprobs", 1, "true or false"),
    ("parallel_tool_calls", "no", "true or false"),
    ("user", 42, "a string"),
    ("reasoning_effort", 3, "a string such as 'low'"),
    ("logit_bias", [1, 2], "a dict of token ids to numbers"),
    ("tool_choice", 5, "a string such as 'auto', or a dict"),
    ("response_format", "json", "a dict such as {'type': 'json_object'}"),
    ("stream_options", "usage", "a dict such as {'include_usage': True}"),
    ("tools", "get_weather", "a list of tool dicts"),
    ("tools", {"type": "function"}, "a list of tool dicts"),
    ("timeout", -1, "positive number of seconds, None or an httpx.Timeout"),
    ("timeout", 0, "positive number of seconds, None or an httpx.Timeout"),
    ("timeout", "30", "positive number of seconds, None or an httpx.Timeout"),
    ("timeout", True, "positive number of seconds, None or an httpx.Timeout"),
    ("extra_body", "x", "extra_body must be a dict"),
    ("extra_body", [("a", 1)], "extra_body must be a dict"),
]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    INVALID_PARAMS,
    ids=[f"{name}={value!r}" for name, value, _ in INVALID_PARAMS],
)
@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_invalid_parameter_is_refused_before_any_request(
    name: str, value: Any, expected: str, stream: bool, facade: Facade, server: LocalServer
) -> None:
    client = facade.client(base_url=server.base_url, api_key=SECRET)
    with pytest.raises(InvalidRequestError) as caught:
        send(client, stream, **{name: value})
    message = str(caught.value)
    assert message.startswith(name)
    assert expected in message
    assert server.request_count == 0
    assert_no_secret(*texts_of_error(caught.value))


def test_every_parameter_rule_is_tested() -> None:
    assert set(PARAM_RULES) <= {name for name, _, _ in INVALID_PARAMS}


VALID_EDGES: list[tuple[str, Any]] = [
    ("max_tokens", 1),
    ("max_completion_tokens", 1),
    ("n", 1),
    ("temperature", 0),
    ("temperature", 2),
    ("top_p", 0.0),
    ("top_p", 1),
    ("presence_penalty", -2),
    ("frequency_penalty", 2.0),
    ("top_logprobs", 0),
    ("top_logprobs", 20),
    ("seed", -(2**63)),
    ("stop", "END"),
    ("stop", []),
    ("stop", ("a", "b", "c", "d", "e")),
]


@pytest.mark.parametrize(
    ("name", "value"), VALID_EDGES, ids=[f"{name}={value!r}" for name, value in VALID_EDGES]
)
def test_parameters_at_the_edge_of_their_range_are_sent(name: str, value: Any) -> None:
    call = prepare_call(
        ClientConfig(api_key=SECRET), "chat", MODEL, HELLO, {name: value}, stream=False
    )
    assert call.params[name] == value


@pytest.mark.parametrize("timeout", [None, 0.5, 30, httpx.Timeout(5.0)], ids=repr)
def test_valid_timeouts_are_taken(timeout: Any) -> None:
    params = {"timeout": timeout}
    call = prepare_call(ClientConfig(api_key=SECRET), "chat", MODEL, HELLO, params, stream=False)
    assert call.timeout is timeout


@pytest.mark.parametrize("timeout", [-1, 0, "30", [1, 2]], ids=repr)
def test_invalid_client_timeout_is_refused_when_the_client_is_built(
    timeout: Any, facade: Facade
) -> None:
    with pytest.raises(InvalidRequestError, match="timeout must be a positive number"):
        facade.client(api_key=SECRET, timeout=timeout)


@pytest.mark.parametrize(
    ("messages", "match"),
    [
        ([{"role": "user", "content": ["Hi"]}], r"messages\[0\]\['content'\]\[0\] must be"),
        (
            [HELLO[0], {"role": "user", "content": [{"type": "text", "text": "a"}, {"text": "b"}]}],
            r"messages\[1\]\['content'\]\[1\] must be a content part dict with a 'type'",
        ),
        ([{"role": "user", "content": [{"type": 1}]}], r"with a 'type'"),
        ([{"role": "user", "content": [None]}], r"got None"),
    ],
)
def test_content_parts_must_be_typed_dicts(
    messages: Any, match: str, facade: Facade, server: LocalServer
) -> None:
    client = facade.client(base_url=server.base_url, api_key=SECRET)
    with pytest.raises(InvalidRequestError, match=match):
        client.chat(MODEL, messages)
    assert server.request_count == 0


@pytest.mark.parametrize(
    ("model", "messages", "match"),
    [
        ("", HELLO, "model must be a non-empty string"),
        ("   ", HELLO, "model must be a non-empty string"),
        (5, HELLO, "model must be a non-empty string"),
        (MODEL, "Hi", "messages must be a list"),
        (MODEL, [], "messages is empty"),
        (MODEL, [{"content": "Hi"}], r"messages\[0\] has no 'role'"),
        (MODEL, [{"role": "user", "content": 5}], "must be a string or a list of content parts"),
    ],
)
def test_malformed_model_or_messages_are_refused_before_any_request(
    model: Any, messages: Any, match: str, facade: Facade, server: LocalServer
) -> None:
    client = facade.client(base_url=server.base_url, api_key=SECRET)
    with pytest.raises(InvalidRequestError, match=match) as caught:
        client.chat(model, messages)
    assert server.request_count == 0
    assert_no_secret(*texts_of_error(caught.value))


def test_anthropic_still_narrows_temperature_to_its_own_range(
    facade: Facade, server: LocalServer
) -> None:
    client = facade.client(base_url=server.base_url, api_key=SECRET)
    with pytest.raises(InvalidRequestError, match="between 0 and 1 for anthropic"):
        client.chat("anthropic/claude-3-5-haiku-latest", HELLO, temperature=1.5)
    assert server.request_count == 0


def test_non_json_values_are_left_to_the_json_encoder() -> None:
    # One rule for anything that is not JSON wherever it sits: encode_json names it.
    call = prepare_call(
        ClientConfig(api_key=SECRET),
        "chat",
        MODEL,
        HELLO,
        {"temperature": float("nan")},
        stream=False,
    )
    with pytest.raises(InvalidRequestError, match="cannot be sent as JSON"):
        call.http_request()
