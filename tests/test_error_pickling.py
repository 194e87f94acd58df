"""Every exception class pickles and copies with all its attributes (a process pool needs it)."""

from __future__ import annotations

import copy
import inspect
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from llmclient import errors

CLASSES = [
    value
    for name in errors.__all__
    if isinstance(value := getattr(errors, name), type) and issubclass(value, BaseException)
]

#: A value for every argument an error class takes, none of them its default.
SAMPLES: dict[str, Any] = {
    "message": "the provider said no",
    "provider": "anthropic",
    "attempts": 3,
    "status_code": 429,
    "request_id": "req_123",
    "body": {"error": {"message": "the provider said no", "details": [1, 2.5, None]}},
    "error_type": "rate_limit_error",
    "code": "too_many",
    "param": "messages",
    "in_stream": True,
    "retry_after": 1.5,
    "should_retry": False,
    "location": "https://elsewhere.example.com/v1/chat/completions?token=***",
    "limit": 1024,
}


def keywords(cls: type[BaseException]) -> dict[str, Any]:
    """A sample for every keyword argument ``cls`` takes, those it passes on included."""
    parameters = inspect.signature(cls).parameters.values()
    found = {p.name: SAMPLES[p.name] for p in parameters if p.kind is p.KEYWORD_ONLY}
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        found = {**keywords(cls.__mro__[1]), **found}
    return found


def make(cls: type[BaseException]) -> BaseException:
    """An instance of ``cls`` with every argument it takes set."""
    if not issubclass(cls, errors.APIError):  # Exception's arguments, no attributes
        return cls(SAMPLES["message"])
    return cls(SAMPLES["message"], **keywords(cls))


ROUND_TRIPS: dict[str, Callable[[BaseException], BaseException]] = {
    "pickle": lambda exc: pickle.loads(pickle.dumps(exc)),
    "pickle-protocol-0": lambda exc: pickle.loads(pickle.dumps(exc, protocol=0)),
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
}


def test_every_error_class_is_covered() -> None:
    assert errors.APIStatusError in CLASSES
    assert len(CLASSES) >= 23


@pytest.mark.parametrize("round_trip", list(ROUND_TRIPS.values()), ids=list(ROUND_TRIPS))
@pytest.mark.parametrize("cls", CLASSES, ids=[cls.__name__ for cls in CLASSES])
def test_error_survives_with_its_attributes(
    cls: type[BaseException], round_trip: Callable[[BaseException], BaseException]
) -> None:
    original = make(cls)
    restored = round_trip(original)
    assert type(restored) is cls
    assert restored is not original
    assert restored.args == original.args
    assert restored.__dict__ == original.__dict__
    assert str(restored) == str(original)
    assert repr(restored) == repr(original)


def test_deepcopy_does_not_share_the_body() -> None:
    original = make(errors.RateLimitError)
    assert isinstance(original, errors.APIStatusError)
    restored = copy.deepcopy(original)
    assert isinstance(restored, errors.APIStatusError)
    assert restored.body == original.body
    assert restored.body is not original.body


def test_attributes_set_after_construction_survive() -> None:
    original = errors.APIConnectionError("connection failed", provider="openai")
    original.attempts = 5
    restored = pickle.loads(pickle.dumps(original))
    assert restored.attempts == 5
    assert restored.provider == "openai"
