"""Every example under examples/ runs offline, against the bundled local server, and says so.

Each file is run as a script, as a reader would run it, once per provider below (its model set
in LLMCLIENT_MODEL) and with the provider keys removed from the environment, so that it answers
from ``llmclient.testing.LocalServer`` in that provider's wire format.
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

#: The model each example is run with, by provider.
MODELS = {
    "openai": "openai/gpt-4o-mini",
    "anthropic": "anthropic/claude-3-5-sonnet-20241022",
}
KEY_VARIABLES = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
#: What the scripted 401 of examples/_offline.py's scripted_failures says, by provider.
REFUSALS = {"openai": "Incorrect API key provided", "anthropic": "invalid x-api-key"}

STORY = [re.escape(DEFAULT_TEXT)]  # the local server's whole story, in order
USAGE = [
    rf"Received {len(DEFAULT_TEXT)} characters",
    r"Usage: \d+ prompt \+ \d+ completion = \d+ tokens",
]
PARAMETERS = ["finish_reason: stop", r"tokens: \d+ prompt, \d+ completion"]


def errors(refusal: str) -> list[str]:
    """What the error examples print, whichever provider's format the failures came in."""
    return [
        rf"AuthenticationError, check your API key: .*{re.escape(refusal)}",
        r"lights the lamp and\nIncompleteStreamError, the stream broke off",
        r"so that sailors\nOverloadedError, the provider stopped mid-answer: .*Overloaded",
        r"\[kept 0 characters\]",
        r"\[kept 69 characters\]",
        r"\[kept 56 characters\]",
    ]


def expected(provider: str) -> dict[str, list[str]]:
    """Patterns each example's output must match offline (an example not listed need only run)."""
    return {
        "demo.py": STORY,
        "basic_streaming.py": STORY,
        "basic_streaming_async.py": STORY,
        "collect_while_printing.py": STORY + USAGE,
        "collect_while_printing_async.py": STORY + USAGE,
        "streaming_with_parameters.py": STORY + PARAMETERS,
        "streaming_with_parameters_async.py": STORY + PARAMETERS,
        "error_handling.py": errors(REFUSALS[provider]),
        "error_handling_async.py": errors(REFUSALS[provider]),
    }


def offline_env(model: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in KEY_VARIABLES.values():
        env.pop(name, None)
    env["LLMCLIENT_MODEL"] = model
    # Import llmclient from this checkout, whatever is installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@pytest.mark.parametrize("provider", MODELS)
def test_every_listed_example_exists(provider: str) -> None:
    assert set(expected(provider)) <= {path.name for path in EXAMPLES}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
@pytest.mark.parametrize("provider", MODELS)
def test_example_runs_offline(provider: str, path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(path.relative_to(ROOT))],
        cwd=ROOT,
        env=offline_env(MODELS[provider]),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Exception ignored" not in result.stderr
    assert f"({KEY_VARIABLES[provider]} is not set: " in result.stdout
    for pattern in expected(provider).get(path.name, []):
        assert re.search(pattern, result.stdout), f"{pattern!r} not in:\n{result.stdout}"
