"""Bedrock's replies as data: AWS event-stream frames, ConverseStream events and Converse
answers with their content blocks, errors, InvokeModel embeddings and the foundation-model
list, for :class:`~llmclient.testing.Reply` to frame."""

from __future__ import annotations

import json
import string
import struct
import uuid
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._anthropic import AUTO
from ._wire import count_tokens, split_evenly, stream_pieces

TITAN_EMBEDDING_MODEL = "amazon.titan-embed-text-v2:0"
"""The embedding model whose answer :meth:`Reply.bedrock_embeddings` builds by default."""

_PADDING = string.ascii_lowercase + string.ascii_uppercase + string.digits
_LATENCY_MS = 100
_STRING_HEADER = 7
_PRELUDE = struct.Struct(">II")
_UINT32 = struct.Struct(">I")

# Errors raised by AWS's front door (authentication) name the coral service namespace;
# Bedrock's own name Bedrock's.
_AUTH_ERRORS = frozenset(
    ("UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignatureException")
)
_ERROR_TYPES = {
    400: "ValidationException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
}


def event_stream_frame(headers: Mapping[str, str], payload: bytes) -> bytes:
    """Encode one AWS event-stream message: the prelude (total and headers lengths and their
    CRC32), ``headers`` as string headers in their order, ``payload`` and the CRC32 of it all.

    Raises ``ValueError`` for a header name longer than 255 bytes or a value longer than
    65,535.
    """
    encoded = bytearray()
    for name, value in headers.items():
        name_bytes, value_bytes = name.encode(), value.encode()
        if len(name_bytes) > 0xFF or len(value_bytes) > 0xFFFF:
            raise ValueError(f"event-stream header {name!r} is too long")
        encoded += bytes((len(name_bytes),)) + name_bytes + bytes((_STRING_HEADER,))
        encoded += len(value_bytes).to_bytes(2, "big") + value_bytes
    prelude = _PRELUDE.pack(12 + len(encoded) + len(payload) + 4, len(encoded))
    message = prelude + _UINT32.pack(zlib.crc32(prelude)) + encoded + payload
    return message + _UINT32.pack(zlib.crc32(message))


def bedrock_event(type: str, **fields: Any) -> bytes:
    """Build one event of a ConverseStream, for :meth:`Reply.event_stream`.

    Its headers are ``:event-type: <type>``, ``:content-type: application/json`` and
    ``:message-type: event``; its payload is ``fields`` as JSON, keys sorted, with the padding
    field ``"p"`` real streams carry (deterministic here; a ``p`` of your own replaces it). For
    example ``bedrock_event("contentBlockDelta", contentBlockIndex=0, delta={"text": "Hi"})``.
    """
    if "p" not in fields:
        digest = zlib.crc32(_dump_sorted(fields))
        fields["p"] = _PADDING[: 1 + digest % len(_PADDING)]
    headers = {
        ":event-type": type,
        ":content-type": "application/json",
        ":message-type": "event",
    }
    return event_stream_frame(headers, _dump_sorted(fields))


def bedrock_exception(type: str, message: str, **fields: Any) -> bytes:
    """Build one exception frame of a ConverseStream, for :meth:`Reply.event_stream`.

    Its headers are ``:message-type: exception``, ``:exception-type: <type>``
    (``throttlingException``, ``validationException``, ``modelStreamErrorException``, ...)
    and ``:content-type: application/json``; its payload is ``{"message": message,
    **fields}``, for example ``originalStatusCode=500`` for a ``modelStreamErrorException``.
    """
    headers = {
        ":message-type": "exception",
        ":exception-type": type,
        ":content-type": "application/json",
    }
    return event_stream_frame(headers, _dump_sorted({"message": message, **fields}))


