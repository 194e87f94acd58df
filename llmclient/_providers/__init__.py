"""Provider registry (data) and the wire-dialect interface every dialect module implements."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

import attrs

from ..errors import UnknownProviderError

if TYPE_CHECKING:
    from .._request import ChatCall, HttpRequest
    from ..errors import APIStatusError
    from ..sse import ServerSentEvent
    from ..types import ChatCompletion, ChatCompletionChunk


@attrs.frozen
class ProviderSpec:
    """Where a provider lives and how it is spoken to.

    ``api_key_env`` is None for servers that need no key. The key is sent as
    ``{auth_header}: {auth_prefix}{key}``.
    """

    name: str
    base_url: str
    api_key_env: str | None
    dialect: str = "openai"
    auth_header: str = "authorization"
    auth_prefix: str = "Bearer "


PROVIDERS: Mapping[str, ProviderSpec] = {
    spec.name: spec
    for spec in (ProviderSpec("openai", "https://api.openai.com/v1", "OPENAI_API_KEY"),)
}


def get_provider(name: str) -> ProviderSpec:
    """Return the provider called ``name``, or raise an error that lists close matches."""
    spec = PROVIDERS.get(name)
    if spec is not None:
        return spec
    close = difflib.get_close_matches(name, PROVIDERS, n=3)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    known = ", ".join(sorted(PROVIDERS))
    raise UnknownProviderError(f"Unknown provider {name!r}.{hint} Known providers: {known}.")


class StreamTranslator(Protocol):
    """Turns one stream's server-sent events into chunks; one instance per stream."""

    finished: bool

    def translate(self, event: ServerSentEvent, out: list[ChatCompletionChunk]) -> None:
        """Append the chunks for ``event`` to ``out``; raise typed errors for error events."""


class Dialect(Protocol):
    """A provider wire format: requests out, answers and errors in. Pure functions only."""

    def build_request(self, call: ChatCall) -> HttpRequest:
        """The HTTP request for a prepared call."""

    def parse_completion(self, call: ChatCall, body: bytes) -> ChatCompletion:
        """A non-streamed answer body as a completion (raises DecodeError or an in-band error)."""

    def parse_error(
        self, call: ChatCall, status: int, headers: Mapping[str, str], body: bytes
    ) -> APIStatusError:
        """The typed error for an error status."""

    def new_stream(self, call: ChatCall) -> StreamTranslator:
        """A translator for one streamed answer."""


def get_dialect(name: str) -> Dialect:
    """The dialect module for a provider's wire format, imported on first use."""
    if name == "openai":
        from . import openai

        return openai.DIALECT
    raise UnknownProviderError(f"No wire dialect called {name!r}.")
