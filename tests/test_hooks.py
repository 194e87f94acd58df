"""Hooks: called in order at each step of every call, on both clients; a hook that raises is
logged and skipped; a client without hooks keeps none."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import attrs
import pytest
from conftest import Facade, drain, text_of

import llmclient
from llmclient import (
    AsyncLlmClient,
    BadRequestError,
    ChatCompletionChunk,
    InternalServerError,
    LlmClient,
    OverloadedError,
    Usage,
)
from llmclient.hooks import (
    AsyncHooks,
    EndEvent,
    ErrorEvent,
    FirstChunkEvent,
    Hooks,
    RequestEvent,
    RetryEvent,
)
from llmclient.testing import LocalServer, Reply, openai_chunk, openai_error_event

MODEL = "openai/gpt-4o-mini"
FALLBACK = "anthropic/claude-3-5-haiku-20241022"
HELLO = [{"role": "user", "content": "Hi"}]
KEY = "sk-hooks-test-key-0123456789"


class Recorder(Hooks):
    """Notes every step as (name, event)."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, Any]] = []

    def on_request(self, event: RequestEvent) -> None:
        self.steps.append(("request", event))

    def on_retry(self, event: RetryEvent) -> None:
        self.steps.append(("retry", event))

    def on_first_chunk(self, event: FirstChunkEvent) -> None:
        self.steps.append(("first_chunk", event))

    def on_chunk(self, chunk: ChatCompletionChunk) -> None:
        self.steps.append(("chunk", chunk))

    def on_end(self, event: EndEvent) -> None:
        self.steps.append(("end", event))

    def on_error(self, event: ErrorEvent) -> None:
        self.steps.append(("error", event))

    def names(self) -> list[str]:
        return [name for name, _ in self.steps]

    def events(self, name: str) -> list[Any]:
        return [event for step, event in self.steps if step == name]


