"""The model list: ``GET {base_url}/models``, answered with ``{"data": [{"id", "created",
"owned_by"}]}`` (some servers send the list bare), in one page."""

from __future__ import annotations

from typing import Any

from ..._core.call import ChatCall, HttpRequest
from ..._core.endpoint_types import Model
from .. import ModelPage
from .._common import int_or_none, models_request, str_or_none


def build_models_request(call: ChatCall) -> HttpRequest:
    """``GET {base_url}/models``."""
    return models_request(call)


def parse_models_page(call: ChatCall, payload: Any) -> ModelPage:
    """The whole list, as one page."""
    items = payload if isinstance(payload, list) else payload["data"]
    return ModelPage(
        [
            Model(
                id=str(item["id"]),
                created=int_or_none(item.get("created")),
                owned_by=str_or_none(item.get("owned_by")),
                provider=call.provider.name,
            )
            for item in items
        ]
    )
