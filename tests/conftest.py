"""Shared fixtures: a local provider server and one driver per facade.

Integration tests are written once, in blocking style, against a ``Facade``. The sync facade
is ``LlmClient`` as it is; the async facade drives ``AsyncLlmClient`` on an event loop of its
own, one awaited step per call, so every test runs on both clients unchanged. Tests that take
``facade_or_trio`` run the async client on trio as well (a trio run in a thread of its own).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import attrs
import httpx
import pytest

from llmclient import (
    AsyncChatStream,
    AsyncLlmClient,
    ChatCompletion,
    ChatCompletionChunk,
    EmbeddingResponse,
    LlmClient,
    Model,
)
from llmclient._core import retry
from llmclient._core.call import ChatCall, HttpRequest
from llmclient.testing import LocalServer

T = TypeVar("T")


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep retry backoff real but tiny; a server's retry-after is still honoured."""
    monkeypatch.setattr(retry, "INITIAL_BACKOFF", 0.001)
    monkeypatch.setattr(retry, "MAX_BACKOFF", 0.004)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Refuse, and fail the test for, any connection beyond this machine's loopback (an
    instance metadata service, a cloud endpoint) and any name lookup but localhost's, even
    one the code under test swallows."""
    import socket

    refused: list[object] = []
    connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else None
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not (
            isinstance(host, str) and (host.startswith("127.") or host == "::1")
        ):
            refused.append(address)
            raise OSError("no network in tests")
        connect(sock, address)

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, bytes):
            host = host.decode()
        if not (host in (None, "", "localhost", "::1") or str(host).startswith("127.")):
            refused.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "no name lookups in tests")
        return lookup(host, *args, **kwargs)

    lookup = socket.getaddrinfo
    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    yield
    assert refused == []


@pytest.fixture(autouse=True)
def no_aws_outside(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No test sees the machine's AWS settings, and botocore never asks an instance metadata
    service or a container endpoint for credentials: everything AWS stays on this machine."""
    import os

    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    nowhere = tmp_path_factory.getbasetemp() / "no-aws"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(nowhere / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere / "credentials"))
    from llmclient import _aws

    _aws.clear_cache()


