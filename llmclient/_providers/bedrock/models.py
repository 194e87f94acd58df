"""The model list: Bedrock's control plane, ``GET {control plane}/foundation-models``
(``https://bedrock.{region}.amazonaws.com``, or ``{base}/foundation-models`` for a base URL of
the caller's own), answered with ``{"modelSummaries": [{"modelId", "modelName",
"providerName", ...}]}`` in one page."""

from __future__ import annotations

from typing import Any

from ..._core.call import ChatCall, HttpRequest
from ..._core.convert import FieldError
from ..._core.endpoint_types import Model
from .. import ModelPage
from .._common import str_or_none
from .urls import control_plane_url


def build_models_request(call: ChatCall) -> HttpRequest:
    """``GET {control plane}/foundation-models``, with no body (and so no content type)."""
    headers = call.base_headers()
    headers.pop("content-type", None)
    return HttpRequest("GET", f"{control_plane_url(call)}/foundation-models", headers, b"")


def parse_models_page(call: ChatCall, payload: Any) -> ModelPage:
    """The whole list, as one page: ``owned_by`` is the model's provider (``Anthropic``,
    ``Amazon``), ``display_name`` its name."""
    summaries = payload["modelSummaries"]
    if not isinstance(summaries, list):
        raise FieldError("modelSummaries", "a list", summaries)
    return ModelPage(
        [
            Model(
                id=_model_id(item, index),
                owned_by=str_or_none(item.get("providerName")),
                provider=call.provider.name,
                display_name=str_or_none(item.get("modelName")),
            )
            for index, item in enumerate(summaries)
        ]
    )


def _model_id(item: Any, index: int) -> str:
    model_id = item["modelId"]
    if model_id.__class__ is not str or not model_id:
        raise FieldError(f"modelSummaries[{index}].modelId", "a model id", model_id)
    return str(model_id)
