"""``--profile``: cProfile over llmclient's per-chunk path, sync and async.

Clients are made and warmed first; only whole streams (request, first chunk, every chunk,
end) run under the profiler. The top functions by their own time (``tottime``) are where a
chunk's microseconds go.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import time
from collections.abc import Callable

from _clients import (
    ANTHROPIC_MODEL,
    API_KEY,
    OPENAI_MODEL,
    base_url,
    llmclient_async,
    llmclient_sync,
)

from llmclient import AsyncLlmClient, LlmClient


def _report(title: str, profiler: cProfile.Profile, chunks: int, seconds: float, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    body = out.getvalue().strip().splitlines()
    # Keep pstats' table (from its header row on); drop its preamble lines.
    start = next((i for i, line in enumerate(body) if line.lstrip().startswith("ncalls")), 0)
    header = (
        f"== profile: {title} ({chunks:,} chunks in {seconds:.3f} s under cProfile, "
        f"{seconds / chunks * 1e6:.1f} us/chunk; top {top} by tottime) =="
    )
    return "\n".join([header, *body[start:]])


def _profiled(run: Callable[[], int], streams: int) -> tuple[cProfile.Profile, int, float]:
    run()  # warm: connection open, lazy imports done, converters built
    profiler = cProfile.Profile()
    count = 0
    start = time.perf_counter()
    profiler.enable()
    for _ in range(streams):
        count += run()
    profiler.disable()
    return profiler, count, time.perf_counter() - start


def profile(origin: str, chunks: int, streams: int, top: int, dialect: str = "openai") -> str:
    """The profile reports of ``streams`` streams of ``chunks`` chunks, sync then async."""
    url = base_url(origin, chunks)
    model = f"openai/{OPENAI_MODEL}" if dialect == "openai" else f"anthropic/{ANTHROPIC_MODEL}"
    reports = []
    with LlmClient(base_url=url, api_key=API_KEY) as client:
        profiler, count, seconds = _profiled(lambda: llmclient_sync(client, model), streams)
    reports.append(_report(f"LlmClient.chat_stream, {dialect}", profiler, count, seconds, top))

    loop = asyncio.new_event_loop()
    aclient = AsyncLlmClient(base_url=url, api_key=API_KEY)
    try:
        profiler, count, seconds = _profiled(
            lambda: loop.run_until_complete(llmclient_async(aclient, model)), streams
        )
    finally:
        loop.run_until_complete(aclient.aclose())
        loop.close()
    reports.append(_report(f"AsyncLlmClient.chat_stream, {dialect}", profiler, count, seconds, top))
    return "\n\n".join(reports)
