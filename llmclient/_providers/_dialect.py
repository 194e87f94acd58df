"""The wire-dialect interface every dialect package implements, and how a dialect is found.

A dialect is one object, its package's ``DIALECT``. Every dialect speaks chat (the methods
of :class:`Wire`), streamed in the framing it names (``new_framing``). It declares any other
endpoint it speaks by name in ``endpoints`` and has the methods of that endpoint's protocol
(:class:`EmbeddingsDialect`, :class:`ModelsDialect`). Endpoint code asks :func:`dialect_for`
for the dialect of an endpoint: the one place that refuses an endpoint a dialect lacks.
Nothing here names a dialect but the module table.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

import attrs

from ..errors import InvalidRequestError, UnknownProviderError

if TYPE_CHECKING:
    from .._auth import RequestAuth
    from .._core.endpoint_types import EmbeddingResponse, Model
    from .._core.framing import Framing
    from .._core.request import ChatCall, HttpRequest
    from ..errors import APIStatusError
    from ..types import ChatCompletion, ChatCompletionChunk
    from . import ProviderSpec


class StreamTranslator(Protocol):
    """Turns one stream's events into chunks; one instance per stream."""

    @property
    def finished(self) -> bool:
        """Whether the stream's terminal marker has arrived."""

    def translate(self, event: str, data: str, out: list[ChatCompletionChunk]) -> None:
        """Append the chunks for one event (its type and data) to ``out``; raise typed errors
        for error events."""


class Wire(Protocol):
    """How one call's request is built and its answer read: a dialect's chat, or the
    adapter an endpoint call is sent through. Pure functions only."""

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

    def new_framing(self, call: ChatCall) -> Framing:
        """The framing that cuts one streamed answer's body into the translator's frames."""

    def new_auth(self, call: ChatCall) -> RequestAuth:
        """How the call's requests are authenticated as each attempt is sent (the static key
        header of the registry: ``header_auth``)."""


class Dialect(Wire, Protocol):
    """A provider wire format: chat, and the other endpoints it declares."""

    @property
    def endpoints(self) -> frozenset[str]:
        """The endpoints the dialect speaks: ``"chat"``, and the name of each other one whose
        protocol it has (``EMBEDDINGS.name``, ``MODELS.name``)."""

    @property
    def missing_endpoints(self) -> Mapping[str, str]:
        """For an endpoint the dialect lacks and whose absence it explains: what the user is
        told after the provider's name. Any other missing one gets a plain "has no ..." error."""


class EmbeddingsDialect(Dialect, Protocol):
    """A dialect with an embeddings endpoint."""

    def embeddings_params(self, provider: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """What the request is built from, given ``embed``'s checked arguments (``input``,
        ``dimensions``, ``user``, ``encoding_format``; None when not given). Raises
        ``InvalidRequestError`` for one the dialect cannot send."""

    def build_embeddings_request(self, call: ChatCall) -> HttpRequest:
        """The embeddings request; ``call.params`` holds what :meth:`embeddings_params` gave."""

    def parse_embeddings(self, call: ChatCall, payload: dict[str, Any]) -> EmbeddingResponse:
        """The answer's JSON object as vectors. Raises the typed error for an error object
        sent with status 200, and ``TypeError``, ``ValueError``, ``KeyError`` or
        ``AttributeError`` for an answer of another shape (the endpoint names it)."""


@attrs.frozen
class ModelPage:
    """One page of a model list, and the cursor of the next page (None on the last)."""

    models: list[Model]
    next: str | None = None


class ModelsDialect(Dialect, Protocol):
    """A dialect with a model list."""

    @property
    def models_paging(self) -> tuple[str, str] | None:
        """The query parameters of the page size and of the next page's cursor, or None when
        the list comes in one page."""

    def build_models_request(self, call: ChatCall) -> HttpRequest:
        """The request for one page; ``call.params`` is its query."""

    def parse_models_page(self, call: ChatCall, payload: Any) -> ModelPage:
        """One page's JSON as models. Raises ``TypeError``, ``ValueError``, ``KeyError`` or
        ``AttributeError`` for an answer of another shape (the endpoint names it)."""


D = TypeVar("D", bound=Dialect)


@attrs.frozen
class EndpointKind(Generic[D]):
    """An endpoint beyond chat: its name in ``Dialect.endpoints``; ``D`` is its protocol."""

    name: str


EMBEDDINGS: EndpointKind[EmbeddingsDialect] = EndpointKind("embeddings")
MODELS: EndpointKind[ModelsDialect] = EndpointKind("models")


#: Wire dialects by name: the package of ``llmclient._providers`` that implements each one.
DIALECT_MODULES: Mapping[str, str] = {
    "openai": "openai",
    "anthropic": "anthropic",
    "azure": "azure",
    "gemini": "gemini",
}


def get_dialect(name: str) -> Dialect:
    """The dialect for a provider's wire format; its package is imported on first use."""
    module = DIALECT_MODULES.get(name)
    if module is None:
        raise UnknownProviderError(f"No wire dialect called {name!r}.")
    dialect: Dialect = importlib.import_module(f"{__package__}.{module}").DIALECT
    return dialect


def dialect_for(provider: ProviderSpec, endpoint: EndpointKind[D]) -> D:
    """The provider's dialect, for one of its endpoints.

    Raises ``InvalidRequestError``, before anything is sent, when the dialect does not speak
    ``endpoint``: this is the one place that error is made.
    """
    dialect = get_dialect(provider.dialect)
    if endpoint.name not in dialect.endpoints:
        reason = dialect.missing_endpoints.get(endpoint.name, f"has no {endpoint.name} endpoint.")
        raise InvalidRequestError(f"{provider.name} {reason}")
    # Declaring the endpoint is the promise to have its protocol's methods.
    return cast(D, dialect)
