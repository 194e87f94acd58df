"""Cleanup that no cancellation can interrupt, for the async facade on asyncio and on trio.

httpcore shields its own cleanup with anyio's ``CancelScope(shield=True)``, which holds back
trio's and anyio's cancellations but not asyncio's ``Task.cancel()``: a task cancelled while a
response closes leaves its connection busy in the pool for good. So llmclient runs the closes
it starts to their end itself: on trio inside a shielded cancel scope, on asyncio in a task of
its own that the caller waits for, however often the caller is cancelled meanwhile. The
caller's cancellation is raised once the close is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

import httpx

from ._wire import Wire

T = TypeVar("T")

#: Closes handed to the event loop, kept referenced until they finish.
_pending: set[asyncio.Task[Any]] = set()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The asyncio loop running this code, or None (under trio, or in no loop at all)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


async def shielded(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to its end even if the caller is cancelled, then raise the cancellation."""
    loop = _running_loop()
    if loop is None:
        return await _shielded_on_trio(coro)
    task = loop.create_task(coro)
    _pending.add(task)
    task.add_done_callback(_pending.discard)
    cancelled: asyncio.CancelledError | None = None
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError as exc:
            cancelled = exc  # the close goes on: wait for it, then say we were cancelled
    if cancelled is not None:
        if not task.cancelled():
            task.exception()  # retrieved: the cancellation is what the caller hears of
        raise cancelled
    return task.result()


async def _shielded_on_trio(coro: Coroutine[Any, Any, T]) -> T:
    import trio  # httpx runs only on asyncio and trio

    with trio.CancelScope(shield=True):
        result = await coro
    return result  # noqa: RET504  # after the scope: mypy cannot tell it swallows nothing


async def guarded_send(send: Coroutine[Any, Any, httpx.Response], wire: Wire) -> httpx.Response:
    """Await ``send`` (an httpx send), ending the request cleanly if the caller is cancelled;
    the response's close is shielded (see :func:`shielded`).

    On asyncio, httpcore's cleanup inside a send is not safe against every cancellation: one
    that lands just after a connection opens leaves it in the pool half set up and open for
    good, and a second one can cut its cleanup short. So the send runs in a task of its own,
    and the caller's cancellation stops it the one way httpcore always handles: its connection
    is cut, so that it fails as on a dropped connection, or, before it has one, it is cancelled
    once. The caller waits for it to wind down, closes any response it got, and raises its
    cancellation.
    """
    loop = _running_loop()
    if loop is None:
        # trio's cancellation reaches httpcore's cleanup only where it is shielded.
        return _shield_close(await send)
    task = loop.create_task(send)
    try:
        response = await asyncio.shield(task)
    except asyncio.CancelledError:
        if not task.done() and not wire.cut():
            task.cancel()
        await shielded(_settle(task))
        raise
    return _shield_close(response)


def _shield_close(response: httpx.Response) -> httpx.Response:
    """``response``, whose close (by httpx at the body's end, or by llmclient) is shielded."""
    response.stream = _ShieldedClose(response.stream)
    return response


class _ShieldedClose(httpx.AsyncByteStream):
    """A response body whose ``aclose`` runs to its end, whatever cancellation comes."""

    __slots__ = ("_body",)

    def __init__(self, body: Any) -> None:
        self._body = body

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._body.__aiter__()  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        await shielded(self._body.aclose())


async def _settle(task: asyncio.Task[httpx.Response]) -> None:
    """Wait for an abandoned send and close the response it got, if it got one."""
    try:
        response = await task
    except BaseException:  # its failure is no one's news: its caller has left
        return
    await response.aclose()


def close_soon(response: httpx.Response) -> None:
    """Close ``response`` from synchronous code (``__del__``) on the running event loop.

    Does nothing outside an event loop: a loop that is gone has taken the connection with it.
    """
    loop = _running_loop()
    if loop is not None:
        task = loop.create_task(response.aclose())
        _pending.add(task)
        task.add_done_callback(_pending.discard)
        return
    trio = sys.modules.get("trio")
    if trio is None:
        return
    with contextlib.suppress(RuntimeError):  # RuntimeError: not inside trio.run
        trio.lowlevel.spawn_system_task(_close_quietly, response)


async def _close_quietly(response: httpx.Response) -> None:
    # An exception escaping a trio system task would crash the whole run.
    with contextlib.suppress(Exception):  # the connection is gone either way
        await response.aclose()
