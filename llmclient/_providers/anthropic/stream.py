"""A Messages API stream, translated event by event into OpenAI-shaped chunks."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from ..._core.call import ChatCall
from ..._core.convert import FieldError
from ..._core.status import build_status_error
from ...errors import DecodeError
from ...types import (
    ChatCompletionChunk,
    ChunkChoice,
    Delta,
    FunctionCallDelta,
    ProviderState,
    ToolCallDelta,
)
from .._common import describe_event, load_event
from .._json_tool import json_tool_name
from .._shape import SHAPES_UNUSED, TextShape
from .answer import TEXT_BLOCK, TOOL_BLOCK, finish_reason, text_field, token_counts, usage_from

# What a content block is, for its deltas: text, thinking, a tool call, the response_format
# answer, a server tool's call (state, its input streamed as JSON), or any other block (state).
_TEXT, _THINKING, _TOOL, _JSON, _SERVER, _OTHER = range(6)


#: The delta types each kind of block takes; a delta type not listed for any is ignored.
_DELTAS_FOR: Mapping[str, frozenset[int]] = {
    "text_delta": frozenset((_TEXT,)),
    "citations_delta": frozenset((_TEXT,)),
    "thinking_delta": frozenset((_THINKING,)),
    "signature_delta": frozenset((_THINKING,)),
    "input_json_delta": frozenset((_TOOL, _JSON, _SERVER)),
}


#: Block types whose input streams as ``input_json_delta`` and which are state, not calls.
_SERVER_CALLS = frozenset(("server_tool_use", "mcp_tool_use"))


def new_stream(call: ChatCall) -> AnthropicStream:
    """The translator of one call's stream; a ``response_format`` answer is read from its
    tool's input."""
    return AnthropicStream(call.provider.name, json_tool_name(call.params))


class _Block:
    __slots__ = ("has_arguments", "kind", "parts", "state", "tool_index")

    def __init__(self, kind: int, tool_index: int = 0, state: dict[str, Any] | None = None) -> None:
        self.kind = kind
        self.tool_index = tool_index
        self.has_arguments = False
        #: The block as provider state, completed at its stop from the streamed ``parts``.
        self.state = state
        self.parts: list[str] = []


