"""The model list: ``GET {base_url}/models?limit=1000``, answered with ``{"data": [{"id",
"display_name", "created_at"}], "has_more", "last_id"}``; while ``has_more``, the next page is
asked for with ``after_id``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from ..._core.call import ChatCall, HttpRequest
from ..._core.endpoint_types import Model
from .. import ModelPage
from .._common import models_request, str_or_none
from .request import ANTHROPIC_VERSION
from .urls import api_base

#: The query parameters of the page size and of the next page.
PAGING = ("limit", "after_id")


def build_models_request(call: ChatCall) -> HttpRequest:
    """``GET {base_url}/models`` with the page's query and ``anthropic-version``."""
    headers = call.base_headers()
    headers.setdefault("anthropic-version", ANTHROPIC_VERSION)
    return models_request(call, headers, api_base(call))


def parse_models_page(call: ChatCall, payload: Mapping[str, Any]) -> ModelPage:
    """One page, with the id the next one starts after."""
    models = [
        Model(
            id=str(item["id"]),
            created=_timestamp(item.get("created_at")),
            provider=call.provider.name,
            display_name=str_or_none(item.get("display_name")),
        )
        for item in payload["data"]
    ]
    next_id = None
    if payload.get("has_more") is True:
        next_id = payload.get("last_id") or (models[-1].id if models else None)
    return ModelPage(models, next_id)


def _timestamp(value: Any) -> int | None:
    """Unix seconds from an RFC 3339 time such as ``"2025-02-19T00:00:00Z"``."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp())
