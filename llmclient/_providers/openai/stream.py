"""OpenAI's stream: each ``data:`` event is a chunk already in our shape, ``[DONE]`` ends it."""

from __future__ import annotations

from typing import Any

from ..._core.call import ChatCall
from ..._core.convert import structure_chunk
from ..._core.status import build_status_error
from ...errors import DecodeError, LlmError
from ...types import ChatCompletionChunk, ChunkChoice, Delta
from .._common import describe_event, load_event
from .._shape import SHAPES_UNUSED, TextShape


def new_stream(call: ChatCall) -> OpenAIStream:
    """The translator of one call's stream."""
    return OpenAIStream(call.provider.name)


class OpenAIStream:
    """One OpenAI-style stream: each ``data:`` event is a chunk, ``[DONE]`` ends it.

    Events that differ from an earlier one only in the text of ``delta.content`` are read
    through a :class:`TextShape`, without parsing their JSON.
    """

    __slots__ = ("_events", "_shape", "_shaping", "finished", "provider")

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.finished = False
        self._events = 0
        self._shape: TextShape[ChatCompletionChunk] | None = None
        #: How many more shapes may be cut before one is used (events may never repeat).
        self._shaping = SHAPES_UNUSED

    def translate(self, event: str, data: str, out: list[ChatCompletionChunk]) -> None:
        self._events += 1
        shape = self._shape
        if shape is not None and event != "error":
            text = shape.read(data)
            if text is not None:
                if shape.verified or self._verify(shape):
                    out.append(_with_content(shape.source, text))
                    return
                self._shape = shape = None
        payload = self._payload(data)
        if payload is None:
            self.finished = True
            return
        if event == "error" or ("error" in payload and "choices" not in payload):
            raise build_status_error(self.provider, 200, payload, in_stream=True)
        chunk = self._chunk(payload, data)
        out.append(chunk)
        if self._shaping > 0:  # no shape, or this event did not fit it
            self._shaping -= 1
            self._shape = _shape_of(data, chunk) if self._shaping else None

    def _payload(self, data: str) -> dict[str, Any] | None:
        """The event's JSON object, or None for ``[DONE]``."""
        if data == "[DONE]":
            return None
        return load_event(data, self.provider, self._events)

    def _chunk(self, payload: dict[str, Any], data: str) -> ChatCompletionChunk:
        try:
            return structure_chunk(payload)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise DecodeError(
                f"{self.provider}: {describe_event(self._events, data)} is not a chat completion "
                f"chunk ({exc}).",
                provider=self.provider,
            ) from exc

    def _verify(self, shape: TextShape[ChatCompletionChunk]) -> bool:
        """Whether ``shape`` reads events as parsing them would; if not, shapes are given up."""
        text = shape.trial_text()
        try:
            payload = self._payload(shape.fill(text))
            chunk = None if payload is None else structure_chunk(payload)
        except (LlmError, TypeError, ValueError, KeyError, AttributeError):
            chunk = None
        shape.verified = chunk == _with_content(shape.source, text)
        self._shaping = SHAPES_UNUSED if shape.verified else 0
        return shape.verified


def _shape_of(data: str, chunk: ChatCompletionChunk) -> TextShape[ChatCompletionChunk] | None:
    """The shape of an event whose chunk is one choice with text and nothing else to copy."""
    choices = chunk.choices
    if len(choices) != 1 or chunk.usage is not None:
        return None
    choice = choices[0]
    delta = choice.delta
    if delta.content is None or delta.tool_calls is not None or choice.logprobs is not None:
        return None
    return TextShape.cut(data, "content", delta.content, chunk)


def _with_content(chunk: ChatCompletionChunk, content: str) -> ChatCompletionChunk:
    """A new chunk like ``chunk`` (one choice; no usage, logprobs or tool calls) but ``content``."""
    choice = chunk.choices[0]
    delta = choice.delta
    return ChatCompletionChunk(
        chunk.id,
        chunk.model,
        [
            ChunkChoice(
                choice.index,
                Delta(delta.role, content, None, delta.refusal, delta.reasoning_content),
                choice.finish_reason,
            )
        ],
        None,
        chunk.created,
        chunk.object,
        chunk.system_fingerprint,
        chunk.service_tier,
    )
