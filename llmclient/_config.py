"""Client configuration and how a call finds its provider, model, key and base URL."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import attrs
import httpx

from ._providers import PROVIDERS, ProviderSpec, get_provider
from ._timeouts import StreamTimeouts
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
    providers: Mapping[str, ProviderSpec] = attrs.field(factory=dict)
    stream_timeouts: StreamTimeouts = attrs.field(factory=StreamTimeouts)

    def __attrs_post_init__(self) -> None:
        if self.max_retries < 0:
            raise InvalidRequestError(f"max_retries must be 0 or more, got {self.max_retries}.")

    def registry(self) -> Mapping[str, ProviderSpec]:
        """The providers this client knows: its own registered ones, then the built-in ones."""
        if not self.providers:
            return PROVIDERS
        return {**PROVIDERS, **self.providers}


def split_model(
    model: str, default_provider: str, registry: Mapping[str, ProviderSpec] | None = None
) -> tuple[ProviderSpec, str]:
    """Split ``"provider/model"`` on the first ``/`` only; no prefix means the default provider.

    ``"openrouter/meta-llama/llama-3-70b"`` keeps ``"meta-llama/llama-3-70b"`` as the model.
    The provider is looked up in ``registry`` (a client's, see ``ClientConfig.registry``),
    by default the built-in one.
    """
    if not isinstance(model, str) or not model.strip():
        raise InvalidRequestError(
            f"model must be a non-empty string like 'openai/gpt-4o', got {model!r}."
        )
    prefix, slash, rest = model.partition("/")
    if not slash:
        return get_provider(default_provider, registry), model
    if not prefix:
        raise InvalidRequestError(f"model {model!r} has an empty provider before the '/'.")
    if not rest:
        raise InvalidRequestError(f"model {model!r} names a provider but no model after the '/'.")
    return get_provider(prefix, registry), rest


def resolve_base_url(config: ClientConfig, provider: ProviderSpec) -> str:
    """The base URL for a call: the client's ``base_url`` > the provider's variable (e.g.
    ``OLLAMA_BASE_URL``) > the registry's URL. Trailing slashes are removed."""
    base_url = config.base_url or (
        os.environ.get(provider.base_url_env) if provider.base_url_env else None
    )
    base_url = (base_url or provider.base_url).rstrip("/")
    if not base_url:
        where = f"set {provider.base_url_env} or " if provider.base_url_env else ""
        raise InvalidRequestError(
            f"Provider {provider.name!r} has no default URL: "
            f"{where}pass base_url=... to the client."
        )
    return base_url


def resolve_api_version(provider: ProviderSpec) -> str | None:
    """The provider's API version: its variable (e.g. ``AZURE_OPENAI_API_VERSION``) when set,
    else the registry's."""
    if provider.api_version_env:
        return os.environ.get(provider.api_version_env) or provider.api_version
    return provider.api_version


def resolve_api_key(
    config: ClientConfig, provider: ProviderSpec, call_key: str | None, base_url_overridden: bool
) -> str | None:
    """Find the key for a call: per-call ``api_key`` > ``api_keys[provider]`` > client ``api_key``
    > the provider's environment variables (``api_key_env``, then ``alt_api_key_envs``).

    A client pointed at its own ``base_url`` (a local server) may go without a key; otherwise a
    missing key is an error that says which variable to set.
    """
    key = call_key or config.api_keys.get(provider.name) or config.api_key or None
    envs = provider.key_envs
    if key is None:
        key = next((os.environ[env] for env in envs if os.environ.get(env)), None)
    if key is None and envs and not base_url_overridden:
        variables = envs[0] + "".join(f" (or {env})" for env in envs[1:])
        raise MissingAPIKeyError(
            f"No API key for provider {provider.name!r}: pass api_key=... (or api_keys="
            f"{{{provider.name!r}: ...}}) to the client or the call, or set {variables}."
        )
    if key is not None and any(ch in key for ch in "\r\n\0"):
        # A key with a line break would let a header be injected; say so without echoing it.
        raise InvalidRequestError(
            f"The API key for {provider.name!r} contains a line break or NUL."
        )
    return key
