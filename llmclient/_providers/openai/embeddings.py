"""Embeddings: ``POST {base_url}/embeddings`` with ``{"model", "input", "dimensions",
"encoding_format", "user"}``, answered with ``{"data": [{"index", "embedding"}], "usage"}``.

With ``encoding_format="base64"`` each vector comes as base64 of little-endian float32 values,
read as the same floats the default encoding would have sent, at a quarter of the bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..._core.call import ChatCall, HttpRequest
from ..._core.endpoint_types import Embedding, EmbeddingResponse, EmbeddingUsage
from ..._core.request import encode_json
from ..._core.status import build_status_error
from .._vectors import vector


def embeddings_params(provider: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The body's fields: every argument given, ``encoding_format`` included."""
    return {name: value for name, value in fields.items() if value is not None}


def build_embeddings_request(call: ChatCall) -> HttpRequest:
    """``POST {base_url}/embeddings``, ``extra_body`` merged in."""
    body = {"model": call.model, **call.params}
    body.update(call.extra_body)
    url = f"{call.base_url}/embeddings"
    return HttpRequest("POST", url, call.base_headers(), encode_json(body))


def parse_embeddings(call: ChatCall, payload: dict[str, Any]) -> EmbeddingResponse:
    """The vectors in input order (by ``index``), with the token counts when sent."""
    if "error" in payload and "data" not in payload:
        raise build_status_error(call.provider.name, 200, payload, in_stream=True)
    data = [
        Embedding(int(item.get("index", number)), vector(item["embedding"]))
        for number, item in enumerate(payload["data"])
    ]
    data.sort(key=lambda item: item.index)
    counts = payload.get("usage")
    usage = None
    if counts:
        usage = EmbeddingUsage(
            int(counts.get("prompt_tokens") or 0), int(counts.get("total_tokens") or 0)
        )
    return EmbeddingResponse(data, payload.get("model") or call.model, usage)
