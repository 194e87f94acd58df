"""Client configuration and how a call finds its provider, model, key and base URL."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs
import httpx

from ._auth import check_header_secret
from ._core.call import DEFAULT_MAX_RESPONSE_SIZE
from ._core.redact import redact_url
from ._core.sse import DEFAULT_MAX_EVENT_SIZE
from ._core.timeouts import StreamTimeouts
from ._providers import PROVIDERS, ProviderSpec, get_provider
from .errors import InvalidRequestError, MissingAPIKeyError

DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
#: The longest timeout accepted, in seconds (about 31 years): the blocking client's sockets
#: cannot wait much longer than 9e9 s. None means no limit.
MAX_TIMEOUT = 1e9
#: What every message about a bad timeout ends with.
TIMEOUT_RANGE = "(a finite number up to 1e9; None means no limit)"
DEFAULT_MAX_RETRIES = 2
# Patterns, not compiled ones: `re` compiles each when first used and caches it.
# RFC 9110 token characters: what a header name may be made of.
_HEADER_NAME = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
# What a header value may hold: visible ASCII, spaces and tabs. httpx cannot encode anything
# else, and a line break would start a header of the caller's choosing.
_HEADER_VALUE = r"[\t\x20-\x7e]*"


def url_repr(url: str | None) -> str:
    """How a base URL is shown in a repr: redacted (see ``redact_url``), or None."""
    return repr(None if url is None else redact_url(url))


@attrs.frozen
class ClientConfig:
    """What a client was built with. Keys and headers stay out of the repr."""

    api_key: str | None = attrs.field(default=None, repr=False)
    api_keys: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    base_url: str | None = attrs.field(default=None, repr=url_repr)
    timeout: Any = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    default_headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    default_provider: str = "openai"
    providers: Mapping[str, ProviderSpec] = attrs.field(factory=dict)
    stream_timeouts: StreamTimeouts = attrs.field(factory=StreamTimeouts)
    max_event_size: int = DEFAULT_MAX_EVENT_SIZE
    max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE

    def __attrs_post_init__(self) -> None:
        check_count(self.max_retries, "max_retries", 0)
        check_count(self.max_event_size, "max_event_size", 1)
        check_count(self.max_response_size, "max_response_size", 1)
        check_key(self.api_key, "api_key")
        check_api_keys(self.api_keys)
        provider = self.default_provider
        if not isinstance(provider, str) or not provider:
            shown = repr(provider) if isinstance(provider, str) else type(provider).__name__
            raise InvalidRequestError(
                f"default_provider must be a provider name like 'openai', got {shown}."
            )
        if self.base_url is not None:
            check_base_url(self.base_url, "base_url")
        if self.timeout is not httpx.USE_CLIENT_DEFAULT:
            check_timeout(self.timeout)
        check_headers(self.default_headers, "default_headers")

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
        prefix, rest = default_provider, model
    elif not prefix:
        raise InvalidRequestError(f"model {model!r} has an empty provider before the '/'.")
    elif not rest:
        raise InvalidRequestError(f"model {model!r} names a provider but no model after the '/'.")
    if rest in (".", ".."):
        # Percent-encoding leaves dots alone, and a path segment of "." or ".." would move the
        # request to another path where a model is a segment of its own (Azure's deployments).
        raise InvalidRequestError(f"model {model!r} is not a model name.")
    return get_provider(prefix, registry), rest


def resolve_base_url(config: ClientConfig, provider: ProviderSpec) -> str:
    """The base URL for a call: the client's ``base_url`` > the provider's variable (e.g.
    ``OLLAMA_BASE_URL``) > the registry's URL. Trailing slashes are removed."""
    base_url = config.base_url or (
        os.environ.get(provider.base_url_env) if provider.base_url_env else None
    )
    if config.base_url:
        source = "base_url"
    elif base_url:
        source = str(provider.base_url_env)
    else:
        source = f"the base_url of provider {provider.name!r}"
    base_url = base_url or provider.base_url
    if not base_url.rstrip("/"):
        where = f"set {provider.base_url_env} or " if provider.base_url_env else ""
        raise InvalidRequestError(
            f"Provider {provider.name!r} has no default URL: "
            f"{where}pass base_url=... to the client."
        )
    return check_base_url(base_url, source)


