"""Stream a story: from the real provider when its key is set, else from the bundled local server.

Run it with `make demo` (or `python examples/demo.py`). LLMCLIENT_MODEL picks the model
(default openai/gpt-4o-mini; anthropic/... works too).
"""

from __future__ import annotations

from _offline import MODEL, provider_or_local_server

from llmclient import LlmClient


def main() -> None:
    messages = [{"role": "user", "content": "Tell me a short story about a lighthouse."}]
    with (
        provider_or_local_server(stream_delay=0.03) as client_kwargs,
        LlmClient(**client_kwargs) as client,
    ):
        for chunk in client.chat_stream(MODEL, messages, max_tokens=300):
            if chunk.choices and chunk.choices[0].delta.content:
                print(chunk.choices[0].delta.content, end="", flush=True)
        print()


if __name__ == "__main__":
    main()