@pytest.fixture(autouse=True)
def no_google_outside(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No test sees the machine's Google Cloud settings or gcloud's credentials, and
    google-auth never asks a metadata server: a lookup goes to a closed local port."""
    import os

    for name in list(os.environ):
        if (
            name.startswith(("GOOGLE_", "GCLOUD_", "CLOUDSDK_", "GCE_"))
            or name == "CLOUD_ML_REGION"
        ):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_GCE_CHECK", "true")
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path_factory.getbasetemp() / "no-gcloud"))
    from llmclient import _google

    _google.clear_cache()


class SyncFacade:
    """``LlmClient`` as it is."""

    name = "sync"

    def __init__(self) -> None:
        self.clients: list[LlmClient] = []

    def client(self, **kwargs: Any) -> LlmClient:
        client = LlmClient(**kwargs)
        self.clients.append(client)
        return client

    def settle(self) -> None:
        """Nothing is deferred in the blocking client."""

    def pool(self, client: Any) -> Any:
        return client._http._transport._pool

    def close(self) -> None:
        for client in self.clients:
            client.close()


class AsyncStreamDriver:
    """Iterates an ``AsyncChatStream`` one awaited step at a time."""

    def __init__(self, facade: AsyncFacade, stream: AsyncChatStream) -> None:
        self.facade = facade
        self.stream = stream

    def __iter__(self) -> AsyncStreamDriver:
        return self

    def __next__(self) -> ChatCompletionChunk:
        try:
            return self.facade.run(self.stream.__anext__())
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self) -> None:
        self.facade.run(self.stream.aclose())

    def text(self) -> Iterator[str]:
        pieces = self.stream.text()
        while True:
            try:
                yield self.facade.run(pieces.__anext__())
            except StopAsyncIteration:
                return

    def final_completion(self) -> ChatCompletion:
        return self.facade.run(self.stream.final_completion())

    def __enter__(self) -> AsyncStreamDriver:
        self.facade.run(self.stream.__aenter__())
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.facade.run(self.stream.__aexit__(*exc_info))

    @property
    def response(self) -> httpx.Response:
        return self.stream.response


class AsyncClientDriver:
    """``AsyncLlmClient`` behind blocking calls, for the shared test suite."""

    def __init__(self, facade: AsyncFacade, client: AsyncLlmClient) -> None:
        self.facade = facade
        self.client = client
        self._http = client._http

    def chat(self, *args: Any, **kwargs: Any) -> ChatCompletion:
        return self.facade.run(self.client.chat(*args, **kwargs))

    def chat_stream(self, *args: Any, **kwargs: Any) -> AsyncStreamDriver:
        return AsyncStreamDriver(
            self.facade, self.facade.run(self.client.chat_stream(*args, **kwargs))
        )

    def embed(self, *args: Any, **kwargs: Any) -> EmbeddingResponse:
        return self.facade.run(self.client.embed(*args, **kwargs))

    def list_models(self, *args: Any, **kwargs: Any) -> list[Model]:
        return self.facade.run(self.client.list_models(*args, **kwargs))

    def register_provider(self, *args: Any, **kwargs: Any) -> Any:
        """No I/O, so no await: the client's own method."""
        return self.client.register_provider(*args, **kwargs)

    def close(self) -> None:
        self.facade.run(self.client.aclose())


class AsyncFacade:
    """``AsyncLlmClient`` on a private event loop."""

    name = "async"

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.clients: list[AsyncClientDriver] = []

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def client(self, **kwargs: Any) -> AsyncClientDriver:
        driver = AsyncClientDriver(self, AsyncLlmClient(**kwargs))
        self.clients.append(driver)
        return driver

    def settle(self) -> None:
        """Let tasks the client handed to the loop (a dropped stream's close) run."""
        for _ in range(5):
            self.run(asyncio.sleep(0))

    def pool(self, client: Any) -> Any:
        return client._http._transport._pool

    def close(self) -> None:
        for driver in self.clients:
            driver.close()
        self.settle()
        self.loop.close()


class TrioFacade(AsyncFacade):
    """``AsyncLlmClient`` on trio: one trio run in a thread of its own, sent each step."""

    name = "trio"

    def __init__(self) -> None:
        import trio

        self.clients = []
        self._trio = trio
        started = threading.Event()
        self._thread = threading.Thread(target=trio.run, args=(self._main, started), daemon=True)
        self._thread.start()
        started.wait()

    async def _main(self, started: threading.Event) -> None:
        self._token = self._trio.lowlevel.current_trio_token()
        self._done = self._trio.Event()
        started.set()
        await self._done.wait()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._trio.from_thread.run(_awaited, coro, trio_token=self._token)

    def settle(self) -> None:
        for _ in range(5):
            self.run(self._trio.lowlevel.checkpoint())

    def close(self) -> None:
        for driver in self.clients:
            driver.close()
        self.settle()
        self._trio.from_thread.run_sync(self._done.set, trio_token=self._token)
        self._thread.join(10)


async def _awaited(coro: Coroutine[Any, Any, T]) -> T:
    return await coro


Facade = SyncFacade | AsyncFacade

FACADES = {"sync": SyncFacade, "async": AsyncFacade, "trio": TrioFacade}


@pytest.fixture(params=["sync", "async"])
def facade(request: pytest.FixtureRequest) -> Iterator[Facade]:
    driver: Facade = FACADES[request.param]()
    yield driver
    driver.close()


@pytest.fixture(params=["sync", "async", "trio"])
def facade_or_trio(request: pytest.FixtureRequest) -> Iterator[Facade]:
    """``facade``, and the async client on trio too."""
    driver: Facade = FACADES[request.param]()
    yield driver
    driver.close()


def in_flight(facade: Facade, client: Any) -> int:
    """How many requests the client's connection pool still holds open."""
    facade.settle()
    return len(facade.pool(client)._requests)


def text_of(chunks: list[ChatCompletionChunk], index: int = 0) -> str:
    """The content of one choice, joined across chunks."""
    return "".join(
        choice.delta.content or ""
        for chunk in chunks
        for choice in chunk.choices
        if choice.index == index
    )


def drain(stream: Iterator[ChatCompletionChunk], into: list[ChatCompletionChunk]) -> None:
    """Iterate ``stream`` to its end, keeping every chunk in ``into`` even if it raises."""
    for chunk in stream:
        into.append(chunk)


def authorized(call: ChatCall) -> HttpRequest:
    """The call's request as an attempt sends it: its auth applied (the key in its header), as
    httpx applies it. Only the headers httpx itself adds (``host``, ``content-length``) are
    left out."""
    request = call.http_request()
    sent = httpx.Request(request.method, request.url, headers=request.headers, content=request.body)
    next(call.auth.sync_auth_flow(sent))
    added_by_httpx = {"host", "content-length"}
    headers = {name: value for name, value in sent.headers.items() if name not in added_by_httpx}
    return attrs.evolve(request, headers=headers)
