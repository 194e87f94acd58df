"""Gemini as a native provider: requests translated (no I/O), then answers, streams and errors
through the real HTTP path on both facades, against ``llmclient.testing``'s Gemini routes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Facade, authorized, drain, text_of

from llmclient import (
    BadRequestError,
    ChatCompletionChunk,
    DecodeError,
    IncompleteStreamError,
    InternalServerError,
    InvalidRequestError,
    RateLimitError,
)
from llmclient._config import ClientConfig
from llmclient._core.call import ChatCall
from llmclient._core.request import prepare_call
from llmclient._providers import PROVIDERS
from llmclient._providers.gemini import DIALECT, GeminiStream, request_body
from llmclient.sse import SSEDecoder
from llmclient.testing import LocalServer, Reply, gemini_chunk

KEY = "AIza-test-gemini-key-0123456789"
MODEL = "gemini/gemini-2.5-flash"
USER = [{"role": "user", "content": "Hello"}]
STORY = "Once upon a time a Gemini stream ended with a finish reason."
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}


@pytest.fixture(autouse=True)
def _no_gemini_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GEMINI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def make_call(
    messages: list[dict[str, Any]] = USER, *, stream: bool = False, **params: Any
) -> ChatCall:
    return prepare_call(ClientConfig(api_key=KEY), "chat", MODEL, messages, params, stream=stream)


def body_of(messages: list[dict[str, Any]] = USER, **params: Any) -> dict[str, Any]:
    body = json.loads(make_call(messages, **params).http_request().body)
    assert isinstance(body, dict)
    return body


def client_for(facade: Facade, server: LocalServer, **kwargs: Any) -> Any:
    return facade.client(base_url=server.base_url, api_key=KEY, **kwargs)


# --- the request --------------------------------------------------------------------------


def test_urls_and_key_header() -> None:
    base = PROVIDERS["gemini"].base_url
    for stream, tail in ((False, ":generateContent"), (True, ":streamGenerateContent?alt=sse")):
        request = authorized(make_call(stream=stream))
        assert request.url == f"{base}/models/gemini-2.5-flash{tail}"
        assert request.headers["x-goog-api-key"] == KEY
        assert "authorization" not in request.headers
        assert KEY not in request.url


def test_model_names_with_their_own_collection_are_kept() -> None:
    base = PROVIDERS["gemini"].base_url
    config = ClientConfig(api_key=KEY)
    for model, path in (
        ("gemini/models/gemini-2.5-pro", "models/gemini-2.5-pro"),
        ("gemini/tunedModels/my-model-123", "tunedModels/my-model-123"),
    ):
        call = prepare_call(config, "chat", model, USER, {}, stream=False)
        assert call.http_request().url == f"{base}/{path}:generateContent"


def test_system_messages_become_system_instruction_and_assistant_becomes_model() -> None:
    body = body_of(
        [
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": [{"type": "text", "text": "Use metric units."}]},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello!"},
            {"role": "user", "content": "Weather?"},
        ]
    )
    assert body["systemInstruction"] == {
        "parts": [{"text": "Be brief."}, {"text": "Use metric units."}]
    }
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "Hi"}]},
        {"role": "model", "parts": [{"text": "Hello!"}]},
        {"role": "user", "parts": [{"text": "Weather?"}]},
    ]


def test_tool_calls_and_results_become_function_parts() -> None:
    messages = [
        {"role": "user", "content": "Weather in Paris and Tokyo?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                },
                {
                    "id": "call_2",
                    "type": "function",
                    "function": {"name": "get_time", "arguments": '{"city": "Tokyo"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temp_c": 21}'},
        {"role": "tool", "tool_call_id": "call_2", "content": "09:30"},
        {"role": "user", "content": "Thanks"},
    ]
    contents = body_of(messages)["contents"]
    assert contents[1] == {
        "role": "model",
        "parts": [
            {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
            {"functionCall": {"name": "get_time", "args": {"city": "Tokyo"}}},
        ],
    }
    assert contents[2] == {
        "role": "user",
        "parts": [
            {"functionResponse": {"name": "get_weather", "response": {"temp_c": 21}}},
            {"functionResponse": {"name": "get_time", "response": {"output": "09:30"}}},
        ],
    }
    assert contents[3] == {"role": "user", "parts": [{"text": "Thanks"}]}


def test_tool_result_for_an_unknown_call_is_refused() -> None:
    messages = [*USER, {"role": "tool", "tool_call_id": "call_9", "content": "x"}]
    with pytest.raises(InvalidRequestError, match="messages\\[1\\] answers tool call 'call_9'"):
        body_of(messages)


def test_images_become_inline_or_file_data() -> None:
    content = [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
    ]
    parts = body_of([{"role": "user", "content": content}])["contents"][0]["parts"]
    assert parts == [
        {"text": "What is this?"},
        {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
        {"fileData": {"fileUri": "https://example.com/cat.jpg"}},
    ]


def test_parameters_become_generation_config() -> None:
    body = body_of(
        temperature=0.3,
        top_p=0.9,
        max_completion_tokens=256,
        stop="END",
        n=2,
        seed=11,
        presence_penalty=0.1,
        frequency_penalty=0.2,
        reasoning_effort="low",
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "city", "schema": {"type": "object"}},
        },
    )
    assert body["generationConfig"] == {
        "temperature": 0.3,
        "topP": 0.9,
        "maxOutputTokens": 256,
        "stopSequences": ["END"],
        "candidateCount": 2,
        "seed": 11,
        "presencePenalty": 0.1,
        "frequencyPenalty": 0.2,
        "thinkingConfig": {"thinkingBudget": 1024, "includeThoughts": True},
        "responseMimeType": "application/json",
        "responseJsonSchema": {"type": "object"},
    }


def test_reasoning_effort_none_turns_thinking_off() -> None:
    config = body_of(reasoning_effort="none")["generationConfig"]
    assert config["thinkingConfig"] == {"thinkingBudget": 0, "includeThoughts": False}


def test_json_object_format_and_max_tokens() -> None:
    config = body_of(response_format={"type": "json_object"}, max_tokens=10)["generationConfig"]
    assert config == {"responseMimeType": "application/json", "maxOutputTokens": 10}


def test_tools_and_tool_choice_translate() -> None:
    body = body_of(tools=[WEATHER_TOOL], tool_choice="required")
    assert body["tools"] == [
        {
            "functionDeclarations": [
                {
                    "name": "get_weather",
                    "description": "The weather in a city.",
                    "parametersJsonSchema": WEATHER_TOOL["function"]["parameters"],
                }
            ]
        }
    ]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}


@pytest.mark.parametrize(
    ("tool_choice", "config"),
    [
        ("auto", {"mode": "AUTO"}),
        ("none", {"mode": "NONE"}),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            {"mode": "ANY", "allowedFunctionNames": ["get_weather"]},
        ),
    ],
)
def test_tool_choice_modes(tool_choice: Any, config: dict[str, Any]) -> None:
    body = body_of(tools=[WEATHER_TOOL], tool_choice=tool_choice)
    assert body["toolConfig"] == {"functionCallingConfig": config}


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"logit_bias": {"50256": -100}}, "'logit_bias'"),
        ({"user": "u-1"}, "'user'"),
        ({"parallel_tool_calls": False}, "parallel_tool_calls=False"),
        ({"reasoning_effort": "extreme"}, "reasoning_effort must be one of"),
        ({"max_tokens": 1, "max_completion_tokens": 2}, "not both"),
        ({"tools": [{"type": "web_search"}]}, "tools[0] is not a function tool"),
        ({"response_format": {"type": "yaml"}}, "response_format must have type"),
        ({"stream_options": {"include_obfuscation": True}}, "stream_options"),
    ],
)
def test_what_gemini_cannot_take_is_refused_by_name(params: dict[str, Any], named: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        body_of(**params)
    assert named in str(info.value)


def test_audio_files_and_legacy_function_results_translate() -> None:
    content = [
        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "mp3"}},
        {
            "type": "file",
            "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "a"},
        },
    ]
    messages = [
        {"role": "user", "content": content},
        {"role": "function", "name": "lookup", "content": [{"type": "text", "text": "[1, 2]"}]},
    ]
    contents = body_of(messages)["contents"]
    assert contents[0]["parts"] == [
        {"inlineData": {"mimeType": "audio/mp3", "data": "UklGRg=="}},
        {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
    ]
    assert contents[1]["parts"] == [
        {"functionResponse": {"name": "lookup", "response": {"output": "[1, 2]"}}}
    ]


def call_turn(arguments: Any, name: Any = "f") -> list[dict[str, Any]]:
    function = {"name": name, "arguments": arguments}
    return [*USER, {"role": "assistant", "tool_calls": [{"id": "c", "function": function}]}]


@pytest.mark.parametrize(
    ("messages", "named"),
    [
        (
            [{"role": "user", "content": [{"type": "video_url", "video_url": {}}]}],
            "'video_url' part",
        ),
        (
            [{"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}],
            "only user messages may hold images",
        ),
        (call_turn("{not json"), "arguments that are not JSON"),
        (call_turn("[1]"), "arguments that are not a JSON object"),
        (call_turn("{}", name=None), "has no function name"),
        ([{"role": "critic", "content": "no"}], "has role 'critic'"),
    ],
)
def test_messages_gemini_cannot_take_are_refused(
    messages: list[dict[str, Any]], named: str
) -> None:
    with pytest.raises(InvalidRequestError) as info:
        body_of(messages)
    assert named in str(info.value)


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"tool_choice": "sometimes"}, "tool_choice must be"),
        ({"response_format": {"type": "json_schema", "json_schema": {}}}, "needs json_schema="),
        ({"tools": {"type": "function"}}, "tools must be a list"),
        ({"tools": [{"type": "function", "function": {}}]}, "has no 'name'"),
    ],
)
def test_malformed_tool_and_format_parameters_are_refused(
    params: dict[str, Any], named: str
) -> None:
    with pytest.raises(InvalidRequestError) as info:
        body_of(**params)
    assert named in str(info.value)


def test_text_response_format_asks_for_plain_text() -> None:
    config = body_of(response_format={"type": "text"})["generationConfig"]
    assert config == {"responseMimeType": "text/plain"}


def test_extra_body_merges_into_nested_objects() -> None:
    extra = {"generationConfig": {"thinkingConfig": {"thinkingBudget": 2048}}, "cachedContent": "c"}
    body = body_of(temperature=0.5, reasoning_effort="low", extra_body=extra)
    assert body["generationConfig"] == {
        "temperature": 0.5,
        "thinkingConfig": {"thinkingBudget": 2048, "includeThoughts": True},
    }
    assert body["cachedContent"] == "c"


def test_request_body_is_built_without_io() -> None:
    body = request_body(make_call(stream=True, temperature=1.0))
    assert body == {
        "contents": [{"role": "user", "parts": [{"text": "Hello"}]}],
        "generationConfig": {"temperature": 1.0},
    }


# --- streams, through the real HTTP path -----------------------------------------------------


def test_stream_delivers_text_and_finish_reason(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.gemini_stream(STORY, id="resp-1"))
    chunks = list(client_for(facade, server).chat_stream(MODEL, USER))
    assert text_of(chunks) == STORY
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [chunk.choices[0].finish_reason for chunk in chunks][-1] == "stop"
    assert {chunk.id for chunk in chunks} == {"resp-1"}
    assert {chunk.model for chunk in chunks} == {"gemini-2.5-flash"}
    assert all(chunk.usage is None for chunk in chunks)  # usage was not asked for
    assert server.requests[0].path == "/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse"


def test_events_are_framed_with_crlf(facade: Facade, server: LocalServer) -> None:
    reply = Reply.gemini_stream(STORY, chunks=3)
    assert reply.body.count(b"\r\n\r\n") == 3
    assert b"\n\n" not in reply.body.replace(b"\r\n\r\n", b"")
    server.enqueue(reply)
    assert text_of(list(client_for(facade, server).chat_stream(MODEL, USER))) == STORY


@pytest.mark.parametrize("split", [1, 2, 3], ids=lambda n: f"split-after-cr+{n - 1}")
def test_crlf_split_between_writes_still_ends_each_event(
    facade: Facade, server: LocalServer, split: int
) -> None:
    events = [gemini_chunk("Hello"), gemini_chunk(" world", finish_reason="STOP")]
    body = Reply.gemini_stream(events=events).body
    cut = body.index(b"\r\n\r\n") + split
    server.enqueue(Reply.gemini_stream(events=events, split_at=[cut]))
    assert text_of(list(client_for(facade, server).chat_stream(MODEL, USER))) == "Hello world"


def test_japanese_split_inside_utf8_characters(facade: Facade, server: LocalServer) -> None:
    text = "日本語の文章を、一バイトずつ送ります。"
    server.enqueue(Reply.gemini_stream(text, chunks=4, write_size=1))
    assert text_of(list(client_for(facade, server).chat_stream(MODEL, USER))) == text


def test_function_calls_get_ids_and_contiguous_indices(facade: Facade, server: LocalServer) -> None:
    events = [
        gemini_chunk("Let me check.", id="resp-7"),
        gemini_chunk(function_call={"name": "get_weather", "args": {"city": "Paris"}}, id="resp-7"),
        gemini_chunk(
            function_call={"name": "get_weather", "args": {"city": "東京"}},
            finish_reason="STOP",
            id="resp-7",
        ),
    ]
    server.enqueue(Reply.gemini_stream(events=events))
    chunks = list(client_for(facade, server).chat_stream(MODEL, USER, tools=[WEATHER_TOOL]))
    deltas = [call for chunk in chunks for call in chunk.choices[0].delta.tool_calls or ()]
    assert [delta.index for delta in deltas] == [0, 1]
    assert [delta.id for delta in deltas] == ["call_resp-7_1", "call_resp-7_2"]
    assert [delta.type for delta in deltas] == ["function", "function"]
    functions = [delta.function for delta in deltas]
    assert [f.name if f else None for f in functions] == ["get_weather", "get_weather"]
    arguments = [json.loads(f.arguments or "") if f else None for f in functions]
    assert arguments == [{"city": "Paris"}, {"city": "東京"}]
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    assert text_of(chunks) == "Let me check."


def test_gemini_call_ids_are_kept(facade: Facade, server: LocalServer) -> None:
    call = {"name": "get_weather", "args": {}, "id": "fc-123"}
    server.enqueue(
        Reply.gemini_stream(events=[gemini_chunk(function_call=call, finish_reason="STOP")])
    )
    chunks = list(client_for(facade, server).chat_stream(MODEL, USER))
    tool_calls = chunks[0].choices[0].delta.tool_calls
    assert tool_calls is not None
    assert tool_calls[0].id == "fc-123"


def test_thought_parts_become_reasoning_content(facade: Facade, server: LocalServer) -> None:
    events = [
        gemini_chunk(thought="**Planning** the answer."),
        gemini_chunk(thought=" Checking units.", text="It is"),
        gemini_chunk(" 21 °C.", finish_reason="STOP"),
    ]
    server.enqueue(Reply.gemini_stream(events=events))
    chunks = list(client_for(facade, server).chat_stream(MODEL, USER, reasoning_effort="low"))
    reasoning = "".join(chunk.choices[0].delta.reasoning_content or "" for chunk in chunks)
    assert reasoning == "**Planning** the answer. Checking units."
    assert text_of(chunks) == "It is 21 °C."
    assert chunks[0].choices[0].delta.content is None
    thinking = server.requests[0].json()["generationConfig"]["thinkingConfig"]
    assert thinking == {"thinkingBudget": 1024, "includeThoughts": True}


def test_usage_arrives_once_on_a_last_chunk_without_choices(
    facade: Facade, server: LocalServer
) -> None:
    running = {"promptTokenCount": 12, "totalTokenCount": 12}
    final = {
        "promptTokenCount": 12,
        "candidatesTokenCount": 5,
        "thoughtsTokenCount": 30,
        "cachedContentTokenCount": 8,
        "totalTokenCount": 47,
    }
    events = [
        gemini_chunk("Hello", usage=running),
        gemini_chunk(" there.", finish_reason="STOP", usage=final),
    ]
    server.enqueue(Reply.gemini_stream(events=events))
    chunks = list(
        client_for(facade, server).chat_stream(MODEL, USER, stream_options={"include_usage": True})
    )
    assert [chunk.usage is not None for chunk in chunks] == [False, False, True]
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert (last.usage.prompt_tokens, last.usage.completion_tokens) == (12, 35)
    assert last.usage.total_tokens == 47
    assert last.usage.completion_tokens_details is not None
    assert last.usage.completion_tokens_details.reasoning_tokens == 30
    assert last.usage.prompt_tokens_details is not None
    assert last.usage.prompt_tokens_details.cached_tokens == 8
    assert "stream_options" not in server.requests[0].json()


def test_safety_stop_is_a_content_filter_finish(facade: Facade, server: LocalServer) -> None:
    events = [gemini_chunk("I can"), gemini_chunk(finish_reason="SAFETY")]
    server.enqueue(Reply.gemini_stream(events=events))
    chunks = list(client_for(facade, server).chat_stream(MODEL, USER))
    assert text_of(chunks) == "I can"
    assert chunks[-1].choices[0].finish_reason == "content_filter"


def test_max_tokens_stop_is_a_length_finish(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.gemini_stream(STORY, finish_reason="MAX_TOKENS"))
    chunks = list(client_for(facade, server).chat_stream(MODEL, USER))
    assert chunks[-1].choices[0].finish_reason == "length"


def test_blocked_prompt_ends_the_stream_with_content_filter(
    facade: Facade, server: LocalServer
) -> None:
    blocked = {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {}}
    server.enqueue(Reply.gemini_stream(events=[blocked]))
    chunks = list(client_for(facade, server).chat_stream(MODEL, USER))
    assert [chunk.choices[0].finish_reason for chunk in chunks] == ["content_filter"]


def test_eof_without_finish_reason_is_an_incomplete_stream(
    facade: Facade, server: LocalServer
) -> None:
    server.enqueue(Reply.gemini_stream(STORY, chunks=3, finish_reason=None))
    stream = client_for(facade, server).chat_stream(MODEL, USER)
    received: list[ChatCompletionChunk] = []
    with pytest.raises(IncompleteStreamError, match="ended before its end marker"):
        drain(stream, received)
    assert text_of(received) == STORY


def test_two_candidates_finish_separately(facade: Facade, server: LocalServer) -> None:
    events = [
        gemini_chunk(candidates=[{"index": 0, "content": {"parts": [{"text": "A"}]}}]),
        gemini_chunk(
            candidates=[
                {"index": 0, "content": {"parts": [{"text": "!"}]}, "finishReason": "STOP"},
                {"index": 1, "content": {"parts": [{"text": "B"}]}},
            ]
        ),
        gemini_chunk(candidates=[{"index": 1, "finishReason": "STOP"}]),
    ]
    server.enqueue(Reply.gemini_stream(events=events))
    chunks = list(client_for(facade, server).chat_stream(MODEL, USER, n=2))
    assert (text_of(chunks, 0), text_of(chunks, 1)) == ("A!", "B")
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_error_event_inside_a_stream_is_typed(facade: Facade, server: LocalServer) -> None:
    error = {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}
    server.enqueue(Reply.gemini_stream(events=[gemini_chunk("Hi"), error]))
    stream = client_for(facade, server).chat_stream(MODEL, USER)
    received: list[ChatCompletionChunk] = []
    with pytest.raises(InternalServerError) as info:
        drain(stream, received)
    assert info.value.in_stream
    assert info.value.error_type == "UNAVAILABLE"
    assert text_of(received) == "Hi"


def test_stream_translator_needs_no_server() -> None:
    translator = GeminiStream("gemini", "gemini-2.5-flash", include_usage=False)
    decoder = SSEDecoder()
    body = Reply.gemini_stream("One two", id="r").body
    out: list[ChatCompletionChunk] = []
    for event in decoder.feed(body):
        translator.translate(event.event, event.data, out)
    assert translator.finished
    assert text_of(out) == "One two"


# --- whole answers and errors ---------------------------------------------------------------


def test_whole_answer_with_thoughts_and_usage(facade: Facade, server: LocalServer) -> None:
    server.enqueue(Reply.gemini_response(STORY, thought="Thinking.", prompt_tokens=4, id="r-9"))
    answer = client_for(facade, server).chat(MODEL, USER)
    message = answer.choices[0].message
    assert (message.role, message.content, message.reasoning_content) == (
        "assistant",
        STORY,
        "Thinking.",
    )
    assert answer.id == "r-9"
    assert answer.choices[0].finish_reason == "stop"
    assert answer.usage is not None
    assert answer.usage.prompt_tokens == 4
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + answer.usage.completion_tokens
    assert server.requests[0].path == "/v1/models/gemini-2.5-flash:generateContent"


def test_whole_answer_with_function_call(facade: Facade, server: LocalServer) -> None:
    body = gemini_chunk(
        function_call={"name": "get_weather", "args": {"city": "Paris"}},
        finish_reason="STOP",
        id="r-2",
    )
    server.enqueue(Reply.json(body))
    answer = client_for(facade, server).chat(MODEL, USER, tools=[WEATHER_TOOL])
    choice = answer.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    assert choice.message.tool_calls is not None
    call = choice.message.tool_calls[0]
    assert (call.id, call.function.name) == ("call_r-2_1", "get_weather")
    assert json.loads(call.function.arguments) == {"city": "Paris"}


def test_default_route_answers_both_gemini_endpoints(facade: Facade, server: LocalServer) -> None:
    client = client_for(facade, server)
    answer = client.chat(MODEL, USER)
    chunks = list(client.chat_stream(MODEL, USER))
    assert answer.choices[0].message.content == server.default_text
    assert text_of(chunks) == server.default_text


@pytest.mark.parametrize(
    ("status", "grpc_status", "error_class"),
    [
        (400, "INVALID_ARGUMENT", BadRequestError),
        (429, "RESOURCE_EXHAUSTED", RateLimitError),
        (503, "UNAVAILABLE", InternalServerError),
    ],
)
@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_error_bodies_are_typed_by_status(
    facade: Facade,
    server: LocalServer,
    status: int,
    grpc_status: str,
    error_class: type[Exception],
    stream: bool,
) -> None:
    server.enqueue(Reply.gemini_error(status, "Something about the request."))
    client = client_for(facade, server, max_retries=0)
    call = client.chat_stream if stream else client.chat
    with pytest.raises(error_class) as info:
        call(MODEL, USER)
    error: Any = info.value
    assert error.status_code == status
    assert error.error_type == grpc_status
    assert error.message == "Something about the request."
    assert error.provider == "gemini"
    assert KEY not in str(error)


def test_retry_info_sets_retry_after(facade: Facade, server: LocalServer) -> None:
    body = {
        "error": {
            "code": 429,
            "message": "Quota exceeded.",
            "status": "RESOURCE_EXHAUSTED",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}],
        }
    }
    server.enqueue(Reply.json(body, 429))
    with pytest.raises(RateLimitError) as info:
        client_for(facade, server, max_retries=0).chat(MODEL, USER)
    assert info.value.retry_after == 37.0


def test_key_never_travels_in_the_url(facade: Facade, server: LocalServer) -> None:
    client = client_for(facade, server)
    client.chat(MODEL, USER)
    list(client.chat_stream(MODEL, USER))
    assert server.request_count == 2
    for request in server.requests:
        assert KEY not in request.path
        assert "key=" not in request.path
        assert request.headers["x-goog-api-key"] == KEY


def test_logprobs_are_asked_for_and_read(facade: Facade, server: LocalServer) -> None:
    body = gemini_chunk("Hi", finish_reason="STOP")
    body["candidates"][0]["logprobsResult"] = {
        "chosenCandidates": [{"token": "Hi", "logProbability": -0.1}],
        "topCandidates": [
            {
                "candidates": [
                    {"token": "Hi", "logProbability": -0.1},
                    {"token": "Hey", "logProbability": -2.5},
                ]
            }
        ],
    }
    server.enqueue(Reply.json(body))
    answer = client_for(facade, server).chat(MODEL, USER, logprobs=True, top_logprobs=2)
    config = server.requests[0].json()["generationConfig"]
    assert config == {"responseLogprobs": True, "logprobs": 2}
    logprobs = answer.choices[0].logprobs
    assert logprobs is not None
    assert logprobs.content is not None
    token = logprobs.content[0]
    assert (token.token, token.logprob) == ("Hi", -0.1)
    assert [(top.token, top.logprob) for top in token.top_logprobs] == [
        ("Hi", -0.1),
        ("Hey", -2.5),
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"candidates": [{"content": {"parts": [{"functionCall": {}}]}}]}',
    ],
    ids=["not-json", "not-utf8", "not-object", "call-without-name"],
)
def test_unreadable_answers_are_decode_errors(body: bytes) -> None:
    with pytest.raises(DecodeError, match=r"^gemini: "):
        DIALECT.parse_completion(make_call(), body)


def test_error_object_in_a_200_answer_is_typed() -> None:
    body = b'{"error": {"code": 429, "message": "Slow down.", "status": "RESOURCE_EXHAUSTED"}}'
    with pytest.raises(RateLimitError, match="Slow down"):
        DIALECT.parse_completion(make_call(), body)


def test_error_wrapped_in_an_array_is_typed() -> None:
    body = b'[{"error": {"code": 400, "message": "Bad model.", "status": "INVALID_ARGUMENT"}}]'
    error = DIALECT.parse_error(make_call(), 400, {}, body)
    assert isinstance(error, BadRequestError)
    assert (error.message, error.error_type) == ("Bad model.", "INVALID_ARGUMENT")


def test_blocked_prompt_in_a_whole_answer_is_a_content_filter_choice() -> None:
    body = b'{"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}}'
    answer = DIALECT.parse_completion(make_call(), body)
    assert [(c.index, c.message.content, c.finish_reason) for c in answer.choices] == [
        (0, None, "content_filter")
    ]


@pytest.mark.parametrize(
    "data",
    ["{oops", "[1, 2]", '{"candidates": [{"content": {"parts": [{"functionCall": {}}]}}]}'],
    ids=["not-json", "not-object", "call-without-name"],
)
def test_unreadable_stream_events_are_decode_errors(data: str) -> None:
    translator = DIALECT.new_stream(make_call(stream=True))
    with pytest.raises(DecodeError, match="event #1"):
        translator.translate("message", data, [])
