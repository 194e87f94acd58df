"""llmclient's benchmarks: one command runs them all and prints one table.

    make bench                                          # python benchmarks/stream_throughput.py
    python benchmarks/stream_throughput.py --quick      # fewer rounds, 100 streams only
    python benchmarks/stream_throughput.py --only openai,first-chunk
    python benchmarks/stream_throughput.py --profile    # cProfile of llmclient's chunk path

Sections: server (the local server is not the bottleneck), openai and anthropic (stream
consumption, sync and async, against the raw httpx floor and the official SDKs), bedrock (a
ConverseStream in AWS's event-stream framing against llmclient's OpenAI path and a raw httpx
+ botocore decoder floor), first-chunk
(request to first chunk object, warm connection), import (fresh processes), concurrency (100
and 500 async streams at once, with peak memory per open stream) and decoder (SSEDecoder time
against input size).

Every stream comes from a local server in its own process that writes prebuilt bytes
(benchmarks/_server.py). Clients are made and warmed outside the timed regions; the clients
being compared take turns within each round, so a busy moment on the machine hits them all.
httpx-sse and the official openai and anthropic SDKs are measured when installed and skipped
with a note when not: they are never dependencies. Nothing here is a test and nothing asserts
on speed; ratios measured in one run on one machine are the figures to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import _clients as c
import _decoder
import _imports
import httpx
from _report import Section, load_average, machine_header, render, spread
from _server import anthropic_body, http_response, openai_body, running_server

HERE = Path(__file__).resolve().parent
SECTIONS = (
    "server",
    "openai",
    "anthropic",
    "bedrock",
    "first-chunk",
    "import",
    "concurrency",
    "decoder",
)
FIRST_CHUNK_STREAM = 10
"""Content chunks in the short stream of the first-chunk section."""


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def rate(value: float) -> str:
    return f"{value:,.0f}"


class Contender:
    """One way of consuming a stream; ``run`` reads one stream and returns a count or seconds."""

    def __init__(self, label: str, run: Callable[[], Any], *, optional: bool = False) -> None:
        self.label = label
        self.run = run
        self.optional = optional


def warm_up(
    contenders: list[Contender], check: Callable[[Any], bool], notes: list[str]
) -> list[Contender]:
    """Run each contender once; drop an optional one that fails, with a note."""
    alive = []
    for contender in contenders:
        try:
            result = contender.run()
        except Exception as exc:
            if not contender.optional:
                raise
            notes.append(f"{contender.label}: failed ({type(exc).__name__}: {exc}); skipped")
            continue
        if not check(result):
            raise RuntimeError(f"{contender.label}: unexpected result {result!r}")
        alive.append(contender)
    return alive


def timed_rounds(
    contenders: list[Contender], rounds: int, check: Callable[[int], bool]
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall seconds and CPU seconds of this process per stream, for each contender.

    In each round every contender runs once. CPU time leaves out the time other processes
    hold the CPU, so it is the steadier figure on a busy machine; the server's work is in
    its own process and counts in neither.
    """
    wall: dict[str, list[float]] = {contender.label: [] for contender in contenders}
    cpu: dict[str, list[float]] = {contender.label: [] for contender in contenders}
    for _ in range(rounds):
        for contender in contenders:
            gc.collect()
            start, start_cpu = time.perf_counter(), time.process_time()
            count = contender.run()
            wall[contender.label].append(time.perf_counter() - start)
            cpu[contender.label].append(time.process_time() - start_cpu)
            if not check(count):
                raise RuntimeError(f"{contender.label}: read {count} items")
    return wall, cpu


# --- stream consumption --------------------------------------------------------------------


