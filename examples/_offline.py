"""The switch the examples share: the model's real provider, or a local server when offline.

This is not an example itself. Every example asks :data:`MODEL`. When the key variable of its
provider is set (OPENAI_API_KEY for ``openai/...``, ANTHROPIC_API_KEY for ``anthropic/...``:
each provider's ``api_key_env`` in ``llmclient.providers()``), the examples talk to that
provider. Without it, they talk to :class:`llmclient.testing.LocalServer`, which imitates
OpenAI's and Anthropic's APIs (and more) on 127.0.0.1 and needs no key, so every example also
runs offline.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from llmclient import ProviderSpec, providers
from llmclient.testing import LocalServer, Reply, anthropic_event, openai_chunk, openai_error_event

MODEL = os.environ.get("LLMCLIENT_MODEL", "openai/gpt-4o-mini")
"""The model every example asks: set LLMCLIENT_MODEL to try another, e.g.
``anthropic/claude-3-5-sonnet-20241022``."""


def _provider(model: str) -> ProviderSpec | None:
    """The registry entry for ``model``'s ``provider/`` prefix; None for an unknown prefix (the
    client then raises UnknownProviderError, with close matches, on the first call)."""
    prefix, slash, _ = model.partition("/")
    name = prefix if slash else "openai"  # no prefix: the client's default provider
    return {spec.name: spec for spec in providers()}.get(name)


@contextmanager
def provider_or_local_server(
    *offline_replies: Reply, stream_delay: float = 0.005
) -> Iterator[dict[str, Any]]:
    """Yield the keyword arguments for ``LlmClient(...)`` or ``AsyncLlmClient(...)``.

    When :data:`MODEL`'s provider needs no key, or its key variable is set, this yields ``{}``:
    the client reads the key from the environment and talks to the provider. Otherwise it
    starts a local server, queues ``offline_replies`` for its first requests (later requests
    get its default story, in the wire format of the model's provider), and yields
    ``{"base_url": server.base_url}``, the server sending its words ``stream_delay`` seconds
    apart. The server stops when the ``with`` block ends.
    """
    spec = _provider(MODEL)
    variables = spec.key_envs if spec is not None else ()  # () for ollama & co., and unknowns
    if not variables or any(os.environ.get(name) for name in variables):
        yield {}
        return
    print(f"({variables[0]} is not set: answering from llmclient.testing's local server)\n")
    with LocalServer(stream_delay=stream_delay) as server:
        server.enqueue(*offline_replies)
        yield {"base_url": server.base_url}


def scripted_failures(model: str) -> list[Reply]:
    """Three failing answers, in the wire format of ``model``'s provider, for the error examples.

    The first question gets a 401, the second a stream that stops before its end marker, the
    third an "overloaded" error event in the middle of the answer.
    """
    cut_short = "At night the lighthouse keeper climbs the stairs, lights the lamp and"
    before_error = "Each lighthouse flashes its own pattern, so that sailors"
    spec = _provider(model)
    if spec is not None and spec.dialect == "anthropic":
        return [
            Reply.anthropic_error(401, "invalid x-api-key"),
            # The stream ends without Anthropic's final "message_stop" event.
            Reply.anthropic_stream(cut_short, stop_reason=None, done=False),
            # The provider gives up in the middle of the answer.
            Reply.sse(
                [
                    anthropic_event(
                        "message_start",
                        message={
                            "id": "msg_localserver",
                            "type": "message",
                            "role": "assistant",
                            "model": model.partition("/")[2],
                            "content": [],
                            "stop_reason": None,
                            "stop_sequence": None,
                            "usage": {"input_tokens": 7, "output_tokens": 1},
                        },
                    ),
                    anthropic_event(
                        "content_block_start", index=0, content_block={"type": "text", "text": ""}
                    ),
                    anthropic_event(
                        "content_block_delta",
                        index=0,
                        delta={"type": "text_delta", "text": before_error},
                    ),
                    anthropic_event(
                        "error", error={"type": "overloaded_error", "message": "Overloaded"}
                    ),
                ],
                done=False,
            ),
        ]
    return [
        Reply.error(401, "Incorrect API key provided"),
        # The stream ends without OpenAI's final "data: [DONE]".
        Reply.openai_stream(cut_short, finish_reason=None, done=False),
        # The provider gives up in the middle of the answer.
        Reply.sse(
            [
                openai_chunk(role="assistant", content=""),
                openai_chunk(content=before_error),
                openai_error_event("Overloaded", "overloaded_error"),
            ],
            done=False,
        ),
    ]
