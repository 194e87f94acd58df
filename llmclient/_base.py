"""What ``LlmClient`` and ``AsyncLlmClient`` share: construction, configuration and call
preparation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

import attrs
import httpx

from ._config import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ClientConfig,
    check_api_keys,
    check_timeout,
    url_repr,
)
from ._core.call import DEFAULT_MAX_RESPONSE_SIZE, ChatCall
from ._core.request import make_stream_timeouts, prepare_call
from ._core.sse import DEFAULT_MAX_EVENT_SIZE
from ._providers import ProviderSpec, check_provider
from ._transport import client_timeout
from .errors import InvalidRequestError

if TYPE_CHECKING:
    from ._hooks import HookSet

#: The httpx client a facade drives (``httpx.Client`` or ``httpx.AsyncClient``).
Http = TypeVar("Http", bound="httpx.Client | httpx.AsyncClient")
#: The hook objects a facade takes.
HooksT = TypeVar("HooksT")

#: Enough connections for hundreds of concurrent streams from one client.
DEFAULT_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100)


def check_http_client(http_client: object, wanted: type, client: str) -> None:
    """Refuse an ``http_client`` that is not of the httpx class the client drives."""
    if http_client is None or isinstance(http_client, wanted):
        return
    hint = ""
    if isinstance(http_client, (httpx.Client, httpx.AsyncClient)):
        other = "AsyncLlmClient" if isinstance(http_client, httpx.AsyncClient) else "LlmClient"
        hint = f"; use {other} with an httpx.{type(http_client).__name__}"
    raise InvalidRequestError(
        f"{client}'s http_client must be an httpx.{wanted.__name__}, "
        f"got {type(http_client).__name__}{hint}."
    )


def own_providers(providers: object) -> dict[str, ProviderSpec]:
    """A client's ``providers=`` argument, each checked, by name."""
    if providers is None:
        return {}
    if isinstance(providers, (str, bytes, Mapping)) or not isinstance(providers, Iterable):
        raise InvalidRequestError(
            f"providers must be a list of ProviderSpec objects, got {type(providers).__name__}."
        )
    checked = [check_provider(spec) for spec in providers]
    return {spec.name: spec for spec in checked}


