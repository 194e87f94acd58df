"""Calls to a provider's endpoints other than chat (embeddings, the model list), made ready to
send the way chat calls are.

The facades send, retry, time and turn errors into exceptions one way, for a
:class:`~llmclient._request.ChatCall`. An endpoint call is a ``ChatCall`` with no messages whose
dialect is an :class:`Endpoint`: it builds the endpoint's request, and leaves an error answer to
the provider's own dialect. Keys, base URLs (with their query), headers, timeouts, retries and
typed errors thus behave exactly as for chat. Nothing here does I/O.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Collection, Mapping
from typing import Any, NoReturn, TypeVar

import attrs

from ._config import (
    ClientConfig,
    check_headers,
    check_timeout,
    resolve_api_key,
    resolve_api_version,
    resolve_base_url,
)
from ._providers import Dialect, ProviderSpec, get_dialect
from ._request import ChatCall, HttpRequest, stream_timeouts
from ._status import build_status_error
from .errors import APIStatusError, DecodeError, InvalidRequestError

Parsed = TypeVar("Parsed")

#: How the facades turn a call's answer body into what the method returns.
Parser = Callable[[ChatCall, bytes], Parsed]

_PREVIEW = 80


@attrs.frozen
class Endpoint:
    """One more endpoint of a provider, behind the :class:`~llmclient._providers.Dialect`
    interface: ``build`` makes its request, the provider's chat dialect reads its errors."""

    name: str
    build: Callable[[ChatCall], HttpRequest]
    errors: Dialect = attrs.field(repr=False)

    def build_request(self, call: ChatCall) -> HttpRequest:
        return self.build(call)

    def parse_error(
        self, call: ChatCall, status: int, headers: Mapping[str, str], body: bytes
    ) -> APIStatusError:
        return self.errors.parse_error(call, status, headers, body)

    def parse_completion(self, call: ChatCall, body: bytes) -> NoReturn:
        raise TypeError(f"The {self.name} endpoint answers no chat completion.")

    def new_stream(self, call: ChatCall) -> NoReturn:
        raise TypeError(f"The {self.name} endpoint does not stream.")


def check_keywords(method_name: str, params: Mapping[str, Any], known: Collection[str]) -> None:
    """Raise ``TypeError`` for a keyword the method does not take, as Python does."""
    for name in params:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise TypeError(f"{method_name}() got an unexpected keyword argument {name!r}.{hint}")


def endpoint_call(
    config: ClientConfig,
    provider: ProviderSpec,
    model: str,
    params: Mapping[str, Any],
    options: Mapping[str, Any],
    endpoint: Callable[[Dialect], Endpoint],
) -> ChatCall:
    """A call to one of ``provider``'s endpoints, resolved and checked as ``prepare_call``
    resolves a chat call.

    ``params`` is what the endpoint's builder reads (the body's fields, or the query);
    ``options`` holds the per-call settings (``api_key``, ``timeout``, ``max_retries``,
    ``extra_headers``, ``extra_body``). Raises an ``InputError`` for any of them that is wrong.
    """
    base_url, _, base_query = resolve_base_url(config, provider).partition("?")
    api_key = resolve_api_key(
        config, provider, options.get("api_key"), base_url_overridden=config.base_url is not None
    )
    max_retries = options.get("max_retries")
    if max_retries is None:
        max_retries = config.max_retries
    if not isinstance(max_retries, int) or max_retries < 0:
        raise InvalidRequestError(f"max_retries must be an int of 0 or more, got {max_retries!r}.")
    if "timeout" in options:
        check_timeout(options["timeout"])
    extra_headers = options.get("extra_headers") or {}
    check_headers(extra_headers, "extra_headers")
    extra_body = options.get("extra_body") or {}
    if not isinstance(extra_body, Mapping):
        raise InvalidRequestError(
            f"extra_body must be a dict merged into the JSON body, got {type(extra_body).__name__}."
        )
    headers = dict(config.default_headers)
    headers.update(extra_headers)
    return ChatCall(
        provider=provider,
        model=model,
        messages=[],
        params=dict(params),
        stream=False,
        base_url=base_url,
        api_key=api_key,
        timeout=options.get("timeout", config.timeout),
        max_retries=max_retries,
        dialect=endpoint(get_dialect(provider.dialect)),
        extra_body=extra_body,
        headers=headers,
        api_version=resolve_api_version(provider),
        # As for chat's whole answers: only the client's total_timeout applies.
        stream_timeouts=stream_timeouts(config.stream_timeouts, {}, stream=False),
        base_query=base_query,
    )


def load_json(body: bytes, provider: str, what: str) -> Any:
    """An answer body's JSON; ``DecodeError`` naming ``what`` when it is not JSON."""
    try:
        return json.loads(body)
    except UnicodeDecodeError as exc:
        raise DecodeError(f"{provider}: the {what} is not valid UTF-8.", provider=provider) from exc
    except ValueError as exc:
        preview = body[:_PREVIEW].decode("utf-8", "replace")
        raise DecodeError(
            f"{provider}: the {what} is not valid JSON ({exc}): {preview!r}", provider=provider
        ) from exc


def load_object(body: bytes, provider: str, what: str) -> dict[str, Any]:
    """An answer body's JSON object; ``DecodeError`` naming ``what`` otherwise."""
    payload = load_json(body, provider, what)
    if not isinstance(payload, dict):
        raise DecodeError(
            f"{provider}: the {what} is not a JSON object (got {type(payload).__name__}).",
            provider=provider,
        )
    return payload


def in_band_error(call: ChatCall, payload: Mapping[str, Any]) -> APIStatusError:
    """The typed error for an error object sent with status 200, read as chat reads one: its
    type (or numeric code) picks the status, and so the class and whether it is retried."""
    return build_status_error(call.provider.name, 200, payload, in_stream=True)
