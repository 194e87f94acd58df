"""Stream an answer with asyncio and print each piece of text the moment it arrives.

The async twin of ``basic_streaming.py``. Run it with
``python examples/basic_streaming_async.py``. LLMCLIENT_MODEL picks the model (default
openai/gpt-4o-mini; anthropic/claude-3-5-sonnet-20241022 works the same). With the key of its
provider set (OPENAI_API_KEY, ANTHROPIC_API_KEY) it asks that provider; without it, the answer
comes from llmclient's bundled local server, so it runs offline too.
"""

from __future__ import annotations

import asyncio

from _offline import MODEL, provider_or_local_server

from llmclient import AsyncLlmClient


async def main() -> None:
    messages = [{"role": "user", "content": "Tell me a short story about a lighthouse keeper."}]
    with provider_or_local_server() as client_kwargs:
        async with AsyncLlmClient(**client_kwargs) as client:
            # `await` sends the request and waits for the first chunk; `async for` reads the rest.
            async for chunk in await client.chat_stream(MODEL, messages, max_tokens=300):
                if chunk.choices and chunk.choices[0].delta.content:
                    print(chunk.choices[0].delta.content, end="", flush=True)
            print()


if __name__ == "__main__":
    asyncio.run(main())
