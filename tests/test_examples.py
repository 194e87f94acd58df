"""Every example under examples/ runs offline, against the bundled local server, and says so.

Each file is run as a script, as a reader would run it, with the provider keys removed from
the environment so that it answers from ``llmclient.testing.LocalServer``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from llmclient.testing import DEFAULT_TEXT

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(
    path for path in (ROOT / "examples").glob("*.py") if not path.name.startswith("_")
)

STORY = [re.escape(DEFAULT_TEXT)]  # the local server's whole story, in order
USAGE = [
    rf"Received {len(DEFAULT_TEXT)} characters",
    r"Usage: \d+ prompt \+ \d+ completion = \d+ tokens",
]
PARAMETERS = ["finish_reason: stop", r"tokens: \d+ prompt, \d+ completion"]
ERRORS = [
    r"AuthenticationError, .*Incorrect API key provided",
    r"lights the lamp and\nIncompleteStreamError",
    r"so that sailors\nOverloadedError, .*Overloaded",
    r"\[kept 0 characters\]",
    r"\[kept 69 characters\]",
    r"\[kept 56 characters\]",
]

#: Patterns each example's output must match offline (an example not listed need only run).
EXPECTED: dict[str, list[str]] = {
    "demo.py": STORY,
    "basic_streaming.py": STORY,
    "basic_streaming_async.py": STORY,
    "collect_while_printing.py": STORY + USAGE,
    "collect_while_printing_async.py": STORY + USAGE,
    "streaming_with_parameters.py": STORY + PARAMETERS,
    "streaming_with_parameters_async.py": STORY + PARAMETERS,
    "error_handling.py": ERRORS,
    "error_handling_async.py": ERRORS,
}


def offline_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "LLMCLIENT_MODEL"):
        env.pop(name, None)
    # Import llmclient from this checkout, whatever is installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def test_every_listed_example_exists() -> None:
    assert set(EXPECTED) <= {path.name for path in EXAMPLES}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_example_runs_offline(path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(path.relative_to(ROOT))],
        cwd=ROOT,
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Exception ignored" not in result.stderr
    assert "OPENAI_API_KEY is not set" in result.stdout
    for pattern in EXPECTED.get(path.name, []):
        assert re.search(pattern, result.stdout), f"{pattern!r} not in:\n{result.stdout}"
