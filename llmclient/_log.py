"""DEBUG logging under the ``llmclient`` logger: silent unless a handler asks for it.

Every function checks the level first, so a call costs one check when logging is off, and
none is made per chunk. Nothing logged holds a key: URLs go through :func:`safe_url`.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

from .errors import LlmError
from .types import ChatCompletionChunk

logger = logging.getLogger("llmclient")
logger.addHandler(logging.NullHandler())


def safe_url(url: str) -> str:
    """``url`` without user info or query values, which may hold credentials."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    query = "&".join(f"{pair.split('=', 1)[0]}=..." for pair in parts.query.split("&") if pair)
    return urlunsplit((parts.scheme, host, parts.path, query, ""))


def request_sent(provider: str, method: str, url: str) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s: %s %s", provider, method, safe_url(url))


def first_chunk(provider: str, seconds: float) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s: first chunk after %.3fs", provider, seconds)


def stream_ended(provider: str, chunks: list[ChatCompletionChunk]) -> None:
    if not logger.isEnabledFor(logging.DEBUG):
        return
    finish = [c.finish_reason for chunk in chunks for c in chunk.choices if c.finish_reason]
    usage = next((chunk.usage for chunk in reversed(chunks) if chunk.usage), None)
    logger.debug(
        "%s: stream ended: %d chunks, finish %s, usage %s",
        provider,
        len(chunks),
        ",".join(finish) or "none",
        f"{usage.prompt_tokens}+{usage.completion_tokens}" if usage else "none",
    )


def failed(provider: str, error: LlmError) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s: %s: %s", provider, type(error).__name__, error)
