"""Calls to a provider's endpoints other than chat (embeddings, the model list), made ready to
send the way chat calls are.

The facades send, retry, time and turn errors into exceptions one way, for a
:class:`~llmclient._request.ChatCall`. An endpoint call is a ``ChatCall`` with no messages whose
dialect is an :class:`Endpoint`: it builds the endpoint's request, and leaves an error answer to
the provider's own dialect. Keys, base URLs (with their query), headers, timeouts, retries and
typed errors thus behave exactly as for chat. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import attrs

from .._config import ClientConfig
from .._providers import ProviderSpec, Wire
from ..errors import APIStatusError, DecodeError
from .call import ChatCall, HttpRequest
from .request import resolve_options, stream_timeouts
from .status import build_status_error, load_json

if TYPE_CHECKING:
    from .._auth import RequestAuth

Parsed = TypeVar("Parsed")

#: How the facades turn a call's answer body into what the method returns.
Parser = Callable[[ChatCall, bytes], Parsed]


@attrs.frozen
class Endpoint:
    """One more endpoint of a provider, behind the :class:`~llmclient._providers.Wire`
    interface a call is sent through: ``build`` makes its request, the provider's dialect
    reads its errors and names its auth."""

    name: str
    build: Callable[[ChatCall], HttpRequest]
    errors: Wire = attrs.field(repr=False)

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

    def new_framing(self, call: ChatCall) -> NoReturn:
        raise TypeError(f"The {self.name} endpoint does not stream.")

    def new_auth(self, call: ChatCall) -> RequestAuth:
        return self.errors.new_auth(call)


def check_keywords(method_name: str, params: Mapping[str, Any], known: Collection[str]) -> None:
    """Raise ``TypeError`` for a keyword the method does not take, as Python does."""
    for name in params:
        if name not in known:
            import difflib  # only on this error path

            close = difflib.get_close_matches(name, known, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise TypeError(f"{method_name}() got an unexpected keyword argument {name!r}.{hint}")


def endpoint_call(
    config: ClientConfig,
    provider: ProviderSpec,
    model: str,
    params: Mapping[str, Any],
    options: Mapping[str, Any],
    endpoint: Endpoint,
) -> ChatCall:
    """A call to one of ``provider``'s endpoints, resolved and checked as ``prepare_call``
    resolves a chat call.

    ``params`` is what the endpoint's builder reads (the body's fields, or the query);
    ``options`` holds the per-call settings (``api_key``, ``timeout``, ``max_retries``,
    ``extra_headers``, ``extra_body``). Raises an ``InputError`` for any of them that is wrong.
    """
    return ChatCall(
        model=model,
        messages=[],
        params=dict(params),
        stream=False,
        dialect=endpoint,
        # As for chat's whole answers: only the client's total_timeout applies.
        stream_timeouts=stream_timeouts(config.stream_timeouts, {}, stream=False),
        **resolve_options(config, provider, options),
    )


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
