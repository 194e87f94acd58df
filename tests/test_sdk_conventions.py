"""Base URLs written the way the providers' official SDKs write them."""

from __future__ import annotations

import pytest

from llmclient._config import ClientConfig
from llmclient._core.request import prepare_call


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("https://api.anthropic.com", "https://api.anthropic.com/v1/messages"),
        ("https://api.anthropic.com/v1", "https://api.anthropic.com/v1/messages"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/messages"),
        ("https://proxy.example.com/anthropic", "https://proxy.example.com/anthropic/v1/messages"),
        ("https://api.deepseek.com/anthropic", "https://api.deepseek.com/anthropic/v1/messages"),
    ],
)
def test_anthropic_base_url_with_or_without_v1_reaches_v1_messages(
    base_url: str, expected: str
) -> None:
    config = ClientConfig(api_key="k-test", base_url=base_url)
    call = prepare_call(
        config, "chat", "anthropic/claude", [{"role": "user", "content": "Hi"}], {}, stream=False
    )
    assert call.http_request().url == expected
