"""Two-turn tool loops through the real HTTP path: what a provider needs back goes back.

An agent appends the assistant message it got, adds the tool results and calls again. Gemini 3
answers 400 unless each signed ``functionCall`` part comes back with its ``thoughtSignature``;
Claude with thinking needs its signed ``thinking`` (or ``redacted_thinking``) blocks back in
the same turn, before its ``tool_use`` blocks. Each test runs the first turn streamed or not,
appends the message as an object or as its ``to_dict()`` passed through JSON, and inspects the
second request the server received. The replies are built from the documented wire shapes
(Gemini's thought-signature guide, Anthropic's extended-thinking guide); the signatures are
opaque strings of the same form.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Facade

from llmclient import ChatCompletion, Message
from llmclient.testing import (
    LocalServer,
    Reply,
    anthropic_redacted_thinking,
    anthropic_thinking,
    anthropic_tool_use,
    gemini_chunk,
    gemini_function_call,
)

GEMINI_SIGNATURE = "AY89a19YsnFp7FOSIejJDV9XuMU996D+ZaDJiD6L9EEi+Lh+VGTEGqM3Lip3DPI7QzY="
TEXT_SIGNATURE = "EtoFCtcFAb4+9vtfe4MXRxQjw48U1WKrR/7lYsgFkVi/bepqsSPjY0VU7HEzkeCBIfy1fu5t9aUZ"
CLAUDE_SIGNATURE = "Eq4CCpIBCBIYAipAM+SGYGx7V1aPBT2LXi5M54elabwLjKMzxMZ7dQBpCn7jCn2ZkTBMgSLasCPW"
REDACTED = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmK"
TOOL_ID = "toolu_01NRLabsLyVHZPKxbKvkfSMn"

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
QUESTION = {"role": "user", "content": "Weather in Paris and Tokyo?"}


def first_turn(facade: Facade, server: LocalServer, model: str, *, stream: bool) -> Message:
    client = facade.client(base_url=server.base_url, api_key="test-key")
    kwargs: dict[str, Any] = {"tools": [WEATHER_TOOL]}
    answer: ChatCompletion
    if stream:
        answer = client.chat_stream(model, [QUESTION], **kwargs).final_completion()
    else:
        answer = client.chat(model, [QUESTION], **kwargs)
    return answer.choices[0].message


def second_turn(
    facade: Facade, server: LocalServer, model: str, message: Message, *, as_json: bool
) -> dict[str, Any]:
    """Send the conversation back with tool results; return the request the server got."""
    appended: Any = json.loads(json.dumps(message.to_dict())) if as_json else message
    results = [
        {"role": "tool", "tool_call_id": call.id, "content": '{"temp": 21}'}
        for call in message.tool_calls or ()
    ]
    client = facade.client(base_url=server.base_url, api_key="test-key")
    client.chat(model, [QUESTION, appended, *results], tools=[WEATHER_TOOL])
    body: dict[str, Any] = server.requests[-1].json()
    return body


FORMS = pytest.mark.parametrize(
    ("stream", "as_json"),
    [(False, False), (False, True), (True, False), (True, True)],
    ids=["chat-object", "chat-json", "stream-object", "stream-json"],
)


# --- Gemini 3: parallel calls, only the first signed ------------------------------------------

GEMINI_PARTS = [
    gemini_function_call("get_weather", {"city": "Paris"}, signature=GEMINI_SIGNATURE),
    gemini_function_call("get_weather", {"city": "Tokyo"}),
]


def gemini_reply(*, stream: bool) -> Reply:
    if not stream:
        return Reply.gemini_response("", parts=GEMINI_PARTS, model="gemini-3-pro-preview")
    # As Gemini streams a parallel step: one call per event, then an empty finishing part.
    events = [gemini_chunk(parts=[part], model="gemini-3-pro-preview") for part in GEMINI_PARTS]
    events.append(gemini_chunk("", finish_reason="STOP", model="gemini-3-pro-preview"))
    return Reply.gemini_stream(events=events)


@FORMS
def test_gemini_3_gets_each_signature_back_on_its_call(
    facade: Facade, server: LocalServer, stream: bool, as_json: bool
) -> None:
    model = "gemini/gemini-3-pro-preview"
    server.enqueue(gemini_reply(stream=stream), Reply.gemini_response("21 degrees in both."))
    message = first_turn(facade, server, model, stream=stream)
    calls = message.tool_calls or []
    assert [call.function.arguments for call in calls] == ['{"city": "Paris"}', '{"city": "Tokyo"}']

    sent = second_turn(facade, server, model, message, as_json=as_json)
    model_turn = sent["contents"][1]
    assert model_turn["role"] == "model"
    assert model_turn["parts"] == GEMINI_PARTS  # the first signed, the second not, as received
    results = sent["contents"][2]["parts"]
    assert [part["functionResponse"]["name"] for part in results] == ["get_weather"] * 2


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_gemini_3_text_signature_goes_back_on_the_text(
    facade: Facade, server: LocalServer, stream: bool
) -> None:
    model = "gemini/gemini-3-pro-preview"
    part = {"text": "Three r's.", "thoughtSignature": TEXT_SIGNATURE}
    first = (
        Reply.gemini_stream(events=[gemini_chunk(parts=[part], finish_reason="STOP")])
        if stream
        else Reply.gemini_response("", parts=[part])
    )
    server.enqueue(first, Reply.gemini_response("Yes."))
    client = facade.client(base_url=server.base_url, api_key="test-key")
    question = {"role": "user", "content": "How many r's in strawberry?"}
    if stream:
        message = client.chat_stream(model, [question]).final_completion().choices[0].message
    else:
        message = client.chat(model, [question]).choices[0].message
    client.chat(model, [question, message, {"role": "user", "content": "Sure?"}])
    assert server.requests[-1].json()["contents"][1]["parts"] == [part]


# --- Claude: signed thinking, redacted thinking, then the tool call ---------------------------

THINKING = anthropic_thinking("The user wants the weather in Paris.", CLAUDE_SIGNATURE)
TOOL_USE = anthropic_tool_use("get_weather", {"city": "Paris"}, id=TOOL_ID)


@pytest.mark.parametrize(
    "blocks",
    [
        [THINKING, {"type": "text", "text": "Let me check."}, TOOL_USE],
        [THINKING, anthropic_redacted_thinking(REDACTED), TOOL_USE],
    ],
    ids=["thinking-text-tool", "thinking-redacted-tool"],
)
@FORMS
def test_claude_gets_its_thinking_back_before_its_tool_use(
    facade: Facade, server: LocalServer, blocks: list[dict[str, Any]], stream: bool, as_json: bool
) -> None:
    model = "anthropic/claude-sonnet-4-5"
    first = (
        Reply.anthropic_stream(content=blocks)
        if stream
        else Reply.anthropic_message(content=blocks)
    )
    server.enqueue(first, Reply.anthropic_message("It is 21 degrees."))
    message = first_turn(facade, server, model, stream=stream)
    assert message.reasoning_content == THINKING["thinking"]
    assert message.tool_calls is not None
    assert message.tool_calls[0].id == TOOL_ID

    sent = second_turn(facade, server, model, message, as_json=as_json)
    assistant = sent["messages"][1]
    assert assistant["role"] == "assistant"
    assert assistant["content"] == blocks  # every block, whole and in its order
    assert sent["messages"][2]["content"][0]["tool_use_id"] == TOOL_ID


def test_an_edited_answer_keeps_the_thinking_first(facade: Facade, server: LocalServer) -> None:
    model = "anthropic/claude-sonnet-4-5"
    blocks = [THINKING, {"type": "text", "text": "Let me check."}, TOOL_USE]
    server.enqueue(Reply.anthropic_message(content=blocks), Reply.anthropic_message("21."))
    message = first_turn(facade, server, model, stream=False)
    message.content = "Checking the weather."
    sent = second_turn(facade, server, model, message, as_json=False)
    assert sent["messages"][1]["content"] == [
        THINKING,
        {"type": "text", "text": "Checking the weather."},
        TOOL_USE,
    ]


# --- state belongs to the dialect that made it -------------------------------------------------


@pytest.mark.parametrize("as_json", [False, True], ids=["object", "json"])
def test_state_goes_to_no_other_provider(
    facade: Facade, server: LocalServer, as_json: bool
) -> None:
    claude = "anthropic/claude-sonnet-4-5"
    server.enqueue(
        Reply.anthropic_message(content=[THINKING, TOOL_USE]),
        Reply.openai_completion("21 degrees."),
        Reply.gemini_response("21 degrees."),
    )
    message = first_turn(facade, server, claude, stream=False)
    assert message.provider_state is not None

    sent_openai = second_turn(facade, server, "openai/gpt-4o", message, as_json=as_json)
    assistant = sent_openai["messages"][1]
    assert set(assistant) == {"role", "tool_calls"}
    assert set(assistant["tool_calls"][0]) == {"id", "type", "function"}

    sent_gemini = second_turn(facade, server, "gemini/gemini-2.5-pro", message, as_json=as_json)
    assert sent_gemini["contents"][1]["parts"] == [
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}
    ]


# --- Mistral's content blocks --------------------------------------------------------------------

MISTRAL_BLOCKS: list[dict[str, Any]] = [
    {"type": "thinking", "thinking": [{"type": "text", "text": "2+2 is basic arithmetic."}]},
    {"type": "text", "text": "2 + 2 = 4"},
]


def test_mistral_block_content_joins_into_text_and_reasoning(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.openai_completion(MISTRAL_BLOCKS))
    client = facade.client(base_url=server.base_url, api_key="test-key")
    message = client.chat("mistral/magistral-medium-2507", [QUESTION]).choices[0].message
    assert (message.content, message.reasoning_content) == ("2 + 2 = 4", "2+2 is basic arithmetic.")


def test_mistral_block_deltas_stream_as_text_and_reasoning(
    facade: Facade, server: LocalServer
) -> None:
    from llmclient.testing import openai_chunk

    events = [
        openai_chunk(role="assistant", content=[MISTRAL_BLOCKS[0]]),
        openai_chunk(content=[MISTRAL_BLOCKS[1]]),
        openai_chunk(content="", finish_reason="stop"),
    ]
    server.enqueue(Reply.sse(events))
    client = facade.client(base_url=server.base_url, api_key="test-key")
    stream = client.chat_stream("mistral/magistral-medium-2507", [QUESTION])
    chunks = list(stream)
    assert [chunk.choices[0].delta.content for chunk in chunks] == [None, "2 + 2 = 4", ""]
    message = stream.final_completion().choices[0].message
    assert (message.content, message.reasoning_content) == ("2 + 2 = 4", "2+2 is basic arithmetic.")


# --- state given by hand -----------------------------------------------------------------


def sent_gemini_parts(message: dict[str, Any]) -> Any:
    from llmclient._config import ClientConfig
    from llmclient._core.request import prepare_call

    config = ClientConfig(api_key="k")
    call = prepare_call(
        config, "chat", "gemini/gemini-3-pro-preview", [QUESTION, message], {}, stream=False
    )
    return json.loads(call.http_request().body)["contents"][1]["parts"]


def test_a_provider_state_object_in_a_dict_message_goes_back_too() -> None:
    from llmclient.types import ProviderState

    message = {
        "role": "assistant",
        "content": "Done.",
        "provider_state": ProviderState("gemini", {"thoughtSignature": TEXT_SIGNATURE}),
    }
    assert sent_gemini_parts(message) == [{"text": "Done.", "thoughtSignature": TEXT_SIGNATURE}]


def test_a_provider_state_of_the_wrong_shape_is_refused_naming_it() -> None:
    from llmclient.errors import InvalidRequestError

    message = {"role": "assistant", "content": "Done.", "provider_state": "signed"}
    with pytest.raises(InvalidRequestError, match=r"messages\[1\]\['provider_state'\] must be"):
        sent_gemini_parts(message)
