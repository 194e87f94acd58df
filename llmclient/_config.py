"""Client configuration and how a call finds its provider, model, key and base URL."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import attrs
import httpx

from ._providers import ProviderSpec, get_provider
from .errors import InvalidRequestError, MissingAPIKeyError

DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2


@attrs.frozen
class ClientConfig:
    """What a client was built with. Keys and headers stay out of the repr."""

    api_key: str | None = attrs.field(default=None, repr=False)
    api_keys: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    base_url: str | None = None
    timeout: Any = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    default_headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    default_provider: str = "openai"

    def __attrs_post_init__(self) -> None:
        if self.max_retries < 0:
            raise InvalidRequestError(f"max_retries must be 0 or more, got {self.max_retries}.")


def split_model(model: str, default_provider: str) -> tuple[ProviderSpec, str]:
    """Split ``"provider/model"`` on the first ``/`` only; no prefix means the default provider.

    ``"openrouter/meta-llama/llama-3-70b"`` keeps ``"meta-llama/llama-3-70b"`` as the model.
    """
    if not isinstance(model, str) or not model.strip():
        raise InvalidRequestError(
            f"model must be a non-empty string like 'openai/gpt-4o', got {model!r}."
        )
    prefix, slash, rest = model.partition("/")
    if not slash:
        return get_provider(default_provider), model
    if not prefix:
        raise InvalidRequestError(f"model {model!r} has an empty provider before the '/'.")
    if not rest:
        raise InvalidRequestError(f"model {model!r} names a provider but no model after the '/'.")
    return get_provider(prefix), rest


def resolve_api_key(
    config: ClientConfig, provider: ProviderSpec, call_key: str | None, base_url_overridden: bool
) -> str | None:
    """Find the key for a call: per-call ``api_key`` > ``api_keys[provider]`` > client ``api_key``
    > the provider's environment variable.

    A client pointed at its own ``base_url`` (a local server) may go without a key; otherwise a
    missing key is an error that says which variable to set.
    """
    key = call_key or config.api_keys.get(provider.name) or config.api_key
    if not key and provider.api_key_env:
        key = os.environ.get(provider.api_key_env) or None
    if key is None and provider.api_key_env and not base_url_overridden:
        raise MissingAPIKeyError(
            f"No API key for provider {provider.name!r}: pass api_key=... (or api_keys="
            f"{{{provider.name!r}: ...}}) to the client or the call, or set {provider.api_key_env}."
        )
    if key is not None and any(ch in key for ch in "\r\n\0"):
        # A key with a line break would let a header be injected; say so without echoing it.
        raise InvalidRequestError(
            f"The API key for {provider.name!r} contains a line break or NUL."
        )
    return key
