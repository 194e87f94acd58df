"""Each public call as both facades make it, with no I/O: the models it tries, what becomes
of their answers, and what the hooks hear at its end.

A facade turns a public method into a :class:`Plan` and drives it the same way for every
endpoint: each model in turn (the one asked for, then each fallback, while failures fall
back), each of its calls retried as the policy says (one call, or one per page of a model
list), every answer handed to :meth:`Plan.add`, which says which call comes next. Adding an
endpoint is a plan here and one method on each client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .. import _log
from ..errors import LlmError
from .call import ChatCall
from .retry import falls_back

if TYPE_CHECKING:
    from .._config import ClientConfig
    from ..types import ChatCompletion, Choice, EmbeddingResponse, EmbeddingUsage, Model, Usage
    from .embeddings import EncodingFormat
    from .endpoints import Parser
    from .models import ModelPage

    #: What the hooks' ``on_end`` hears of an answer: its usage and its choices.
    End = tuple[Usage | EmbeddingUsage | None, Sequence[Choice]]

#: What one call of a plan answers (a completion, a stream, a page of models, ...).
A = TypeVar("A")
#: What the public method returns.
R = TypeVar("R")


class Plan(Generic[A, R]):
    """One public call: its models, and what becomes of their answers.

    ``method`` names the call to the hooks. ``parse`` reads a call's whole answer body; it
    is None where each attempt opens a stream instead.
    """

    __slots__ = ("calls", "method", "parse")

    def __init__(self, method: str, calls: Sequence[ChatCall], parse: Parser[A] | None) -> None:
        self.method = method
        #: The call of the model asked for, then one per fallback.
        self.calls = calls
        self.parse = parse

    def fallbacks(self) -> Iterator[tuple[ChatCall, ChatCall]]:
        """Each model's call but the last, with the call of the model it falls back to."""
        return pairwise(self.calls)

    def falls_back(self, call: ChatCall, error: LlmError) -> bool:
        """Whether ``call``'s failure before its first chunk (retries spent) moves on to the
        next model; the log says so when it does."""
        if not falls_back(error):
            return False
        _log.fell_back(call.provider.name, call.model, error)
        return True

    def add(self, call: ChatCall, answer: A) -> ChatCall | None:
        """Take ``call``'s answer; the call of the next page, or None when the answer is whole."""
        raise NotImplementedError

    def result(self) -> R:
        """What the public method returns, once every call has answered."""
        raise NotImplementedError

    def end(self) -> End | None:
        """What the hooks' ``on_end`` hears of the call; None when the answer ends it later (a
        stream tells the hooks at its end)."""
        raise NotImplementedError


class Answer(Plan[A, A]):
    """A call with one answer, which the method returns (chat, a stream, embeddings)."""

    __slots__ = ("_answer", "_ends")

    def __init__(
        self,
        method: str,
        calls: Sequence[ChatCall],
        parse: Parser[A] | None = None,
        ends: Callable[[A], End] | None = None,
    ) -> None:
        super().__init__(method, calls, parse)
        self._ends = ends

    def add(self, call: ChatCall, answer: A) -> None:
        self._answer = answer

    def result(self) -> A:
        return self._answer

    def end(self) -> End | None:
        return None if self._ends is None else self._ends(self._answer)


class ModelList(Plan["ModelPage", "list[Model]"]):
    """A model list: every page of it, each page's call retried on its own."""

    __slots__ = ("_models", "_next_page")

    def __init__(
        self,
        call: ChatCall,
        parse: Parser[ModelPage],
        next_page: Callable[[ChatCall, ModelPage], ChatCall | None],
    ) -> None:
        super().__init__("list_models", [call], parse)
        self._next_page = next_page
        self._models: list[Model] = []

    def add(self, call: ChatCall, answer: ModelPage) -> ChatCall | None:
        self._models += answer.models
        return self._next_page(call, answer)

    def result(self) -> list[Model]:
        return self._models

    def end(self) -> End:
        return None, ()


def fallback_of(next_call: ChatCall | None, error: LlmError) -> ChatCall | None:
    """The model the hooks hear a failure falls back to: ``next_call``, when it does."""
    return next_call if next_call is not None and falls_back(error) else None


def _chat_end(completion: ChatCompletion) -> End:
    return completion.usage, completion.choices


def chat_plan(calls: Sequence[ChatCall]) -> Answer[ChatCompletion]:
    """``chat``: the first model's completion that arrives (``calls`` from ``_prepare``)."""
    return Answer("chat", calls, _parse_completion, _chat_end)


def _parse_completion(call: ChatCall, body: bytes) -> ChatCompletion:
    return call.dialect.parse_completion(call, body)


def stream_plan(calls: Sequence[ChatCall]) -> Answer[Any]:
    """``chat_stream``: the first model's stream that gives a chunk; the stream tells the
    hooks of its end."""
    return Answer("chat_stream", calls)


def _embed_end(embeddings: EmbeddingResponse) -> End:
    return embeddings.usage, ()


def embed_plan(
    config: ClientConfig,
    model: str,
    input: str | Sequence[str],
    dimensions: int | None,
    encoding_format: EncodingFormat | None,
    params: Mapping[str, Any],
) -> Answer[EmbeddingResponse]:
    """``embed``, checked before sending (see ``prepare_embed``)."""
    from .embeddings import parse_embeddings, prepare_embed

    call = prepare_embed(config, model, input, dimensions, encoding_format, params)
    return Answer("embed", [call], parse_embeddings, _embed_end)


def models_plan(config: ClientConfig, provider: str | None, params: Mapping[str, Any]) -> ModelList:
    """``list_models``, checked before sending (see ``prepare_list_models``)."""
    from .models import next_page, parse_models_page, prepare_list_models

    return ModelList(prepare_list_models(config, provider, params), parse_models_page, next_page)
