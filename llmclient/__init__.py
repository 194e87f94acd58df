"""llmclient: one small, fast, typed client for many LLM providers.

Write ``model="openai/gpt-4o"`` and get OpenAI-shaped answers and streaming chunks,
from a blocking :class:`LlmClient` or an asyncio :class:`AsyncLlmClient`.
"""

from typing import TYPE_CHECKING, Any

from ._accumulate import ChunkAccumulator, accumulate
from ._providers import ProviderSpec, providers
from ._sync import ChatStream, LlmClient
from ._version import __version__
from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DecodeError,
    EventTooLargeError,
    IncompleteStreamError,
    InputError,
    InternalServerError,
    InvalidRequestError,
    LlmError,
    MissingAPIKeyError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    ResponseError,
    UnknownProviderError,
    UnprocessableEntityError,
)
from .types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatParams,
    Choice,
    ChoiceLogprobs,
    ChunkChoice,
    CompletionTokensDetails,
    Delta,
    Embedding,
    EmbeddingResponse,
    EmbeddingUsage,
    FunctionCall,
    FunctionCallDelta,
    Message,
    MessageParam,
    Model,
    PromptTokensDetails,
    TokenLogprob,
    ToolCall,
    ToolCallDelta,
    TopLogprob,
    Usage,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncChatStream",
    "AsyncHooks",
    "AsyncLlmClient",
    "AuthenticationError",
    "BadRequestError",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatParams",
    "ChatStream",
    "Choice",
    "ChoiceLogprobs",
    "ChunkAccumulator",
    "ChunkChoice",
    "CompletionTokensDetails",
    "ConflictError",
    "DecodeError",
    "Delta",
    "Embedding",
    "EmbeddingResponse",
    "EmbeddingUsage",
    "EventTooLargeError",
    "FunctionCall",
    "FunctionCallDelta",
    "Hooks",
    "IncompleteStreamError",
    "InputError",
    "InternalServerError",
    "InvalidRequestError",
    "LlmClient",
    "LlmError",
    "Message",
    "MessageParam",
    "MissingAPIKeyError",
    "Model",
    "NotFoundError",
    "OverloadedError",
    "PermissionDeniedError",
    "PromptTokensDetails",
    "ProviderSpec",
    "RateLimitError",
    "RequestTooLargeError",
    "ResponseError",
    "TokenLogprob",
    "ToolCall",
    "ToolCallDelta",
    "TopLogprob",
    "UnknownProviderError",
    "UnprocessableEntityError",
    "Usage",
    "__version__",
    "accumulate",
    "providers",
]

if TYPE_CHECKING:
    from ._async import AsyncChatStream, AsyncLlmClient
    from .hooks import AsyncHooks, Hooks


def __getattr__(name: str) -> Any:
    # The asyncio client is imported on first use: `import llmclient` stays free of asyncio.
    if name in ("AsyncLlmClient", "AsyncChatStream"):
        from . import _async

        return getattr(_async, name)
    if name in ("Hooks", "AsyncHooks"):  # likewise, hooks cost nothing until used
        from . import hooks

        return getattr(hooks, name)
    raise AttributeError(f"module 'llmclient' has no attribute {name!r}")
