"""Rebuilding the whole answer from its chunks: what ``chat(...)`` would have returned.

Pure and linear: each chunk's pieces are appended to lists and joined once, when the
completion is asked for. Tool-call argument fragments are joined by index; a tool call's id,
type and name are taken once, so servers that repeat them on every delta (llama.cpp does)
do not produce ``get_weatherget_weather``. A delta with a new ``id`` at an index already used
starts another call. Provider state is merged as it comes (see :func:`merge_state`).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..types import (
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ChoiceLogprobs,
    FunctionCall,
    Message,
    ProviderState,
    TokenLogprob,
    ToolCall,
    ToolCallDelta,
    Usage,
)

__all__ = ["ChunkAccumulator", "accumulate"]


def merge_state(state: ProviderState | None, more: ProviderState) -> ProviderState:
    """``state`` with ``more``'s values in place of its own: Gemini's ``thoughtSignature``
    keeps the last one sent (Anthropic sends its whole state once). ``state`` is a copy made
    here, never a chunk's own.
    """
    if state is None or state.dialect != more.dialect:
        return ProviderState(more.dialect, dict(more.data))
    state.data.update(more.data)
    return state


def _copy(state: ProviderState | None) -> ProviderState | None:
    """A completion's own copy, so chunks added later do not change it."""
    return None if state is None else ProviderState(state.dialect, dict(state.data))


class _ToolCallParts:
    __slots__ = ("arguments", "id", "index", "name", "state", "type")

    def __init__(self, index: int) -> None:
        self.index = index
        self.id = ""
        self.type = ""
        self.name = ""
        self.arguments: list[str] = []
        self.state: ProviderState | None = None

    def tool_call(self) -> ToolCall:
        return ToolCall(
            id=self.id,
            function=FunctionCall(name=self.name, arguments="".join(self.arguments)),
            type=self.type or "function",
            provider_state=_copy(self.state),
        )


class _ChoiceParts:
    __slots__ = (
        "content",
        "finish_reason",
        "logprobs",
        "reasoning",
        "refusal",
        "refusal_logprobs",
        "role",
        "state",
        "tool_call_at",
        "tool_calls",
    )

    def __init__(self) -> None:
        self.role = ""
        self.content: list[str] | None = None
        self.refusal: list[str] | None = None
        self.reasoning: list[str] | None = None
        #: Every call in order of arrival, and the latest call at each index.
        self.tool_calls: list[_ToolCallParts] = []
        self.tool_call_at: dict[int, _ToolCallParts] = {}
        self.state: ProviderState | None = None
        self.finish_reason: str | None = None
        self.logprobs: list[TokenLogprob] | None = None
        self.refusal_logprobs: list[TokenLogprob] | None = None

    def choice(self, index: int) -> Choice:
        logprobs = None
        if self.logprobs is not None or self.refusal_logprobs is not None:
            logprobs = ChoiceLogprobs(content=self.logprobs, refusal=self.refusal_logprobs)
        calls = sorted(self.tool_calls, key=lambda call: call.index)  # stable: arrival order kept
        tool_calls = [call.tool_call() for call in calls]
        message = Message(
            role=self.role or "assistant",
            content=None if self.content is None else "".join(self.content),
            tool_calls=tool_calls or None,
            refusal=None if self.refusal is None else "".join(self.refusal),
            reasoning_content=None if self.reasoning is None else "".join(self.reasoning),
            provider_state=_copy(self.state),
        )
        return Choice(
            index=index, message=message, finish_reason=self.finish_reason, logprobs=logprobs
        )


class ChunkAccumulator:
    """Collects streamed chunks and builds the :class:`ChatCompletion` they add up to.

    Feed it every chunk of one stream with :meth:`add`, in order; :meth:`completion` can be
    called at any point and as often as needed. It handles ``n`` > 1 choices, tool calls,
    refusals, reasoning content, logprobs and the usage chunk.
    """

    def __init__(self) -> None:
        self._choices: dict[int, _ChoiceParts] = {}
        self._id = ""
        self._model = ""
        self._created = 0
        self._system_fingerprint: str | None = None
        self._service_tier: str | None = None
        self._usage: Usage | None = None

    def add(self, chunk: ChatCompletionChunk) -> None:
        """Take in one chunk."""
        self._id = self._id or chunk.id
        self._model = self._model or chunk.model
        self._created = self._created or chunk.created
        self._system_fingerprint = self._system_fingerprint or chunk.system_fingerprint
        self._service_tier = self._service_tier or chunk.service_tier
        if chunk.usage is not None:
            self._usage = chunk.usage
        for choice in chunk.choices:
            parts = self._choices.get(choice.index)
            if parts is None:
                parts = self._choices[choice.index] = _ChoiceParts()
            delta = choice.delta
            if delta.role and not parts.role:
                parts.role = delta.role
            if delta.content is not None:
                if parts.content is None:
                    parts.content = []
                parts.content.append(delta.content)
            if delta.refusal is not None:
                if parts.refusal is None:
                    parts.refusal = []
                parts.refusal.append(delta.refusal)
            if delta.reasoning_content is not None:
                if parts.reasoning is None:
                    parts.reasoning = []
                parts.reasoning.append(delta.reasoning_content)
            if delta.tool_calls:
                _add_tool_calls(parts, delta.tool_calls)
            if delta.provider_state is not None:
                parts.state = merge_state(parts.state, delta.provider_state)
            if choice.finish_reason:
                parts.finish_reason = choice.finish_reason
            if choice.logprobs is not None:
                if choice.logprobs.content is not None:
                    if parts.logprobs is None:
                        parts.logprobs = []
                    parts.logprobs.extend(choice.logprobs.content)
                if choice.logprobs.refusal is not None:
                    if parts.refusal_logprobs is None:
                        parts.refusal_logprobs = []
                    parts.refusal_logprobs.extend(choice.logprobs.refusal)

    def completion(self) -> ChatCompletion:
        """The completion the chunks added so far make up."""
        return ChatCompletion(
            id=self._id,
            model=self._model,
            choices=[self._choices[i].choice(i) for i in sorted(self._choices)],
            usage=self._usage,
            created=self._created,
            system_fingerprint=self._system_fingerprint,
            service_tier=self._service_tier,
        )


def _add_tool_calls(parts: _ChoiceParts, deltas: list[ToolCallDelta]) -> None:
    at = parts.tool_call_at
    for delta in deltas:
        call = at.get(delta.index)
        # A new id where a call with another id stands is another call (openai-python #3201).
        if call is None or (delta.id and call.id and delta.id != call.id):
            call = at[delta.index] = _ToolCallParts(delta.index)
            parts.tool_calls.append(call)
        # Taken once: some servers repeat the id and the whole name on every delta.
        if delta.id and not call.id:
            call.id = delta.id
        if delta.type and not call.type:
            call.type = delta.type
        function = delta.function
        if function is not None:
            if function.name and not call.name:
                call.name = function.name
            if function.arguments:
                call.arguments.append(function.arguments)
        if delta.provider_state is not None:
            call.state = merge_state(call.state, delta.provider_state)


def accumulate(chunks: Iterable[ChatCompletionChunk]) -> ChatCompletion:
    """The :class:`ChatCompletion` a stream's chunks add up to (the answer ``chat`` gives)."""
    accumulator = ChunkAccumulator()
    for chunk in chunks:
        accumulator.add(chunk)
    return accumulator.completion()
