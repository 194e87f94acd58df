"""The ``llmclient`` command line, run as a reader runs it: ``python -m llmclient ...``.

Each test starts the CLI as a subprocess against a ``LocalServer`` (``--base-url``), with every
provider's key and base URL variable removed from its environment, and checks stdout, stderr,
the exit status and what reached the server. The rarer failures call the same ``main()`` in
this process instead, which is faster.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from llmclient import providers
from llmclient.cli import (
    EXIT_API_ERROR,
    EXIT_AUTH,
    EXIT_BROKEN_PIPE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_RATE_LIMIT,
    EXIT_USAGE,
    main,
)
from llmclient.testing import DEFAULT_TEXT, LocalServer, Reply

CLI = [sys.executable, "-m", "llmclient"]
MODEL = "openai/gpt-4o-mini"
SECRET = "sk-test-cli-secret-0123456789"


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any provider's key or base URL, nor LLMCLIENT_MODEL."""
    env = dict(os.environ)
    for spec in providers():
        for name in (*spec.key_envs, spec.base_url_env):
            env.pop(name or "", None)
    env.pop("LLMCLIENT_MODEL", None)
    env.update(extra)
    return env


def run_cli(
    *args: str, stdin: str | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        env=clean_env() if env is None else dict(env),
        timeout=30,
    )


