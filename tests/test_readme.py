"""Every Python block in the README runs, against the local server instead of OpenAI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import attrs
import pytest

from llmclient import LlmClient, _providers
from llmclient.testing import LocalServer

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs(
    code: str,
    server: LocalServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    for spec in _providers.PROVIDERS.values():  # providers with a base-URL variable answer here
        if spec.base_url_env:
            monkeypatch.setenv(spec.base_url_env, server.base_url)
        for name in spec.key_envs:
            monkeypatch.setenv(name, "readme-test-key")
    if "vertex/" in code:  # Application Default Credentials whose tokens the server issues
        account = tmp_path / "service-account.json"
        account.write_text(json.dumps(server.service_account_info()), encoding="utf-8")
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(account))
        monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "readme-project")
        monkeypatch.setenv("VERTEX_BASE_URL", server.url)
    openai = attrs.evolve(_providers.PROVIDERS["openai"], base_url=server.base_url)
    monkeypatch.setitem(_providers.PROVIDERS, "openai", openai)  # type: ignore[arg-type]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-readme-test")
    namespace: dict[str, object] = {"__name__": "__readme__"}
    exec(compile(code, str(README), "exec"), namespace)
    for value in namespace.values():
        if isinstance(value, LlmClient):  # a script would end here; close what it opened
            value.close()
    if "LocalServer(" not in code:  # that block brings a server of its own
        assert server.request_count >= 1


def test_readme_has_python_blocks() -> None:
    assert len(BLOCKS) >= 6


def test_readme_blocks_pass_mypy_strict_as_user_code(tmp_path: Path) -> None:
    """A user who copies a block into a script and runs ``mypy --strict`` on it sees no
    error: the blocks are checked together, each as a module of its own."""
    from mypy import api

    paths = []
    for i, code in enumerate(BLOCKS):
        path = tmp_path / f"readme_block{i}.py"
        path.write_text(code, encoding="utf-8")
        paths.append(str(path))
    out, err, status = api.run(
        ["--strict", "--cache-dir", str(tmp_path / "cache"), "--no-error-summary", *paths]
    )

    assert status == 0, out + err