class AnthropicStream:
    """One Messages API stream, translated event by event into OpenAI-shaped chunks.

    Every chunk carries the message's id and model; the first carries ``role: "assistant"``.
    Tool calls are numbered 0, 1, 2... in order of appearance, whatever Anthropic's block
    indices. The finish reason comes once, on its own chunk, with the answer's provider state
    (signed thinking, redacted thinking and server-tool blocks, in order); ``message_stop``
    (the terminal marker) adds a last chunk with no choices and the whole :class:`Usage`.
    Thinking streams as ``reasoning_content``. ``ping`` and unknown event types are ignored;
    an ``error`` event raises the typed error.

    The events must follow Anthropic's order: one ``message_start`` first, deltas only inside
    a started block and of a type that block takes. Anything else is a ``DecodeError``, not a
    guess.

    Text deltas that differ from an earlier one only in their text are read through a
    :class:`~llmclient._providers._shape.TextShape`, without parsing their JSON.
    """

    __slots__ = (
        "_blocks",
        "_counts",
        "_created",
        "_events",
        "_finish_sent",
        "_id",
        "_json_tool",
        "_model",
        "_order",
        "_shape",
        "_shaping",
        "_started",
        "_stateful",
        "_tools",
        "finished",
        "provider",
    )

    def __init__(self, provider: str, json_tool: str | None = None) -> None:
        self.provider = provider
        self.finished = False
        self._json_tool = json_tool
        self._events = 0
        self._id: str | None = None  # None until message_start
        self._model = ""
        self._created = 0
        self._started = False
        self._finish_sent = False
        self._tools = 0
        self._blocks: dict[Any, _Block] = {}
        self._counts: dict[str, int | None] = {}
        #: The answer's blocks as provider state (see messages._in_answer_order), and whether any of
        #: them is more than a place for text or a tool call.
        self._order: list[dict[str, Any]] = []
        self._stateful = False
        self._shape: TextShape[dict[str, Any]] | None = None
        self._shaping = SHAPES_UNUSED

    def translate(self, event: str, data: str, out: list[ChatCompletionChunk]) -> None:
        self._events += 1
        shape = self._shape
        if shape is not None:
            text = shape.read(data)
            if text is not None:
                if shape.verified or self._verify(shape):
                    if text:  # as _emit would, knowing the role went with the shape's source
                        choice = ChunkChoice(0, Delta(None, text))
                        out.append(
                            ChatCompletionChunk(
                                self._id or "", self._model, [choice], None, self._created
                            )
                        )
                    return
                self._shape = shape = None
        payload = load_event(data, self.provider, self._events)
        kind = payload.get("type") or event
        if kind == "error":
            raise build_status_error(self.provider, 200, payload, in_stream=True)
        try:
            if kind == "message_start":
                self._message_start(payload)
                return
            if kind == "ping":
                return
            if self._id is None and kind in _MESSAGE_EVENTS:
                raise ValueError(f"{kind} came before message_start")
            if kind == "content_block_delta":
                self._delta(payload, out)
                if self._shaping > 0:  # no shape, or this event did not fit it
                    self._shaping -= 1
                    self._shape = _text_shape(data, payload) if self._shaping else None
            elif kind == "content_block_start":
                self._block_start(payload, out)
            elif kind == "content_block_stop":
                self._block_stop(payload, out)
            elif kind == "message_delta":
                self._message_delta(payload, out)
            elif kind == "message_stop":
                if not self._finish_sent and self._stateful:
                    self._emit(out, Delta(provider_state=self._state()))
                out.append(
                    ChatCompletionChunk(
                        self._id or "", self._model, [], usage_from(self._counts), self._created
                    )
                )
                self.finished = True
            # event types added after this was written carry nothing for us
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise DecodeError(
                f"{self.provider}: {describe_event(self._events, data)} is not a valid "
                f"{kind} event ({exc}).",
                provider=self.provider,
            ) from exc

    def _verify(self, shape: TextShape[dict[str, Any]]) -> bool:
        """Whether ``shape`` reads events as parsing them would; if not, shapes are given up."""
        text = shape.trial_text()
        source = shape.source
        try:
            trial: dict[str, Any] | None = load_event(shape.fill(text), self.provider, 0)
        except DecodeError:
            trial = None
        shape.verified = trial == {**source, "delta": {**source["delta"], "text": text}}
        self._shaping = SHAPES_UNUSED if shape.verified else 0
        return shape.verified

    def _emit(
        self, out: list[ChatCompletionChunk], delta: Delta, finish_reason: str | None = None
    ) -> None:
        if not self._started:
            self._started = True
            delta.role = "assistant"
        out.append(
            ChatCompletionChunk(
                self._id or "",
                self._model,
                [ChunkChoice(0, delta, finish_reason)],
                None,
                self._created,
            )
        )

    def _state(self) -> ProviderState:
        return ProviderState("anthropic", {"content": self._order})

    def _open_block(self, payload: dict[str, Any], kind: str) -> _Block:
        index = payload.get("index")
        block = self._blocks.get(index)
        if block is None:
            raise FieldError("index", f"the index of a started block for {kind}", index)
        return block

    def _delta(self, payload: dict[str, Any], out: list[ChatCompletionChunk]) -> None:
        delta = _object_field(payload, "delta")
        kind = delta.get("type")
        block = self._open_block(payload, "content_block_delta")
        fits = _DELTAS_FOR.get(kind) if isinstance(kind, str) else None
        if fits is None:
            return  # a delta type newer than this code carries nothing for us
        if block.kind not in fits:
            if block.kind == _OTHER:
                return  # a block type newer than this code may take any delta
            raise FieldError("delta.type", f"a delta for its block, not {kind!r}", kind)
        if kind == "text_delta":
            text = text_field(delta, "text", "delta")
            if text:
                self._emit(out, Delta(content=text))
        elif kind == "input_json_delta":
            partial = text_field(delta, "partial_json", "delta")
            if not partial:
                return
            if block.kind == _TOOL:
                block.has_arguments = True
                arguments = FunctionCallDelta(arguments=partial)
                self._emit(
                    out, Delta(tool_calls=[ToolCallDelta(block.tool_index, function=arguments)])
                )
            elif block.kind == _JSON:
                self._emit(out, Delta(content=partial))
            else:
                block.parts.append(partial)
        elif kind == "thinking_delta":
            thinking = text_field(delta, "thinking", "delta")
            block.parts.append(thinking)
            if thinking:
                self._emit(out, Delta(reasoning_content=thinking))
        elif kind == "signature_delta":
            assert block.state is not None  # thinking blocks always have their state
            block.state["signature"] = block.state.get("signature", "") + text_field(
                delta, "signature", "delta"
            )
        # citations_delta has no OpenAI counterpart

    def _block_start(self, payload: dict[str, Any], out: list[ChatCompletionChunk]) -> None:
        block = _object_field(payload, "content_block")
        kind = block.get("type")
        index = payload.get("index")
        if index in self._blocks:
            raise FieldError("index", "the index of a block not yet started", index)
        if kind == "text":
            self._blocks[index] = _Block(_TEXT)
            self._order.append({"type": TEXT_BLOCK})
            text = text_field(block, "text", "content_block")
            if text:
                self._emit(out, Delta(content=text))
        elif kind == "thinking":
            state = dict(block)
            started = self._blocks[index] = _Block(_THINKING, state=state)
            self._order.append(state)
            self._stateful = True
            thinking = text_field(block, "thinking", "content_block")
            started.parts.append(thinking)
            if thinking:
                self._emit(out, Delta(reasoning_content=thinking))
        elif kind == "tool_use":
            tool_input = block.get("input")
            arguments = json.dumps(tool_input, ensure_ascii=False) if tool_input else ""
            if self._json_tool is not None and block.get("name") == self._json_tool:
                self._blocks[index] = _Block(_JSON)
                self._order.append({"type": TEXT_BLOCK})
                if arguments:
                    self._emit(out, Delta(content=arguments))
                return
            call_id = text_field(block, "id", "content_block")
            tool = self._blocks[index] = _Block(_TOOL, self._tools)
            self._order.append({"type": TOOL_BLOCK, "id": call_id})
            tool.has_arguments = bool(arguments)
            self._tools += 1
            call = ToolCallDelta(
                tool.tool_index,
                call_id,
                "function",
                FunctionCallDelta(text_field(block, "name", "content_block"), arguments),
            )
            self._emit(out, Delta(tool_calls=[call]))
        else:
            # redacted_thinking, server tool calls and results, and newer kinds: kept whole
            # as provider state, for the next turn.
            state = dict(block)
            self._blocks[index] = _Block(_SERVER if kind in _SERVER_CALLS else _OTHER, state=state)
            self._order.append(state)
            self._stateful = True

    def _block_stop(self, payload: dict[str, Any], out: list[ChatCompletionChunk]) -> None:
        block = self._open_block(payload, "content_block_stop")
        del self._blocks[payload.get("index")]
        # A shape names its block's index: past the block's end it must not read another.
        self._shape = None
        if block.kind == _TOOL and not block.has_arguments:
            # A tool without input streams no JSON; "{}" keeps the joined arguments valid JSON.
            call = ToolCallDelta(block.tool_index, function=FunctionCallDelta(arguments="{}"))
            self._emit(out, Delta(tool_calls=[call]))
        elif block.state is not None and block.parts:
            if block.kind == _THINKING:
                block.state["thinking"] = "".join(block.parts)
            else:  # a server tool's input, streamed as JSON
                block.state["input"] = json.loads("".join(block.parts))

    def _message_start(self, payload: dict[str, Any]) -> None:
        if self._id is not None:
            raise ValueError("a second message_start came; a stream holds one message")
        message = _object_field(payload, "message")
        self._id = text_field(message, "id", "message")
        self._model = text_field(message, "model", "message")
        self._created = int(time.time())
        usage = message.get("usage")
        if usage is not None:
            self._counts.update(token_counts(usage, "message.usage"))

    def _message_delta(self, payload: dict[str, Any], out: list[ChatCompletionChunk]) -> None:
        usage = payload.get("usage")
        if usage:
            # Counts here are cumulative; a null one leaves message_start's in place.
            counts = token_counts(usage, "usage")
            self._counts.update((key, value) for key, value in counts.items() if value is not None)
        stop_reason = (payload.get("delta") or {}).get("stop_reason")
        if stop_reason is not None and not self._finish_sent:
            self._finish_sent = True
            state = self._state() if self._stateful else None
            delta = Delta(provider_state=state)
            self._emit(out, delta, finish_reason(stop_reason, self._tools > 0))


#: Events that belong to a message, after its message_start.
_MESSAGE_EVENTS = frozenset(
    (
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    )
)


def _object_field(payload: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = payload.get(key)
    if isinstance(value, dict):
        return value
    raise FieldError(key, "an object", value)


def _text_shape(data: str, payload: dict[str, Any]) -> TextShape[dict[str, Any]] | None:
    """The shape of a ``content_block_delta`` event when it is a text delta."""
    delta = payload["delta"]
    text = delta.get("text")
    if payload.get("type") != "content_block_delta" or delta["type"] != "text_delta" or not text:
        return None
    return TextShape.cut(data, "text", text, payload)