class BaseClient(Generic[Http, HooksT]):
    """Configuration shared by both facades; subclasses add the I/O."""

    _config: ClientConfig
    #: Whether the client awaits its hooks (the asyncio one), so takes ``AsyncHooks`` too.
    _awaits_hooks: ClassVar[bool] = False
    #: The httpx client class a user's ``http_client`` must be an instance of.
    _http_client_class: ClassVar[type[httpx.Client | httpx.AsyncClient]] = httpx.Client

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_keys: Mapping[str, str] | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: Http | None = None,
        default_provider: str = "openai",
        providers: Iterable[ProviderSpec] | None = None,
        first_chunk_timeout: float | None = None,
        idle_timeout: float | None = None,
        total_timeout: float | None = None,
        hooks: Sequence[HooksT] | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        """Make a client; nothing is sent until a call.

        Args:
            api_key: the key for every provider (see the README for the order keys are
                found in).
            api_keys: keys per provider name, e.g. ``{"openai": "sk-..."}``.
            base_url: send every request here instead of the provider's URL (a local server
                or a proxy).
            timeout: seconds, or an ``httpx.Timeout``, for connecting and for each read.
            max_retries: retries of failures before the first chunk (default 2).
            default_headers: headers added to every request.
            http_client: your own httpx client (proxies, mTLS, transports): an
                ``httpx.Client`` for :class:`~llmclient.LlmClient`, an ``httpx.AsyncClient``
                for :class:`~llmclient.AsyncLlmClient`. Closing the client does not close it.
            default_provider: the provider of a model written without a ``provider/`` prefix.
            providers: providers of your own (:class:`~llmclient.ProviderSpec`) for this
                client, as :meth:`register_provider` adds them; a built-in name is replaced.
            first_chunk_timeout: seconds from sending a request to its first chunk (each
                attempt).
            idle_timeout: the longest gap between chunks once streaming; comments and pings do
                not count as progress.
            total_timeout: a deadline for a whole call, retries and iteration included.
            hooks: :class:`~llmclient.hooks.Hooks` objects told of every call's steps
                (requests, retries, chunks, the end with usage and latency, errors);
                :class:`~llmclient.AsyncLlmClient` takes
                :class:`~llmclient.hooks.AsyncHooks` too, and awaits them.
            max_event_size: the most bytes one server-sent event of a stream may hold
                (default 32 MiB); past it, the stream raises
                :class:`~llmclient.errors.EventTooLargeError`.
            max_response_size: the most bytes a whole answer's body may hold (``chat``,
                embeddings, model lists; default 128 MiB); past it, the call raises
                :class:`~llmclient.errors.ResponseTooLargeError`.

        Raises :class:`~llmclient.errors.InvalidRequestError` naming the argument for any
        argument of the wrong type or value (``TypeError`` for hooks that are not hooks).
        """
        check_timeout(timeout)
        check_http_client(http_client, self._http_client_class, type(self).__name__)
        # With the user's own httpx client, its timeout stands unless one was passed here too.
        keep_client_timeout = http_client is None or timeout is DEFAULT_TIMEOUT
        if api_keys is not None:
            check_api_keys(api_keys)
        self._config = ClientConfig(
            api_key=api_key,
            api_keys=dict(api_keys or {}),
            base_url=base_url,
            timeout=httpx.USE_CLIENT_DEFAULT if keep_client_timeout else timeout,
            max_retries=max_retries,
            default_headers={} if default_headers is None else default_headers,
            default_provider=default_provider,
            providers=own_providers(providers),
            stream_timeouts=make_stream_timeouts(first_chunk_timeout, idle_timeout, total_timeout),
            max_event_size=max_event_size,
            max_response_size=max_response_size,
        )
        self._hooks: HookSet | None = None
        if hooks is not None:
            from ._hooks import HookSet  # only clients with hooks pay for importing them

            self._hooks = HookSet.build(hooks, type(self).__name__, self._awaits_hooks)
        self._owns_http = http_client is None
        self._http: Http = http_client or cast(
            Http, self._http_client_class(timeout=client_timeout(timeout), limits=DEFAULT_LIMITS)
        )

    def register_provider(
        self,
        name: str,
        *,
        base_url: str,
        api_key_env: str | None = None,
        dialect: str = "openai",
        auth_header: str = "authorization",
        auth_prefix: str = "Bearer ",
        alt_api_key_envs: str | Sequence[str] = (),
        base_url_env: str | None = None,
        param_renames: Mapping[str, str] | None = None,
        api_version: str | None = None,
        api_version_env: str | None = None,
    ) -> ProviderSpec:
        """Make ``name/...`` models reach a provider of your own, on this client only.

        The arguments are the fields of :class:`~llmclient.ProviderSpec`: for example a company
        gateway speaking OpenAI's format, ``register_provider("gateway",
        base_url="https://llm.example.com/v1", api_key_env="GATEWAY_KEY")``. A built-in name
        is replaced for this client. Returns the new provider; raises ``InvalidRequestError``
        for a name with ``/``, an unknown dialect or a bad header name.
        """
        spec = check_provider(
            ProviderSpec(
                name,
                base_url,
                api_key_env,
                dialect=dialect,
                auth_header=auth_header,
                auth_prefix=auth_prefix,
                alt_api_key_envs=alt_api_key_envs,
                base_url_env=base_url_env,
                param_renames=param_renames or {},
                api_version=api_version,
                api_version_env=api_version_env,
            )
        )
        config = self._config
        self._config = attrs.evolve(config, providers={**config.providers, name: spec})
        return spec

    def _prepare(
        self,
        method_name: str,
        model: str,
        messages: Sequence[Any],
        params: Mapping[str, Any],
        *,
        stream: bool,
    ) -> list[ChatCall]:
        """The call for ``model``, then one per model in ``fallbacks``, all checked up front:
        a bad fallback is an input error before anything is sent."""
        fallbacks = params.get("fallbacks") or ()
        named = isinstance(fallbacks, (list, tuple)) and all(isinstance(m, str) for m in fallbacks)
        if not named:
            raise InvalidRequestError(
                "fallbacks must be a list of model names like ['anthropic/claude-3-5-haiku']."
            )
        return [
            prepare_call(self._config, method_name, name, messages, params, stream=stream)
            for name in (model, *fallbacks)
        ]

    def __repr__(self) -> str:
        config = self._config
        return (
            f"{type(self).__name__}(default_provider={config.default_provider!r}, "
            f"base_url={url_repr(config.base_url)}, max_retries={config.max_retries})"
        )