def bedrock_reasoning(
    text: str, signature: str | None = None, *, redacted: str | None = None
) -> dict[str, Any]:
    """A Converse ``reasoningContent`` block, for ``Reply.bedrock_converse(content=...)`` and
    ``Reply.bedrock_stream(content=...)``: ``text`` signed with ``signature``, or with
    ``redacted`` the encrypted reasoning (base64) some models send instead.

    Raises ``ValueError`` when ``redacted`` comes with text or a signature.
    """
    if redacted is not None:
        if text or signature is not None:
            raise ValueError("redacted reasoning has no text or signature of its own")
        return {"reasoningContent": {"redactedContent": redacted}}
    reasoning: dict[str, Any] = {"text": text}
    if signature is not None:
        reasoning["signature"] = signature
    return {"reasoningContent": {"reasoningText": reasoning}}


def bedrock_tool_use(tool_use_id: str, name: str, input: Mapping[str, Any]) -> dict[str, Any]:
    """A Converse ``toolUse`` block calling ``name`` with ``input``."""
    return {"toolUse": {"toolUseId": tool_use_id, "name": name, "input": dict(input)}}


def stream_frames(
    text: str,
    *,
    chunks: int | None,
    content: Sequence[Mapping[str, Any]] | None,
    stop_reason: str | None,
    usage: Mapping[str, int] | None,
) -> list[bytes]:
    """The frames of :meth:`Reply.bedrock_stream`."""
    blocks = _blocks(text, content)
    frames = [bedrock_event("messageStart", role="assistant")]
    for index, block in enumerate(blocks):
        frames += _block_frames(index, block, chunks)
    if stop_reason is not None:
        frames.append(bedrock_event("messageStop", stopReason=_stop_reason(stop_reason, blocks)))
    metrics = {"latencyMs": _LATENCY_MS}
    frames.append(bedrock_event("metadata", usage=_usage(blocks, usage), metrics=metrics))
    return frames


def converse_body(
    text: str,
    *,
    content: Sequence[Mapping[str, Any]] | None,
    stop_reason: str,
    usage: Mapping[str, int] | None,
) -> dict[str, Any]:
    """The body of :meth:`Reply.bedrock_converse`."""
    blocks = _blocks(text, content)
    return {
        "output": {"message": {"role": "assistant", "content": blocks}},
        "stopReason": _stop_reason(stop_reason, blocks),
        "usage": _usage(blocks, usage),
        "metrics": {"latencyMs": _LATENCY_MS},
    }


def error(status: int, message: str, error_type: str | None) -> tuple[dict[str, Any], str]:
    """The body of :meth:`Reply.bedrock_error` and its ``x-amzn-ErrorType`` header:
    ``error_type`` defaults to Bedrock's name for ``status``."""
    if error_type is None:
        fallback = "InternalServerException" if status >= 500 else "ValidationException"
        error_type = _ERROR_TYPES.get(status, fallback)
    service = "com.amazon.coral.service" if error_type in _AUTH_ERRORS else "com.amazon.bedrock"
    return {"message": message}, f"{error_type}:http://internal.amazon.com/coral/{service}/"


def embeddings(
    vectors: Sequence[Sequence[float]],
    *,
    model: str,
    texts: Sequence[str] | None,
    by_type: bool,
    input_tokens: int,
) -> dict[str, Any]:
    """The body of :meth:`Reply.bedrock_embeddings`: Cohere's for a ``cohere.`` model, else
    Titan's, which holds exactly one vector."""
    listed = [list(vector) for vector in vectors]
    if model.startswith("cohere."):
        texts = [""] * len(listed) if texts is None else list(texts)
        if by_type:
            return {
                "id": str(uuid.uuid4()),
                "texts": texts,
                "embeddings": {"float": listed},
                "response_type": "embeddings_by_type",
            }
        return {
            "id": str(uuid.uuid4()),
            "texts": texts,
            "embeddings": listed,
            "response_type": "embeddings_floats",
        }
    if len(listed) != 1:
        raise ValueError(f"a Titan embeddings answer holds one vector, not {len(listed)}")
    return {"embedding": listed[0], "inputTextTokenCount": input_tokens}


def models(ids: Iterable[str], *, region: str) -> dict[str, Any]:
    """The body of :meth:`Reply.bedrock_models`: one page of foundation models."""
    return {"modelSummaries": [_model_summary(id, region) for id in ids]}


