"""The machine description and the one table every section adds its rows to."""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

from _clients import OPTIONAL, installed, version

CORE = ("llmclient", "httpx", "attrs", "cattrs", "tenacity")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _core_version(name: str) -> str:
    found = version(name)
    if found is None and name == "llmclient":  # importable from a path, not installed
        import llmclient

        found = f"{llmclient.__version__} ({Path(llmclient.__file__).parent})"
    return found or "?"


def load_average() -> str:
    try:
        return " ".join(f"{load:.2f}" for load in os.getloadavg())
    except OSError:
        return "unknown"


def machine_header() -> list[str]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    cores = f"{os.cpu_count()} cores" + (f" ({usable} usable)" if usable else "")
    implementation = platform.python_implementation()
    versions = ", ".join(f"{name} {_core_version(name)}" for name in CORE)
    optional = ", ".join(
        f"{name} {version(name) or 'not installed'}" for name in (*OPTIONAL, "litellm")
    )
    return [
        f"machine:  {cpu_model()}, {cores}, {platform.system()} {platform.release()}",
        f"python:   {implementation} {platform.python_version()} ({sys.executable})",
        f"versions: {versions}",
        f"optional: {optional}",
        *_sniffio_note(),
        f"load average at start: {load_average()} (1, 5, 15 min)",
    ]


def _sniffio_note() -> list[str]:
    """A warning when sniffio is missing: httpcore 1.0 then pays a failed import per lock."""
    if installed("sniffio"):
        return []
    start = time.perf_counter()
    for _ in range(20):
        with contextlib.suppress(ImportError):
            import sniffio  # noqa: F401
    cost = (time.perf_counter() - start) / 20
    return [
        f"note:     sniffio is not installed: httpcore retries `import sniffio` at every async "
        f"lock setup, {cost * 1e6:.0f} us",
        "          each here, several per async request, floor and llmclient alike "
        "(encode/httpcore#1103)",
    ]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def spread(values: Sequence[float]) -> str:
    """The relative spread of repeated timings: (max - min) / median, as a percentage."""
    if len(values) < 2:
        return "-"
    return f"{(max(values) - min(values)) / statistics.median(values) * 100:.0f}%"


class Section:
    """One titled block of the table: a header row, rows of cells and notes under them."""

    def __init__(self, title: str, columns: Sequence[str]) -> None:
        self.title = title
        self.columns = list(columns)
        self.rows: list[list[str]] = []
        self.notes: list[str] = []

    def add(self, *cells: str) -> None:
        self.rows.append(list(cells))

    def group(self, label: str) -> None:
        """A row that names the rows below it (e.g. sync, async)."""
        self.rows.append([label])

    def note(self, text: str) -> None:
        self.notes.append(text)

    def render(self) -> list[str]:
        table = [self.columns, *(row for row in self.rows if len(row) > 1)]
        widths = [
            max(len(row[i]) for row in table if i < len(row)) for i in range(len(self.columns))
        ]
        lines = [f"== {self.title} =="]

        def line(row: list[str]) -> str:
            first = row[0].ljust(widths[0])
            rest = (cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=False))
            return "  ".join((first, *rest)).rstrip()

        lines.append(line(self.columns))
        for row in self.rows:
            lines.append(f"{row[0]}:" if len(row) == 1 else line(row))
        for note in self.notes:
            lines += textwrap.wrap(note, 100, initial_indent="  ", subsequent_indent="    ")
        return lines


def render(header: list[str], sections: list[Section], footer: list[str]) -> str:
    lines = list(header)
    for section in sections:
        lines.append("")
        lines += section.render()
    lines.append("")
    lines += footer
    return "\n".join(lines)
