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
        ProviderSpec(
            "huggingface",
            "https://router.huggingface.co/v1",
            "HF_TOKEN",
            base_url_env="HUGGINGFACE_BASE_URL",
            docs="https://huggingface.co/docs/inference-providers/index",
        ),
        ProviderSpec(
            "dashscope",
            "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
            "DASHSCOPE_API_KEY",
            base_url_env="DASHSCOPE_BASE_URL",
            docs="https://www.alibabacloud.com/help/en/model-studio/developer-reference/compatibility-of-openai-with-dashscope",
        ),
        ProviderSpec(
            "dashscope_cn",
            "https://dashscope.aliyuncs.com/compatible-mode/v1",
            "DASHSCOPE_API_KEY",
            base_url_env="DASHSCOPE_CN_BASE_URL",
            docs="https://help.aliyun.com/zh/model-studio/compatibility-of-openai-with-dashscope",
        ),
        ProviderSpec(
            "zai",
            "https://api.z.ai/api/paas/v4",
            "ZAI_API_KEY",
            base_url_env="ZAI_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://docs.z.ai/guides/develop/openai/python",
        ),
        ProviderSpec(
            "zhipu",
            "https://open.bigmodel.cn/api/paas/v4",
            "ZHIPUAI_API_KEY",
            base_url_env="ZHIPU_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://docs.bigmodel.cn/cn/guide/develop/openai/introduction",
        ),
        ProviderSpec(
            "minimax",
            "https://api.minimax.io/v1",
            "MINIMAX_API_KEY",
            base_url_env="MINIMAX_BASE_URL",
            docs="https://platform.minimax.io/docs/api-reference/text-openai-api",
        ),
        ProviderSpec(
            "cohere",
            "https://api.cohere.ai/compatibility/v1",
            "CO_API_KEY",
            alt_api_key_envs=("COHERE_API_KEY",),
            base_url_env="COHERE_BASE_URL",
            dropped_params={"stream_options"},
            rejected_params={"n", "logit_bias", "top_logprobs"},
            docs="https://docs.cohere.com/docs/compatibility-api",
        ),
        ProviderSpec(
            "azure_foundry",
            "",
            "AZURE_OPENAI_API_KEY",
            auth_header="api-key",
            auth_prefix="",
            base_url_env="AZURE_FOUNDRY_BASE_URL",
            docs="https://learn.microsoft.com/en-us/azure/ai-foundry/openai/api-version-lifecycle",
        ),
        ProviderSpec(
            "github",
            "https://models.github.ai/inference",
            "GITHUB_TOKEN",
            base_url_env="GITHUB_BASE_URL",
            docs="https://docs.github.com/en/rest/models/inference",
        ),
        ProviderSpec(
            "nebius",
            "https://api.studio.nebius.com/v1",
            "NEBIUS_API_KEY",
            base_url_env="NEBIUS_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://docs.nebius.com/studio/inference/quickstart",
        ),
        ProviderSpec(
            "sambanova",
            "https://api.sambanova.ai/v1",
            "SAMBANOVA_API_KEY",
            base_url_env="SAMBANOVA_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://docs.sambanova.ai/cloud/docs/capabilities/openai-compatibility",
        ),
        ProviderSpec(
            "novita",
            "https://api.novita.ai/openai",
            "NOVITA_API_KEY",
            base_url_env="NOVITA_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://novita.ai/docs/guides/llm-api",
        ),
        ProviderSpec(
            "hyperbolic",
            "https://api.hyperbolic.xyz/v1",
            "HYPERBOLIC_API_KEY",
            base_url_env="HYPERBOLIC_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://docs.hyperbolic.xyz/docs/rest-api",
        ),
        ProviderSpec(
            "baseten",
            "https://inference.baseten.co/v1",
            "BASETEN_API_KEY",
            base_url_env="BASETEN_BASE_URL",
            docs="https://docs.baseten.co/development/model-apis/overview",
        ),
        ProviderSpec(
            "lambda",
            "https://api.lambda.ai/v1",
            "LAMBDA_API_KEY",
            base_url_env="LAMBDA_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://docs.lambda.ai/public-cloud/lambda-inference-api/",
        ),
        ProviderSpec(
            "featherless",
            "https://api.featherless.ai/v1",
            "FEATHERLESS_API_KEY",
            base_url_env="FEATHERLESS_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://featherless.ai/docs/overview",
        ),
        ProviderSpec(
            "scaleway",
            "https://api.scaleway.ai/v1",
            "SCW_SECRET_KEY",
            base_url_env="SCALEWAY_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://www.scaleway.com/en/docs/generative-apis/quickstart/",
        ),
        ProviderSpec(
            "ovhcloud",
            "https://oai.endpoints.kepler.ai.cloud.ovh.net/v1",
            "OVH_AI_ENDPOINTS_ACCESS_TOKEN",
            base_url_env="OVHCLOUD_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://help.ovhcloud.com/csm/en-public-cloud-ai-endpoints-getting-started",
        ),
        ProviderSpec(
            "upstage",
            "https://api.upstage.ai/v1",
            "UPSTAGE_API_KEY",
            base_url_env="UPSTAGE_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://console.upstage.ai/docs/getting-started",
        ),
        ProviderSpec(
            "ai21",
            "https://api.ai21.com/studio/v1",
            "AI21_API_KEY",
            base_url_env="AI21_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://docs.ai21.com/reference/jamba-1-6-api-ref",
        ),
        ProviderSpec(
            "friendli",
            "https://api.friendli.ai/serverless/v1",
            "FRIENDLI_TOKEN",
            base_url_env="FRIENDLI_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://friendli.ai/docs/guides/serverless_endpoints/openai-compatibility",
        ),
        ProviderSpec(
            "venice",
            "https://api.venice.ai/api/v1",
            "VENICE_API_KEY",
            base_url_env="VENICE_BASE_URL",
            docs="https://docs.venice.ai/api-reference/api-spec",
        ),
        ProviderSpec(
            "nscale",
            "https://inference.api.nscale.com/v1",
            "NSCALE_API_KEY",
            base_url_env="NSCALE_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://docs.nscale.com/docs/inference/serverless-models/current",
        ),
        ProviderSpec(
            "inception",
            "https://api.inceptionlabs.ai/v1",
            "INCEPTION_API_KEY",
            base_url_env="INCEPTION_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://docs.inceptionlabs.ai/get-started/get-started",
        ),
        ProviderSpec(
            "moonshot_cn",
            "https://api.moonshot.cn/v1",
            "MOONSHOT_API_KEY",
            base_url_env="MOONSHOT_CN_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://platform.moonshot.cn/docs/api/chat",
        ),
        ProviderSpec(
            "volcengine",
            "https://ark.cn-beijing.volces.com/api/v3",
            "ARK_API_KEY",
            base_url_env="VOLCENGINE_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://www.volcengine.com/docs/82379/1263482",
        ),
        ProviderSpec(
            "siliconflow",
            "https://api.siliconflow.cn/v1",
            "SILICONFLOW_API_KEY",
            base_url_env="SILICONFLOW_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://docs.siliconflow.cn/cn/api-reference/chat-completions/chat-completions",
        ),
        ProviderSpec(
            "chutes",
            "https://llm.chutes.ai/v1",
            "CHUTES_API_KEY",
            base_url_env="CHUTES_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://chutes.ai/docs",
        ),
        ProviderSpec(
            "parasail",
            "https://api.parasail.io/v1",
            "PARASAIL_API_KEY",
            base_url_env="PARASAIL_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://docs.parasail.io/parasail-docs/serverless/serverless-quick-start",
        ),
        ProviderSpec(
            "vercel",
            "https://ai-gateway.vercel.sh/v1",
            "AI_GATEWAY_API_KEY",
            base_url_env="VERCEL_BASE_URL",
            docs="https://vercel.com/docs/ai-gateway/openai-compat",
        ),
        ProviderSpec(
            "kluster",
            "https://api.kluster.ai/v1",
            "KLUSTER_API_KEY",
            base_url_env="KLUSTER_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://docs.kluster.ai/get-started/openai-compatibility/",
        ),
        ProviderSpec(
            "ionos",
            "https://openai.inference.de-txl.ionos.com/v1",
            "IONOS_API_TOKEN",
            base_url_env="IONOS_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://docs.ionos.com/cloud/ai/ai-model-hub/how-tos/text-generation",
        ),
        ProviderSpec(
            "stepfun",
            "https://api.stepfun.com/v1",
            "STEPFUN_API_KEY",
            base_url_env="STEPFUN_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://platform.stepfun.com/docs/api-reference/chat/chat-completion-create",
        ),
        ProviderSpec(
            "hunyuan",
            "https://api.hunyuan.cloud.tencent.com/v1",
            "HUNYUAN_API_KEY",
            base_url_env="HUNYUAN_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://cloud.tencent.com/document/product/1729/111007",
        ),
        ProviderSpec(
            "qianfan",
            "https://qianfan.baidubce.com/v2",
            "QIANFAN_API_KEY",
            base_url_env="QIANFAN_BASE_URL",
            param_renames=_MAX_TOKENS,
            docs="https://cloud.baidu.com/doc/qianfan-api/s/3m7of64lb",
        ),
        ProviderSpec(
            "requesty",
            "https://router.requesty.ai/v1",
            "REQUESTY_API_KEY",
            base_url_env="REQUESTY_BASE_URL",
            docs="https://docs.requesty.ai/quickstart",
        ),
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
        ProviderSpec(
            "localai",
            "http://localhost:8080/v1",
            None,
            base_url_env="LOCALAI_BASE_URL",
            docs="https://localai.io/features/text-generation/",
        ),
        ProviderSpec(
            "jan",
            "http://localhost:1337/v1",
            None,
            base_url_env="JAN_BASE_URL",
            docs="https://www.jan.ai/docs/desktop/api-server",
        ),
        ProviderSpec(
            "koboldcpp",
            "http://localhost:5001/v1",
            None,
            base_url_env="KOBOLDCPP_BASE_URL",
            docs="https://github.com/LostRuins/koboldcpp/wiki",
        ),
        ProviderSpec(
            "tgi",
            "http://localhost:8080/v1",
            None,
            base_url_env="TGI_BASE_URL",
            docs="https://huggingface.co/docs/text-generation-inference/messages_api",
        ),
        ProviderSpec(
            "sglang",
            "http://localhost:30000/v1",
            None,
            base_url_env="SGLANG_BASE_URL",
            docs="https://docs.sglang.ai/basic_usage/openai_api_completions.html",
        ),
        ProviderSpec(
            "llamafile",
            "http://localhost:8080/v1",
            None,
            base_url_env="LLAMAFILE_BASE_URL",
            docs="https://github.com/Mozilla-Ocho/llamafile",
        ),
        ProviderSpec(
            "docker",
            "http://localhost:12434/engines/v1",
            None,
            base_url_env="DOCKER_BASE_URL",
            docs="https://docs.docker.com/ai/model-runner/api-reference/",
        ),
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
