"""Decoder linearity: ``llmclient.sse.SSEDecoder`` on one huge event and on many tiny ones.

Each input is decoded at full, half and quarter size; work linear in the input shows as the
same time per MiB at every size (the "per MiB vs full" column stays near 1.00x). The sizes
take turns within each repeat, so a busy moment on the machine hits them all alike.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable

from llmclient.sse import SSEDecoder

MIB = 1024 * 1024
PIECE = 64 * 1024


def single_event(size: int) -> Callable[[], None]:
    """Decode one ``data:`` event of ``size`` bytes, fed in 64 KiB pieces."""
    body = b"data: " + b"x" * size + b"\n\n"
    pieces = [body[i : i + PIECE] for i in range(0, len(body), PIECE)]
    del body

    def run() -> None:
        decoder = SSEDecoder(max_event_size=size + PIECE)
        events = []
        for piece in pieces:
            events += decoder.feed(piece)
        assert len(events) == 1
        assert len(events[0].data) == size

    return run


def tiny_events(count: int) -> tuple[Callable[[], None], int]:
    """Decode ``count`` tiny events given in one feed; also return the input's size."""
    body = b"data: x\n\n" * count

    def run() -> None:
        events = SSEDecoder().feed(body)
        assert len(events) == count

    return run, len(body)


def measure(
    event_mib: int = 64, tiny: int = 100_000, repeats: int = 5
) -> list[tuple[str, float, float, float, float, float]]:
    """Per input: (label, MiB, median seconds, seconds per MiB relative to the full size), then
    the same two figures with the cyclic garbage collector paused during the decode."""
    inputs: list[tuple[str, int, Callable[[], None]]] = []
    for divisor in (1, 2, 4):
        size = event_mib * MIB // divisor
        inputs.append((f"one {size / MIB:g} MiB event, 64 KiB feeds", size, single_event(size)))
    for divisor in (1, 2, 4):
        run, size = tiny_events(tiny // divisor)
        inputs.append((f"{tiny // divisor:,} tiny events, one feed", size, run))
    times: dict[tuple[str, bool], list[float]] = {}
    for _ in range(repeats):
        for paused in (False, True):
            for label, _, run in inputs:
                gc.collect()
                if paused:
                    gc.disable()
                try:
                    start = time.perf_counter()
                    run()
                    elapsed = time.perf_counter() - start
                finally:
                    gc.enable()
                times.setdefault((label, paused), []).append(elapsed)

    def figures(index: int, paused: bool) -> tuple[float, float]:
        label, size, _ = inputs[index]
        full_label, full_size, _ = inputs[index - index % 3]
        seconds = statistics.median(times[(label, paused)])
        full_per_mib = statistics.median(times[(full_label, paused)]) / (full_size / MIB)
        return seconds, seconds / (size / MIB) / full_per_mib

    return [
        (label, size / MIB, *figures(index, False), *figures(index, True))
        for index, (label, size, _) in enumerate(inputs)
    ]