def stream_contenders(
    dialect: str,
    origin: str,
    chunks: int,
    loop: asyncio.AbstractEventLoop,
    stack: ExitStack,
    notes: list[str],
) -> tuple[list[Contender], list[Contender]]:
    """The sync and async contenders for one stream; their clients close with ``stack``."""
    from llmclient import AsyncLlmClient, LlmClient

    url_base = c.base_url(origin, chunks)
    if dialect == "openai":
        url, payload, model = (
            f"{url_base}/chat/completions",
            c.OPENAI_PAYLOAD,
            f"openai/{c.OPENAI_MODEL}",
        )
    else:
        url, payload, model = (
            f"{url_base}/messages",
            c.ANTHROPIC_PAYLOAD,
            f"anthropic/{c.ANTHROPIC_MODEL}",
        )

    http = stack.enter_context(httpx.Client())
    ahttp = httpx.AsyncClient()
    stack.callback(lambda: loop.run_until_complete(ahttp.aclose()))
    client = stack.enter_context(LlmClient(base_url=url_base, api_key=c.API_KEY))
    aclient = AsyncLlmClient(base_url=url_base, api_key=c.API_KEY)
    stack.callback(lambda: loop.run_until_complete(aclient.aclose()))

    def blocking(coroutine: Callable[[], Any]) -> Callable[[], Any]:
        return lambda: loop.run_until_complete(coroutine())

    sync_rows = [
        Contender(
            "raw httpx iter_lines + json.loads (floor)", lambda: c.floor_sync(http, url, payload)
        )
    ]
    async_rows = [
        Contender(
            "raw httpx aiter_lines + json.loads (floor)",
            blocking(lambda: c.floor_async(ahttp, url, payload)),
        )
    ]
    if c.installed("httpx_sse"):
        sync_rows.append(
            Contender(
                "httpx-sse iter_sse + json.loads",
                lambda: c.httpx_sse_sync(http, url, payload),
                optional=True,
            )
        )
        async_rows.append(
            Contender(
                "httpx-sse aiter_sse + json.loads",
                blocking(lambda: c.httpx_sse_async(ahttp, url, payload)),
                optional=True,
            )
        )
    else:
        notes.append("httpx-sse is not installed: skipped (pip install httpx-sse to compare)")
    sync_rows.append(
        Contender("llmclient LlmClient.chat_stream", lambda: c.llmclient_sync(client, model))
    )
    async_rows.append(
        Contender(
            "llmclient AsyncLlmClient.chat_stream",
            blocking(lambda: c.llmclient_async(aclient, model)),
        )
    )

    sdk = "openai" if dialect == "openai" else "anthropic"
    if not c.installed(sdk):
        notes.append(
            f"the official {sdk} SDK is not installed: skipped (pip install {sdk} to compare)"
        )
    elif dialect == "openai":
        import openai

        sdk_client = openai.OpenAI(api_key=c.API_KEY, base_url=url_base, max_retries=0)
        stack.callback(sdk_client.close)
        sdk_async = openai.AsyncOpenAI(api_key=c.API_KEY, base_url=url_base, max_retries=0)
        stack.callback(lambda: loop.run_until_complete(sdk_async.close()))
        sync_rows.append(
            Contender(
                "openai SDK chat.completions.create(stream=True)",
                lambda: c.openai_sync(sdk_client),
                optional=True,
            )
        )
        async_rows.append(
            Contender(
                "openai SDK AsyncOpenAI chat.completions.create",
                blocking(lambda: c.openai_async(sdk_async)),
                optional=True,
            )
        )
    else:
        import anthropic

        # The SDK appends /v1/messages itself.
        sdk_url = url_base.removesuffix("/v1")
        asdk_client = anthropic.Anthropic(api_key=c.API_KEY, base_url=sdk_url, max_retries=0)
        stack.callback(asdk_client.close)
        asdk_async = anthropic.AsyncAnthropic(api_key=c.API_KEY, base_url=sdk_url, max_retries=0)
        stack.callback(lambda: loop.run_until_complete(asdk_async.close()))
        sync_rows.append(
            Contender(
                "anthropic SDK messages.create(stream=True)",
                lambda: c.anthropic_sync(asdk_client),
                optional=True,
            )
        )
        async_rows.append(
            Contender(
                "anthropic SDK AsyncAnthropic messages.create",
                blocking(lambda: c.anthropic_async(asdk_async)),
                optional=True,
            )
        )
    return sync_rows, async_rows


