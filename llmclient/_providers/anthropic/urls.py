"""Anthropic's base URL, written the way its official SDK takes it."""

from __future__ import annotations

from urllib.parse import urlsplit

from ..._core.call import ChatCall


def api_base(call: ChatCall) -> str:
    """The call's base URL with ``/v1`` appended unless its path already ends in ``/v1``.

    Anthropic's SDK takes a host (``https://api.anthropic.com``) or a proxy's path
    (``https://proxy.example.com/anthropic``, DeepSeek's ``https://api.deepseek.com/anthropic``)
    and adds ``/v1`` itself; a URL that already ends in ``/v1`` is kept, so both spellings
    reach ``/v1/messages``.
    """
    base = call.base_url
    if urlsplit(base).path.endswith("/v1"):
        return base
    return f"{base}/v1"
