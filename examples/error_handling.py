"""Handle the errors of a streamed answer at the two points where they arrive.

1. ``chat_stream(...)`` returns once the first chunk has arrived, so everything that goes
   wrong before it (no key, a refused key, a rate limit or server error that outlasted the
   client's retries, no connection) is raised by the call itself: nothing was received.
2. Everything that goes wrong after it (the connection drops, the provider sends an error
   event, the stream stops before its end marker, garbled data) is raised while iterating,
   once the earlier chunks were delivered: keep the partial text.

Run it with ``python examples/error_handling.py``. LLMCLIENT_MODEL picks the model (default
openai/gpt-4o-mini; anthropic/claude-3-5-sonnet-20241022 works the same). With the key of its
provider set (OPENAI_API_KEY, ANTHROPIC_API_KEY) it asks that provider and, most likely, no
error happens. Without it, the bundled local server is scripted to fail, in that provider's
wire format: the first question gets a 401, the second a stream cut short and the third an
"overloaded" error event mid-stream.
"""

from __future__ import annotations

from _offline import MODEL, provider_or_local_server, scripted_failures

from llmclient import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    DecodeError,
    IncompleteStreamError,
    LlmClient,
    MissingAPIKeyError,
    RateLimitError,
)

QUESTIONS = [
    "Tell me a short story about a lighthouse keeper.",
    "What does a lighthouse keeper do at night?",
    "Why do lighthouses flash in patterns?",
]


def stream_answer(client: LlmClient, question: str) -> str:
    """Print the answer to ``question`` as it arrives; return the text received, even if cut."""
    messages = [{"role": "user", "content": question}]

    # 1. Errors before the first chunk: raised by the call, nothing was received.
    try:
        stream = client.chat_stream(MODEL, messages, max_tokens=200)
    except MissingAPIKeyError as exc:  # raised before anything is sent
        print(f"MissingAPIKeyError: {exc}")
        return ""
    except AuthenticationError as exc:  # 401: the key is wrong or revoked
        print(f"AuthenticationError, check your API key: {exc}")
        return ""
    except RateLimitError as exc:  # 429, still refused after the client's retries
        print(f"RateLimitError after {exc.attempts} attempts, try again later: {exc}")
        return ""
    except APIStatusError as exc:  # any other error answer: bad request, unknown model, 5xx...
        print(f"{type(exc).__name__} (HTTP {exc.status_code}): {exc}")
        return ""
    except APIConnectionError as exc:  # unreachable or timed out, even after retries
        print(f"{type(exc).__name__}, is the network up? {exc}")
        return ""

    # 2. Errors after the first chunk: raised while iterating, keep what already arrived.
    parts: list[str] = []
    with stream:
        try:
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
                    print(parts[-1], end="", flush=True)
        except APIConnectionError as exc:  # the connection dropped mid-answer
            print(f"\n{type(exc).__name__}, the connection dropped: {exc}")
        except APIStatusError as exc:  # an error event inside the stream
            print(f"\n{type(exc).__name__}, the provider stopped mid-answer: {exc}")
        except (IncompleteStreamError, DecodeError) as exc:  # cut short, or garbled
            print(f"\n{type(exc).__name__}, the stream broke off: {exc}")
        else:
            print()
    return "".join(parts)


def main() -> None:
    # Offline, the local server answers the three questions with the failures described above.
    with (
        provider_or_local_server(*scripted_failures(MODEL)) as client_kwargs,
        LlmClient(**client_kwargs) as client,
    ):
        for question in QUESTIONS:
            print(f"> {question}")
            answer = stream_answer(client, question)
            print(f"[kept {len(answer)} characters]\n")


if __name__ == "__main__":
    main()
