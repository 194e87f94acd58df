"""Servers that try to take what is not theirs: redirects to another origin, answers that echo the
request's secrets back, and bodies too large to hold. Everything runs on 127.0.0.1, through the
real HTTP path, on both facades."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import AsyncFacade, Facade

from llmclient import ProviderSpec, RedirectError
from llmclient.testing import LocalServer, Reply

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
