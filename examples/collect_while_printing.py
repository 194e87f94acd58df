"""Print an answer as it streams, and keep the whole text and the token usage for later.

``stream_options={"include_usage": True}`` asks for one more chunk at the end of the stream:
it has no choices, only ``usage`` (Anthropic's streams always end with one). Run it with
``python examples/collect_while_printing.py``. LLMCLIENT_MODEL picks the model (default
openai/gpt-4o-mini; anthropic/claude-3-5-sonnet-20241022 works the same). With the key of its
provider set (OPENAI_API_KEY, ANTHROPIC_API_KEY) it asks that provider; without it the bundled
local server answers, so it runs offline too.
"""

from __future__ import annotations

from _offline import MODEL, provider_or_local_server

from llmclient import LlmClient, Usage


def main() -> None:
    messages = [{"role": "user", "content": "Tell me a short story about a lighthouse keeper."}]
    parts: list[str] = []
    usage: Usage | None = None
    with provider_or_local_server() as client_kwargs, LlmClient(**client_kwargs) as client:
        stream = client.chat_stream(
            MODEL, messages, max_tokens=300, stream_options={"include_usage": True}
        )
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                text = chunk.choices[0].delta.content
                print(text, end="", flush=True)
                parts.append(text)
            if chunk.usage is not None:  # only the last chunk carries it
                usage = chunk.usage

    answer = "".join(parts)
    print(f"\n\nReceived {len(answer)} characters, {len(answer.split())} words.")
    if usage is not None:
        print(
            f"Usage: {usage.prompt_tokens} prompt + {usage.completion_tokens} completion"
            f" = {usage.total_tokens} tokens"
        )


if __name__ == "__main__":
    main()
