"""The command line, ``python -m llmclient.testing``: a :class:`~llmclient.testing.LocalServer`
in the foreground."""

from __future__ import annotations

import argparse
import contextlib
import threading
from collections.abc import Sequence

from ._server import DEFAULT_TEXT, LocalServer


def main(argv: Sequence[str] | None = None) -> int:
    """Serve in the foreground until Ctrl-C: ``python -m llmclient.testing [--port PORT]``."""
    parser = argparse.ArgumentParser(
        prog="python -m llmclient.testing",
        description="Serve an imitation of OpenAI's chat completions API on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any)")
    parser.add_argument(
        "--delay", type=float, default=0.0, help="seconds between streamed events (default: 0)"
    )
    parser.add_argument("--text", default=DEFAULT_TEXT, help="the text of every answer")
    args = parser.parse_args(argv)
    with LocalServer(default_text=args.text, stream_delay=args.delay, port=args.port) as server:
        print(f"Serving an OpenAI-style API at {server.base_url} (Ctrl-C to stop)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0
