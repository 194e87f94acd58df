"""Whole answers: a ``GenerateContentResponse`` as a :class:`~llmclient.types.ChatCompletion`,
and the readers of candidates, parts, usage and finish reasons the stream shares."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

from ..._core.call import ChatCall
from ..._core.convert import FieldError, integer, optional_str
from ...errors import DecodeError
from ...types import (
    ChatCompletion,
    Choice,
    ChoiceLogprobs,
    CompletionTokensDetails,
    FunctionCall,
    Message,
    PromptTokensDetails,
    ProviderState,
    TokenLogprob,
    ToolCall,
    TopLogprob,
    Usage,
)
from .._common import answer_object
from .errors import status_error
from .messages import SIGNATURE
from .partial_args import streams_arguments

#: Gemini's finish reasons as OpenAI's; any other is passed on in lower case.
FINISH_REASONS: Mapping[str, str] = {
    "STOP": "stop",
    "FINISH_REASON_UNSPECIFIED": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "LANGUAGE": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
}


def parse_completion(call: ChatCall, body: bytes) -> ChatCompletion:
    """A non-streamed answer as a completion (raises DecodeError or an in-band error)."""
    provider = call.provider.name
    payload = answer_object(body, provider)
    if "error" in payload and "candidates" not in payload:
        raise status_error(provider, 200, payload, in_stream=True)
    try:
        return completion_from(payload, call.model)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise DecodeError(
            f"{provider}: the response is not a Gemini answer ({exc!r}).", provider=provider
        ) from exc


def finish_reason(reason: str, called_tools: bool) -> str:
    """OpenAI's finish reason for Gemini's; a stop after function calls is ``tool_calls``."""
    mapped = FINISH_REASONS.get(reason, reason.lower())
    return "tool_calls" if mapped == "stop" and called_tools else mapped


def usage_from(meta: Mapping[str, Any]) -> Usage:
    """:class:`Usage` from ``usageMetadata``; thinking tokens count as completion tokens."""
    prompt = _count(meta, "promptTokenCount") + _count(meta, "toolUsePromptTokenCount")
    thoughts = _count(meta, "thoughtsTokenCount")
    completion = _count(meta, "candidatesTokenCount") + thoughts
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=_count(meta, "totalTokenCount") or prompt + completion,
        prompt_tokens_details=PromptTokensDetails(
            cached_tokens=_count(meta, "cachedContentTokenCount")
        ),
        completion_tokens_details=CompletionTokensDetails(reasoning_tokens=thoughts),
    )


def _count(meta: Mapping[str, Any], key: str) -> int:
    return integer(meta.get(key), f"usageMetadata.{key}")


def answer_id_of(payload: Mapping[str, Any]) -> str:
    """Gemini's ``responseId``, or one made up when it sends none."""
    return optional_str(payload.get("responseId"), "responseId") or f"gemini-{uuid.uuid4().hex}"


class CallIds:
    """Tool call ids for one answer: Gemini's own when it sends one, else ``call_{answer}_{n}``."""

    __slots__ = ("_base", "_count")

    def __init__(self, answer_id: str) -> None:
        self._base = answer_id
        self._count = 0

    def next(self, call: Mapping[str, Any]) -> str:
        self._count += 1
        given = call.get("id")
        return given if isinstance(given, str) and given else f"call_{self._base}_{self._count}"


class CandidateParts:
    """What a candidate's parts say: text, thought text, function calls with their
    signatures and places, and the signature of its other parts (the last one counts).

    In a whole answer each call has a name and its whole ``args``; a ``streamed`` candidate's
    calls may be pieces of calls whose arguments stream (``partialArgs``), for the stream to
    join.
    """

    __slots__ = ("calls", "signature", "text", "thought")

    def __init__(self, candidate: Mapping[str, Any], where: str, *, streamed: bool = False) -> None:
        content = candidate.get("content")
        parts = content.get("parts") if isinstance(content, Mapping) else None
        texts: list[str] = []
        thoughts: list[str] = []
        self.calls: list[tuple[Mapping[str, Any], ProviderState | None, str]] = []
        self.signature: ProviderState | None = None
        for number, part in enumerate(parts or ()):
            at = f"{where}.content.parts[{number}]"
            if not isinstance(part, Mapping):
                raise FieldError(at, "an object", part)
            signature = optional_str(part.get(SIGNATURE), f"{at}.{SIGNATURE}")
            state = None if signature is None else ProviderState("gemini", {SIGNATURE: signature})
            call = part.get("functionCall")
            if call is not None:
                at = f"{at}.functionCall"
                if not streamed:
                    _check_whole_call(call, at)
                elif not isinstance(call, Mapping):  # the stream checks the rest as it joins
                    raise FieldError(at, "an object", call)
                self.calls.append((call, state, at))
                continue
            text = optional_str(part.get("text"), f"{at}.text")
            if text:
                (thoughts if part.get("thought") is True else texts).append(text)
            if state is not None:
                self.signature = state
        self.text = "".join(texts) or None
        self.thought = "".join(thoughts) or None


