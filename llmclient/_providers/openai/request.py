"""The chat completions request: ``POST {base_url}/chat/completions`` with OpenAI's body."""

from __future__ import annotations

from typing import Any

from ..._core.call import ChatCall, HttpRequest
from ..._core.request import encode_json
from .._state import without_state


def build_request(call: ChatCall) -> HttpRequest:
    """The chat completions request for a prepared call; ``extra_body`` is merged in last."""
    # State of other dialects stays out: OpenAI refuses message fields it does not know.
    messages = without_state(call.messages)
    body: dict[str, Any] = {"model": call.model, "messages": messages, **call.params}
    if call.stream:
        body["stream"] = True
    body.update(call.extra_body)
    headers = call.base_headers()
    return HttpRequest("POST", f"{call.base_url}/chat/completions", headers, encode_json(body))
