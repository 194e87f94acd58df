"""OpenAI-shaped answer types shared by every provider.

Field names follow OpenAI's wire format, so ``chunk.choices[0].delta.content`` and
``completion.choices[0].message.content`` read exactly as in OpenAI's documentation.
Fields a provider leaves out are ``None``; fields a provider adds are ignored, never an error.

Requests take plain dicts: ``messages`` is a list of ``{"role": ..., "content": ...}``
mappings, typed here as :class:`MessageParam` for editors and type checkers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import attrs

from ._core.serializable import Serializable
from ._core.timeouts import HttpTimeout

if TYPE_CHECKING:
    from ._core.endpoint_types import (
        Embedding,
        EmbeddingResponse,
        EmbeddingUsage,
        EmbedParams,
        ListModelsParams,
        Model,
    )

__all__ = [
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatParams",
    "Choice",
    "ChoiceLogprobs",
    "ChunkChoice",
    "CompletionTokensDetails",
    "Delta",
    "EmbedParams",
    "Embedding",
    "EmbeddingResponse",
    "EmbeddingUsage",
    "FunctionCall",
    "FunctionCallDelta",
    "ListModelsParams",
    "Message",
    "MessageParam",
    "Model",
    "PromptTokensDetails",
    "ProviderState",
    "Serializable",
    "TokenLogprob",
    "ToolCall",
    "ToolCallDelta",
    "TopLogprob",
    "Usage",
]


@attrs.define(slots=True)
class ProviderState(Serializable):
    """What a provider needs back, unchanged, when an answer goes back to it on the next turn.

    Anthropic's signed ``thinking`` and ``redacted_thinking`` blocks (and its server-tool
    blocks), in the order the answer had them, and Gemini's ``thoughtSignature`` of a part.
    It is filled by ``chat()`` and ``final_completion()``; the dialect named ``dialect`` reads
    it back from a :class:`Message` (or its :meth:`~Serializable.to_dict`) and every other
    dialect leaves it out, so a message can go to another provider unchanged.

    Attributes:
        dialect: the wire dialect that made it: ``"anthropic"`` or ``"gemini"``.
        data: the dialect's own JSON values, opaque to users: Anthropic's
            ``{"content": [...]}``, Gemini's ``{"thoughtSignature": ...}``.
    """

    dialect: str = ""
    data: dict[str, Any] = attrs.field(factory=dict)


@attrs.define(slots=True)
class FunctionCall(Serializable):
    """The function a model chose to call, with its arguments as a JSON string."""

    name: str = ""
    arguments: str = ""


@attrs.define(slots=True)
class ToolCall(Serializable):
    """A complete tool call in a :class:`Message`.

    ``provider_state`` holds what the provider needs back with this call (Gemini 3's
    ``thoughtSignature``); see :class:`ProviderState`.
    """

    id: str = ""
    function: FunctionCall = attrs.field(factory=FunctionCall)
    type: str = "function"
    provider_state: ProviderState | None = None


@attrs.define(slots=True)
class FunctionCallDelta(Serializable):
    """A fragment of a streamed function call: the name comes once, arguments in pieces."""

    name: str | None = None
    arguments: str | None = None


@attrs.define(slots=True)
class ToolCallDelta(Serializable):
    """A fragment of a streamed tool call; fragments with the same ``index`` belong together,
    until one comes with a new ``id``: that starts another call."""

    index: int = 0
    id: str | None = None
    type: str | None = None
    function: FunctionCallDelta | None = None
    provider_state: ProviderState | None = None


@attrs.define(slots=True)
class TopLogprob(Serializable):
    """One of the most likely tokens at a position."""

    token: str = ""
    logprob: float = 0.0
    bytes: list[int] | None = None


@attrs.define(slots=True)
class TokenLogprob(Serializable):
    """The log probability of one output token, with its most likely alternatives."""

    token: str = ""
    logprob: float = 0.0
    bytes: list[int] | None = None
    top_logprobs: list[TopLogprob] = attrs.field(factory=list)


@attrs.define(slots=True)
class ChoiceLogprobs(Serializable):
    """Log probabilities of a choice's content (and refusal) tokens."""

    content: list[TokenLogprob] | None = None
    refusal: list[TokenLogprob] | None = None


@attrs.define(slots=True)
class PromptTokensDetails(Serializable):
    """A breakdown of the prompt tokens.

    ``cached_tokens`` were read from the provider's prompt cache; ``cache_creation_tokens``
    were written to it (Anthropic's ``cache_creation_input_tokens``). Both are included in
    ``prompt_tokens``.
    """

    cached_tokens: int | None = None
    audio_tokens: int | None = None
    cache_creation_tokens: int | None = None


@attrs.define(slots=True)
class CompletionTokensDetails(Serializable):
    """A breakdown of the completion tokens."""

    reasoning_tokens: int | None = None
    audio_tokens: int | None = None
    accepted_prediction_tokens: int | None = None
    rejected_prediction_tokens: int | None = None


