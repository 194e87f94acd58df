"""The default chat answers: ``default_text``, said the way OpenAI's, Anthropic's, Gemini's,
Bedrock's and Vertex AI's chat endpoints would say it, streamed when the request asks for a
stream."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

from ._anthropic import DEFAULT_ANTHROPIC_MODEL
from ._gemini import DEFAULT_GEMINI_MODEL
from ._openai import DEFAULT_MODEL
from ._reply import Reply
from ._request import Defaults, RecordedRequest, json_object, string_or
from ._vertex import VERTEX_ANTHROPIC_VERSION, VERTEX_MODEL_PATH
from ._wire import count_tokens

GEMINI_PATH = re.compile(
    r".*/models/(?P<model>[^/]+):(?P<method>generateContent|streamGenerateContent)"
)

BEDROCK_PATH = re.compile(r".*/model/(?P<model>[^/]+)/(?P<method>converse|converse-stream)")


def answer_openai(request: RecordedRequest, server: Defaults) -> Reply:
    """Say ``server.default_text`` the way OpenAI's chat completions endpoint would."""
    payload = json_object(request)
    if payload is None:
        message = "We could not parse the JSON body of your request."
        return Reply.error(400, message, headers={"Connection": "close"})
    model = string_or(payload, "model", DEFAULT_MODEL)
    prompt_tokens = _count_prompt_tokens(payload.get("messages"))
    if payload.get("stream") is not True:
        return Reply.openai_completion(
            server.default_text, model=model, prompt_tokens=prompt_tokens
        )
    options = payload.get("stream_options")
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    return Reply.openai_stream(
        server.default_text,
        model=model,
        include_usage=include_usage,
        prompt_tokens=prompt_tokens,
        delay=server.stream_delay,
    )


def answer_anthropic(request: RecordedRequest, server: Defaults) -> Reply:
    """Say ``server.default_text`` the way Anthropic's Messages endpoint would."""
    payload = json_object(request)
    if payload is None:
        message = "There was an issue with the format or content of your request."
        return Reply.anthropic_error(400, message, headers={"Connection": "close"})
    model = string_or(payload, "model", DEFAULT_ANTHROPIC_MODEL)
    return _anthropic_answer(payload, model, payload.get("stream") is True, server)


def answer_anthropic_count_tokens(request: RecordedRequest, server: Defaults) -> Reply:
    """Count the request's input tokens (words) as ``POST /v1/messages/count_tokens``
    answers: ``{"input_tokens": N}``."""
    payload = json_object(request)
    if payload is None:
        message = "There was an issue with the format or content of your request."
        return Reply.anthropic_error(400, message)
    return Reply.json({"input_tokens": _anthropic_input_tokens(payload)})


def answer_vertex_anthropic(request: RecordedRequest, server: Defaults) -> Reply:
    """Say ``server.default_text`` the way Claude on Vertex AI would, at ``:rawPredict`` (a
    whole message) and ``:streamRawPredict`` (a stream) of the path's model.

    The body is Anthropic's without ``model`` and with Vertex's ``anthropic_version``; one with
    a ``model``, without that version, or whose ``stream`` disagrees with the method gets a
    400 in Anthropic's shape.
    """
    found = VERTEX_MODEL_PATH.fullmatch(urlsplit(request.path).path)
    assert found is not None  # the route matched this pattern
    payload = json_object(request)
    if payload is None:
        message = "There was an issue with the format or content of your request."
        return Reply.anthropic_error(400, message)
    streamed = found["method"] == "streamRawPredict"
    problem = None
    if "model" in payload:
        problem = "model: Extra inputs are not permitted (Vertex takes the model from the URL)"
    elif payload.get("anthropic_version") != VERTEX_ANTHROPIC_VERSION:
        problem = f"anthropic_version: Input should be '{VERTEX_ANTHROPIC_VERSION}'"
    elif (payload.get("stream") is True) != streamed:
        wanted = "true" if streamed else "absent or false"
        problem = f"stream: must be {wanted} for :{found['method']}"
    if problem is not None:
        return Reply.anthropic_error(400, problem)
    return _anthropic_answer(payload, unquote(found["model"]), streamed, server)


def _anthropic_answer(payload: dict[str, Any], model: str, stream: bool, server: Defaults) -> Reply:
    """``server.default_text`` as an Anthropic message from ``model``, streamed or whole."""
    input_tokens = _anthropic_input_tokens(payload)
    if not stream:
        return Reply.anthropic_message(server.default_text, model=model, input_tokens=input_tokens)
    return Reply.anthropic_stream(
        server.default_text, model=model, input_tokens=input_tokens, delay=server.stream_delay
    )


def answer_gemini(request: RecordedRequest, server: Defaults) -> Reply:
    """Say ``server.default_text`` the way Gemini's generateContent endpoints would."""
    found = GEMINI_PATH.fullmatch(urlsplit(request.path).path)
    model = found["model"] if found else DEFAULT_GEMINI_MODEL
    payload = json_object(request)
    if payload is None:
        return Reply.gemini_error(400, "Invalid JSON payload received.")
    prompt_tokens = 0
    for content in payload.get("contents") or ():
        parts = content.get("parts") if isinstance(content, dict) else None
        texts = (part.get("text") for part in parts or () if isinstance(part, dict))
        prompt_tokens += sum(count_tokens(text) for text in texts if isinstance(text, str))
    if found and found["method"] == "streamGenerateContent":
        return Reply.gemini_stream(
            server.default_text, model=model, prompt_tokens=prompt_tokens, delay=server.stream_delay
        )
    return Reply.gemini_response(server.default_text, model=model, prompt_tokens=prompt_tokens)


def answer_bedrock(request: RecordedRequest, server: Defaults) -> Reply:
    """Say ``server.default_text`` the way Bedrock's Converse and ConverseStream would."""
    found = BEDROCK_PATH.fullmatch(urlsplit(request.path).path)
    payload = json_object(request)
    if payload is None:
        return Reply.bedrock_error(400, "Malformed input request, please reformat your input.")
    usage = {"inputTokens": _anthropic_input_tokens(payload)}
    if found and found["method"] == "converse-stream":
        return Reply.bedrock_stream(server.default_text, usage=usage, delay=server.stream_delay)
    return Reply.bedrock_converse(server.default_text, usage=usage)


def _anthropic_input_tokens(payload: dict[str, Any]) -> int:
    """A rough token count of an Anthropic (or Bedrock) request: its system prompt and its
    messages' text."""
    tokens = _count_anthropic_tokens(payload.get("system"))
    for message in payload.get("messages") or ():
        if isinstance(message, dict):
            tokens += _count_anthropic_tokens(message.get("content"))
    return tokens


def _count_prompt_tokens(messages: Any) -> int:
    """A rough token count of the messages' text contents."""
    if not isinstance(messages, list):
        return 0
    contents = (message.get("content") for message in messages if isinstance(message, dict))
    return sum(count_tokens(content) for content in contents if isinstance(content, str))


def _count_anthropic_tokens(content: Any) -> int:
    """A rough token count of Anthropic (or Bedrock) content: a string, or a list of blocks
    with text."""
    if isinstance(content, str):
        return count_tokens(content)
    if not isinstance(content, list):
        return 0
    texts = (block.get("text") for block in content if isinstance(block, dict))
    return sum(count_tokens(text) for text in texts if isinstance(text, str))
