"""Model listing: ``list_models(...)`` checked and made a call to the provider's dialect, and
each page of the answer read as :class:`~llmclient.types.Model` objects plus where the next
page starts. Nothing here does I/O.

What is asked for and how a page reads are the dialect's (``models.py`` in its package), as is
whether the list comes in pages (``models_paging``): the first page asks for
:data:`PAGE_SIZE` models, each next one names the cursor the last gave. A provider whose
dialect has no model list is refused before sending.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .._config import ClientConfig
from .._providers import MODELS, ModelPage, dialect_for, get_provider
from ..errors import DecodeError, InvalidRequestError
from .call import ChatCall
from .endpoint_types import ListModelsParams
from .endpoints import Endpoint, check_keywords, endpoint_call, in_band_error
from .status import load_json

__all__ = ["PAGE_SIZE", "ModelPage", "next_page", "parse_models_page", "prepare_list_models"]

OPTIONS = frozenset(ListModelsParams.__annotations__)

#: The most models a paginated provider sends in one page.
PAGE_SIZE = 1000

#: The keys that hold a model list: an answer with ``error`` and neither is an error.
_LISTS = frozenset({"data", "models"})


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
    dialect = dialect_for(spec, MODELS)
    paging = dialect.models_paging
    query = {paging[0]: PAGE_SIZE} if paging else {}
    endpoint = Endpoint("models", dialect.build_models_request, dialect)
    return endpoint_call(config, spec, "", query, params, endpoint)


def parse_models_page(call: ChatCall, body: bytes) -> ModelPage:
    """One page of the call's dialect as :class:`ModelPage`.

    Raises ``DecodeError`` for an answer of another shape, and the typed error for an error
    object sent with status 200.
    """
    provider = call.provider.name
    payload = load_json(body, provider, "model list")
    try:
        if isinstance(payload, dict) and "error" in payload and not _LISTS & payload.keys():
            raise in_band_error(call, payload)
        return dialect_for(call.provider, MODELS).parse_models_page(call, payload)
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
    paging = dialect_for(call.provider, MODELS).models_paging
    assert paging is not None, "a list in one page has no next page"
    cursor = paging[1]
    if call.params.get(cursor) == page.next:
        raise DecodeError(
            f"{call.provider.name}: the model list's next page is the page just read "
            f"({cursor}={page.next!r}).",
            provider=call.provider.name,
        )
    return attrs.evolve(call, params={**call.params, cursor: page.next})
