"""Steer a streamed answer with asyncio: a system message and the common sampling parameters.

The async twin of ``streaming_with_parameters.py``. Every parameter is a keyword argument of
``chat_stream`` (and of ``chat``), named as in OpenAI's API and translated for other providers
(``stop`` becomes Anthropic's ``stop_sequences``; Anthropic's temperature goes from 0 to 1,
OpenAI's to 2). Run it with ``python examples/streaming_with_parameters_async.py``.
LLMCLIENT_MODEL picks the model (default openai/gpt-4o-mini;
anthropic/claude-3-5-sonnet-20241022 works too). With the key of its provider set
(OPENAI_API_KEY, ANTHROPIC_API_KEY) it asks that provider; without it the bundled local server
answers, so it runs offline too (the local server accepts the parameters but always tells the
same story).
"""

from __future__ import annotations

import asyncio

from _offline import MODEL, provider_or_local_server

from llmclient import AsyncLlmClient


async def main() -> None:
    messages = [
        {"role": "system", "content": "You are a storyteller. Answer in one short paragraph."},
        {"role": "user", "content": "Tell me a story about a lighthouse keeper."},
    ]
    finish_reason = None
    usage = None
    with provider_or_local_server() as client_kwargs:
        async with AsyncLlmClient(**client_kwargs) as client:
            stream = await client.chat_stream(
                MODEL,
                messages,
                temperature=0.7,  # 0 keeps to the likeliest words, higher varies more
                max_tokens=150,  # stop after this many tokens: finish_reason "length"
                stop=["THE END"],  # or when the model writes this (it is not sent back)
                stream_options={"include_usage": True},  # a last chunk with the token counts
                # The same seed gives mostly the same answer. Anthropic has no seed, and llmclient
                # raises rather than silently dropping it; a parameter set to None is not sent.
                seed=42 if MODEL.startswith("openai/") else None,
            )
            async for chunk in stream:
                for choice in chunk.choices:
                    if choice.delta.content:
                        print(choice.delta.content, end="", flush=True)
                    if choice.finish_reason is not None:
                        finish_reason = choice.finish_reason
                if chunk.usage is not None:
                    usage = chunk.usage

    print(f"\n\nfinish_reason: {finish_reason}")
    if usage is not None:
        print(f"tokens: {usage.prompt_tokens} prompt, {usage.completion_tokens} completion")


if __name__ == "__main__":
    asyncio.run(main())