@attrs.define(slots=True)
class Usage(Serializable):
    """Token counts for one request."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None


@attrs.define(slots=True)
class Message(Serializable):
    """The assistant's message in a :class:`ChatCompletion`.

    It can be appended to ``messages`` as it is for the next turn, or stored as its
    :meth:`~Serializable.to_dict` and sent later: ``provider_state`` (see
    :class:`ProviderState`) goes back to the provider that made it. ``reasoning_content`` is
    the model's thinking as text, for reading; it is not sent back.
    """

    role: str = "assistant"
    content: str | None = None
    tool_calls: list[ToolCall] | None = None
    refusal: str | None = None
    reasoning_content: str | None = None
    provider_state: ProviderState | None = None


@attrs.define(slots=True)
class Choice(Serializable):
    """One answer of a :class:`ChatCompletion` (``n`` > 1 asks for several)."""

    index: int = 0
    message: Message = attrs.field(factory=Message)
    finish_reason: str | None = None
    logprobs: ChoiceLogprobs | None = None


@attrs.define(slots=True)
class ChatCompletion(Serializable):
    """A whole answer, as returned by ``chat(...)``."""

    id: str = ""
    model: str = ""
    choices: list[Choice] = attrs.field(factory=list)
    usage: Usage | None = None
    created: int = 0
    object: str = "chat.completion"
    system_fingerprint: str | None = None
    service_tier: str | None = None


@attrs.define(slots=True)
class Delta(Serializable):
    """What one streamed chunk adds to a choice.

    ``provider_state`` is set on the chunk that carried it; the answer's state is all of
    them together (see :class:`ProviderState`).
    """

    role: str | None = None
    content: str | None = None
    tool_calls: list[ToolCallDelta] | None = None
    refusal: str | None = None
    reasoning_content: str | None = None
    provider_state: ProviderState | None = None


@attrs.define(slots=True)
class ChunkChoice(Serializable):
    """One choice's part of a streamed chunk."""

    index: int = 0
    delta: Delta = attrs.field(factory=Delta)
    finish_reason: str | None = None
    logprobs: ChoiceLogprobs | None = None


@attrs.define(slots=True)
class ChatCompletionChunk(Serializable):
    """One streamed piece of an answer, as yielded by ``chat_stream(...)``.

    ``choices`` is empty on the usage chunk that ends a stream asked for with
    ``stream_options={"include_usage": True}``.
    """

    id: str = ""
    model: str = ""
    choices: list[ChunkChoice] = attrs.field(factory=list)
    usage: Usage | None = None
    created: int = 0
    object: str = "chat.completion.chunk"
    system_fingerprint: str | None = None
    service_tier: str | None = None


class MessageParam(TypedDict, total=False):
    """One message of a request, as a plain dict (extra keys are passed through)."""

    role: str
    content: str | list[dict[str, Any]] | None
    name: str
    tool_calls: list[dict[str, Any]]
    tool_call_id: str
    refusal: str | None
    reasoning_content: str | None
    provider_state: dict[str, Any] | None


class ChatParams(TypedDict, total=False):
    """The keyword arguments every ``chat`` / ``chat_stream`` call accepts.

    Sampling and output parameters are sent as OpenAI names them; one set to None is not
    sent. The last nine are per-call settings that are not sent as parameters:
    ``extra_body`` is merged into the JSON body, ``extra_headers`` into the headers,
    ``timeout``, ``max_retries``, ``api_key`` and the three stream timeouts override the
    client's for this call, and ``fallbacks`` names the models to try, in order, when the
    model fails before its first chunk.
    """

    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    max_completion_tokens: int | None
    stop: str | list[str] | None
    seed: int | None
    n: int | None
    presence_penalty: float | None
    frequency_penalty: float | None
    logit_bias: Mapping[str, float] | None
    logprobs: bool | None
    top_logprobs: int | None
    tools: list[dict[str, Any]] | None
    tool_choice: Literal["none", "auto", "required"] | dict[str, Any] | None
    parallel_tool_calls: bool | None
    response_format: dict[str, Any] | None
    reasoning_effort: str | None
    user: str | None
    stream_options: dict[str, Any] | None
    extra_body: Mapping[str, Any]
    extra_headers: Mapping[str, str]
    timeout: float | HttpTimeout | None
    max_retries: int
    api_key: str
    first_chunk_timeout: float | None
    idle_timeout: float | None
    total_timeout: float | None
    fallbacks: Sequence[str] | None


_ENDPOINT_TYPES = frozenset(
    ("Embedding", "EmbeddingResponse", "EmbeddingUsage", "EmbedParams", "ListModelsParams", "Model")
)

if not TYPE_CHECKING:  # type checkers see the import above, so a misspelt name stays an error

    def __getattr__(name: str) -> Any:
        # The embeddings and model-listing types are built when first used, not at import.
        if name in _ENDPOINT_TYPES:
            from ._core import endpoint_types as _endpoint_types

            return getattr(_endpoint_types, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(globals()) | _ENDPOINT_TYPES)
