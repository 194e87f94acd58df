"""How a dialect is found, and the wire-dialect interface every dialect package implements
(defined with the call it is handed, in :mod:`llmclient._core.call`).

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
from typing import TYPE_CHECKING, Generic, TypeVar, cast

import attrs

from .._core.call import (
    Dialect,
    EmbeddingsDialect,
    ModelPage,
    ModelsDialect,
    StreamTranslator,
    Wire,
)
from ..errors import InvalidRequestError, UnknownProviderError

if TYPE_CHECKING:
    from ._spec import ProviderSpec

__all__ = [
    "DIALECT_MODULES",
    "EMBEDDINGS",
    "MODELS",
    "Dialect",
    "EmbeddingsDialect",
    "EndpointKind",
    "ModelPage",
    "ModelsDialect",
    "StreamTranslator",
    "Wire",
    "dialect_for",
    "get_dialect",
]


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
    "bedrock": "bedrock",
    "vertex": "vertex",
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
