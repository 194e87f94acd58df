"""Model listing: ``list_models(...)`` as each dialect's request, and each page of the answer as
:class:`~llmclient.types.Model` objects plus where the next page starts. Nothing here does I/O.

- OpenAI-compatible providers: ``GET {base_url}/models``, answered with ``{"data": [{"id",
  "created", "owned_by"}]}`` (some servers send the list bare), in one page.
- Anthropic: ``GET {base_url}/models?limit=1000``, answered with ``{"data": [{"id",
  "display_name", "created_at"}], "has_more", "last_id"}``; while ``has_more``, the next page
  is asked for with ``after_id``.
- Gemini: ``GET {base_url}/models?pageSize=1000``, answered with ``{"models": [{"name":
  "models/...", "displayName"}], "nextPageToken"}``; the next page is asked for with
  ``pageToken``.

Azure OpenAI lists its deployments through Azure's management API, not its inference
endpoint, so it is refused before sending.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

import attrs

from ._config import ClientConfig
from ._endpoint_types import ListModelsParams, Model
from ._endpoints import Endpoint, check_keywords, endpoint_call, in_band_error
from ._providers import Dialect, get_provider
from ._request import ChatCall, HttpRequest
from ._status import load_json
from .errors import DecodeError, InvalidRequestError

OPTIONS = frozenset(ListModelsParams.__annotations__)

#: The most models Anthropic and Gemini send in one page.
PAGE_SIZE = 1000

#: For each paginated dialect: the query parameter of the page size, and of the next page.
PAGING: Mapping[str, tuple[str, str]] = {
    "anthropic": ("limit", "after_id"),
    "gemini": ("pageSize", "pageToken"),
}

#: The keys that hold a model list: an answer with ``error`` and neither is an error.
_LISTS = frozenset({"data", "models"})


@attrs.frozen
class ModelPage:
    """One page of a model list, and the cursor of the next page (None on the last)."""

    models: list[Model]
    next: str | None = None


def prepare_list_models(
    config: ClientConfig, provider: str | None, params: Mapping[str, Any]
) -> ChatCall:
    """Check a ``list_models`` call and resolve its provider, key, URL, timeout and retries.

    ``provider`` None means the client's default provider. Raises ``TypeError`` for an unknown
    keyword and an ``InputError`` for anything else wrong, all before any network traffic.
    """
    check_keywords("list_models", params, OPTIONS)
    if provider is None:
        provider = config.default_provider
    if not isinstance(provider, str) or not provider:
        raise InvalidRequestError(
            f"provider must be a provider name like 'openai', got {provider!r}."
        )
    spec = get_provider(provider, config.registry())
    if spec.dialect == "azure":
        raise InvalidRequestError(
            f"{spec.name} (Azure OpenAI) lists its deployments in the Azure portal or through "
            "Azure's management API, not through its inference endpoint."
        )
    paging = PAGING.get(spec.dialect)
    query = {paging[0]: PAGE_SIZE} if paging else {}
    return endpoint_call(config, spec, "", query, params, _endpoint)


def _endpoint(errors: Dialect) -> Endpoint:
    return Endpoint("models", models_request, errors)


def models_request(call: ChatCall) -> HttpRequest:
    """``GET {base_url}/models`` with the call's query (page size, next-page cursor)."""
    headers = call.base_headers()
    headers.pop("content-type", None)  # a GET has no body
    if call.provider.dialect == "anthropic":
        from ._providers.anthropic import ANTHROPIC_VERSION

        headers.setdefault("anthropic-version", ANTHROPIC_VERSION)
    url = f"{call.base_url}/models"
    if call.params:
        url = f"{url}?{urlencode(call.params)}"
    return HttpRequest("GET", url, headers, b"")


def parse_models_page(call: ChatCall, body: bytes) -> ModelPage:
    """One page of the call's dialect as :class:`ModelPage`.

    Raises ``DecodeError`` for an answer of another shape, and the typed error for an error
    object sent with status 200.
    """
    provider = call.provider.name
    payload = load_json(body, provider, "model list")
    dialect = call.provider.dialect
    try:
        if isinstance(payload, dict) and "error" in payload and not _LISTS & payload.keys():
            raise in_band_error(call, payload)
        if dialect == "anthropic":
            return _anthropic_page(payload, provider)
        if dialect == "gemini":
            return _gemini_page(payload, provider)
        return _openai_page(payload, provider)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise DecodeError(
            f"{provider}: the response is not a model list ({exc!r}).", provider=provider
        ) from exc


def next_page(call: ChatCall, page: ModelPage) -> ChatCall | None:
    """The call for the page after ``page``, or None when it was the last.

    Raises ``DecodeError`` when the provider points back at the page just read, which would
    otherwise be asked for forever.
    """
    if page.next is None:
        return None
    cursor = PAGING[call.provider.dialect][1]
    if call.params.get(cursor) == page.next:
        raise DecodeError(
            f"{call.provider.name}: the model list's next page is the page just read "
            f"({cursor}={page.next!r}).",
            provider=call.provider.name,
        )
    return attrs.evolve(call, params={**call.params, cursor: page.next})


def _openai_page(payload: Any, provider: str) -> ModelPage:
    items = payload if isinstance(payload, list) else payload["data"]
    return ModelPage(
        [
            Model(
                id=str(item["id"]),
                created=_int_or_none(item.get("created")),
                owned_by=_str_or_none(item.get("owned_by")),
                provider=provider,
            )
            for item in items
        ]
    )


def _anthropic_page(payload: Mapping[str, Any], provider: str) -> ModelPage:
    items = payload["data"]
    models = [
        Model(
            id=str(item["id"]),
            created=_timestamp(item.get("created_at")),
            provider=provider,
            display_name=_str_or_none(item.get("display_name")),
        )
        for item in items
    ]
    next_id = None
    if payload.get("has_more") is True:
        next_id = payload.get("last_id") or (models[-1].id if models else None)
    return ModelPage(models, next_id)


def _gemini_page(payload: Mapping[str, Any], provider: str) -> ModelPage:
    models = [
        Model(
            id=str(item["name"]).removeprefix("models/"),
            provider=provider,
            display_name=_str_or_none(item.get("displayName")),
        )
        for item in payload.get("models") or ()  # an empty page leaves the key out
    ]
    return ModelPage(models, payload.get("nextPageToken") or None)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _timestamp(value: Any) -> int | None:
    """Unix seconds from an RFC 3339 time such as Anthropic's ``"2025-02-19T00:00:00Z"``."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp())