def _check_whole_call(call: Any, at: str) -> None:
    if not isinstance(call, Mapping) or not isinstance(call.get("name"), str):
        raise FieldError(at, "an object with a 'name'", call)
    if streams_arguments(call):
        raise FieldError.at_path(
            f"{at} streams its arguments (partialArgs, willContinue), which only a stream does"
        )


def candidate_index(candidate: Any, where: str) -> int:
    if not isinstance(candidate, Mapping):
        raise FieldError(where, "an object", candidate)
    return integer(candidate.get("index"), f"{where}.index")


def arguments_of(call: Mapping[str, Any]) -> str:
    return json.dumps(call.get("args") or {}, ensure_ascii=False)


def logprobs_of(candidate: Mapping[str, Any]) -> ChoiceLogprobs | None:
    result = candidate.get("logprobsResult")
    if not isinstance(result, Mapping):
        return None
    chosen = result.get("chosenCandidates") or []
    top = result.get("topCandidates") or []
    content: list[TokenLogprob] = []
    for position, token in enumerate(chosen):
        alternatives = (top[position].get("candidates") or []) if position < len(top) else []
        content.append(
            TokenLogprob(
                token=str(token.get("token", "")),
                logprob=float(token.get("logProbability", 0.0)),
                top_logprobs=[
                    TopLogprob(
                        token=str(other.get("token", "")),
                        logprob=float(other.get("logProbability", 0.0)),
                    )
                    for other in alternatives
                ],
            )
        )
    return ChoiceLogprobs(content=content)


def prompt_blocked(payload: Mapping[str, Any]) -> bool:
    """Whether the prompt itself was blocked (no candidates, ``promptFeedback.blockReason``)."""
    feedback = payload.get("promptFeedback")
    return isinstance(feedback, Mapping) and bool(feedback.get("blockReason"))


def completion_from(payload: Mapping[str, Any], model: str) -> ChatCompletion:
    if "candidates" not in payload and not prompt_blocked(payload):
        raise FieldError("candidates", "a list (or promptFeedback, for a blocked prompt)")
    answer_id = answer_id_of(payload)
    ids = CallIds(answer_id)
    choices: list[Choice] = []
    for number, candidate in enumerate(payload.get("candidates") or ()):
        where = f"candidates[{number}]"
        index = candidate_index(candidate, where)
        parts = CandidateParts(candidate, where)
        tool_calls = [
            ToolCall(
                ids.next(call), FunctionCall(call["name"], arguments_of(call)), "function", state
            )
            for call, state, _ in parts.calls
        ]
        reason = optional_str(candidate.get("finishReason"), f"{where}.finishReason")
        choices.append(
            Choice(
                index=index,
                message=Message(
                    content=parts.text,
                    tool_calls=tool_calls or None,
                    reasoning_content=parts.thought,
                    provider_state=parts.signature,
                ),
                finish_reason=finish_reason(reason, bool(tool_calls)) if reason else None,
                logprobs=logprobs_of(candidate),
            )
        )
    if not choices and prompt_blocked(payload):
        choices.append(Choice(finish_reason="content_filter"))
    meta = payload.get("usageMetadata")
    return ChatCompletion(
        id=answer_id,
        model=optional_str(payload.get("modelVersion"), "modelVersion") or model,
        choices=sorted(choices, key=lambda choice: choice.index),
        usage=usage_from(meta) if isinstance(meta, Mapping) else None,
        created=int(time.time()),
    )