def stream_section(
    dialect: str, origin: str, args: argparse.Namespace, rates: dict[str, float]
) -> Section:
    """Chunks per second for one stream of ``args.chunks`` content chunks, sync and async."""
    name = "OpenAI" if dialect == "openai" else "Anthropic"
    section = Section(
        f"Stream consumption: {args.chunks:,}-chunk {name} stream, "
        f"median of {args.rounds} rounds, warm clients",
        ["client", "chunks/s", "vs floor", "CPU us/chunk", "vs floor", "spread"],
    )
    # Every contender reads the content chunks plus a few framing items (role, finish, ...).

    def check(count: Any) -> bool:
        return bool(args.chunks <= count <= args.chunks + 10)

    loop = asyncio.new_event_loop()
    try:
        with ExitStack() as stack:
            sync_rows, async_rows = stream_contenders(
                dialect, origin, args.chunks, loop, stack, section.notes
            )
            progress(f"{dialect}: warming up {len(sync_rows) + len(async_rows)} clients")
            sync_rows = warm_up(sync_rows, check, section.notes)
            async_rows = warm_up(async_rows, check, section.notes)
            progress(f"{dialect}: {args.rounds} rounds")
            seconds, cpu = timed_rounds(sync_rows + async_rows, args.rounds, check)
    finally:
        loop.close()

    def per_second(label: str) -> float:
        return args.chunks / statistics.median(seconds[label])

    def cpu_us(label: str) -> float:
        return statistics.median(cpu[label]) / args.chunks * 1e6

    for mode, rows in (("sync", sync_rows), ("async", async_rows)):
        section.group(mode)
        floor, floor_cpu = per_second(rows[0].label), cpu_us(rows[0].label)
        for row in rows:
            value = per_second(row.label)
            rates[f"{dialect} {mode} {row.label}"] = value
            section.add(
                f"  {row.label}",
                rate(value),
                f"{value / floor:.2f}x",
                f"{cpu_us(row.label):.1f}",
                f"{floor_cpu / cpu_us(row.label):.2f}x",
                spread(seconds[row.label]),
            )
        ours = next(row for row in rows if row.label.startswith("llmclient"))
        sdk = next((row for row in rows if "SDK" in row.label), None)
        if sdk is not None:
            times = per_second(ours.label) / per_second(sdk.label)
            section.note(f"{mode}: llmclient is {times:.1f}x the official SDK's chunks/s")
    section.note(
        f"chunks/s = {args.chunks:,} content chunks / median wall seconds per whole stream "
        "(request to end); CPU us/chunk = median CPU time of this process per stream / chunks, "
        "steadier when other processes share the machine; spread = (max - min) / median of the "
        "rounds' wall times"
    )
    if dialect == "openai":
        section.note("each chunk carries a random `obfuscation` member, as OpenAI sends by default")
    return section


