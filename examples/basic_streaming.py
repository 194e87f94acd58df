"""Stream an answer and print each piece of text the moment it arrives.

Run it with ``python examples/basic_streaming.py``. LLMCLIENT_MODEL picks the model (default
openai/gpt-4o-mini; anthropic/claude-3-5-sonnet-20241022 works the same). With the key of its
provider set (OPENAI_API_KEY, ANTHROPIC_API_KEY) it asks that provider; without it, the answer
comes from llmclient's bundled local server, so it runs offline too.
"""

from __future__ import annotations

from _offline import MODEL, provider_or_local_server

from llmclient import LlmClient


def main() -> None:
    messages = [{"role": "user", "content": "Tell me a short story about a lighthouse keeper."}]
    with provider_or_local_server() as client_kwargs, LlmClient(**client_kwargs) as client:
        for chunk in client.chat_stream(MODEL, messages, max_tokens=300):
            # Each chunk holds a small delta; some (the first, the last) carry no text.
            if chunk.choices and chunk.choices[0].delta.content:
                print(chunk.choices[0].delta.content, end="", flush=True)
        print()


if __name__ == "__main__":
    main()
