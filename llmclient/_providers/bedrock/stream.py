"""A ConverseStream, translated frame by frame into OpenAI-shaped chunks."""

from __future__ import annotations

import time
from typing import Any

from ..._core.call import ChatCall
from ..._core.convert import FieldError, string
from ..._core.eventstream import EventStreamFraming
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
from .answer import exception_error, finish_reason, new_id, object_field, usage_from
from .messages import TEXT_PLACE, TOOL_PLACE

#: The member AWS pads each event with, to hide its length: its value is not read.
PADDING_KEY = "p"

# What a content block is, for its deltas: text, reasoning, a tool call, or the
# response_format answer (a tool whose input is the answer's text).
_TEXT, _REASONING, _TOOL, _JSON = range(4)


def new_stream(call: ChatCall) -> ConverseStream:
    """The translator of one call's stream."""
    return ConverseStream(call.provider.name, call.model, json_tool_name(call.params))


def new_framing(call: ChatCall) -> EventStreamFraming:
    """AWS's event-stream, each message within the client's ``max_event_size``."""
    return EventStreamFraming(call.max_event_size)


class _Block:
    __slots__ = ("has_arguments", "kind", "parts", "state", "tool_index")

    def __init__(self, kind: int, tool_index: int = 0) -> None:
        self.kind = kind
        self.tool_index = tool_index
        self.has_arguments = False
        #: A reasoning block as provider state, completed at its stop from ``parts``.
        self.state: dict[str, Any] | None = None
        self.parts: list[str] = []


