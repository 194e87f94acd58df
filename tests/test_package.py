"""The public surface: what `import llmclient` exposes and what it leaves unimported."""

from __future__ import annotations

import subprocess
import sys

import llmclient
from llmclient import errors, testing, types


def test_import_leaves_testing_and_dialects_unloaded() -> None:
    code = (
        "import sys, llmclient; print(sorted(m for m in sys.modules if m.startswith('llmclient.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = out.stdout
    assert "llmclient.testing" not in loaded
    assert "llmclient._providers.openai" not in loaded
    for lazy in ("_endpoint_types", "_embeddings", "_models", "_hooks", "hooks", "cli"):
        assert f"'llmclient.{lazy}'" not in loaded


def test_import_loads_no_module_beyond_its_dependencies() -> None:
    code = (
        "import sys; import httpx, attrs, cattrs, tenacity; before = set(sys.modules); "
        "import llmclient; print(' '.join(sorted(set(sys.modules) - before)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    extra = [m for m in out.stdout.split() if m != "llmclient" and not m.startswith("llmclient.")]
    assert extra == []


def test_every_exported_name_exists() -> None:
    for name in llmclient.__all__:
        assert hasattr(llmclient, name), name
        assert name in dir(llmclient)


def test_every_type_is_in_llmclient_types_and_named_from_there() -> None:
    for name in types.__all__:
        assert name in dir(types)
        assert getattr(types, name).__module__ == "llmclient.types", name


def test_every_testing_name_is_in_llmclient_testing_and_named_from_there() -> None:
    for name in testing.__all__:
        assert name in dir(testing)
        value = getattr(testing, name)
        if callable(value):
            assert value.__module__ == "llmclient.testing", name


def test_every_error_is_exported_at_the_top_level() -> None:
    for name in errors.__all__:
        if name != "status_error_class":
            assert getattr(llmclient, name) is getattr(errors, name)


def test_input_errors_are_value_errors_and_llm_errors() -> None:
    for cls in (errors.UnknownProviderError, errors.MissingAPIKeyError, errors.InvalidRequestError):
        assert issubclass(cls, ValueError)
        assert issubclass(cls, llmclient.LlmError)