def chat(
    server: LocalServer, *args: str, stdin: str | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``llmclient chat -m openai/gpt-4o-mini --base-url <server> ARGS``."""
    return run_cli("chat", "-m", MODEL, "--base-url", server.base_url, *args, stdin=stdin, env=env)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local


def test_chat_streams_the_answer_to_stdout(server: LocalServer) -> None:
    result = chat(server, "Tell me a story")
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == DEFAULT_TEXT + "\n"
    assert result.stderr == ""
    body = server.requests[0].json()
    assert body["stream"] is True
    assert body["model"] == "gpt-4o-mini"
    assert body["messages"] == [{"role": "user", "content": "Tell me a story"}]
    assert "stream_options" not in body


@pytest.mark.parametrize("prompt_args", [[], ["-"]], ids=["absent", "dash"])
def test_the_prompt_is_read_from_stdin(server: LocalServer, prompt_args: list[str]) -> None:
    result = chat(server, *prompt_args, stdin="Tell me a story\n")
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == DEFAULT_TEXT + "\n"
    assert server.requests[0].json()["messages"][-1]["content"] == "Tell me a story"


def test_json_prints_one_chunk_per_line_that_joins_to_the_text(server: LocalServer) -> None:
    result = chat(server, "--json", "Hi")
    assert result.returncode == EXIT_OK, result.stderr
    chunks = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(chunks) > 2
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    text = "".join(c["choices"][0]["delta"]["content"] or "" for c in chunks if c["choices"])
    assert text == DEFAULT_TEXT
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_no_stream_asks_for_the_whole_answer(server: LocalServer) -> None:
    result = chat(server, "--no-stream", "--show-usage", "Tell me a story")
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == DEFAULT_TEXT + "\n"
    assert "4 prompt + " in result.stderr
    assert "time to first token" not in result.stderr
    assert server.requests[0].json().get("stream") in (None, False)


def test_no_stream_json_prints_the_completion_as_one_line(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    args = ["chat", "-m", MODEL, "--base-url", server.base_url, "--no-stream", "--json", "Hi"]
    assert main(args) == EXIT_OK  # in this process, as the tests of rarer failures below
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["choices"][0]["message"]["content"] == DEFAULT_TEXT


def test_show_usage_goes_to_stderr_and_asks_for_usage(server: LocalServer) -> None:
    result = chat(server, "--show-usage", "Tell me a story")
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == DEFAULT_TEXT + "\n"
    words = len(DEFAULT_TEXT.split())
    assert f"4 prompt + {words} completion = {words + 4} tokens" in result.stderr
    assert "time to first token" in result.stderr
    assert server.requests[0].json()["stream_options"] == {"include_usage": True}


def test_system_temperature_and_max_tokens_reach_the_request(server: LocalServer) -> None:
    result = chat(
        server, "--system", "Be brief.", "--temperature", "0.2", "--max-tokens", "50", "Hi"
    )
    assert result.returncode == EXIT_OK, result.stderr
    body = server.requests[0].json()
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ]
    assert body["temperature"] == 0.2
    assert body["max_completion_tokens"] == 50


def test_json_schema_file_becomes_the_response_format(server: LocalServer, tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"colour": {"type": "string"}}}
    path = tmp_path / "colour answer.json"
    path.write_text(json.dumps(schema), encoding="utf-8")
    server.enqueue(Reply.openai_stream('{"colour": "blue"}'))
    result = chat(server, "--json-schema", str(path), "A colour?")
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == '{"colour": "blue"}\n'
    assert server.requests[0].json()["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "colour_answer", "schema": schema},
    }


@pytest.mark.parametrize(
    ("reply", "code", "hint"),
    [
        pytest.param(
            Reply.error(401, f"Incorrect API key provided: {SECRET}"),
            EXIT_AUTH,
            "check OPENAI_API_KEY",
            id="401",
        ),
        pytest.param(
            Reply.error(429, headers={"retry-after": "0"}, repeat=5),
            EXIT_RATE_LIMIT,
            "rate limited after 3 attempts",
            id="429",
        ),
        pytest.param(
            Reply.error(500, headers={"retry-after": "0"}, repeat=5),
            EXIT_API_ERROR,
            "try again later",
            id="500",
        ),
    ],
)
def test_api_errors_exit_with_their_own_status(
    server: LocalServer, reply: Reply, code: int, hint: str
) -> None:
    server.enqueue(reply)
    result = chat(server, "Hi", env=clean_env(OPENAI_API_KEY=SECRET))
    assert result.returncode == code
    assert result.stdout == ""
    assert hint in result.stderr
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stderr


@pytest.mark.parametrize(
    ("reply", "code", "says"),
    [
        pytest.param(Reply.error(403), EXIT_AUTH, "may not use this model", id="403"),
        pytest.param(
            Reply.error(404),
            EXIT_API_ERROR,
            "check the model name ('llmclient models -p openai' lists them) and --base-url",
            id="404",
        ),
        pytest.param(Reply.error(400, "Bad temperature"), EXIT_API_ERROR, "Bad temp", id="400"),
        pytest.param(
            Reply.openai_stream("Cut short", done=False, finish_reason=None),
            EXIT_API_ERROR,
            "the answer is incomplete",
            id="cut-stream",
        ),
    ],
)
def test_main_reports_other_failures_in_process(
    server: LocalServer,
    reply: Reply,
    code: int,
    says: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The same main() the script runs, called here: fast, for the rarer failures.
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    server.enqueue(reply)
    assert main(["chat", "-m", MODEL, "--base-url", server.base_url, "Hi"]) == code
    out, err = capsys.readouterr()
    assert err.startswith("llmclient: error: ")
    assert says in err
    assert out in ("", "Cut short")


def test_an_unreachable_server_is_an_api_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound but not listening: connections are refused
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
        assert main(["chat", "-m", MODEL, "--base-url", base_url, "Hi"]) == EXIT_API_ERROR
    assert "could not reach the provider after 3 attempts" in capsys.readouterr().err


def test_a_missing_key_names_the_variable_and_prints_no_key() -> None:
    result = run_cli(
        "chat", "-m", MODEL, "Hi", env=clean_env(ANTHROPIC_API_KEY=SECRET, GEMINI_API_KEY=SECRET)
    )
    assert result.returncode == EXIT_AUTH
    assert result.stderr == "llmclient: error: no API key for openai: set OPENAI_API_KEY\n"
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["chat", "-m", MODEL], "the prompt is empty", id="empty-prompt"),
        pytest.param(["chat", "-m", "opnai/gpt-4o", "Hi"], "Did you mean 'openai'", id="provider"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run_cli(*args, stdin="  \n")
    assert result.returncode == EXIT_USAGE
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_providers_says_which_keys_are_set_without_printing_them() -> None:
    result = run_cli("providers", env=clean_env(OPENAI_API_KEY=SECRET, GOOGLE_API_KEY=SECRET))
    assert result.returncode == EXIT_OK, result.stderr
    assert SECRET not in result.stdout
    # Each row, its columns' padding squeezed to one space, by provider.
    rows = {line.split()[0]: " ".join(line.split()[1:]) for line in result.stdout.splitlines()}
    assert rows["openai"] == "OPENAI_API_KEY yes"
    assert rows["anthropic"] == "ANTHROPIC_API_KEY no"
    assert rows["gemini"] == "GEMINI_API_KEY or GOOGLE_API_KEY yes (GOOGLE_API_KEY)"
    assert rows["ollama"] == "- not needed"
    assert set(rows) == {"PROVIDER"} | {spec.name for spec in providers()}


def test_models_prints_one_id_per_line(server: LocalServer) -> None:
    server.enqueue(
        Reply.json(
            {
                "object": "list",
                "data": [
                    {"id": "gpt-4o", "object": "model", "created": 1, "owned_by": "openai"},
                    {"id": "gpt-4o-mini", "object": "model", "created": 2, "owned_by": "openai"},
                ],
            }
        )
    )
    result = run_cli("models", "-p", "openai", "--base-url", server.base_url)
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == "gpt-4o\ngpt-4o-mini\n"


def test_demo_streams_from_the_local_server_when_no_key_is_set() -> None:
    result = run_cli("demo", "--delay", "0")
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == DEFAULT_TEXT + "\n"
    assert "OPENAI_API_KEY is not set" in result.stderr
    assert "local server" in result.stderr


def test_demo_asks_the_provider_when_its_key_is_set(server: LocalServer) -> None:
    # The provider's own base URL variable points it here, as it could point at a proxy.
    env = clean_env(OPENAI_API_KEY=SECRET, OPENAI_BASE_URL=server.base_url)
    result = run_cli("demo", env=env)
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == DEFAULT_TEXT + "\n"
    assert result.stderr == f"llmclient: demo: streaming from {MODEL}\n"
    assert server.requests[0].headers["authorization"] == f"Bearer {SECRET}"


def test_importing_llmclient_leaves_the_cli_and_the_cli_leaves_testing_unloaded() -> None:
    code = (
        "import sys, llmclient; assert 'llmclient.cli' not in sys.modules; "
        "import llmclient.cli; assert 'llmclient.testing' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


@contextmanager
def slow_chat(server: LocalServer) -> Iterator[subprocess.Popen[bytes]]:
    """A chat whose answer arrives one word every 0.05 s, entered once text has arrived."""
    server.enqueue(Reply.openai_stream(DEFAULT_TEXT * 3, delay=0.05))
    # A child inherits an ignored SIGINT: make sure Python installs its handler in this one.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            [*CLI, "chat", "-m", MODEL, "--base-url", server.base_url, "Tell me a long story"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=clean_env(),
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    with process:
        try:
            assert process.stdout is not None
            assert process.stdout.read(4) == DEFAULT_TEXT[:4].encode()
            yield process
        finally:
            if process.poll() is None:
                process.kill()


def test_ctrl_c_stops_cleanly_and_closes_the_connection(server: LocalServer) -> None:
    with slow_chat(server) as process:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == EXIT_INTERRUPTED
    assert err == b""  # no traceback
    assert len(out) < len(DEFAULT_TEXT * 3)
    assert server.wait_for_open_connections(0)


def test_a_closed_stdout_ends_quietly_and_closes_the_connection(server: LocalServer) -> None:
    with slow_chat(server) as process:  # as `llmclient chat ... | head -c 4` would
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()
        err = process.stderr.read()
        assert process.wait(timeout=30) == EXIT_BROKEN_PIPE
    assert err == b""
    assert server.wait_for_open_connections(0)
