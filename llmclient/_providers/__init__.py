"""The provider registry (data), and the wire-dialect interface from :mod:`._dialect`.

Each wire dialect is a package here (``openai``, ``anthropic``, ``gemini``, ``azure``) that owns
every endpoint it speaks; shared helpers are in ``_common``, ``_vectors``, ``_shape`` and
``_state``. Dialect packages are imported on first use, never by ``import llmclient``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ..errors import InvalidRequestError, UnknownProviderError
from ._dialect import (
    DIALECT_MODULES,
    EMBEDDINGS,
    MODELS,
    Dialect,
    EmbeddingsDialect,
    EndpointKind,
    ModelPage,
    ModelsDialect,
    StreamTranslator,
    Wire,
    dialect_for,
    get_dialect,
)
from ._spec import ProviderSpec

__all__ = [
    "AZURE_API_VERSION",
    "DIALECT_MODULES",
    "EMBEDDINGS",
    "MODELS",
    "PROVIDERS",
    "Dialect",
    "EmbeddingsDialect",
    "EndpointKind",
    "ModelPage",
    "ModelsDialect",
    "ProviderSpec",
    "StreamTranslator",
    "Wire",
    "check_provider",
    "dialect_for",
    "get_dialect",
    "get_provider",
    "markdown_table",
    "providers",
]


#: Azure OpenAI's ``api-version`` when neither the provider nor the environment names one:
#: the latest generally available version of the data-plane inference API.
AZURE_API_VERSION = "2024-10-21"

#: Servers that know ``max_tokens`` but not OpenAI's newer ``max_completion_tokens``.
_MAX_TOKENS = {"max_completion_tokens": "max_tokens"}


PROVIDERS: Mapping[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        ProviderSpec(
            "openai",
            "https://api.openai.com/v1",
            "OPENAI_API_KEY",
            base_url_env="OPENAI_BASE_URL",
        ),
        ProviderSpec(
            "anthropic",
            "https://api.anthropic.com/v1",
            "ANTHROPIC_API_KEY",
            dialect="anthropic",
            auth_header="x-api-key",
            auth_prefix="",
            base_url_env="ANTHROPIC_BASE_URL",
        ),
        ProviderSpec(
            "azure",
            "",
            "AZURE_OPENAI_API_KEY",
            dialect="azure",
            auth_header="api-key",
            auth_prefix="",
            base_url_env="AZURE_OPENAI_ENDPOINT",
            api_version=AZURE_API_VERSION,
            api_version_env="AZURE_OPENAI_API_VERSION",
        ),
        ProviderSpec(
            "gemini",
            "https://generativelanguage.googleapis.com/v1beta",
            "GEMINI_API_KEY",
            dialect="gemini",
            auth_header="x-goog-api-key",
            auth_prefix="",
            alt_api_key_envs=("GOOGLE_API_KEY",),
            base_url_env="GEMINI_BASE_URL",
        ),
        # Bedrock's Converse API: a Bedrock API key as a bearer token, else SigV4 with AWS
        # credentials; {region} is the AWS region (see the bedrock dialect).
        ProviderSpec(
            "bedrock",
            "https://bedrock-runtime.{region}.amazonaws.com",
            "AWS_BEARER_TOKEN_BEDROCK",
            dialect="bedrock",
            base_url_env="BEDROCK_BASE_URL",
            key_required=False,
        ),
        # Vertex AI: Gemini and Claude; {location} is the Google Cloud location (see the vertex
        # dialect). A token may be given as the key; else Application Default Credentials.
        ProviderSpec(
            "vertex",
            "https://{location}-aiplatform.googleapis.com",
            None,
            dialect="vertex",
            base_url_env="VERTEX_BASE_URL",
            key_required=False,
        ),
        # OpenAI-compatible services.
        ProviderSpec(
            "cerebras",
            "https://api.cerebras.ai/v1",
            "CEREBRAS_API_KEY",
            base_url_env="CEREBRAS_BASE_URL",
        ),
        ProviderSpec(
            "deepinfra",
            "https://api.deepinfra.com/v1/openai",
            "DEEPINFRA_API_KEY",
            alt_api_key_envs=("DEEPINFRA_TOKEN",),
            base_url_env="DEEPINFRA_BASE_URL",
            param_renames=_MAX_TOKENS,
        ),
        ProviderSpec(
            "deepseek",
            "https://api.deepseek.com",
            "DEEPSEEK_API_KEY",
            base_url_env="DEEPSEEK_BASE_URL",
            param_renames=_MAX_TOKENS,
        ),
        ProviderSpec(
            "fireworks",
            "https://api.fireworks.ai/inference/v1",
            "FIREWORKS_API_KEY",
            base_url_env="FIREWORKS_BASE_URL",
            param_renames=_MAX_TOKENS,
        ),
        ProviderSpec(
            "groq",
            "https://api.groq.com/openai/v1",
            "GROQ_API_KEY",
            base_url_env="GROQ_BASE_URL",
        ),
        ProviderSpec(
            "mistral",
            "https://api.mistral.ai/v1",
            "MISTRAL_API_KEY",
            base_url_env="MISTRAL_BASE_URL",
            param_renames={**_MAX_TOKENS, "seed": "random_seed"},
        ),
        ProviderSpec(
            "moonshot",
            "https://api.moonshot.ai/v1",
            "MOONSHOT_API_KEY",
            base_url_env="MOONSHOT_BASE_URL",
            param_renames=_MAX_TOKENS,
        ),
        ProviderSpec(
            "nvidia_nim",
            "https://integrate.api.nvidia.com/v1",
            "NVIDIA_API_KEY",
            alt_api_key_envs=("NVIDIA_NIM_API_KEY",),
            base_url_env="NVIDIA_NIM_BASE_URL",
            param_renames=_MAX_TOKENS,
        ),
        ProviderSpec(
            "openrouter",
            "https://openrouter.ai/api/v1",
            "OPENROUTER_API_KEY",
            base_url_env="OPENROUTER_BASE_URL",
            param_renames=_MAX_TOKENS,
        ),
        ProviderSpec(
            "perplexity",
            "https://api.perplexity.ai",
            "PERPLEXITY_API_KEY",
            alt_api_key_envs=("PPLX_API_KEY",),
            base_url_env="PERPLEXITY_BASE_URL",
            param_renames=_MAX_TOKENS,
        ),
        ProviderSpec(
            "together",
            "https://api.together.xyz/v1",
            "TOGETHER_API_KEY",
            base_url_env="TOGETHER_BASE_URL",
            param_renames=_MAX_TOKENS,
        ),
        ProviderSpec("xai", "https://api.x.ai/v1", "XAI_API_KEY", base_url_env="XAI_BASE_URL"),
        # Local servers: no key needed.
        ProviderSpec(
            "llamacpp",
            "http://localhost:8080/v1",
            None,
            base_url_env="LLAMACPP_BASE_URL",
            param_renames=_MAX_TOKENS,
        ),
        ProviderSpec(
            "lmstudio",
            "http://localhost:1234/v1",
            None,
            base_url_env="LMSTUDIO_BASE_URL",
            param_renames=_MAX_TOKENS,
        ),
        ProviderSpec(
            "ollama",
            "http://localhost:11434/v1",
            None,
            base_url_env="OLLAMA_BASE_URL",
            param_renames=_MAX_TOKENS,
        ),
        ProviderSpec("vllm", "http://localhost:8000/v1", None, base_url_env="VLLM_BASE_URL"),
    )
}


def get_provider(name: str, registry: Mapping[str, ProviderSpec] | None = None) -> ProviderSpec:
    """Return the provider called ``name``, or raise an error that lists close matches.

    ``registry`` defaults to the built-in :data:`PROVIDERS`; a client passes its own, which
    adds the providers registered on it.
    """
    if registry is None:
        registry = PROVIDERS
    spec = registry.get(name)
    if spec is not None:
        return spec
    import difflib  # only on this error path

    close = difflib.get_close_matches(name, list(registry), n=3)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    known = ", ".join(sorted(registry))
    raise UnknownProviderError(f"Unknown provider {name!r}.{hint} Known providers: {known}.")


def providers() -> list[ProviderSpec]:
    """The built-in providers, in registry order: each with its base URL, key variable and
    dialect. Providers registered on a client are not included."""
    return list(PROVIDERS.values())


# RFC 9110 token characters; a pattern that `re` compiles when first used (as _config's).
_HEADER_NAME = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"


def check_provider(spec: ProviderSpec) -> ProviderSpec:
    """Return ``spec`` if a client can use it, else raise ``InvalidRequestError`` saying why."""
    if not isinstance(spec, ProviderSpec):
        raise InvalidRequestError(f"A provider must be a ProviderSpec, got {type(spec).__name__}.")
    if not spec.name or "/" in spec.name or spec.name != spec.name.strip():
        raise InvalidRequestError(
            f"Provider name {spec.name!r} must be non-empty, without '/' or surrounding spaces."
        )
    if spec.dialect not in DIALECT_MODULES:
        known = ", ".join(sorted(DIALECT_MODULES))
        raise InvalidRequestError(
            f"Provider {spec.name!r} names no known dialect {spec.dialect!r} (known: {known})."
        )
    if not spec.base_url and not spec.base_url_env:
        raise InvalidRequestError(f"Provider {spec.name!r} needs a base_url or a base_url_env.")
    if not re.fullmatch(_HEADER_NAME, spec.auth_header):
        raise InvalidRequestError(
            f"Provider {spec.name!r} has an invalid auth header name {spec.auth_header!r}."
        )
    return spec


def markdown_table(specs: Iterable[ProviderSpec] | None = None) -> str:
    """The README's provider table, rendered from the registry."""
    rows = [
        "| prefix | dialect | base URL | key variable | key sent as | base URL variable |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for spec in PROVIDERS.values() if specs is None else specs:
        base_url = f"`{spec.base_url}`" if spec.base_url else "(your endpoint)"
        keys = " or ".join(f"`{env}`" for env in spec.key_envs) or "none"
        header = f"`{spec.auth_header}: {spec.auth_prefix}…`" if spec.key_envs else "-"
        if not spec.key_required:
            keys = (keys if spec.key_envs else "`api_key=`") + ", else its own credentials"
            header = f"`{spec.auth_header}: {spec.auth_prefix}…`"
        base_env = f"`{spec.base_url_env}`" if spec.base_url_env else "-"
        rows.append(
            f"| `{spec.name}` | {spec.dialect} | {base_url} | {keys} | {header} | {base_env} |"
        )
    return "\n".join(rows) + "\n"