class ConverseStream:
    """One ConverseStream, translated frame by frame into OpenAI-shaped chunks.

    Every chunk carries one id (Converse sends none) and the model asked for; the first carries
    ``role: "assistant"``. Text streams as ``content``, reasoning as ``reasoning_content``,
    tool calls numbered 0, 1, 2... in order of appearance, their name once and their arguments
    in pieces. ``messageStop`` gives the finish reason, on its own chunk, with the answer's
    provider state (its reasoning blocks, signed, in order); ``metadata`` after it (the
    terminal marker) gives a last chunk with no choices and the whole :class:`Usage`.

    The frames must come in Converse's order: ``messageStart`` first, deltas inside a block
    of their kind, ``messageStop`` and then ``metadata``. Anything else is a ``DecodeError``;
    an exception frame raises its typed error. Event types newer than this code are ignored.

    Text deltas that differ from an earlier one only in their text and their padding are read
    through a :class:`~llmclient._providers._shape.TextShape`, without parsing their JSON.
    """

    __slots__ = (
        "_blocks",
        "_created",
        "_events",
        "_id",
        "_json_tool",
        "_model",
        "_order",
        "_role_sent",
        "_shape",
        "_shaping",
        "_started",
        "_stopped",
        "_tools",
        "finished",
        "provider",
    )

    def __init__(self, provider: str, model: str, json_tool: str | None = None) -> None:
        self.provider = provider
        self.finished = False
        self._model = model
        self._json_tool = json_tool
        self._id = new_id()
        self._created = int(time.time())
        self._events = 0
        self._started = False
        self._role_sent = False
        self._stopped = False
        self._tools = 0
        self._blocks: dict[Any, _Block] = {}
        #: The answer's blocks as provider state (see messages._in_answer_order).
        self._order: list[dict[str, Any]] = []
        self._shape: TextShape[dict[str, Any]] | None = None
        self._shaping = SHAPES_UNUSED

    def translate(self, event: str, data: str, out: list[ChatCompletionChunk]) -> None:
        self._events += 1
        shape = self._shape
        if shape is not None and event == "contentBlockDelta":
            text = shape.read(data)
            if text is not None:
                if shape.verified or self._verify(shape):
                    if text:  # as _emit would: the role went with the shape's source
                        out.append(
                            ChatCompletionChunk(
                                self._id,
                                self._model,
                                [ChunkChoice(0, Delta(None, text))],
                                None,
                                self._created,
                            )
                        )
                    return
                self._shape = shape = None
        if event.startswith(("exception:", "error:")):
            raise self._exception(event, data)
        payload = load_event(data, self.provider, self._events)
        try:
            if event == "contentBlockDelta":
                self._before_stop(event)
                self._delta(payload, out)
                if self._shaping > 0:  # no shape, or this event did not fit it
                    self._shaping -= 1
                    self._shape = self._text_shape(data, payload) if self._shaping else None
            elif event == "contentBlockStart":
                self._before_stop(event)
                self._block_start(payload, out)
            elif event == "contentBlockStop":
                self._before_stop(event)
                self._block_stop(payload, out)
            elif event == "messageStart":
                if self._started:
                    raise ValueError("a second messageStart came; a stream holds one message")
                self._started = True
            elif event == "messageStop":
                self._before_stop(event)
                self._message_stop(payload, out)
            elif event == "metadata":
                if not self._stopped:
                    raise ValueError("metadata came before messageStop")
                usage = usage_from(payload.get("usage", ...), "usage")
                out.append(ChatCompletionChunk(self._id, self._model, [], usage, self._created))
                self.finished = True
            # event types added after this was written carry nothing for us
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise DecodeError(
                f"{self.provider}: {describe_event(self._events, data)} is not a valid "
                f"{event} event ({exc}).",
                provider=self.provider,
            ) from exc

    def _text_shape(self, data: str, payload: dict[str, Any]) -> TextShape[dict[str, Any]] | None:
        """The shape of a text delta's event, once its block is open and the role sent."""
        text = payload["delta"].get("text")
        if not text or not self._role_sent or len(payload["delta"]) != 1:
            return None
        return TextShape.cut(data, "text", text, payload, PADDING_KEY)

    def _verify(self, shape: TextShape[dict[str, Any]]) -> bool:
        """Whether ``shape`` reads events as parsing them would; if not, shapes are given up."""
        text = shape.trial_text()
        source = shape.source
        try:
            trial: dict[str, Any] | None = load_event(shape.fill(text), self.provider, 0)
        except DecodeError:
            trial = None
        # The padding differs in the trial, as from event to event: it is not compared.
        expected = {**source, "delta": {"text": text}}
        expected.pop(PADDING_KEY, None)
        if trial is not None:
            trial.pop(PADDING_KEY, None)
        shape.verified = trial == expected
        self._shaping = SHAPES_UNUSED if shape.verified else 0
        return shape.verified

    def _exception(self, event: str, data: str) -> Exception:
        kind, _, name = event.partition(":")
        if kind == "exception":
            return exception_error(self.provider, name, data)
        return DecodeError(  # an event-stream error message: the stream itself broke
            f"{self.provider}: the event stream sent error {name!r}: {data[:200]!r}.",
            provider=self.provider,
        )

    def _before_stop(self, event: str) -> None:
        if not self._started:
            raise ValueError(f"{event} came before messageStart")
        if self._stopped:
            raise ValueError(f"{event} came after messageStop")

    def _emit(
        self, out: list[ChatCompletionChunk], delta: Delta, finish_reason: str | None = None
    ) -> None:
        if not self._role_sent:
            self._role_sent = True
            delta.role = "assistant"
        out.append(
            ChatCompletionChunk(
                self._id, self._model, [ChunkChoice(0, delta, finish_reason)], None, self._created
            )
        )

    def _delta(self, payload: dict[str, Any], out: list[ChatCompletionChunk]) -> None:
        delta = object_field(payload, "delta", "contentBlockDelta")
        index = payload.get("contentBlockIndex")
        block = self._blocks.get(index)
        if "text" in delta:
            if block is None:  # text blocks start with their first delta
                block = self._open(index, _TEXT, TEXT_PLACE)
            elif block.kind != _TEXT:
                raise FieldError("delta", "a delta for its block, not text", delta)
            text = string(delta["text"], "delta.text")
            if text:
                self._emit(out, Delta(content=text))
        elif "toolUse" in delta:
            if block is None or block.kind not in (_TOOL, _JSON):
                raise FieldError("contentBlockIndex", "the index of a started tool block", index)
            piece = string(object_field(delta, "toolUse", "delta").get("input"), "toolUse.input")
            if not piece:
                return
            if block.kind == _JSON:
                self._emit(out, Delta(content=piece))
                return
            block.has_arguments = True
            arguments = FunctionCallDelta(arguments=piece)
            self._emit(out, Delta(tool_calls=[ToolCallDelta(block.tool_index, function=arguments)]))
        elif "reasoningContent" in delta:
            if block is None:
                block = self._open(index, _REASONING, None)
            elif block.kind != _REASONING:
                raise FieldError("delta", "a delta for its block, not reasoning", delta)
            self._reasoning(block, object_field(delta, "reasoningContent", "delta"), out)
        # other deltas (citations, newer kinds) have no OpenAI counterpart

    def _open(self, index: Any, kind: int, place: dict[str, Any] | None) -> _Block:
        if index.__class__ is not int:
            raise FieldError("contentBlockIndex", "an integer", index)
        block = self._blocks[index] = _Block(kind)
        if place is not None:
            self._order.append(place)
        else:
            block.state = {}
            self._order.append({"reasoningContent": block.state})
        return block

    def _reasoning(
        self, block: _Block, reasoning: dict[str, Any], out: list[ChatCompletionChunk]
    ) -> None:
        assert block.state is not None  # reasoning blocks always have their state
        if "text" in reasoning:
            text = string(reasoning["text"], "reasoningContent.text")
            block.parts.append(text)
            if text:
                self._emit(out, Delta(reasoning_content=text))
        if "signature" in reasoning:
            signature = string(reasoning["signature"], "reasoningContent.signature")
            block.state.setdefault("reasoningText", {})["signature"] = signature
        if "redactedContent" in reasoning:
            redacted = string(reasoning["redactedContent"], "reasoningContent.redactedContent")
            block.state["redactedContent"] = block.state.get("redactedContent", "") + redacted

    def _block_start(self, payload: dict[str, Any], out: list[ChatCompletionChunk]) -> None:
        index = payload.get("contentBlockIndex")
        if index in self._blocks:
            raise FieldError("contentBlockIndex", "the index of a block not yet started", index)
        start = object_field(payload, "start", "contentBlockStart")
        tool = start.get("toolUse")
        if tool is None:
            return  # a start of another kind (newer than this code) carries nothing for us
        tool = object_field(start, "toolUse", "start")
        name = string(tool.get("name"), "start.toolUse.name")
        if self._json_tool is not None and name == self._json_tool:
            self._open(index, _JSON, TEXT_PLACE)
            return
        call_id = string(tool.get("toolUseId"), "start.toolUse.toolUseId")
        block = self._open(index, _TOOL, {"place": TOOL_PLACE, "toolUseId": call_id})
        block.tool_index = self._tools
        self._tools += 1
        call = ToolCallDelta(block.tool_index, call_id, "function", FunctionCallDelta(name, ""))
        self._emit(out, Delta(tool_calls=[call]))

    def _block_stop(self, payload: dict[str, Any], out: list[ChatCompletionChunk]) -> None:
        # A shape names its block's index: past the block's end it must not read another.
        self._shape = None
        index = payload.get("contentBlockIndex")
        block = self._blocks.pop(index, None)
        if block is None:
            # A block that had no delta was never opened here (an empty text block).
            if index.__class__ is not int:
                raise FieldError("contentBlockIndex", "an integer", index)
            return
        if block.kind == _TOOL and not block.has_arguments:
            # A tool without input streams no JSON; "{}" keeps the joined arguments valid JSON.
            call = ToolCallDelta(block.tool_index, function=FunctionCallDelta(arguments="{}"))
            self._emit(out, Delta(tool_calls=[call]))
        elif block.state is not None and block.parts:
            block.state.setdefault("reasoningText", {})["text"] = "".join(block.parts)

    def _message_stop(self, payload: dict[str, Any], out: list[ChatCompletionChunk]) -> None:
        self._stopped = True
        self._shape = None
        if "stopReason" not in payload:
            raise FieldError("stopReason", "a string")
        reason = finish_reason(payload["stopReason"], self._tools > 0)
        stateful = any("reasoningContent" in item for item in self._order)
        state = ProviderState("bedrock", {"content": self._order}) if stateful else None
        self._emit(out, Delta(provider_state=state), reason)
