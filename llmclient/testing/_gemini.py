"""Gemini's replies as data: ``generateContent`` streams and answers, errors, embeddings and
model lists, for :class:`~llmclient.testing.Reply` to frame."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._wire import copies, count_tokens, dump_json, stream_pieces

DEFAULT_GEMINI_MODEL = "gemini-2.5-flash"
"""The model named in built Gemini replies when none is given."""

_DEFAULT_GEMINI_ID = "gemini-localserver"

_GRPC_STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def gemini_chunk(
    text: str | None = None,
    *,
    thought: str | None = None,
    function_call: Mapping[str, Any] | None = None,
    finish_reason: str | None = None,
    usage: Mapping[str, int] | None = None,
    index: int = 0,
    model: str = DEFAULT_GEMINI_MODEL,
    id: str = _DEFAULT_GEMINI_ID,
    candidates: Sequence[Mapping[str, Any]] | None = None,
    parts: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Build one Gemini ``GenerateContentResponse`` dict, for ``Reply.gemini_stream(events=...)``.

    The candidate numbered ``index`` holds the parts given, in this order: a ``thought`` part,
    a ``text`` part and a ``functionCall`` part (``{"name": ..., "args": {...}}``), then
    ``finishReason`` when ``finish_reason`` is given (``"STOP"``, ``"SAFETY"``, ...).
    ``usage`` is sent as ``usageMetadata``; ``parts`` replaces those parts with your own (Gemini
    3's signed calls: :func:`gemini_function_call`), and ``candidates`` the candidate list.
    """
    if candidates is None:
        built: list[dict[str, Any]] = []
        if thought is not None:
            built.append({"text": thought, "thought": True})
        if text is not None:
            built.append({"text": text})
        if function_call is not None:
            built.append({"functionCall": dict(function_call)})
        if parts is not None:
            built = copies(parts)
        candidate: dict[str, Any] = {"content": {"parts": built, "role": "model"}, "index": index}
        if finish_reason is not None:
            candidate["finishReason"] = finish_reason
        candidates = [candidate]
    chunk: dict[str, Any] = {
        "candidates": [dict(candidate) for candidate in candidates],
        "modelVersion": model,
        "responseId": id,
    }
    if usage is not None:
        chunk["usageMetadata"] = dict(usage)
    return chunk


def gemini_function_call(
    name: str, args: Mapping[str, Any], *, signature: str | None = None
) -> dict[str, Any]:
    """A Gemini ``functionCall`` part, signed with ``signature`` as Gemini 3 signs the first
    call of a step (``thoughtSignature``), for ``gemini_chunk(parts=...)``."""
    part: dict[str, Any] = {"functionCall": {"name": name, "args": dict(args)}}
    if signature is not None:
        part["thoughtSignature"] = signature
    return part


def stream_events(
    text: str,
    *,
    chunks: int | None,
    model: str,
    finish_reason: str | None,
    prompt_tokens: int,
    events: Iterable[Mapping[str, Any] | bytes] | None,
    id: str | None,
) -> list[bytes]:
    """The events of :meth:`Reply.gemini_stream`, framed as Gemini frames them: ``data:
    <JSON>`` and ``\\r\\n\\r\\n``."""
    if events is None:
        pieces = stream_pieces(text, chunks)
        common: dict[str, Any] = {"model": model, "id": id or _new_id()}
        built = [
            gemini_chunk(piece, usage=_usage(prompt_tokens, None), **common)
            for piece in pieces or [""]
        ]
        built[-1] = gemini_chunk(
            pieces[-1] if pieces else "",
            finish_reason=finish_reason,
            usage=_usage(prompt_tokens, count_tokens(text)),
            **common,
        )
        events = built
    return [
        event if isinstance(event, bytes) else b"data: " + dump_json(event) + b"\r\n\r\n"
        for event in events
    ]


def response(
    text: str,
    *,
    model: str,
    finish_reason: str,
    prompt_tokens: int,
    thought: str | None,
    parts: Sequence[Mapping[str, Any]] | None,
    id: str | None,
) -> dict[str, Any]:
    """The body of :meth:`Reply.gemini_response`."""
    return gemini_chunk(
        text,
        thought=thought,
        parts=parts,
        finish_reason=finish_reason,
        usage=_usage(prompt_tokens, count_tokens(text)),
        model=model,
        id=id or _new_id(),
    )


def error(status: int, message: str, grpc_status: str | None) -> dict[str, Any]:
    """The body of :meth:`Reply.gemini_error`: ``grpc_status`` defaults to Google's name for
    ``status``."""
    if grpc_status is None:
        grpc_status = _GRPC_STATUSES.get(status, "INTERNAL" if status >= 500 else "UNKNOWN")
    return {"error": {"code": status, "message": message, "status": grpc_status}}


def embeddings(vectors: Sequence[Sequence[float]], *, batch: bool) -> dict[str, Any]:
    """The body of :meth:`Reply.gemini_embeddings`."""
    if batch:
        return {"embeddings": [{"values": list(v)} for v in vectors]}
    if len(vectors) != 1:
        raise ValueError(f"an embedContent answer holds one vector, not {len(vectors)}")
    return {"embedding": {"values": list(vectors[0])}}


def models(ids: Iterable[str], *, next_page_token: str | None) -> dict[str, Any]:
    """The body of :meth:`Reply.gemini_models`: one page."""
    listed = [
        {
            "name": f"models/{id}",
            "displayName": id.replace("-", " ").title(),
            "supportedGenerationMethods": (
                ["embedContent"] if "embedding" in id else ["generateContent"]
            ),
        }
        for id in ids
    ]
    body: dict[str, Any] = {"models": listed}
    if next_page_token is not None:
        body["nextPageToken"] = next_page_token
    return body


def _usage(prompt_tokens: int, candidates_tokens: int | None) -> dict[str, int]:
    usage = {"promptTokenCount": prompt_tokens, "totalTokenCount": prompt_tokens}
    if candidates_tokens is not None:
        usage["candidatesTokenCount"] = candidates_tokens
        usage["totalTokenCount"] += candidates_tokens
    return usage


def _new_id() -> str:
    return uuid.uuid4().hex[:22]
