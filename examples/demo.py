"""Stream a story: from OpenAI when OPENAI_API_KEY is set, else from the bundled local server.

Run it with `make demo` (or `python examples/demo.py`).
"""

from __future__ import annotations

import os

from llmclient import LlmClient
from llmclient.testing import LocalServer


def stream_story(client: LlmClient, model: str) -> None:
    messages = [{"role": "user", "content": "Tell me a short story about a lighthouse."}]
    for chunk in client.chat_stream(model, messages, max_tokens=300):
        if chunk.choices and chunk.choices[0].delta.content:
            print(chunk.choices[0].delta.content, end="", flush=True)
    print()


def main() -> None:
    model = os.environ.get("LLMCLIENT_MODEL", "openai/gpt-4o-mini")
    if os.environ.get("OPENAI_API_KEY"):
        with LlmClient() as client:
            stream_story(client, model)
        return
    print("(OPENAI_API_KEY is not set: streaming from llmclient.testing's local server)\n")
    with LocalServer(stream_delay=0.03) as server, LlmClient(base_url=server.base_url) as client:
        stream_story(client, model)


if __name__ == "__main__":
    main()
