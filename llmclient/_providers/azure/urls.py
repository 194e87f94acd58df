"""Azure's URLs: a deployment (the model name) under the resource's endpoint, and the
``api-version`` query parameter."""

from __future__ import annotations

from urllib.parse import quote

from ..._core.call import ChatCall
from .. import AZURE_API_VERSION


def deployment_url(call: ChatCall, path: str) -> str:
    """The URL of ``path`` (``chat/completions``, ``embeddings``) of the call's deployment
    (its model name)."""
    endpoint = call.base_url
    if not endpoint.endswith("/openai"):
        endpoint += "/openai"
    deployment = quote(call.model, safe="")
    version = quote(call.api_version or AZURE_API_VERSION, safe="")
    return f"{endpoint}/deployments/{deployment}/{path}?api-version={version}"
