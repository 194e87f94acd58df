"""Turning a ``chat`` / ``chat_stream`` call into a checked, provider-ready :class:`ChatCall`."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ._config import (
    ClientConfig,
    resolve_api_key,
    resolve_api_version,
    resolve_base_url,
    split_model,
)
from ._convert import is_answer_type, message_to_dict
from ._providers import Dialect, ProviderSpec, get_dialect
from ._timeouts import StreamTimeouts
from ._version import __version__
from .errors import InvalidRequestError
from .types import ChatParams, Message

STREAM_TIMEOUT_PARAMS = ("first_chunk_timeout", "idle_timeout", "total_timeout")

#: Parameters sent to the provider (each dialect maps them onto its own wire names).
SENT_PARAMS = frozenset(ChatParams.__annotations__) - {
    "extra_body",
    "extra_headers",
    "timeout",
    "max_retries",
    "api_key",
    *STREAM_TIMEOUT_PARAMS,
}
ALL_PARAMS = frozenset(ChatParams.__annotations__)
USER_AGENT = f"llmclient/{__version__}"


@attrs.frozen
class HttpRequest:
    """Everything needed to send one request; the headers (which hold the key) stay out of repr."""

    method: str
    url: str
    headers: dict[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(repr=False)


@attrs.frozen
class ChatCall:
    """One call, checked and resolved: what every dialect builds its request from."""

    provider: ProviderSpec
    model: str
    messages: list[dict[str, Any]]
    params: dict[str, Any]
    stream: bool
    base_url: str
    api_key: str | None = attrs.field(repr=False)
    timeout: Any
    max_retries: int
    dialect: Dialect = attrs.field(repr=False)
    extra_body: Mapping[str, Any] = attrs.field(factory=dict)
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    api_version: str | None = None
    stream_timeouts: StreamTimeouts = attrs.field(factory=StreamTimeouts)

    def base_headers(self) -> dict[str, str]:
        """Content headers, the key in the provider's auth header, then the user's headers.

        A user's header replaces ours whatever its case.
        """
        headers = {
            "content-type": "application/json",
            "accept": "text/event-stream" if self.stream else "application/json",
            "user-agent": USER_AGENT,
        }
        if self.api_key:
            headers[self.provider.auth_header] = f"{self.provider.auth_prefix}{self.api_key}"
        for name, value in self.headers.items():
            headers[name.lower()] = value
        return headers

    def http_request(self) -> HttpRequest:
        """The provider's HTTP request for this call."""
        return self.dialect.build_request(self)


def prepare_call(
    config: ClientConfig,
    method_name: str,
    model: str,
    messages: Sequence[Any],
    params: Mapping[str, Any],
    *,
    stream: bool,
) -> ChatCall:
    """Check a call's input and resolve provider, key, URL, timeout and retries.

    Raises ``TypeError`` for an unknown keyword (as Python does) and an ``InputError``
    for anything else wrong, all before any network traffic.
    """
    for name in params:
        if name not in ALL_PARAMS:
            close = difflib.get_close_matches(name, ALL_PARAMS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise TypeError(f"{method_name}() got an unexpected keyword argument {name!r}.{hint}")
    provider, model_name = split_model(model, config.default_provider, config.registry())
    base_url = resolve_base_url(config, provider)
    api_key = resolve_api_key(
        config, provider, params.get("api_key"), base_url_overridden=config.base_url is not None
    )
    max_retries = params.get("max_retries")
    if max_retries is None:
        max_retries = config.max_retries
    if not isinstance(max_retries, int) or max_retries < 0:
        raise InvalidRequestError(f"max_retries must be an int of 0 or more, got {max_retries!r}.")
    headers = dict(config.default_headers)
    headers.update(params.get("extra_headers") or {})
    return ChatCall(
        provider=provider,
        model=model_name,
        messages=normalize_messages(messages),
        params=sent_params(provider, params),
        stream=stream,
        base_url=base_url,
        api_key=api_key,
        timeout=params.get("timeout", config.timeout),
        max_retries=max_retries,
        dialect=get_dialect(provider.dialect),
        extra_body=params.get("extra_body") or {},
        headers=headers,
        api_version=resolve_api_version(provider),
        stream_timeouts=stream_timeouts(config.stream_timeouts, params, stream=stream),
    )


def stream_timeouts(
    client: StreamTimeouts, params: Mapping[str, Any], *, stream: bool
) -> StreamTimeouts:
    """The client's stream timeouts with the call's own in their place; None turns one off.

    A call that does not stream (``chat``) has no chunks to time: only its deadline applies.
    """
    first, idle, total = (
        params[name] if name in params else getattr(client, name.removesuffix("_timeout"))
        for name in STREAM_TIMEOUT_PARAMS
    )
    timeouts = make_stream_timeouts(first, idle, total)
    return timeouts if stream else StreamTimeouts(total=timeouts.total)


def make_stream_timeouts(first: Any, idle: Any, total: Any) -> StreamTimeouts:
    """Checked stream timeouts: each None or a positive number of seconds."""
    for name, value in zip(STREAM_TIMEOUT_PARAMS, (first, idle, total), strict=True):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0
        ):
            raise InvalidRequestError(
                f"{name} must be a positive number of seconds or None, got {value!r}."
            )
    return StreamTimeouts(first, idle, total)


def sent_params(provider: ProviderSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters sent to the provider, under the names it uses (``param_renames``)."""
    sent = {k: v for k, v in params.items() if k in SENT_PARAMS and v is not None}
    renames = provider.param_renames
    if not renames or renames.keys().isdisjoint(sent):
        return sent
    out: dict[str, Any] = {}
    for name, value in sent.items():
        wire = renames.get(name, name)
        if wire in out or (wire != name and wire in sent):
            raise InvalidRequestError(
                f"{provider.name} takes {name!r} as {wire!r}: pass one of them, not both."
            )
        out[wire] = value
    return out


def normalize_messages(messages: Sequence[Any]) -> list[dict[str, Any]]:
    """Check that messages are role/content mappings; answer ``Message`` objects become dicts."""
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
        raise InvalidRequestError(
            "messages must be a list of {'role': ..., 'content': ...} dicts, "
            f"got {type(messages).__name__}."
        )
    if not messages:
        raise InvalidRequestError("messages is empty: send at least one message.")
    out: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        if is_answer_type(message):
            if not isinstance(message, Message):
                raise InvalidRequestError(
                    f"messages[{index}] is a {type(message).__name__}; pass a dict or a Message."
                )
            message = message_to_dict(message)
        if not isinstance(message, Mapping):
            raise InvalidRequestError(
                f"messages[{index}] must be a dict with 'role' and 'content', "
                f"got {type(message).__name__}."
            )
        role = message.get("role")
        if not isinstance(role, str) or not role:
            raise InvalidRequestError(f"messages[{index}] has no 'role' (e.g. 'user').")
        content = message.get("content")
        if content is not None and not isinstance(content, (str, list)):
            raise InvalidRequestError(
                f"messages[{index}]['content'] must be a string or a list of content parts, "
                f"got {type(content).__name__}."
            )
        out.append(dict(message))
    return out


def encode_json(body: Mapping[str, Any]) -> bytes:
    """Encode a request body compactly as UTF-8 JSON, naming what cannot be encoded."""
    try:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise InvalidRequestError(f"The request cannot be sent as JSON: {exc}.") from exc
