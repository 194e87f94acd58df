"""The model list: ``GET {base_url}/models?pageSize=1000``, answered with ``{"models":
[{"name": "models/...", "displayName"}], "nextPageToken"}``; the next page is asked for with
``pageToken``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..._core.call import ChatCall, HttpRequest
from ..._core.endpoint_types import Model
from .. import ModelPage
from .._common import models_request, str_or_none

#: The query parameters of the page size and of the next page.
PAGING = ("pageSize", "pageToken")


def build_models_request(call: ChatCall) -> HttpRequest:
    """``GET {base_url}/models`` with the page's query."""
    return models_request(call)


def parse_models_page(call: ChatCall, payload: Mapping[str, Any]) -> ModelPage:
    """One page, with the token of the next one."""
    models = [
        Model(
            id=str(item["name"]).removeprefix("models/"),
            provider=call.provider.name,
            display_name=str_or_none(item.get("displayName")),
        )
        for item in payload.get("models") or ()  # an empty page leaves the key out
    ]
    return ModelPage(models, payload.get("nextPageToken") or None)
