"""A provider registry row, :class:`ProviderSpec`, public as ``llmclient.ProviderSpec``.

Apart from the registry in :mod:`llmclient._providers`, so that the dialect interface and the
call can name it without importing the registry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

import attrs


def _renames(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(value or {}))


def _names(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def _env_names(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@attrs.frozen
class ProviderSpec:
    """Where a provider lives and how it is spoken to; the ``provider/`` prefix of a model.

    Attributes:
        name: the prefix, e.g. ``"groq"`` in ``"groq/llama-3.3-70b-versatile"``.
        base_url: the URL requests go to, with its version path; ``""`` when it must be
            configured (Azure's endpoint).
        api_key_env: the environment variable holding the key, or None for servers that need
            no key (local servers).
        dialect: the wire format: ``"openai"``, ``"anthropic"``, ``"gemini"`` or ``"azure"``.
        auth_header, auth_prefix: the key is sent as ``{auth_header}: {auth_prefix}{key}``.
        alt_api_key_envs: more variables tried, in order, when ``api_key_env`` is unset.
        base_url_env: a variable that, when set, replaces ``base_url``.
        param_renames: parameters the provider names differently, e.g.
            ``{"max_completion_tokens": "max_tokens"}``.
        api_version, api_version_env: the API version the dialect sends (Azure's
            ``api-version`` query parameter), and a variable that replaces it.
        key_required: False when the dialect has credentials of its own to fall back on
            when no key is found (Bedrock signs with AWS credentials): its ``new_auth`` then
            raises ``MissingAPIKeyError`` when it finds none.
        docs: the provider's documentation page this row was taken from.
        dropped_params: parameters the provider rejects that are left out of the request
            without an error, e.g. ``{"stream_options"}`` (Cohere's compatibility API).
        rejected_params: parameters the provider does not support: a call that passes one
            raises ``InvalidRequestError`` naming the provider before anything is sent.
    """

    name: str
    base_url: str
    api_key_env: str | None
    dialect: str = "openai"
    auth_header: str = "authorization"
    auth_prefix: str = "Bearer "
    alt_api_key_envs: tuple[str, ...] = attrs.field(default=(), converter=_env_names)
    base_url_env: str | None = None
    param_renames: Mapping[str, str] = attrs.field(factory=dict, converter=_renames, hash=False)
    api_version: str | None = None
    api_version_env: str | None = None
    key_required: bool = True
    docs: str = ""
    dropped_params: frozenset[str] = attrs.field(default=frozenset(), converter=_names)
    rejected_params: frozenset[str] = attrs.field(default=frozenset(), converter=_names)

    @property
    def key_envs(self) -> tuple[str, ...]:
        """Every variable the key is looked up in, in order."""
        first = (self.api_key_env,) if self.api_key_env else ()
        return first + self.alt_api_key_envs


# Named where it has always been, as in pickles.
ProviderSpec.__module__ = "llmclient._providers"
