"""A ``streamGenerateContent?alt=sse`` stream: each event is a partial answer, made a chunk."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from ..._core.call import ChatCall
from ..._core.convert import FieldError, optional_str
from ...errors import DecodeError
from ...types import (
    ChatCompletionChunk,
    ChunkChoice,
    Delta,
    FunctionCallDelta,
    ProviderState,
    ToolCallDelta,
)
from .._common import describe_event
from .answer import (
    CallIds,
    CandidateParts,
    answer_id_of,
    arguments_of,
    candidate_index,
    finish_reason,
    logprobs_of,
    prompt_blocked,
    usage_from,
)
from .errors import status_error
from .partial_args import ArgumentsWriter, partial_args_text, streams_arguments


def new_stream(call: ChatCall) -> GeminiStream:
    """The translator of one call's stream: ``n`` candidates, usage last if asked for."""
    options = call.params.get("stream_options")
    include_usage = isinstance(options, Mapping) and options.get("include_usage") is True
    n = call.params.get("n")
    return GeminiStream(
        call.provider.name,
        call.model,
        include_usage=include_usage,
        n=n if isinstance(n, int) and n > 0 else 1,
    )


class GeminiStream:
    """One ``streamGenerateContent?alt=sse`` stream: each event is a partial answer.

    Each event becomes one chunk with a choice per candidate that said something; the first
    delta of a candidate carries ``role: "assistant"``. A function call comes whole, as one
    tool-call delta, or with its arguments streaming (``partialArgs``, Vertex AI's
    ``streamFunctionCallArguments``): its first part opens the tool call (id, name, empty
    arguments), the next parts add argument text, and the part without ``willContinue`` (or
    the candidate's ``finishReason``) closes the JSON. The stream is finished once every
    candidate has a ``finishReason``; with ``include_usage``, a last chunk with no choices
    then carries the usage (Gemini repeats running totals on every event; the last counts).
    """

    __slots__ = (
        "_answer_id",
        "_calls",
        "_created",
        "_done",
        "_events",
        "_ids",
        "_include_usage",
        "_model",
        "_n",
        "_seen",
        "_streaming",
        "_usage",
        "finished",
        "provider",
    )

    def __init__(self, provider: str, model: str, *, include_usage: bool, n: int = 1) -> None:
        self.provider = provider
        self.finished = False
        self._model = model
        self._include_usage = include_usage
        self._n = n
        self._created = int(time.time())
        self._answer_id: str | None = None
        self._ids = CallIds("")
        self._events = 0
        self._seen: set[int] = set()
        self._done: set[int] = set()
        self._calls: dict[int, int] = {}  # tool calls so far, per candidate
        self._streaming: dict[int, _StreamedCall] = {}  # a call still streaming, per candidate
        self._usage: Mapping[str, Any] | None = None

    def translate(self, event: str, data: str, out: list[ChatCompletionChunk]) -> None:
        self._events += 1
        payload = self._payload(data)
        if "error" in payload and "candidates" not in payload:
            raise status_error(self.provider, 200, payload, in_stream=True)
        try:
            self._translate(payload, out)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise DecodeError(
                f"{self.provider}: {describe_event(self._events, data)} is not a Gemini "
                f"answer ({exc!r}).",
                provider=self.provider,
            ) from exc

    def _payload(self, data: str) -> dict[str, Any]:
        try:
            payload = json.loads(data)
        except ValueError as exc:
            raise DecodeError(
                f"{self.provider}: {describe_event(self._events, data)} is not valid JSON ({exc}).",
                provider=self.provider,
            ) from exc
        if not isinstance(payload, dict):
            raise DecodeError(
                f"{self.provider}: {describe_event(self._events, data)} is not a JSON object.",
                provider=self.provider,
            )
        return payload

    def _translate(self, payload: Mapping[str, Any], out: list[ChatCompletionChunk]) -> None:
        if self._answer_id is None:
            self._answer_id = answer_id_of(payload)
            self._ids = CallIds(self._answer_id)
        model = optional_str(payload.get("modelVersion"), "modelVersion") or self._model
        meta = payload.get("usageMetadata")
        if isinstance(meta, Mapping):
            self._usage = meta
        candidates = payload.get("candidates") or ()
        choices = [
            choice
            for choice in (self._choice(n, candidate) for n, candidate in enumerate(candidates))
            if choice is not None
        ]
        if not candidates and prompt_blocked(payload):
            choices = [
                ChunkChoice(index=i, delta=Delta(role="assistant"), finish_reason="content_filter")
                for i in range(self._n)
            ]
            self._done.update(range(self._n))
        if choices:
            out.append(
                ChatCompletionChunk(
                    id=self._answer_id, model=model, choices=choices, created=self._created
                )
            )
        if self._done and len(self._done) >= max(self._n, len(self._seen)):
            self.finished = True
            if self._include_usage and self._usage is not None:
                out.append(
                    ChatCompletionChunk(
                        id=self._answer_id,
                        model=model,
                        usage=usage_from(self._usage),
                        created=self._created,
                    )
                )

    def _choice(self, number: int, candidate: Mapping[str, Any]) -> ChunkChoice | None:
        where = f"candidates[{number}]"
        index = candidate_index(candidate, where)
        first = index not in self._seen
        self._seen.add(index)
        parts = CandidateParts(candidate, where, streamed=True)
        tool_calls: list[ToolCallDelta] = []
        for call, call_state, at in parts.calls:
            tool_call = self._tool_call(index, call, call_state, at)
            if tool_call is not None:  # None: a part that keeps a streamed call alive
                tool_calls.append(tool_call)
        reason = optional_str(candidate.get("finishReason"), f"{where}.finishReason")
        finish = None
        if reason:
            streaming = self._streaming.pop(index, None)
            if streaming is not None:  # the candidate's end ends its call's arguments too
                tool_calls.append(streaming.delta(streaming.writer.close(), None))
            finish = finish_reason(reason, index in self._calls)
            self._done.add(index)
        logprobs = logprobs_of(candidate)
        text, thought, state = parts.text, parts.thought, parts.signature
        if not (first or text or thought or tool_calls or finish or logprobs or state):
            return None
        delta = Delta(
            role="assistant" if first else None,
            content=text,
            tool_calls=tool_calls or None,
            reasoning_content=thought,
            provider_state=state,
        )
        return ChunkChoice(index=index, delta=delta, finish_reason=finish, logprobs=logprobs)

    def _tool_call(
        self, index: int, call: Mapping[str, Any], state: ProviderState | None, where: str
    ) -> ToolCallDelta | None:
        streaming = self._streaming.get(index)
        call_id = None
        if streaming is None:
            name = call.get("name")
            if not isinstance(name, str):
                raise FieldError(where, "an object with a 'name'", call)
            number = self._calls.get(index, 0)
            self._calls[index] = number + 1
            call_id = self._ids.next(call)
            if not streams_arguments(call):
                # Most calls come whole, once: one delta with the next index.
                return ToolCallDelta(
                    index=number,
                    id=call_id,
                    type="function",
                    function=FunctionCallDelta(name=name, arguments=arguments_of(call)),
                    provider_state=state,
                )
            streaming = self._streaming[index] = _StreamedCall(number, name)
        elif call.get("name") and call.get("name") != streaming.name:
            # While a call goes on (willContinue), each functionCall part is its next piece.
            raise FieldError.at_path(
                f"{where} names {call.get('name')!r} while the call to {streaming.name!r} goes on"
            )
        arguments = partial_args_text(streaming.writer, call, where)
        if call.get("willContinue") is not True:
            del self._streaming[index]
            arguments += streaming.writer.close()
        if call_id is not None:
            return ToolCallDelta(
                index=streaming.number,
                id=call_id,
                type="function",
                function=FunctionCallDelta(name=streaming.name, arguments=arguments),
                provider_state=state,
            )
        return streaming.delta(arguments, state) if arguments or state else None


class _StreamedCall:
    """A call whose arguments are streaming: its index among the candidate's calls, its name
    and its arguments' JSON so far."""

    __slots__ = ("name", "number", "writer")

    def __init__(self, number: int, name: str) -> None:
        self.number = number
        self.name = name
        self.writer = ArgumentsWriter()

    def delta(self, arguments: str, state: ProviderState | None) -> ToolCallDelta:
        """The delta of more of the call: argument text, a signature."""
        return ToolCallDelta(
            index=self.number,
            function=FunctionCallDelta(arguments=arguments) if arguments else None,
            provider_state=state,
        )
