"""Azure's stream: OpenAI's, without the chunks that carry only Azure's filter results."""

from __future__ import annotations

from ...types import ChatCompletionChunk
from .. import StreamTranslator


class AzureStream:
    """An OpenAI stream without the chunks that carry only Azure's filter results.

    Azure opens a stream with a chunk whose ``choices`` is empty and which holds only
    ``prompt_filter_results``; it says nothing about the answer, so it is not passed on (a
    usage chunk, which also has no choices, is).
    """

    __slots__ = ("_inner",)

    def __init__(self, inner: StreamTranslator) -> None:
        self._inner = inner

    @property
    def finished(self) -> bool:
        """Whether ``[DONE]`` has arrived."""
        return self._inner.finished

    def translate(self, event: str, data: str, out: list[ChatCompletionChunk]) -> None:
        start = len(out)
        self._inner.translate(event, data, out)
        if len(out) > start and not out[-1].choices and out[-1].usage is None:
            del out[-1]
