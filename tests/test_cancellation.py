"""Cancelling async calls at any point gives every connection back, on asyncio and on trio.

Hundreds of calls are cancelled after a random number of event-loop steps (seeds fixed here),
so the cancellations land everywhere: while a connection opens, while the request goes out,
right after ``chat_stream`` returns, mid-stream, and while a stream or an answer closes. Then
the httpx pool must hold no request and no connection that is not idle, the server must have
exactly the pool's idle connections open, and none once the client is closed. Counts and
bounds only: nothing depends on how fast the machine is.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from llmclient import AsyncChatStream, AsyncLlmClient
from llmclient.testing import LocalServer

# httpx's and httpcore's body iterators are async generators nested in one another: a body left
# early (as hundreds are here) leaves the inner ones to the garbage collector, and trio warns
# about each (plain httpx on trio does the same). The connections are what these tests check.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Async generator .* garbage collected:ResourceWarning"
)

MODEL = "openai/gpt-4o-mini"
HELLO = [{"role": "user", "content": "Hi"}]
CALLS = 300
AT_ONCE = 20
WORDS = 20  # words in each answer, one chunk each


class Backend:
    """What the tests need of an event loop: run, yield once, cancel a call after n steps."""

    name: str

    def run(self, main: Callable[[], Awaitable[Any]]) -> Any:
        raise NotImplementedError

    async def step(self) -> None:
        raise NotImplementedError

    async def cancel_after(self, steps: int, call: Callable[[], Awaitable[Any]]) -> None:
        """Start ``call``, let ``steps`` loop steps pass, cancel it, and wait for its end."""
        raise NotImplementedError

    async def together(self, calls: list[Callable[[], Awaitable[Any]]]) -> None:
        raise NotImplementedError


class Asyncio(Backend):
    name = "asyncio"

    def run(self, main: Callable[[], Awaitable[Any]]) -> Any:
        return asyncio.run(main())  # type: ignore[arg-type]

    async def step(self) -> None:
        await asyncio.sleep(0)

    async def cancel_after(self, steps: int, call: Callable[[], Awaitable[Any]]) -> None:
        task = asyncio.ensure_future(call())
        for _ in range(steps):
            await asyncio.sleep(0)
        task.cancel()  # asyncio's own cancellation, as a user's code or a timeout does it
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def together(self, calls: list[Callable[[], Awaitable[Any]]]) -> None:
        await asyncio.gather(*(call() for call in calls))


class Trio(Backend):
    name = "trio"

    def __init__(self) -> None:
        import trio

        self.trio = trio

    def run(self, main: Callable[[], Awaitable[Any]]) -> Any:
        return self.trio.run(main)

    async def step(self) -> None:
        await self.trio.lowlevel.checkpoint()

    async def cancel_after(self, steps: int, call: Callable[[], Awaitable[Any]]) -> None:
        with self.trio.CancelScope() as scope:
            async with self.trio.open_nursery() as nursery:
                nursery.start_soon(call)
                for _ in range(steps):
                    await self.trio.lowlevel.checkpoint()
                scope.cancel()

    async def together(self, calls: list[Callable[[], Awaitable[Any]]]) -> None:
        async with self.trio.open_nursery() as nursery:
            for call in calls:
                nursery.start_soon(call)


@pytest.fixture(params=["asyncio", "trio"])
def backend(request: pytest.FixtureRequest) -> Backend:
    return Asyncio() if request.param == "asyncio" else Trio()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer(default_text=" ".join(f"w{i}" for i in range(WORDS))) as local:
        yield local


def one_call(client: AsyncLlmClient, backend: Backend, rng: random.Random) -> Any:
    """One call of a kind picked at random, each reading or closing differently."""
    kind = rng.randrange(5)
    stop_after = rng.randint(1, WORDS)
    pause = rng.randrange(4)

    async def whole_answer() -> None:
        await client.chat(MODEL, HELLO)

    async def read_later() -> None:
        stream = await client.chat_stream(MODEL, HELLO)
        for _ in range(pause):  # the stream lies unused: a cancel here drops it
            await backend.step()
        await stream.final_completion()

    async def leave_with_break() -> None:
        async with await client.chat_stream(MODEL, HELLO) as stream:
            await leave_early(stream)

    async def close_by_hand() -> None:
        stream = await client.chat_stream(MODEL, HELLO)
        await leave_early(stream)
        await stream.aclose()

    async def drop() -> None:
        await leave_early(await client.chat_stream(MODEL, HELLO))

    async def leave_early(stream: AsyncChatStream) -> None:
        count = 0
        async for _ in stream:
            count += 1
            if count == stop_after:
                break

    return (whole_answer, read_later, leave_with_break, close_by_hand, drop)[kind]


def storm(backend: Backend, server: LocalServer, seed: int) -> tuple[int, list[bool], str]:
    """Cancel CALLS calls at random points; then the pool's requests, whether each of its
    connections is idle, and the text of one more call."""
    rng = random.Random(seed)

    async def main() -> tuple[int, list[bool], str]:
        async with AsyncLlmClient(base_url=server.base_url, max_retries=0) as client:
            for _ in range(CALLS // AT_ONCE):
                calls = [one_call(client, backend, rng) for _ in range(AT_ONCE)]
                steps = [rng.randrange(120) for _ in calls]
                await backend.together(
                    [
                        lambda call=call, n=n: backend.cancel_after(n, call)
                        for call, n in zip(calls, steps, strict=True)
                    ]
                )
            gc.collect()  # streams dropped by a cancel close on the loop:
            for _ in range(50):  # let those closes run
                await backend.step()
            # One more call works, and makes the pool forget the connections that closed.
            answer = await client.chat(MODEL, HELLO)
            pool = client._http._transport._pool  # type: ignore[attr-defined]
            idle = [connection.is_idle() for connection in pool.connections]
            # The server has exactly the pool's connections open (a close takes it a moment).
            assert server.wait_for_open_connections(len(idle))
            return len(pool._requests), idle, answer.choices[0].message.content or ""

    result: tuple[int, list[bool], str] = backend.run(main)
    return result


@pytest.mark.parametrize("seed", [12, 2024])
def test_hundreds_of_random_cancels_leave_no_connection_busy(
    backend: Backend, server: LocalServer, seed: int
) -> None:
    requests, idle, text = storm(backend, server, seed)
    assert requests == 0, "requests still in flight in the pool"
    assert all(idle), f"{idle.count(False)} connections stuck busy in the pool"
    assert text.split() == [f"w{i}" for i in range(WORDS)]
    assert server.wait_for_open_connections(0)  # closing the client closed them all


def test_cancelling_each_step_of_a_stream_in_turn_leaves_no_connection_busy(
    backend: Backend, server: LocalServer
) -> None:
    """The same stream cancelled after 0, 1, 2, ... loop steps: every point of it in turn."""

    async def main() -> tuple[int, list[bool]]:
        async with AsyncLlmClient(base_url=server.base_url, max_retries=0) as client:

            async def read_two_then_close() -> None:
                stream = await client.chat_stream(MODEL, HELLO)
                await stream.__anext__()
                await stream.__anext__()
                await stream.aclose()

            for steps in range(80):
                await backend.cancel_after(steps, read_two_then_close)
            await client.chat(MODEL, HELLO)
            pool = client._http._transport._pool  # type: ignore[attr-defined]
            return len(pool._requests), [c.is_idle() for c in pool.connections]

    requests, idle = backend.run(main)
    assert requests == 0
    assert all(idle)
    assert server.wait_for_open_connections(0)