def bedrock_section(origin: str, args: argparse.Namespace) -> Section:
    """Chunks per second for a ConverseStream of ``args.chunks`` text deltas, sync and async,
    against llmclient's own OpenAI SSE path over the same number of chunks."""
    from llmclient import AsyncLlmClient, LlmClient

    section = Section(
        f"Bedrock: {args.chunks:,}-chunk ConverseStream (AWS event-stream), median of "
        f"{args.rounds} rounds, warm clients",
        ["client", "chunks/s", "vs OpenAI path", "CPU us/chunk", "spread"],
    )

    def check(count: Any) -> bool:
        return bool(args.chunks <= count <= args.chunks + 10)

    base = c.base_url(origin, args.chunks)
    url = f"{base}/model/{c.BEDROCK_MODEL}/converse-stream"
    bedrock, openai = f"bedrock/{c.BEDROCK_MODEL}", f"openai/{c.OPENAI_MODEL}"
    loop = asyncio.new_event_loop()
    try:
        with ExitStack() as stack:
            http = stack.enter_context(httpx.Client())
            ahttp = httpx.AsyncClient()
            stack.callback(lambda: loop.run_until_complete(ahttp.aclose()))
            client = stack.enter_context(LlmClient(base_url=base, api_key=c.API_KEY))
            aclient = AsyncLlmClient(base_url=base, api_key=c.API_KEY)
            stack.callback(lambda: loop.run_until_complete(aclient.aclose()))

            def blocking(coroutine: Callable[[], Any]) -> Callable[[], Any]:
                return lambda: loop.run_until_complete(coroutine())

            rows = {
                "sync": [
                    Contender(
                        "LlmClient openai/ chat_stream (SSE)",
                        lambda: c.llmclient_sync(client, openai),
                    ),
                    Contender(
                        "LlmClient bedrock/ chat_stream", lambda: c.llmclient_sync(client, bedrock)
                    ),
                ],
                "async": [
                    Contender(
                        "AsyncLlmClient openai/ chat_stream (SSE)",
                        blocking(lambda: c.llmclient_async(aclient, openai)),
                    ),
                    Contender(
                        "AsyncLlmClient bedrock/ chat_stream",
                        blocking(lambda: c.llmclient_async(aclient, bedrock)),
                    ),
                ],
            }
            if c.installed("botocore"):
                rows["sync"].append(
                    Contender(
                        "raw httpx + botocore EventStreamBuffer + json.loads",
                        lambda: c.eventstream_floor_sync(http, url, c.BEDROCK_PAYLOAD),
                        optional=True,
                    )
                )
                rows["async"].append(
                    Contender(
                        "raw httpx async + botocore EventStreamBuffer + json.loads",
                        blocking(lambda: c.eventstream_floor_async(ahttp, url, c.BEDROCK_PAYLOAD)),
                        optional=True,
                    )
                )
            else:
                section.notes.append("botocore is not installed: its decoder's floor is skipped")
            progress("bedrock: warming up")
            for mode in rows:
                rows[mode] = warm_up(rows[mode], check, section.notes)
            progress(f"bedrock: {args.rounds} rounds")
            seconds, cpu = timed_rounds(rows["sync"] + rows["async"], args.rounds, check)
    finally:
        loop.close()
    for mode, contenders in rows.items():
        section.group(mode)
        reference = args.chunks / statistics.median(seconds[contenders[0].label])
        for row in contenders:
            value = args.chunks / statistics.median(seconds[row.label])
            section.add(
                f"  {row.label}",
                rate(value),
                f"{value / reference:.2f}x",
                f"{statistics.median(cpu[row.label]) / args.chunks * 1e6:.1f}",
                spread(seconds[row.label]),
            )
    section.note(
        "the Bedrock stream's events each carry a random `p` padding member, as AWS sends them; "
        "the target is at least 0.8x the OpenAI path's chunks/s"
    )
    return section


# --- the server is not the bottleneck ------------------------------------------------------


def measure_server(origin: str, args: argparse.Namespace) -> dict[str, tuple[int, float]]:
    """Seconds for a raw socket reader (counting bytes only) to read each full response."""
    found = {}
    for dialect, build, route in (
        ("openai", openai_body, "chat/completions"),
        ("anthropic", anthropic_body, "messages"),
    ):
        size = len(http_response(build(args.chunks), args.framing))
        path = f"/c/{args.chunks}/v1/{route}"
        reader = c.SocketReader(origin, path, size)
        try:
            reader()  # warm
            times = []
            for _ in range(max(args.rounds, 5) * 4):
                start = time.perf_counter()
                reader()
                times.append(time.perf_counter() - start)
        finally:
            reader.close()
        found[dialect] = (size, statistics.median(times))
    return found


