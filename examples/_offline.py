"""The switch the examples share: the real OpenAI API, or a local server when offline.

This is not an example itself. With OPENAI_API_KEY set, the examples talk to OpenAI; without
it, they talk to :class:`llmclient.testing.LocalServer`, which imitates OpenAI's chat
completions API on 127.0.0.1 and needs no key, so every example also runs offline.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from llmclient.testing import LocalServer, Reply

MODEL = os.environ.get("LLMCLIENT_MODEL", "openai/gpt-4o-mini")
"""The model every example asks: set LLMCLIENT_MODEL to try another."""


@contextmanager
def openai_or_local_server(*offline_replies: Reply) -> Iterator[dict[str, Any]]:
    """Yield the keyword arguments for ``LlmClient(...)`` or ``AsyncLlmClient(...)``.

    With OPENAI_API_KEY set this yields ``{}``: the client reads the key from the environment
    and talks to OpenAI. Otherwise it starts a local server, queues ``offline_replies`` for its
    first requests (later requests get its default story), and yields
    ``{"base_url": server.base_url}``. The server stops when the ``with`` block ends.
    """
    if os.environ.get("OPENAI_API_KEY"):
        yield {}
        return
    print("(OPENAI_API_KEY is not set: answering from llmclient.testing's local server)\n")
    with LocalServer(stream_delay=0.005) as server:
        server.enqueue(*offline_replies)
        yield {"base_url": server.base_url}
