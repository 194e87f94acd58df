"""The dialect interface: each dialect declares its endpoints, and one place refuses the others."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from llmclient._config import ClientConfig
from llmclient._core.request import prepare_call
from llmclient._providers import (
    DIALECT_MODULES,
    EMBEDDINGS,
    MODELS,
    PROVIDERS,
    EndpointKind,
    ProviderSpec,
    _dialect,
    dialect_for,
    get_dialect,
)
from llmclient.errors import EventTooLargeError, InvalidRequestError

KINDS = (EMBEDDINGS, MODELS)


@pytest.mark.parametrize("name", sorted(DIALECT_MODULES))
def test_every_dialect_speaks_chat_and_explains_only_endpoints_it_lacks(name: str) -> None:
    dialect = get_dialect(name)

    assert "chat" in dialect.endpoints
    assert dialect.endpoints <= {"chat", *(kind.name for kind in KINDS)}
    assert not dialect.endpoints & dialect.missing_endpoints.keys()


@pytest.mark.parametrize("name", sorted(DIALECT_MODULES))
@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_a_declared_endpoint_is_the_dialect_itself(name: str, kind: EndpointKind[Any]) -> None:
    dialect = get_dialect(name)
    spec = ProviderSpec("someone", "http://127.0.0.1:1/v1", None, dialect=name)
    if kind.name in dialect.endpoints:
        assert dialect_for(spec, kind) is dialect
    else:
        with pytest.raises(InvalidRequestError, match=r"^someone "):
            dialect_for(spec, kind)


@pytest.mark.parametrize(
    ("provider", "kind", "message"),
    [
        (
            "anthropic",
            EMBEDDINGS,
            "anthropic has no embeddings API: embed with an OpenAI-compatible provider or "
            "Gemini (e.g. 'openai/text-embedding-3-small' or 'gemini/gemini-embedding-001').",
        ),
        (
            "azure",
            MODELS,
            "azure (Azure OpenAI) lists its deployments in the Azure portal or through "
            "Azure's management API, not through its inference endpoint.",
        ),
    ],
)
def test_a_missing_endpoint_is_refused_with_the_dialects_explanation(
    provider: str,
    kind: EndpointKind[Any],
    message: str,
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        dialect_for(PROVIDERS[provider], kind)

    assert str(caught.value) == message


def test_a_missing_endpoint_without_an_explanation_is_refused_plainly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chat_only = SimpleNamespace(endpoints=frozenset({"chat"}), missing_endpoints={})
    monkeypatch.setattr(_dialect, "get_dialect", lambda name: chat_only)

    with pytest.raises(InvalidRequestError, match=r"^openai has no models endpoint\.$"):
        dialect_for(PROVIDERS["openai"], MODELS)


@pytest.mark.parametrize("name", sorted(set(DIALECT_MODULES) - {"bedrock"}))
def test_every_dialect_frames_its_stream_as_server_sent_events_within_the_clients_bound(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "test-project")
    config = ClientConfig(api_key="sk-test", base_url="http://127.0.0.1:1", max_event_size=64)
    provider = next(spec.name for spec in PROVIDERS.values() if spec.dialect == name)
    messages = [{"role": "user", "content": "Hi"}]
    call = prepare_call(config, "chat_stream", f"{provider}/m", messages, {}, stream=True)
    framing = call.dialect.new_framing(call)

    assert framing.media_type == "text/event-stream"
    frames = framing.feed_frames(b"event: e\ndata: {}\n\n")
    assert [frame[:2] for frame in frames] == [("e", "{}")]
    with pytest.raises(EventTooLargeError, match="exceeds max_event_size of 64 bytes"):
        framing.feed_frames(b"data: " + b"x" * 64)


def test_bedrock_frames_its_stream_as_aws_event_stream_within_the_clients_bound() -> None:
    from llmclient.testing import bedrock_event

    config = ClientConfig(api_key="sk-test", base_url="http://127.0.0.1:1", max_event_size=200)
    messages = [{"role": "user", "content": "Hi"}]
    call = prepare_call(config, "chat_stream", "bedrock/m", messages, {}, stream=True)
    framing = call.dialect.new_framing(call)

    assert framing.media_type == "application/vnd.amazon.eventstream"
    frames = framing.feed_frames(bedrock_event("messageStart", role="assistant"))
    assert [frame[0] for frame in frames] == ["messageStart"]
    with pytest.raises(EventTooLargeError, match="max_event_size"):
        framing.feed_frames(bedrock_event("contentBlockDelta", delta={"text": "x" * 300}))