def check_base_url(url: Any, source: str) -> str:
    """``url`` checked and with the trailing slashes of its path removed; its query is kept.

    A query (``?key=...`` for a gateway) is sent on every request but never shown: errors and
    reprs print URLs through :func:`~llmclient._redact.redact_url`. User info
    (``user:password@``) is refused: httpx would send it as basic auth in place of the key's
    header, and it would sit in plain text wherever the URL is printed. ``source`` names where
    the URL came from (``"base_url"`` or an environment variable).
    """
    if not isinstance(url, str):
        raise InvalidRequestError(f"{source} must be a string URL, got {type(url).__name__}.")
    shown = redact_url(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # parses the port, raising ValueError when it is not a number
    except ValueError:
        raise InvalidRequestError(
            f"{source} {shown!r} is not a valid URL (check the host and the port)."
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequestError(
            f"{source} {shown!r} must be an http:// or https:// URL with a host, "
            "like 'https://llm.example.com/v1'."
        )
    if "@" in parts.netloc:
        raise InvalidRequestError(
            f"{source} {shown!r} holds credentials ('user:password@'), which would be sent as "
            "basic auth instead of the API key: remove them and pass the key with api_key=... "
            "(or a header of your own with default_headers=...)."
        )
    if parts.fragment or url.endswith("#"):
        raise InvalidRequestError(
            f"{source} {shown!r} has a '#' fragment; paths are appended after it: remove it."
        )
    base, question, query = url.partition("?")
    return f"{base.rstrip('/')}{question}{query}"


def is_seconds(value: Any) -> bool:
    """Whether ``value`` is a timeout in seconds llmclient can wait: a number greater than 0
    and at most :data:`MAX_TIMEOUT`. NaN and infinity are not: None is how to say "no limit"."""
    return (
        not isinstance(value, bool) and isinstance(value, (int, float)) and 0 < value <= MAX_TIMEOUT
    )


def check_timeout(timeout: Any, name: str = "timeout") -> None:
    """Refuse a timeout httpx cannot use: it is a positive number of seconds (see
    :func:`is_seconds`), None (wait forever) or an ``httpx.Timeout`` whose phases are each
    None, 0 or such a number."""
    if timeout is None:
        return
    if isinstance(timeout, httpx.Timeout):
        for phase in ("connect", "read", "write", "pool"):
            value = getattr(timeout, phase)
            if not (value is None or value == 0 or is_seconds(value)):
                raise InvalidRequestError(
                    f"{name}'s {phase} timeout must be None or a number of seconds, "
                    f"got {value!r} {TIMEOUT_RANGE}."
                )
        return
    if not is_seconds(timeout):
        raise InvalidRequestError(
            f"{name} must be a positive number of seconds, None or an httpx.Timeout, "
            f"got {timeout!r} {TIMEOUT_RANGE}."
        )


def check_count(value: Any, name: str, minimum: int) -> None:
    """Refuse anything but an int (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        shown = repr(value) if isinstance(value, (int, float, str)) else type(value).__name__
        raise InvalidRequestError(f"{name} must be an int of {minimum} or more, got {shown}.")


def check_key(key: Any, name: str) -> None:
    """Refuse a key that is neither a string nor None; the key itself is never shown."""
    if key is not None and not isinstance(key, str):
        raise InvalidRequestError(f"{name} must be a string, got {type(key).__name__}.")


def check_api_keys(api_keys: Any) -> None:
    """Refuse ``api_keys`` unless it maps provider names to string keys."""
    if not isinstance(api_keys, Mapping):
        raise InvalidRequestError(
            "api_keys must be a dict of provider names to keys, like {'openai': 'sk-...'}, "
            f"got {type(api_keys).__name__}."
        )
    for name, key in api_keys.items():
        if not isinstance(name, str):
            raise InvalidRequestError(
                f"api_keys must have provider names as keys, got {type(name).__name__}."
            )
        check_key(key, f"api_keys[{name!r}]")


def check_headers(headers: Any, source: str) -> None:
    """Refuse headers that cannot be sent as they are: names that are not HTTP tokens, and
    values with a line break, another control character or a non-ASCII character.

    A value is never echoed: it may hold a credential.
    """
    if not isinstance(headers, Mapping):
        raise InvalidRequestError(
            f"{source} must be a dict of header names to values, got {type(headers).__name__}."
        )
    for name, value in headers.items():
        if not isinstance(name, str) or not re.fullmatch(_HEADER_NAME, name):
            raise InvalidRequestError(
                f"{source} has a header name that is not a valid HTTP token: {name!r}."
            )
        if not isinstance(value, str):
            raise InvalidRequestError(
                f"{source}[{name!r}] must be a string, got {type(value).__name__}."
            )
        if not re.fullmatch(_HEADER_VALUE, value):
            raise InvalidRequestError(
                f"{source}[{name!r}] contains a line break, a control character or a non-ASCII "
                "character; header values are printable ASCII (the value is not shown)."
            )


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

    A client pointed at its own ``base_url`` (a local server) may go without a key, and so
    may a provider whose dialect has other credentials (``key_required=False``); otherwise a
    missing key is an error that says which variable to set.
    """
    key = call_key or config.api_keys.get(provider.name) or config.api_key or None
    if key is not None and not isinstance(key, str):
        raise InvalidRequestError(
            f"The API key for {provider.name!r} must be a string, got {type(key).__name__}."
        )
    envs = provider.key_envs
    if key is None:
        key = next((os.environ[env] for env in envs if os.environ.get(env)), None)
    if key is None and envs and provider.key_required and not base_url_overridden:
        variables = envs[0] + "".join(f" (or {env})" for env in envs[1:])
        raise MissingAPIKeyError(
            f"No API key for provider {provider.name!r}: pass api_key=... (or api_keys="
            f"{{{provider.name!r}: ...}}) to the client or the call, or set {variables}."
        )
    if key is not None:
        check_header_secret(key, f"The API key for {provider.name!r}", "key")
    return key
