"""Steer a streamed answer with asyncio: a system message and the common sampling parameters.

The async twin of ``streaming_with_parameters.py``. Every parameter is a keyword argument of
``chat_stream`` (and of ``chat``), named as in OpenAI's API. Run it with
``python examples/streaming_with_parameters_async.py``; with OPENAI_API_KEY set it asks OpenAI
(LLMCLIENT_MODEL picks the model, default openai/gpt-4o-mini), without it the bundled local
server answers, so it runs offline too (the local server accepts the parameters but always
tells the same story).
"""

from __future__ import annotations

import asyncio

from _offline import MODEL, openai_or_local_server

from llmclient import AsyncLlmClient


async def main() -> None:
    messages = [
        {"role": "system", "content": "You are a storyteller. Answer in one short paragraph."},
        {"role": "user", "content": "Tell me a story about a lighthouse keeper."},
    ]
    finish_reason = None
    usage = None
    with openai_or_local_server() as client_kwargs:
        async with AsyncLlmClient(**client_kwargs) as client:
            stream = await client.chat_stream(
                MODEL,
                messages,
                temperature=0.7,  # 0 keeps to the likeliest words, higher varies more
                max_tokens=150,  # stop after this many tokens: finish_reason "length"
                stop=["THE END"],  # or when the model writes this (it is not sent back)
                seed=42,  # the same seed and parameters give mostly the same answer
                stream_options={"include_usage": True},  # a last chunk with the token counts
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
