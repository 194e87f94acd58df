"""Embeddings: ``embed(...)`` checked and made a call to the provider's dialect, and the
answer read back as an :class:`~llmclient.types.EmbeddingResponse`. Nothing here does I/O.

The arguments are checked here, the same for every provider; what is sent and how the answer
reads are the dialect's (``embeddings.py`` in its package). A provider whose dialect has no
embeddings endpoint is refused before sending. Vectors are always lists of floats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from .._config import ClientConfig, split_model
from .._providers import EMBEDDINGS, dialect_for
from ..errors import DecodeError, InvalidRequestError
from .call import ChatCall
from .endpoint_types import EmbeddingResponse, EmbedParams
from .endpoints import Endpoint, check_keywords, endpoint_call, load_object

#: How the provider is asked to send vectors; answers hold floats either way.
EncodingFormat = Literal["float", "base64"]

#: The keyword arguments ``embed`` takes after ``input``.
KEYWORDS = frozenset(EmbedParams.__annotations__) | {"dimensions", "encoding_format"}
#: Those that are per-call settings rather than fields of the body.
OPTIONS = frozenset(EmbedParams.__annotations__) - {"user"}
ENCODINGS = ("float", "base64")


def prepare_embed(
    config: ClientConfig,
    model: str,
    input: Any,
    dimensions: Any,
    encoding_format: Any,
    params: Mapping[str, Any],
) -> ChatCall:
    """Check an ``embed`` call and resolve its provider, key, URL, timeout and retries.

    Raises ``TypeError`` for an unknown keyword and an ``InputError`` for anything else wrong
    (a provider without embeddings included), all before any network traffic.
    """
    check_keywords("embed", params, KEYWORDS)
    provider, model_name = split_model(model, config.default_provider, config.registry())
    dialect = dialect_for(provider, EMBEDDINGS)
    texts = _texts(input)
    if dimensions is not None and (
        isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1
    ):
        raise InvalidRequestError(f"dimensions must be a positive int, got {dimensions!r}.")
    if encoding_format is not None and encoding_format not in ENCODINGS:
        raise InvalidRequestError(
            f"encoding_format must be 'float' or 'base64', got {encoding_format!r}."
        )
    user = params.get("user")
    if user is not None and not isinstance(user, str):
        raise InvalidRequestError(f"user must be a string, got {type(user).__name__}.")
    fields = {
        "input": texts,
        "dimensions": dimensions,
        "user": user,
        "encoding_format": encoding_format,
    }
    sent = dialect.embeddings_params(provider.name, fields)
    options = {name: value for name, value in params.items() if name in OPTIONS}
    endpoint = Endpoint("embeddings", dialect.build_embeddings_request, dialect)
    return endpoint_call(config, provider, model_name, sent, options, endpoint)


def _texts(input: Any) -> str | list[str]:
    if isinstance(input, str):
        return input
    if isinstance(input, Sequence) and not isinstance(input, (bytes, bytearray)):
        if not input:
            raise InvalidRequestError("input is an empty list: pass at least one text.")
        for index, text in enumerate(input):
            if not isinstance(text, str):
                raise InvalidRequestError(
                    f"input[{index}] must be a string, got {type(text).__name__}."
                )
        return list(input)
    raise InvalidRequestError(
        f"input must be a string or a list of strings, got {type(input).__name__}."
    )


def parse_embeddings(call: ChatCall, body: bytes) -> EmbeddingResponse:
    """An embeddings answer of the call's dialect as an :class:`EmbeddingResponse`.

    Raises ``DecodeError`` for an answer of another shape, and the typed error for an error
    object sent with status 200.
    """
    provider = call.provider.name
    payload = load_object(body, provider, "embeddings response")
    try:
        return dialect_for(call.provider, EMBEDDINGS).parse_embeddings(call, payload)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise DecodeError(
            f"{provider}: the response is not an embeddings answer ({exc!r}).", provider=provider
        ) from exc