def server_section(
    measured: dict[str, tuple[int, float]], chunks: int, rates: dict[str, float]
) -> Section:
    section = Section(
        "Server: separate process, prebuilt bytes, keep-alive (raw socket reader counting bytes)",
        ["response", "MiB", "MiB/s", "chunks/s", "x fastest client"],
    )
    for dialect, (size, seconds) in measured.items():
        fastest = max(
            (value for key, value in rates.items() if key.startswith(dialect)), default=0.0
        )
        per_second = chunks / seconds
        section.add(
            f"{chunks:,}-chunk {dialect} stream",
            f"{size / 2**20:.2f}",
            f"{size / 2**20 / seconds:,.0f}",
            rate(per_second),
            f"{per_second / fastest:.0f}x" if fastest else "-",
        )
    section.note(
        "x fastest client = how many times faster the server delivers than the fastest client reads"
    )
    return section


# --- time to first chunk -------------------------------------------------------------------


def first_chunk_section(origin: str, args: argparse.Namespace) -> Section:
    from llmclient import AsyncLlmClient, LlmClient

    requests = args.first_chunk_requests
    section = Section(
        f"Time to first chunk: {FIRST_CHUNK_STREAM}-chunk OpenAI stream, warm connection, "
        f"median of {requests} requests",
        ["client", "median ms", "p90 ms", "vs floor"],
    )
    url_base = c.base_url(origin, FIRST_CHUNK_STREAM)
    url = f"{url_base}/chat/completions"
    model = f"openai/{c.OPENAI_MODEL}"
    loop = asyncio.new_event_loop()

    def blocking(coroutine: Callable[[], Any]) -> Callable[[], Any]:
        return lambda: loop.run_until_complete(coroutine())

    try:
        with ExitStack() as stack:
            http = stack.enter_context(httpx.Client())
            ahttp = httpx.AsyncClient()
            stack.callback(lambda: loop.run_until_complete(ahttp.aclose()))
            client = stack.enter_context(LlmClient(base_url=url_base, api_key=c.API_KEY))
            aclient = AsyncLlmClient(base_url=url_base, api_key=c.API_KEY)
            stack.callback(lambda: loop.run_until_complete(aclient.aclose()))
            groups = {
                "sync": [
                    Contender(
                        "raw httpx iter_lines + json.loads (floor)",
                        lambda: c.floor_first_sync(http, url, c.OPENAI_PAYLOAD),
                    ),
                    Contender(
                        "llmclient LlmClient.chat_stream",
                        lambda: c.llmclient_first_sync(client, model),
                    ),
                ],
                "async": [
                    Contender(
                        "raw httpx aiter_lines + json.loads (floor)",
                        blocking(lambda: c.floor_first_async(ahttp, url, c.OPENAI_PAYLOAD)),
                    ),
                    Contender(
                        "llmclient AsyncLlmClient.chat_stream",
                        blocking(lambda: c.llmclient_first_async(aclient, model)),
                    ),
                ],
            }
            if c.installed("openai"):
                import openai

                sdk = openai.OpenAI(api_key=c.API_KEY, base_url=url_base, max_retries=0)
                stack.callback(sdk.close)
                asdk = openai.AsyncOpenAI(api_key=c.API_KEY, base_url=url_base, max_retries=0)
                stack.callback(lambda: loop.run_until_complete(asdk.close()))
                groups["sync"].append(
                    Contender(
                        "openai SDK chat.completions.create",
                        lambda: c.openai_first_sync(sdk),
                        optional=True,
                    )
                )
                groups["async"].append(
                    Contender(
                        "openai SDK AsyncOpenAI chat.completions.create",
                        blocking(lambda: c.openai_first_async(asdk)),
                        optional=True,
                    )
                )
            progress(f"first-chunk: {requests} requests per client")
            for mode, contenders in groups.items():
                for _ in range(max(requests // 10, 5)):
                    contenders = warm_up(contenders, lambda seconds: seconds > 0, section.notes)
                groups[mode] = contenders
                samples = {contender.label: [] for contender in contenders}
                for _ in range(requests):
                    for contender in contenders:
                        samples[contender.label].append(contender.run())
                section.group(mode)
                floor = statistics.median(samples[contenders[0].label])
                for contender in contenders:
                    values = samples[contender.label]
                    median = statistics.median(values)
                    p90 = statistics.quantiles(values, n=10)[8]
                    section.add(
                        f"  {contender.label}",
                        f"{median * 1e3:.3f}",
                        f"{p90 * 1e3:.3f}",
                        f"{(median - floor) * 1e3:+.3f} ms",
                    )
    finally:
        loop.close()
    section.note(
        "from the call that sends the request to the first parsed chunk; the rest of each "
        "stream is read after it, untimed"
    )
    return section


# --- import time ---------------------------------------------------------------------------


def import_section(args: argparse.Namespace) -> Section:
    runs = args.import_runs
    sdk_runs = max(3, runs // 2)
    section = Section(
        f"Import: median of {runs} fresh processes each (SDKs: {sdk_runs})",
        ["import", "import ms", "vs deps", "process ms", "vs deps", "peak RSS MiB"],
    )
    progress(f"import: {runs} fresh processes per target ({sdk_runs} per SDK)")
    measured = _imports.measure(runs, sdk_runs)
    deps = next(values for label, values in measured.items() if "deps" in label)
    for label, values in measured.items():
        section.add(
            label,
            f"{values['import'] * 1e3:.0f}",
            f"{values['import'] / deps['import']:.2f}x",
            f"{values['process'] * 1e3:.0f}",
            f"{values['process'] / deps['process']:.2f}x",
            f"{values['rss']:.0f}",
        )
    for name in _imports.SDKS:
        if not c.installed(name):
            section.note(f"{name} is not installed: skipped")
    own, extra, states = _imports.audit()
    section.note(
        "import ms: the import statement alone, timed inside the process; process ms: the whole "
        "`python -c` (interpreter start-up included); every target's bytecode is compiled "
        "once, unmeasured, into a private cache first, as pip install leaves it"
    )
    names = ", ".join(name.removeprefix("llmclient") or "llmclient" for name in own)
    section.note(f"`import llmclient` loads {len(own)} of its modules: {names}")
    section.note("and beyond its deps' modules: " + (", ".join(extra) or "nothing else"))
    watched = "; ".join(f"{module} {state}" for module, state in states)
    section.note(f"must wait until used: {watched}")
    slowest = ", ".join(f"{name} {ms:.1f}" for name, ms in _imports.slowest_own_modules())
    section.note(f"slowest own modules (ms of their own, -X importtime, one run): {slowest}")
    return section


# --- concurrency ---------------------------------------------------------------------------


def concurrency_section(origin: str, args: argparse.Namespace) -> Section:
    chunks = args.concurrency_chunks
    rounds = args.concurrency_rounds
    pool = args.concurrency_pool
    section = Section(
        f"Concurrency: async streams of {chunks:,} chunks all open at once, {pool} pool, "
        "a fresh process per run" + (f", median of {rounds} runs" if rounds > 1 else ""),
        [
            "client",
            "chunks/s",
            "vs floor",
            "CPU us/chunk",
            "vs floor",
            "open s",
            "total s",
            "peak KiB/stream",
        ],
    )
    clients = ("socket", "floor", "llmclient")
    results: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for index in range(rounds):
        for streams in args.concurrency:
            for client in clients:
                progress(f"concurrency: {streams} streams, {client}, run {index + 1} of {rounds}")
                command = [sys.executable, str(HERE / "_concurrency.py"), origin, client]
                command += [str(streams), str(chunks), pool]
                done = subprocess.run(
                    command, capture_output=True, text=True, timeout=900, check=False
                )
                if done.returncode != 0:
                    raise RuntimeError(f"concurrency run {command[2:]} failed:\n{done.stderr}")
                results.setdefault((streams, client), []).append(json.loads(done.stdout))
    labels = {
        "socket": "raw asyncio socket, count bytes (server capacity)",
        "floor": "raw httpx aiter_lines + json.loads (floor)",
        "llmclient": "llmclient AsyncLlmClient.chat_stream",
    }
    exact = all(run["peak_exact"] for runs in results.values() for run in runs)
    for streams in args.concurrency:

        def median(client: str, key: str, streams: int = streams) -> float:
            return statistics.median(run[key] for run in results[(streams, client)])

        def per_stream(client: str, streams: int = streams) -> float:
            runs = results[(streams, client)]
            return statistics.median((run["peak_kib"] - run["base_kib"]) / streams for run in runs)

        section.group(f"{streams} streams")
        floor = streams * chunks / median("floor", "seconds")
        floor_cpu = median("floor", "cpu_seconds") / (streams * chunks) * 1e6
        for client in clients:
            value = streams * chunks / median(client, "seconds")
            cpu = median(client, "cpu_seconds") / (streams * chunks) * 1e6
            section.add(
                f"  {labels[client]}",
                rate(value),
                f"{value / floor:.2f}x",
                f"{cpu:.1f}",
                f"{floor_cpu / cpu:.2f}x",
                f"{median(client, 'open_seconds'):.2f}",
                f"{median(client, 'seconds'):.2f}",
                f"{per_stream(client):,.0f}",
            )
    section.note(
        "open s: until every stream has delivered its first chunk; chunks/s: all streams' chunks "
        "over total s; CPU us/chunk: this process's CPU time over all chunks"
    )
    section.note(
        "peak KiB/stream: (VmHWM during the run - VmRSS before it) / streams"
        + ("" if exact else " (VmHWM could not be reset here: a lower bound)")
    )
    if pool == "cold":
        how = "the round opens the connections (--concurrency-pool warm opens them before it)"
    else:
        how = (
            "the pool was warmed first, and httpcore 1.0's pool bookkeeping, counting every "
            "connection for each idle one (encode/httpcore#1000), weighs on both"
        )
    section.note(
        f"floor and llmclient each use one httpx.AsyncClient with llmclient's pool limits; {how}"
    )
    return section


# --- decoder -------------------------------------------------------------------------------


def decoder_section(args: argparse.Namespace) -> Section:
    repeats = args.decoder_repeats
    section = Section(
        f"Decoder linearity: llmclient.sse.SSEDecoder, median of {repeats}",
        ["input", "MiB", "ms", "ms/MiB", "vs full", "gc paused: ms", "vs full"],
    )
    progress("decoder: linearity")
    rows = _decoder.measure(args.decoder_mib, args.decoder_events, repeats)
    for label, mib, seconds, relative, paused, paused_relative in rows:
        section.add(
            label,
            f"{mib:.2f}",
            f"{seconds * 1e3:.1f}",
            f"{seconds * 1e3 / mib:.1f}",
            f"{relative:.2f}x",
            f"{paused * 1e3:.1f}",
            f"{paused_relative:.2f}x",
        )
    section.note(
        "vs full: ms/MiB relative to the full-size input of the same kind; linear work keeps it "
        "near 1.00x at half and quarter size. 'gc paused' decodes with the cyclic garbage "
        "collector off, which separates the decoder's own work from the collector's passes over "
        "the events it holds"
    )
    return section


# --- main ----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="3 rounds, fewer requests and runs, 100 streams only"
    )
    parser.add_argument(
        "--only", default="", help=f"comma-separated sections to run: {','.join(SECTIONS)}"
    )
    parser.add_argument("--skip", default="", help="comma-separated sections to leave out")
    parser.add_argument(
        "--rounds", type=int, help="rounds per stream contender (default 5, quick 3)"
    )
    parser.add_argument(
        "--chunks", type=int, default=10_000, help="content chunks per stream (10,000)"
    )
    parser.add_argument(
        "--first-chunk-requests", type=int, help="requests per client (default 300, quick 100)"
    )
    parser.add_argument(
        "--import-runs", type=int, help="fresh processes per import (default 7, quick 3)"
    )
    parser.add_argument(
        "--concurrency", help="comma-separated stream counts (default 100,500; quick 100)"
    )
    parser.add_argument("--concurrency-chunks", type=int, default=1_000)
    parser.add_argument("--concurrency-rounds", type=int, default=1, help="runs per scenario (1)")
    parser.add_argument(
        "--concurrency-pool",
        choices=("cold", "warm"),
        default="cold",
        help="open the connections in the timed round (cold, default) or before it (warm)",
    )
    parser.add_argument("--decoder-mib", type=int, default=64, help="size of the single event (64)")
    parser.add_argument("--decoder-events", type=int, default=100_000, help="tiny events (100,000)")
    parser.add_argument("--decoder-repeats", type=int, help="runs per input, median (5)")
    parser.add_argument(
        "--framing",
        choices=("length", "chunked"),
        default="length",
        help="the server's body framing: content-length (default) or one HTTP chunk per event",
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile llmclient's chunk path instead"
    )
    parser.add_argument("--profile-streams", type=int, default=5, help="streams per profile (5)")
    parser.add_argument("--profile-top", type=int, default=20, help="functions listed (20)")
    parser.add_argument("--profile-dialect", choices=("openai", "anthropic"), default="openai")
    args = parser.parse_args(argv)

    def pick(value: Any, default: Any, quick: Any) -> Any:
        return value if value is not None else (quick if args.quick else default)

    args.rounds = pick(args.rounds, 5, 3)
    args.first_chunk_requests = pick(args.first_chunk_requests, 300, 100)
    args.import_runs = pick(args.import_runs, 7, 3)
    args.decoder_repeats = pick(args.decoder_repeats, 5, 5)
    args.concurrency = [int(n) for n in pick(args.concurrency, "100,500", "100").split(",") if n]
    only = [name for name in args.only.split(",") if name]
    skip = [name for name in args.skip.split(",") if name]
    unknown = sorted(set(only + skip) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown sections {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    args.sections = [name for name in SECTIONS if (not only or name in only) and name not in skip]
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    framing = {
        "length": "content-length bodies",
        "chunked": "chunked bodies, one HTTP chunk per event",
    }[args.framing]
    header = ["llmclient benchmarks", *machine_header(), f"server:   {framing}"]
    if args.profile:
        from _profile import profile

        with running_server(args.framing, warm=(args.chunks,)) as origin:
            progress(
                f"profiling {args.profile_streams} streams of {args.chunks:,} chunks, "
                "sync and async"
            )
            report = profile(
                origin, args.chunks, args.profile_streams, args.profile_top, args.profile_dialect
            )
        print("\n".join(header) + "\n\n" + report)
        return

    chosen = set(args.sections)
    sections: list[Section] = []
    rates: dict[str, float] = {}
    server: dict[str, tuple[int, float]] = {}
    warm = (args.chunks, FIRST_CHUNK_STREAM, args.concurrency_chunks, 1)
    with running_server(args.framing, warm=warm) as origin:
        progress(
            f"server at {origin}, framing {args.framing}; sections: {', '.join(args.sections)}"
        )
        if "server" in chosen:
            server = measure_server(origin, args)
        for dialect in ("openai", "anthropic"):
            if dialect in chosen:
                sections.append(stream_section(dialect, origin, args, rates))
        if "bedrock" in chosen:
            sections.append(bedrock_section(origin, args))
        if "first-chunk" in chosen:
            sections.append(first_chunk_section(origin, args))
        if "concurrency" in chosen:
            sections.append(concurrency_section(origin, args))
    if "import" in chosen:
        sections.append(import_section(args))
    if "decoder" in chosen:
        sections.append(decoder_section(args))
    if server:
        sections.insert(0, server_section(server, args.chunks, rates))
    command = " ".join(
        ["python", "benchmarks/stream_throughput.py", *(argv if argv is not None else sys.argv[1:])]
    )
    footer = [
        f"load average at end: {load_average()}; total {time.perf_counter() - started:.0f} s",
        f"command: {command}",
    ]
    print(render(header, sections, footer))


if __name__ == "__main__":
    main()
