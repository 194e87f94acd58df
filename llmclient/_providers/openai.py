"""OpenAI's chat completions wire format, spoken by OpenAI and every OpenAI-compatible server."""

from __future__ import annotations

import json
import json.scanner
from collections.abc import Callable, Mapping
from typing import Any

from .._convert import structure_chunk, structure_completion
from .._request import ChatCall, HttpRequest, encode_json
from .._status import build_status_error, decode_body, load_json
from ..errors import APIStatusError, DecodeError
from ..sse import ServerSentEvent
from ..types import ChatCompletion, ChatCompletionChunk

_PREVIEW = 80


def describe_event(number: int, data: str) -> str:
    """A short, safe description of a stream event for error messages."""
    preview = data if len(data) <= _PREVIEW else data[:_PREVIEW] + "..."
    return f"event #{number} {preview!r}"


class OpenAIDialect:
    """Requests to ``{base_url}/chat/completions``; answers and chunks are already our shape."""

    def build_request(self, call: ChatCall) -> HttpRequest:
        body: dict[str, Any] = {"model": call.model, "messages": call.messages, **call.params}
        if call.stream:
            body["stream"] = True
        body.update(call.extra_body)
        headers = call.base_headers()
        return HttpRequest("POST", f"{call.base_url}/chat/completions", headers, encode_json(body))

    def parse_completion(self, call: ChatCall, body: bytes) -> ChatCompletion:
        payload = load_json(body, call.provider.name, "response body")
        if not isinstance(payload, dict):
            raise DecodeError(
                f"{call.provider.name}: expected a JSON object, got {type(payload).__name__}.",
                provider=call.provider.name,
            )
        if "error" in payload and "choices" not in payload:
            raise build_status_error(call.provider.name, 200, payload, in_stream=True)
        try:
            return structure_completion(payload)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise DecodeError(
                f"{call.provider.name}: the response is not a chat completion ({exc}).",
                provider=call.provider.name,
            ) from exc

    def parse_error(
        self, call: ChatCall, status: int, headers: Mapping[str, str], body: bytes
    ) -> APIStatusError:
        return build_status_error(call.provider.name, status, decode_body(body), headers)

    def new_stream(self, call: ChatCall) -> OpenAIStream:
        return OpenAIStream(call.provider.name)


class OpenAIStream:
    """One OpenAI-style stream: each ``data:`` event is a chunk, ``[DONE]`` ends it."""

    __slots__ = ("_events", "finished", "provider")

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.finished = False
        self._events = 0

    def translate(self, event: ServerSentEvent, out: list[ChatCompletionChunk]) -> None:
        self._events += 1
        data = event.data
        try:
            payload, end = _scan_json(data, 0)
        except (StopIteration, ValueError):
            end = -1
        if end != len(data):  # not one bare JSON value: [DONE], padded JSON, or an error
            if data == "[DONE]":
                self.finished = True
                return
            try:
                payload = json.loads(data)
            except ValueError as exc:
                raise DecodeError(
                    f"{self.provider}: {describe_event(self._events, data)} is not valid JSON "
                    f"({exc}).",
                    provider=self.provider,
                ) from exc
        if payload.__class__ is not dict:
            raise DecodeError(
                f"{self.provider}: {describe_event(self._events, data)} is not a JSON object.",
                provider=self.provider,
            )
        if event.event == "error" or ("error" in payload and "choices" not in payload):
            raise build_status_error(self.provider, 200, payload, in_stream=True)
        try:
            out.append(structure_chunk(payload))
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise DecodeError(
                f"{self.provider}: {describe_event(self._events, data)} is not a chat completion "
                f"chunk ({exc}).",
                provider=self.provider,
            ) from exc


DIALECT = OpenAIDialect()

# The C scanner behind json.loads, called directly: a chunk's JSON is parsed without the two
# whitespace regex passes json.loads makes. Anything it does not take whole goes to json.loads.
_scan_json: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(
    json.JSONDecoder()  # type: ignore[arg-type]  # typeshed types the argument as the scanner
)
