"""Import time and what ``import llmclient`` loads, each from fresh interpreter processes.

Every run is a new ``python -c`` process that times its own import statement with
``time.perf_counter`` (so interpreter start-up is not counted) and reports its peak resident
memory; the process's whole wall time is kept too. Runs of the different targets alternate,
so a busy moment on the machine hits them all alike.

Every target is measured as ``pip install`` leaves it, with its bytecode already compiled:
the children share a private bytecode cache (``PYTHONPYCACHEPREFIX``), filled by one
unmeasured import of each target. Without it, a source checkout run with
``PYTHONDONTWRITEBYTECODE`` would compile llmclient's modules on every run while its
dependencies load their installed ``.pyc`` files, and the figure would measure the compiler.
"""

from __future__ import annotations

import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from _clients import installed

DEPS = "httpx, attrs, cattrs, tenacity"
SDKS = ("openai", "anthropic", "litellm")

# Peak memory is read from VmHWM where there is one: on Linux ru_maxrss survives exec, so in a
# child it can report the parent's size at fork instead of the child's own.
_TIMED = """\
import time
start = time.perf_counter()
import {modules}
seconds = time.perf_counter() - start
try:
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
except OSError:
    import resource, sys
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak = peak // 1024 if sys.platform == "darwin" else peak
print(seconds, peak)
"""

_NEW_MODULES = """\
import json, sys
before = set(sys.modules)
import {modules}
print(json.dumps(sorted(set(sys.modules) - before)))
"""

WATCHED = (
    "asyncio",
    "llmclient._async",
    "llmclient.testing",
    "llmclient.cli",
    "llmclient._providers.openai",
    "llmclient._providers.anthropic",
    "llmclient._providers.gemini",
    "llmclient._providers.azure",
    "http.server",
    "socketserver",
    "argparse",
)
"""Modules ``import llmclient`` should leave unloaded until they are used."""


def targets() -> list[tuple[str, str]]:
    """(label, modules to import) for every target installed here."""
    found = [("httpx alone", "httpx"), (f"{DEPS} (llmclient's deps)", DEPS)]
    found.append(("llmclient", "llmclient"))
    found += [(name, name) for name in SDKS if installed(name)]
    return found


@functools.cache
def _environment() -> dict[str, str]:
    """The children's environment: bytecode written to and read from one private cache."""
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="llmclient-bench-pyc-")
    return environment


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=_environment(),
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
    return done.stdout


def measure(runs: int, sdk_runs: int) -> dict[str, dict[str, float]]:
    """Median import seconds, process seconds and peak RSS (MiB) per target label.

    llmclient and its dependencies get ``runs`` processes each; the SDKs, much slower to
    import, get ``sdk_runs``.
    """
    samples: dict[str, list[tuple[float, float, float]]] = {}
    chosen = targets()
    for _, modules in chosen:  # fills the bytecode cache; not measured
        _python(f"import {modules}")
    for index in range(max(runs, sdk_runs)):
        for label, modules in chosen:
            if index >= (sdk_runs if modules in SDKS else runs):
                continue
            start = time.perf_counter()
            try:
                out = _python(_TIMED.format(modules=modules))
            except RuntimeError as exc:
                print(f"  import {modules} failed: {exc}", file=sys.stderr)
                continue
            process = time.perf_counter() - start
            seconds, maxrss_kib = out.split()
            samples.setdefault(label, []).append((float(seconds), process, int(maxrss_kib) / 1024))
    return {
        label: {
            "import": statistics.median(s[0] for s in values),
            "process": statistics.median(s[1] for s in values),
            "rss": statistics.median(s[2] for s in values),
        }
        for label, values in samples.items()
    }


def new_modules(modules: str) -> set[str]:
    """The modules a fresh interpreter loads for ``import {modules}``."""
    return set(json.loads(_python(_NEW_MODULES.format(modules=modules))))


def audit() -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """What ``import llmclient`` loads beyond its deps.

    Returns llmclient's own modules, the other modules only llmclient brings, and for each
    watched module whether it is loaded: ``"not loaded"``, ``"loaded by the deps"`` or
    ``"LOADED"``.
    """
    ours = new_modules("llmclient")
    deps = new_modules(DEPS)
    own = sorted(m for m in ours if m == "llmclient" or m.startswith("llmclient."))
    extra = sorted(m for m in ours - deps if m not in own and not m.startswith("_"))
    states = []
    for module in WATCHED:
        if module not in ours:
            state = "not loaded"
        elif module in deps:
            state = "loaded by the deps"
        else:
            state = "LOADED"
        states.append((module, state))
    return own, extra, states


def slowest_own_modules(count: int = 5) -> list[tuple[str, float]]:
    """llmclient's modules with the most import time of their own (``-X importtime``, ms)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import llmclient"],
        capture_output=True,
        text=True,
        check=True,
        env=_environment(),
    )
    own: list[tuple[str, float]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = (part.strip() for part in line[len("import time:") :].split("|"))
        if name == "llmclient" or name.startswith("llmclient."):
            own.append((name, int(self_us) / 1000))
    return sorted(own, key=lambda item: -item[1])[:count]
