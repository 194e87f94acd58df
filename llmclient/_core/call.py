"""The call the core hands a dialect, and what a dialect does with it.

:class:`ChatCall` is one checked, resolved call and :class:`HttpRequest` the request a dialect
builds from it; :class:`Wire` and the protocols under it are what every dialect package
implements for them. The two sides name each other, so they live in one module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from .._version import __version__
from .redact import redact_url
from .sse import DEFAULT_MAX_EVENT_SIZE
from .timeouts import StreamTimeouts

if TYPE_CHECKING:
    from .._auth import RequestAuth
    from .._providers._spec import ProviderSpec
    from ..errors import APIStatusError
    from ..types import ChatCompletion, ChatCompletionChunk
    from .endpoint_types import EmbeddingResponse, Model
    from .framing import Framing

#: The largest whole answer read (chat, embeddings, a model list): 128 MiB, room for the
#: largest real one (2,048 embeddings of 3,072 floats as JSON, about 90 MB).
DEFAULT_MAX_RESPONSE_SIZE = 128 * 1024 * 1024
USER_AGENT = f"llmclient/{__version__}"


@attrs.frozen
class HttpRequest:
    """Everything needed to send one request but its auth (the key is added as it is sent);
    the headers (which may hold the caller's own credentials) stay out of repr."""

    method: str
    url: str = attrs.field(repr=lambda url: repr(redact_url(url)))
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
    dialect: Wire = attrs.field(repr=False)
    extra_body: Mapping[str, Any] = attrs.field(factory=dict)
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    api_version: str | None = None
    stream_timeouts: StreamTimeouts = attrs.field(factory=StreamTimeouts)
    #: The query of the base URL (a gateway's ``key=...``), added to every request's URL.
    base_query: str = attrs.field(default="", repr=False)
    #: The client's bounds, in bytes, on one event of a stream and on a whole answer's body.
    max_event_size: int = DEFAULT_MAX_EVENT_SIZE
    max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE
    #: How each attempt's request is authenticated as it is sent: the dialect's choice
    #: (``new_auth``), made once the other fields are known. The request holds no key.
    auth: RequestAuth = attrs.field(
        default=attrs.Factory(lambda call: call.dialect.new_auth(call), takes_self=True),
        repr=False,
        eq=False,
    )

    def base_headers(self) -> dict[str, str]:
        """Content headers, then the user's headers (a user's header replaces ours whatever
        its case). The key is not among them: the call's ``auth`` adds it as it is sent."""
        headers = {
            "content-type": "application/json",
            "accept": "text/event-stream" if self.stream else "application/json",
            "user-agent": USER_AGENT,
        }
        for name, value in self.headers.items():
            headers[name.lower()] = value
        return headers

    def http_request(self) -> HttpRequest:
        """The provider's HTTP request for this call, with the base URL's query added."""
        request = self.dialect.build_request(self)
        if self.base_query:
            request = attrs.evolve(request, url=add_query(request.url, self.base_query))
        return request


def add_query(url: str, query: str) -> str:
    """``url`` with ``query`` appended; a parameter in both takes its value from ``query``.

    A base URL's ``?api-version=...`` thus replaces the one Azure's dialect adds.
    """
    path, _, own = url.partition("?")
    names = {pair.partition("=")[0] for pair in query.split("&")}
    kept = [pair for pair in own.split("&") if pair and pair.partition("=")[0] not in names]
    return f"{path}?{'&'.join([*kept, query])}"


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
