"""The ``llmclient`` command line: stream answers in a terminal, pipe text in and out.

Run it as ``llmclient`` (the console script) or ``python -m llmclient``::

    llmclient chat -m openai/gpt-4o-mini "Tell me a story"   # streams to stdout
    echo "Tell me a story" | llmclient chat -m anthropic/claude-3-5-haiku-20241022
    llmclient chat -m openai/gpt-4o-mini --json "Hi" | jq .   # one chunk per line
    llmclient providers                                       # which keys are set
    llmclient models -p openai                                # the provider's model ids
    llmclient demo                                            # a story, with or without a key

Stdout carries only the answer (or JSON lines); notes, usage and errors go to stderr. The exit
status says what went wrong (see :data:`EXIT_CODES`). Keys come from the same environment
variables as the library's (``llmclient providers`` lists them) and are never printed.

It uses only :mod:`argparse`, and ``import llmclient`` does not import it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import attrs

from ._core.redact import MASK, scrub_text
from ._providers import PROVIDERS, ProviderSpec, providers
from ._sync import LlmClient
from ._version import __version__
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    InputError,
    InternalServerError,
    LlmError,
    MissingAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from .types import ChatCompletionChunk, Usage

__all__ = [
    "EXIT_API_ERROR",
    "EXIT_AUTH",
    "EXIT_BROKEN_PIPE",
    "EXIT_CODES",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_RATE_LIMIT",
    "EXIT_USAGE",
    "build_parser",
    "main",
]

EXIT_OK = 0
"""The answer was printed in full."""
EXIT_ERROR = 1
"""Anything else: an unexpected error."""
EXIT_USAGE = 2
"""The command line is wrong: a bad option, an empty prompt, an unknown provider (argparse's)."""
EXIT_AUTH = 3
"""No key is set for the provider, or the provider refused it (401, 403)."""
EXIT_RATE_LIMIT = 4
"""The provider still refused with 429 after the retries."""
EXIT_API_ERROR = 5
"""Any other failure talking to the provider: 400, 404, 5xx, connection, timeout, cut stream."""
EXIT_INTERRUPTED = 130
"""Ctrl-C (SIGINT): 128 + 2, as shells report it."""
EXIT_BROKEN_PIPE = 141
"""The reader of stdout went away (``| head``): 128 + SIGPIPE, as shells report it."""

EXIT_CODES: Mapping[int, str] = {
    EXIT_OK: "ok",
    EXIT_ERROR: "other error",
    EXIT_USAGE: "usage error (bad option, empty prompt, unknown provider)",
    EXIT_AUTH: "authentication: no key set, or the key was refused (401, 403)",
    EXIT_RATE_LIMIT: "rate limited (429) after retries",
    EXIT_API_ERROR: "other API error (400, 404, 5xx, connection, timeout, cut stream)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
    EXIT_BROKEN_PIPE: "stdout closed by its reader (| head)",
}
"""Every exit status of the command line, with what it means."""

DEFAULT_DEMO_MODEL = "openai/gpt-4o-mini"
DEMO_PROMPT = "Tell me a short story about a lighthouse."
_PROG = "llmclient"


# --- output ------------------------------------------------------------------------------------


class _Output:
    """Writes the answer to stdout as it arrives, flushing every piece."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.line_open = False

    def write(self, text: str) -> None:
        if text:
            self.stream.write(text)
            self.stream.flush()
            self.line_open = not text.endswith("\n")

    def end_line(self) -> None:
        """End the answer with a newline, unless it ended with one."""
        if self.line_open:
            self.write("\n")

    def end_line_on_terminal(self) -> None:
        """After a cut answer: start a fresh line for the shell, but only on a terminal."""
        if self.line_open and _isatty(self.stream):
            self.end_line()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


def _note(message: str) -> None:
    """A line on stderr, for a person: never the answer."""
    print(f"{_PROG}: {message}", file=sys.stderr, flush=True)


def _scrub(text: str) -> str:
    """``text`` with URL secrets and auth tokens masked, and any key set in the environment
    replaced by ``***`` (a provider may quote the key it refused)."""
    text = scrub_text(text)
    for spec in PROVIDERS.values():
        for variable in spec.key_envs:
            key = os.environ.get(variable, "")
            if len(key) >= 8:  # shorter values would mask ordinary words
                text = text.replace(key, MASK)
    return text


def _dump(value: Any) -> str:
    """One answer object (a chunk, a completion) as one line of JSON."""
    return json.dumps(attrs.asdict(value), ensure_ascii=False) + "\n"


# --- arguments ---------------------------------------------------------------------------------


def _number(kind: type[float] | type[int], least: float, strict: bool) -> Any:
    """An argparse type: a ``kind`` above ``least`` (or at least ``least`` when not strict)."""
    bound = f"more than {least:g}" if strict else f"{least:g} or more"
    noun = "a whole number" if kind is int else "a number"

    def parse(text: str) -> float | int:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {noun}: {text!r}") from None
        if not (value > least if strict else value >= least):
            raise argparse.ArgumentTypeError(f"must be {bound}, got {text}")
        return value

    return parse


_positive_float = _number(float, 0, strict=True)
_non_negative_float = _number(float, 0, strict=False)
_positive_int = _number(int, 1, strict=False)


def _exit_code_table() -> str:
    rows = "\n".join(f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES.items())
    return f"exit status:\n{rows}"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``llmclient`` command, with its subcommands."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Stream answers from many LLM providers, with the keys and providers of the "
        "llmclient library. The answer goes to stdout; notes, usage and errors to stderr.",
        epilog=_exit_code_table(),
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"{_PROG} {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    chat = commands.add_parser(
        "chat",
        help="ask a model; the answer streams to stdout",
        description="Ask a model and stream its answer to stdout as it arrives. The prompt is "
        "the argument, or stdin when it is absent or '-'.",
        epilog=_exit_code_table(),
        formatter_class=formatter,
    )
    chat.set_defaults(run=_run_chat)
    chat.add_argument(
        "prompt", nargs="?", default="-", help="the question (default: read from stdin)"
    )
    _add_model(chat, required=True)
    chat.add_argument("--system", metavar="TEXT", help="a system message sent before the prompt")
    chat.add_argument("--temperature", type=float, metavar="T", help="sampling temperature")
    chat.add_argument(
        "--max-tokens",
        type=_positive_int,
        metavar="N",
        help="the longest answer, in tokens (sent as max_completion_tokens, renamed to "
        "max_tokens for providers that need it)",
    )
    chat.add_argument(
        "--json-schema",
        type=Path,
        metavar="FILE",
        help="answer in JSON following the JSON Schema in FILE (or a whole "
        "{'name', 'schema', 'strict'} object), as response_format json_schema",
    )
    chat.add_argument(
        "--no-stream", action="store_true", help="wait for the whole answer (uses chat())"
    )
    _add_output_options(chat)
    _add_connection(chat)

    providers_command = commands.add_parser(
        "providers",
        help="list the providers, their key variables and whether each key is set",
        description="List the built-in providers, the variable each one reads its key from, "
        "and whether it is set. Keys are never printed.",
    )
    providers_command.set_defaults(run=_run_providers)

    models = commands.add_parser(
        "models",
        help="list a provider's model ids",
        description="Print the ids of the models a provider offers, one per line.",
        epilog=_exit_code_table(),
        formatter_class=formatter,
    )
    models.set_defaults(run=_run_models)
    models.add_argument(
        "-p",
        "--provider",
        required=True,
        help="a provider name, as in 'llmclient providers' (e.g. openai)",
    )
    _add_connection(models)

    demo = commands.add_parser(
        "demo",
        help="stream a story: from the provider when its key is set, else from a local server",
        description="Stream a short story. When the model's provider has its key set, the "
        "provider tells it; otherwise the bundled local server (llmclient.testing) does, "
        "through the same HTTP path. A note on stderr says which.",
        epilog=_exit_code_table(),
        formatter_class=formatter,
    )
    demo.set_defaults(run=_run_demo)
    _add_model(demo, required=False)
    demo.add_argument(
        "--delay",
        type=_non_negative_float,
        default=0.03,
        metavar="SECONDS",
        help="seconds between the local server's words (default: 0.03)",
    )
    _add_output_options(demo)
    return parser


def _add_model(parser: argparse.ArgumentParser, *, required: bool) -> None:
    default = os.environ.get("LLMCLIENT_MODEL") or (None if required else DEFAULT_DEMO_MODEL)
    parser.add_argument(
        "-m",
        "--model",
        default=default,
        required=required and default is None,
        help="provider/model, e.g. openai/gpt-4o-mini (default: $LLMCLIENT_MODEL"
        + ("" if required else f", else {DEFAULT_DEMO_MODEL}")
        + ")",
    )


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help="print each chunk (or the whole completion) as one line of JSON, for piping",
    )
    parser.add_argument(
        "--show-usage",
        action="store_true",
        help="print token usage and the time to the first token on stderr",
    )


def _add_connection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="send requests here instead of the provider's URL (a proxy or a local server; "
        "no key is needed then)",
    )
    parser.add_argument(
        "--timeout",
        type=_positive_float,
        metavar="SECONDS",
        help="give up when connecting, or waiting for the next bytes, takes longer "
        "(default: 5 s to connect, 600 s per read)",
    )


# --- commands ----------------------------------------------------------------------------------


def _client(base_url: str | None, timeout: float | None) -> LlmClient:
    kwargs: dict[str, Any] = {}
    if base_url:
        kwargs["base_url"] = base_url
    if timeout is not None:
        kwargs["timeout"] = timeout
    return LlmClient(**kwargs)


def _run_chat(args: argparse.Namespace, parser: argparse.ArgumentParser, out: _Output) -> int:
    prompt = _read_prompt(args.prompt, parser)
    messages: list[dict[str, Any]] = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": prompt})
    params: dict[str, Any] = {}
    if args.temperature is not None:
        params["temperature"] = args.temperature
    if args.max_tokens is not None:
        params["max_completion_tokens"] = args.max_tokens
    if args.json_schema is not None:
        params["response_format"] = _response_format(args.json_schema, parser)
    with _client(args.base_url, args.timeout) as client:
        if args.no_stream:
            _complete(client, args.model, messages, params, args, out)
        else:
            _stream(client, args.model, messages, params, args, out)
    return EXIT_OK


def _read_prompt(prompt: str, parser: argparse.ArgumentParser) -> str:
    if prompt == "-":
        if _isatty(sys.stdin):
            _note("reading the prompt from stdin; end it with Ctrl-D")
        prompt = sys.stdin.read()
    prompt = prompt.strip()
    if not prompt:
        parser.error("the prompt is empty: give it as an argument or on stdin")
    return prompt


def _response_format(path: Path, parser: argparse.ArgumentParser) -> dict[str, Any]:
    """``response_format`` from a file holding a JSON Schema, or a whole ``json_schema`` object
    (``{"name": ..., "schema": {...}, "strict": ...}``) as OpenAI takes it."""
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        parser.error(f"argument --json-schema: cannot read {str(path)!r}: {exc.strerror}")
    except ValueError as exc:  # invalid JSON or UTF-8
        parser.error(f"argument --json-schema: {str(path)!r} is not valid JSON: {exc}")
    if not isinstance(schema, dict):
        parser.error(f"argument --json-schema: {str(path)!r} must hold a JSON object")
    if isinstance(schema.get("schema"), dict):
        return {"type": "json_schema", "json_schema": schema}
    # OpenAI wants a name of letters, digits, '_' and '-', at most 64 long: take the file's.
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", path.stem).strip("_")[:64] or "response"
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}


def _stream(
    client: LlmClient,
    model: str,
    messages: Sequence[Mapping[str, Any]],
    params: dict[str, Any],
    args: argparse.Namespace,
    out: _Output,
) -> None:
    if args.show_usage:
        params["stream_options"] = {"include_usage": True}
    started = time.monotonic()
    first_token: float | None = None
    with client.chat_stream(model, messages, **params) as stream:
        for chunk in stream:
            if first_token is None and _has_output(chunk):
                first_token = time.monotonic() - started
            if args.json:
                out.write(_dump(chunk))
            else:
                out.write(_text(chunk))
        usage = stream.final_completion().usage if args.show_usage else None
    out.end_line()
    if args.show_usage:
        _show_usage(usage, time.monotonic() - started, first_token)


def _complete(
    client: LlmClient,
    model: str,
    messages: Sequence[Mapping[str, Any]],
    params: dict[str, Any],
    args: argparse.Namespace,
    out: _Output,
) -> None:
    started = time.monotonic()
    completion = client.chat(model, messages, **params)
    if args.json:
        out.write(_dump(completion))
    else:
        for choice in completion.choices:
            if choice.index == 0:
                out.write(choice.message.content or choice.message.refusal or "")
    out.end_line()
    if args.show_usage:
        _show_usage(completion.usage, time.monotonic() - started, None)


def _text(chunk: ChatCompletionChunk) -> str:
    """What the first choice adds to the answer: its text, or a refusal in its place."""
    return "".join(
        choice.delta.content or choice.delta.refusal or ""
        for choice in chunk.choices
        if choice.index == 0
    )


def _has_output(chunk: ChatCompletionChunk) -> bool:
    """Whether a chunk carries the first token: text, reasoning, a refusal or a tool call."""
    return any(
        choice.delta.content
        or choice.delta.reasoning_content
        or choice.delta.refusal
        or choice.delta.tool_calls
        for choice in chunk.choices
    )


def _show_usage(usage: Usage | None, total: float, first_token: float | None) -> None:
    if usage is None:
        tokens = "not reported by the provider"
    else:
        tokens = (
            f"{usage.prompt_tokens} prompt + {usage.completion_tokens} completion"
            f" = {usage.total_tokens} tokens"
        )
    timing = "" if first_token is None else f"; time to first token {first_token:.2f} s"
    _note(f"usage: {tokens}{timing}; total {total:.2f} s")


def _run_providers(args: argparse.Namespace, parser: argparse.ArgumentParser, out: _Output) -> int:
    rows = [("PROVIDER", "KEY VARIABLE", "KEY SET")]
    for spec in providers():
        if not spec.key_envs:
            rows.append((spec.name, "-", "not needed"))
            continue
        found = next((name for name in spec.key_envs if os.environ.get(name)), None)
        if found is None:
            is_set = "no"
        elif len(spec.key_envs) > 1:
            is_set = f"yes ({found})"
        else:
            is_set = "yes"
        rows.append((spec.name, " or ".join(spec.key_envs), is_set))
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    out.write(
        "".join(
            f"{name:<{widths[0]}}  {variable:<{widths[1]}}  {is_set}\n"
            for name, variable, is_set in rows
        )
    )
    return EXIT_OK


def _run_models(args: argparse.Namespace, parser: argparse.ArgumentParser, out: _Output) -> int:
    with _client(args.base_url, args.timeout) as client:
        models = client.list_models(provider=args.provider)
    out.write("".join(f"{model.id}\n" for model in models))
    return EXIT_OK


def _run_demo(args: argparse.Namespace, parser: argparse.ArgumentParser, out: _Output) -> int:
    messages = [{"role": "user", "content": DEMO_PROMPT}]
    params: dict[str, Any] = {"max_completion_tokens": 300}
    with _provider_or_local_server(args) as base_url, _client(base_url, None) as client:
        _stream(client, args.model, messages, params, args, out)
    return EXIT_OK


@contextmanager
def _provider_or_local_server(args: argparse.Namespace) -> Iterator[str | None]:
    """Yield None when the model's provider can be asked (its key is set, or it needs none);
    else start the bundled local server and yield its base URL. A note on stderr says which."""
    spec = _provider_of(args.model)
    variables = spec.key_envs if spec is not None else ()
    if not variables or any(os.environ.get(name) for name in variables):
        _note(f"demo: streaming from {args.model}")
        yield None
        return
    from .testing import LocalServer  # only offline: the server is not needed otherwise

    _note(
        f"demo: {variables[0]} is not set: streaming from the bundled local server "
        "(llmclient.testing)"
    )
    with LocalServer(stream_delay=args.delay) as server:
        yield server.base_url


# --- errors ------------------------------------------------------------------------------------


def _provider_of(model: str | None) -> ProviderSpec | None:
    """The built-in provider of ``provider/model`` (no prefix: openai), or None if unknown."""
    if not model:
        return None
    prefix, slash, _ = model.partition("/")
    return PROVIDERS.get(prefix if slash else "openai")


def _key_variables(provider: str | None) -> str | None:
    """``"GEMINI_API_KEY (or GOOGLE_API_KEY)"`` for a provider, or None if it takes no key."""
    spec = PROVIDERS.get(provider or "")
    if spec is None or not spec.key_envs:
        return None
    first, *others = spec.key_envs
    return first + "".join(f" (or {name})" for name in others)


def _report(exc: LlmError, args: argparse.Namespace) -> int:
    """Say what failed and how to fix it, on stderr; return the exit status."""
    provider = getattr(args, "provider", None)
    if provider is None:
        spec = _provider_of(getattr(args, "model", None))
        provider = spec.name if spec is not None else None
    if isinstance(exc, APIError) and exc.provider:
        provider = exc.provider
    variables = _key_variables(provider)
    code, hint = _classify(exc, args, provider, variables)
    if isinstance(exc, MissingAPIKeyError) and variables:
        _note(f"error: no API key for {provider}: set {variables}")
    else:
        _note(f"error: {_scrub(str(exc))}")
    if hint:
        _note(hint)
    return code


def _classify(
    exc: LlmError, args: argparse.Namespace, provider: str | None, variables: str | None
) -> tuple[int, str]:
    """The exit status for an error, and a hint that names the fix ("" when none helps)."""
    check_key = f"check {variables}" if variables else "check the key"
    if isinstance(exc, MissingAPIKeyError):
        return EXIT_AUTH, ""  # the message itself says which variable to set
    if isinstance(exc, InputError):
        return EXIT_USAGE, ""
    if isinstance(exc, AuthenticationError):
        return EXIT_AUTH, f"the provider refused the key: {check_key}"
    if isinstance(exc, PermissionDeniedError):
        return EXIT_AUTH, f"the key may not use this model or feature: {check_key}"
    attempts = exc.attempts if isinstance(exc, APIError) else 1
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if isinstance(exc, RateLimitError):
        wait = f" (the provider asks for {exc.retry_after:g} s)" if exc.retry_after else ""
        return EXIT_RATE_LIMIT, f"rate limited{tries}: wait and try again{wait}"
    if isinstance(exc, InternalServerError):
        return EXIT_API_ERROR, f"the provider failed{tries}: try again later"
    base_url = getattr(args, "base_url", None)
    if isinstance(exc, NotFoundError) and getattr(args, "model", None):
        listing = f" ('{_PROG} models -p {provider}' lists them)" if provider else ""
        url = " and --base-url" if base_url else ""
        return EXIT_API_ERROR, f"check the model name{listing}{url}"
    if isinstance(exc, NotFoundError) and base_url:
        return EXIT_API_ERROR, "check --base-url"
    if isinstance(exc, APITimeoutError):
        raise_it = ", or raise --timeout" if hasattr(args, "timeout") else ""
        return EXIT_API_ERROR, f"no answer in time{tries}: try again{raise_it}"
    if isinstance(exc, APIConnectionError):
        url = " and --base-url" if base_url else ""
        return EXIT_API_ERROR, f"could not reach the provider{tries}: check the network{url}"
    if isinstance(exc, APIError):
        return EXIT_API_ERROR, ""
    return EXIT_ERROR, ""


def _detach_stdout() -> None:
    """Point stdout at devnull, so that the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


# --- entry point -------------------------------------------------------------------------------

_Command = Callable[[argparse.Namespace, argparse.ArgumentParser, _Output], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    Usage errors exit through argparse (status 2). Errors from the provider are reported on
    stderr, without a traceback, as one of :data:`EXIT_CODES`; so are Ctrl-C (130, after the
    connection is closed) and a closed stdout (141).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    out = _Output(sys.stdout)
    run: _Command = args.run
    try:
        return run(args, parser, out)
    except LlmError as exc:
        out.end_line_on_terminal()
        return _report(exc, args)
    except KeyboardInterrupt:
        # The `with` blocks have closed the stream and the client on the way out.
        out.end_line_on_terminal()
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _detach_stdout()
        return EXIT_BROKEN_PIPE
