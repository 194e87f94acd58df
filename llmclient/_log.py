"""DEBUG logging under the ``llmclient`` logger: silent unless a handler asks for it.

Every function checks the level first, so a call costs one check when logging is off, and
none is made per chunk. Nothing logged holds a key: URLs go through ``redact_url``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ._core.redact import redact_url
from .errors import LlmError

if TYPE_CHECKING:
    from ._core.stream import ChunkParser

logger = logging.getLogger("llmclient")
logger.addHandler(logging.NullHandler())


def request_sent(provider: str, method: str, url: str) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s: %s %s", provider, method, redact_url(url))


def first_chunk(provider: str, seconds: float) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s: first chunk after %.3fs", provider, seconds)


def stream_ended(provider: str, parser: ChunkParser) -> None:
    if not logger.isEnabledFor(logging.DEBUG):
        return
    answer = parser.answer.completion()
    finish = [choice.finish_reason for choice in answer.choices if choice.finish_reason]
    usage = answer.usage
    logger.debug(
        "%s: stream ended: %d chunks, finish %s, usage %s",
        provider,
        parser.count,
        ",".join(finish) or "none",
        f"{usage.prompt_tokens}+{usage.completion_tokens}" if usage else "none",
    )


def failed(provider: str, error: LlmError) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s: %s: %s", provider, type(error).__name__, error)


def fell_back(provider: str, model: str, error: LlmError) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s/%s failed, trying the next model: %r", provider, model, error)
