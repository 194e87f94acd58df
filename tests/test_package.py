"""The public surface: what `import llmclient` exposes and what it leaves unimported."""

from __future__ import annotations

import ast
import inspect
import pickle
import subprocess
import sys
from collections.abc import Collection
from pathlib import Path

import pytest

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
    for dialect in ("openai", "anthropic", "gemini", "azure", "_common", "_vectors"):
        assert f"'llmclient._providers.{dialect}" not in loaded
    for lazy in ("_core.framing", "_core.endpoint_types", "_core.embeddings", "_core.models"):
        assert f"'llmclient.{lazy}'" not in loaded
    for lazy in ("_hooks", "hooks", "cli", "_aws", "_google"):
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


def _module_level_imports(
    path: Path, name: str, modules: Collection[str], *, type_checking: bool = False
) -> set[str]:
    """The llmclient modules ``name`` imports as it loads, and with ``type_checking`` those it
    imports for type checkers only (under ``if TYPE_CHECKING:``) too."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        checking_only = isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        if checking_only and not type_checking:
            continue
        for sub in () if isinstance(node, ast.FunctionDef) else ast.walk(node):
            if isinstance(sub, ast.ImportFrom):
                base = package.split(".")
                target = ".".join(base[: len(base) - sub.level + 1]) if sub.level else ""
                target = ".".join(part for part in (target, sub.module or "") if part)
                for alias in sub.names:  # a submodule, or a name the module defines
                    module = f"{target}.{alias.name}"
                    found.add(module if module in modules else target)
            elif isinstance(sub, ast.Import):
                found.update(alias.name for alias in sub.names)
    return found


def _module_paths() -> dict[str, Path]:
    root = Path(llmclient.__file__).parent
    paths = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return paths


@pytest.mark.parametrize("type_checking", [False, True], ids=["at-import", "with-type-checking"])
def test_no_module_imports_another_that_imports_it_back(type_checking: bool) -> None:
    paths = _module_paths()
    graph = {
        name: (_module_level_imports(path, name, paths, type_checking=type_checking) & paths.keys())
        - {name}
        for name, path in paths.items()
    }

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for step in graph[start] - seen:
            seen.add(step)
            if step == goal or reaches(step, goal, seen):
                return True
        return False

    assert sorted(name for name in graph if reaches(name, name, set())) == []


def test_no_core_module_imports_httpx() -> None:
    core = {
        name: path for name, path in _module_paths().items() if name.startswith("llmclient._core")
    }
    assert "llmclient._core.sse" in core
    importers = []
    for name, path in core.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                imported = [node.module or ""]
            else:
                continue
            if any(module.partition(".")[0] == "httpx" for module in imported):
                importers.append(name)
    assert importers == []


def test_the_public_sse_module_is_the_cores_decoder_named_from_there() -> None:
    from llmclient import sse
    from llmclient._core import sse as core_sse

    for name in sse.__all__:
        assert getattr(sse, name) is getattr(core_sse, name), name
    assert sse.SSEDecoder.__module__ == "llmclient.sse"
    assert sse.ServerSentEvent.__module__ == "llmclient.sse"


def test_dir_lists_only_the_public_names() -> None:
    assert dir(llmclient) == sorted(llmclient.__all__)


@pytest.mark.parametrize("name", ["LlmClient", "AsyncLlmClient", "ChatStream", "AsyncChatStream"])
def test_the_clients_and_streams_are_named_from_llmclient(name: str) -> None:
    cls = getattr(llmclient, name)

    assert repr(cls) == f"<class 'llmclient.{name}'>"
    assert pickle.loads(pickle.dumps(cls)) is cls


@pytest.mark.parametrize("name", ["ChatStream", "AsyncChatStream"])
def test_a_streams_response_is_documented(name: str) -> None:
    assert "httpx.Response" in (inspect.getdoc(getattr(llmclient, name).response) or "")
