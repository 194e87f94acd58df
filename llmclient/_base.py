"""What ``LlmClient`` and ``AsyncLlmClient`` share: configuration and call preparation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from ._config import DEFAULT_TIMEOUT, ClientConfig
from ._request import ChatCall, prepare_call

#: Enough connections for hundreds of concurrent streams from one client.
DEFAULT_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100)


class BaseClient:
    """Configuration shared by both facades; subclasses add the httpx client and the I/O."""

    _config: ClientConfig

    def __init__(
        self,
        *,
        api_key: str | None,
        api_keys: Mapping[str, str] | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
        default_provider: str,
        user_http_client: bool,
    ) -> None:
        # With the user's own httpx client, its timeout stands unless one was passed here too.
        keep_client_timeout = not user_http_client or timeout is DEFAULT_TIMEOUT
        self._config = ClientConfig(
            api_key=api_key,
            api_keys=dict(api_keys or {}),
            base_url=base_url,
            timeout=httpx.USE_CLIENT_DEFAULT if keep_client_timeout else timeout,
            max_retries=max_retries,
            default_headers=dict(default_headers or {}),
            default_provider=default_provider,
        )

    def _prepare(
        self,
        method_name: str,
        model: str,
        messages: Sequence[Any],
        params: Mapping[str, Any],
        *,
        stream: bool,
    ) -> ChatCall:
        return prepare_call(self._config, method_name, model, messages, params, stream=stream)

    def __repr__(self) -> str:
        config = self._config
        return (
            f"{type(self).__name__}(default_provider={config.default_provider!r}, "
            f"base_url={config.base_url!r}, max_retries={config.max_retries})"
        )