class AsyncRecorder(AsyncHooks):
    """The async twin of :class:`Recorder`; each hook yields to the loop, so it must be
    awaited to record anything."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, Any]] = []

    async def _note(self, name: str, event: Any) -> None:
        await asyncio.sleep(0)
        self.steps.append((name, event))

    async def on_request(self, event: RequestEvent) -> None:
        await self._note("request", event)

    async def on_retry(self, event: RetryEvent) -> None:
        await self._note("retry", event)

    async def on_first_chunk(self, event: FirstChunkEvent) -> None:
        await self._note("first_chunk", event)

    async def on_chunk(self, chunk: ChatCompletionChunk) -> None:
        await self._note("chunk", chunk)

    async def on_end(self, event: EndEvent) -> None:
        await self._note("end", event)

    async def on_error(self, event: ErrorEvent) -> None:
        await self._note("error", event)

    names = Recorder.names
    events = Recorder.events


def recorder_for(facade: Facade) -> Any:
    """Plain hooks for the blocking client, async ones for the asyncio client."""
    return Recorder() if facade.name == "sync" else AsyncRecorder()


def client_for(facade: Facade, server: LocalServer, *hooks: Any, **kwargs: Any) -> Any:
    return facade.client(base_url=server.base_url, api_key=KEY, hooks=list(hooks), **kwargs)


def test_a_stream_calls_request_first_chunk_each_chunk_then_end(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.openai_stream("One two three.", include_usage=True, prompt_tokens=7))
    hooks = recorder_for(facade)
    client = client_for(facade, server, hooks)
    chunks = list(client.chat_stream(MODEL, HELLO))
    assert hooks.names() == ["request", "first_chunk"] + ["chunk"] * len(chunks) + ["end"]
    assert hooks.events("chunk") == chunks
    request = hooks.events("request")[0]
    assert (request.method, request.provider, request.model, request.attempt) == (
        "chat_stream",
        "openai",
        "gpt-4o-mini",
        1,
    )
    assert request.url == f"{server.base_url}/chat/completions"
    first = hooks.events("first_chunk")[0]
    assert first.chunk is chunks[0]
    end = hooks.events("end")[0]
    assert end.usage == Usage(prompt_tokens=7, completion_tokens=3, total_tokens=10)
    assert end.finish_reason == "stop"
    assert end.attempts == 1
    assert end.first_chunk_latency == first.latency
    assert 0 <= first.latency <= end.latency


def test_chat_calls_request_then_end_with_the_answers_usage(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.openai_completion("Hello there.", prompt_tokens=4))
    hooks = recorder_for(facade)
    completion = client_for(facade, server, hooks).chat(MODEL, HELLO)
    assert hooks.names() == ["request", "end"]
    end = hooks.events("end")[0]
    assert end.method == "chat"
    assert end.usage == completion.usage
    assert end.finish_reason == "stop"
    assert end.first_chunk_latency is None
    assert end.latency >= 0


def test_each_retry_is_told_between_the_attempts(facade: Facade, server: LocalServer) -> None:
    server.enqueue(
        Reply.error(503, "busy", headers={"retry-after-ms": "3"}, repeat=2),
        Reply.openai_stream("Finally."),
    )
    hooks = recorder_for(facade)
    client = client_for(facade, server, hooks, max_retries=2)
    list(client.chat_stream(MODEL, HELLO))
    assert hooks.names()[:6] == ["request", "retry", "request", "retry", "request", "first_chunk"]
    assert [event.attempt for event in hooks.events("request")] == [1, 2, 3]
    retries = hooks.events("retry")
    assert [event.attempt for event in retries] == [1, 2]
    assert all(isinstance(event.error, InternalServerError) for event in retries)
    assert [event.delay for event in retries] == [0.003, 0.003]
    assert hooks.events("end")[0].attempts == 3


def test_a_model_that_falls_back_reports_its_error_and_the_next_model(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.error(503, "down"), Reply.anthropic_stream("From the fallback."))
    hooks = recorder_for(facade)
    client = client_for(facade, server, hooks, max_retries=0)
    chunks = list(client.chat_stream(MODEL, HELLO, fallbacks=[FALLBACK]))
    assert text_of(chunks) == "From the fallback."
    assert hooks.names()[:4] == ["request", "error", "request", "first_chunk"]
    error = hooks.events("error")[0]
    assert (error.provider, error.model) == ("openai", "gpt-4o-mini")
    assert error.fallback == FALLBACK
    second = hooks.events("request")[1]
    assert (second.provider, second.attempt) == ("anthropic", 1)
    end = hooks.events("end")[0]
    assert (end.provider, end.model) == ("anthropic", "claude-3-5-haiku-20241022")
    assert end.latency >= error.latency


def test_an_error_raised_to_the_caller_is_reported_with_no_fallback(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.error(400, "bad request"))
    hooks = recorder_for(facade)
    client = client_for(facade, server, hooks)
    with pytest.raises(BadRequestError) as caught:
        client.chat(MODEL, HELLO, fallbacks=[FALLBACK])
    assert hooks.names() == ["request", "error"]
    error = hooks.events("error")[0]
    assert error.error is caught.value
    assert error.fallback is None


def test_an_error_while_streaming_is_reported_once_and_there_is_no_end(
    facade: Facade, server: LocalServer
) -> None:
    events = [openai_chunk(content="Half"), openai_error_event("Overloaded", "overloaded_error")]
    server.enqueue(Reply.sse(events, done=False))
    hooks = recorder_for(facade)
    stream = client_for(facade, server, hooks).chat_stream(MODEL, HELLO)
    received: list[ChatCompletionChunk] = []
    with pytest.raises(OverloadedError) as caught:
        drain(stream, received)
    assert hooks.names() == ["request", "first_chunk", "chunk", "error"]
    assert hooks.events("error")[0].error is caught.value


def test_a_connection_dropped_mid_stream_is_reported_as_an_error(
    facade: Facade, server: LocalServer
) -> None:
    reply = Reply.openai_stream("One two three four five.")
    server.enqueue(attrs.evolve(reply, drop_after=reply.split_at[1]))
    hooks = recorder_for(facade)
    stream = client_for(facade, server, hooks).chat_stream(MODEL, HELLO)
    received: list[ChatCompletionChunk] = []
    with pytest.raises(llmclient.APIConnectionError) as caught:
        drain(stream, received)
    assert hooks.names() == ["request", "first_chunk"] + ["chunk"] * len(received) + ["error"]
    assert hooks.events("error")[0].error is caught.value


def test_a_stream_left_early_reports_neither_end_nor_error(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.openai_stream("One two three four five."))
    hooks = recorder_for(facade)
    stream = client_for(facade, server, hooks).chat_stream(MODEL, HELLO)
    next(iter(stream))
    stream.close()
    assert hooks.names() == ["request", "first_chunk", "chunk"]


def test_no_event_shows_a_key(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.error(401, "bad key"))
    hooks = recorder_for(facade)
    client = facade.client(
        base_url=f"{server.base_url}?key={KEY}", api_key=KEY, hooks=[hooks], max_retries=0
    )
    with pytest.raises(llmclient.AuthenticationError):
        client.chat(MODEL, HELLO)
    assert hooks.events("request")[0].url == f"{server.base_url}/chat/completions?key=***"
    assert KEY not in repr(hooks.steps)


def test_embed_reports_its_usage_as_prompt_tokens(facade: Facade, server: LocalServer) -> None:
    hooks = recorder_for(facade)
    response = client_for(facade, server, hooks).embed("openai/text-embedding-3-small", "Hi")
    assert hooks.names() == ["request", "end"]
    end = hooks.events("end")[0]
    assert end.method == "embed"
    assert response.usage is not None
    assert end.usage == Usage(
        prompt_tokens=response.usage.prompt_tokens, total_tokens=response.usage.total_tokens
    )


def test_each_page_of_a_model_list_is_a_request_and_the_list_one_end(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(
        Reply.anthropic_models(["claude-a"], has_more=True), Reply.anthropic_models(["claude-b"])
    )
    hooks = recorder_for(facade)
    models = client_for(facade, server, hooks).list_models("anthropic")
    assert [model.id for model in models] == ["claude-a", "claude-b"]
    assert hooks.names() == ["request", "request", "end"]
    assert [event.attempt for event in hooks.events("request")] == [1, 2]
    assert hooks.events("end")[0].usage is None


class Broken(Hooks):
    def on_request(self, event: RequestEvent) -> None:
        raise RuntimeError("broken on_request")

    def on_first_chunk(self, event: FirstChunkEvent) -> None:
        raise RuntimeError("broken on_first_chunk")

    def on_chunk(self, chunk: ChatCompletionChunk) -> None:
        raise RuntimeError("broken on_chunk")

    def on_end(self, event: EndEvent) -> None:
        raise RuntimeError("broken on_end")


class AsyncBroken(AsyncHooks):
    async def on_request(self, event: RequestEvent) -> None:
        raise RuntimeError("broken on_request")

    async def on_first_chunk(self, event: FirstChunkEvent) -> None:
        raise RuntimeError("broken on_first_chunk")

    async def on_chunk(self, chunk: ChatCompletionChunk) -> None:
        raise RuntimeError("broken on_chunk")

    async def on_end(self, event: EndEvent) -> None:
        raise RuntimeError("broken on_end")


def test_a_hook_that_raises_is_logged_and_skipped(
    facade: Facade, server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.enqueue(Reply.openai_stream("Still here."))
    broken = Broken() if facade.name == "sync" else AsyncBroken()
    hooks = recorder_for(facade)
    caplog.set_level(logging.WARNING, logger="llmclient")
    chunks = list(client_for(facade, server, broken, hooks).chat_stream(MODEL, HELLO))
    assert text_of(chunks) == "Still here."
    assert hooks.names() == ["request", "first_chunk"] + ["chunk"] * len(chunks) + ["end"]
    failures = [record for record in caplog.records if "raised; skipped" in record.getMessage()]
    assert len(failures) == 3 + len(chunks)
    assert all(record.levelno == logging.WARNING and record.exc_info for record in failures)
    assert "Broken.on_end" in failures[-1].getMessage()


def test_one_hooks_object_may_be_passed_without_a_list(facade: Facade, server: LocalServer) -> None:
    hooks = recorder_for(facade)
    facade.client(base_url=server.base_url, api_key=KEY, hooks=hooks).chat(MODEL, HELLO)
    assert hooks.names() == ["request", "end"]


def test_a_client_without_overridden_hooks_keeps_none(facade: Facade) -> None:
    choices: list[Any] = [None, [], [Hooks()]]
    if facade.name == "async":
        choices.append([Hooks(), AsyncHooks()])
    for hooks in choices:
        client: Any = facade.client(api_key=KEY, hooks=hooks)
        assert getattr(client, "client", client)._hooks is None


def test_hooks_cost_no_import_until_a_client_has_some() -> None:
    import subprocess
    import sys

    code = (
        "import sys, llmclient\n"
        "llmclient.LlmClient(api_key='k').close()\n"
        "assert 'llmclient._hooks' not in sys.modules and 'llmclient.hooks' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


class Typo(Hooks):
    def on_ends(self, event: EndEvent) -> None:
        """Never called: the name is wrong."""


class AsyncOnEnd(Hooks):
    async def on_end(self, event: EndEvent) -> None:  # type: ignore[override]
        """An async hook given to the blocking client."""


def test_the_blocking_client_refuses_hooks_it_cannot_call() -> None:
    with pytest.raises(TypeError, match=r"AsyncOnEnd\.on_end is async"):
        LlmClient(api_key=KEY, hooks=[AsyncOnEnd()])
    with pytest.raises(
        TypeError, match=r"AsyncHooks is an AsyncHooks, .*give it to AsyncLlmClient"
    ):
        LlmClient(api_key=KEY, hooks=[AsyncHooks()])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="must be instances"):
        LlmClient(api_key=KEY, hooks=[print])  # type: ignore[list-item]


def test_a_misspelled_hook_is_refused_with_a_hint(facade: Facade) -> None:
    with pytest.raises(TypeError, match=r"Typo\.on_ends is not a hook; did you mean 'on_end'"):
        facade.client(api_key=KEY, hooks=[Typo()])


def test_the_asyncio_client_calls_plain_hooks_too(server: LocalServer) -> None:
    server.enqueue(Reply.openai_stream("Plain hooks."))
    hooks = Recorder()

    async def main() -> list[ChatCompletionChunk]:
        async with AsyncLlmClient(base_url=server.base_url, api_key=KEY, hooks=[hooks]) as client:
            return [chunk async for chunk in await client.chat_stream(MODEL, HELLO)]

    chunks = asyncio.run(main())
    assert hooks.names() == ["request", "first_chunk"] + ["chunk"] * len(chunks) + ["end"]


def test_the_hook_types_are_public() -> None:
    for name in ("Hooks", "AsyncHooks"):
        assert getattr(llmclient, name) is getattr(llmclient.hooks, name)
