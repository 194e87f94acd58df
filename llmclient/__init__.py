"""llmclient: one small, fast, typed client for many LLM providers.

Write ``model="openai/gpt-4o"`` and get OpenAI-shaped answers and streaming chunks,
from a blocking :class:`LlmClient` or an asyncio :class:`AsyncLlmClient`.
"""

from typing import TYPE_CHECKING, Any

from ._core.accumulate import ChunkAccumulator, accumulate
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
    RedirectError,
    RequestTooLargeError,
    ResponseError,
    ResponseTooLargeError,
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
    FunctionCall,
    FunctionCallDelta,
    Message,
    MessageParam,
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
    "RedirectError",
    "RequestTooLargeError",
    "ResponseError",
    "ResponseTooLargeError",
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
    from .types import Embedding, EmbeddingResponse, EmbeddingUsage, Model

# Imported on first use, so that `import llmclient` stays free of asyncio and of the hooks, and
# builds only the chat types.
_LAZY = {
    "AsyncChatStream": "_async",
    "AsyncLlmClient": "_async",
    "AsyncHooks": "hooks",
    "Hooks": "hooks",
    "Embedding": "types",
    "EmbeddingResponse": "types",
    "EmbeddingUsage": "types",
    "Model": "types",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'llmclient' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    """The public names only, as ``from llmclient import *`` gives them."""
    return sorted(__all__)


# Named where users import them from, as in reprs, pickles and help() (the asyncio client
# and its stream name themselves so in ``_async``, which is imported on first use).
for _public in (ChatStream, ChunkAccumulator, LlmClient, accumulate, providers):
    _public.__module__ = __name__
del _public