def _model_summary(model_id: str, region: str) -> dict[str, Any]:
    provider = model_id.split(".", 1)[0]
    embeds = "embed" in model_id
    return {
        "modelArn": f"arn:aws:bedrock:{region}::foundation-model/{model_id}",
        "modelId": model_id,
        "modelName": model_id.split(".", 1)[-1].split(":", 1)[0].replace("-", " ").title(),
        "providerName": provider.title(),
        "inputModalities": ["TEXT"],
        "outputModalities": ["EMBEDDING" if embeds else "TEXT"],
        "responseStreamingSupported": not embeds,
        "customizationsSupported": [],
        "inferenceTypesSupported": ["ON_DEMAND"],
        "modelLifecycle": {"status": "ACTIVE"},
    }


def _blocks(text: str, content: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    return [{"text": text}] if content is None else [dict(block) for block in content]


def _stop_reason(stop_reason: str, blocks: Sequence[Mapping[str, Any]]) -> str:
    """:data:`AUTO` as ``tool_use`` when a block calls a tool, else ``end_turn``."""
    if stop_reason != AUTO:
        return stop_reason
    return "tool_use" if any("toolUse" in block for block in blocks) else "end_turn"


def _usage(blocks: Sequence[Mapping[str, Any]], given: Mapping[str, int] | None) -> dict[str, int]:
    """Words of the text and reasoning as output tokens, updated by ``given``; the total is
    the sum of the input (cache reads and writes included) and output tokens unless given."""
    words = 0
    for block in blocks:
        reasoning = block.get("reasoningContent", {}).get("reasoningText", {})
        words += count_tokens(block.get("text") or "") + count_tokens(reasoning.get("text") or "")
    usage = {"inputTokens": 0, "outputTokens": words, **(given or {})}
    if "totalTokens" not in usage:
        counted = ("inputTokens", "outputTokens", "cacheReadInputTokens", "cacheWriteInputTokens")
        usage["totalTokens"] = sum(usage.get(name, 0) for name in counted)
    return usage


def _block_frames(index: int, block: Mapping[str, Any], chunks: int | None) -> list[bytes]:
    """The frames that stream one block as Bedrock streams it: text and reasoning text in
    ``chunks`` pieces (by default one per word), then the reasoning's signature; redacted
    reasoning whole; a tool call as a start event with its id and name, then its input as
    JSON in pieces, the first one empty as Claude's are. Each block ends with a stop event.
    """
    deltas: list[dict[str, Any]] = []
    frames: list[bytes] = []
    if "text" in block:
        deltas = [{"text": piece} for piece in stream_pieces(block["text"], chunks)]
    elif "reasoningContent" in block:
        reasoning = block["reasoningContent"]
        if "redactedContent" in reasoning:
            deltas = [{"reasoningContent": {"redactedContent": reasoning["redactedContent"]}}]
        else:
            signed = reasoning["reasoningText"]
            pieces = stream_pieces(signed["text"], chunks)
            deltas = [{"reasoningContent": {"text": piece}} for piece in pieces]
            if "signature" in signed:
                deltas.append({"reasoningContent": {"signature": signed["signature"]}})
    elif "toolUse" in block:
        tool = block["toolUse"]
        start = {"toolUse": {"toolUseId": tool["toolUseId"], "name": tool["name"]}}
        frames.append(bedrock_event("contentBlockStart", contentBlockIndex=index, start=start))
        arguments = json.dumps(tool.get("input") or {})
        pieces = ["", *split_evenly(arguments, min(3, len(arguments)))]
        deltas = [{"toolUse": {"input": piece}} for piece in pieces]
    else:
        raise ValueError(f"a Converse stream has no block of the shape {sorted(block)}")
    frames += [
        bedrock_event("contentBlockDelta", contentBlockIndex=index, delta=delta) for delta in deltas
    ]
    frames.append(bedrock_event("contentBlockStop", contentBlockIndex=index))
    return frames


def _dump_sorted(value: Any) -> bytes:
    """Compact JSON with its keys sorted, as Bedrock's event payloads are."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
