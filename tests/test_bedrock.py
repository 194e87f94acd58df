"""Tests for the bedrock dialect with no I/O: Converse requests from OpenAI-style calls, Converse
answers and ConverseStream frames as completions and chunks, errors typed.

The shapes follow the Converse API reference (ConverseRequest, ConverseResponse and the
ConverseStreamOutput events of botocore's service model for bedrock-runtime).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from llmclient._config import ClientConfig
from llmclient._core.accumulate import ChunkAccumulator
from llmclient._core.call import ChatCall
from llmclient._core.request import prepare_call
from llmclient._providers.bedrock import DIALECT, THINKING_BUDGETS
from llmclient._providers.bedrock.stream import ConverseStream
from llmclient.errors import (
    APIStatusError,
    BadRequestError,
    DecodeError,
    InternalServerError,
    InvalidRequestError,
    PermissionDeniedError,
    RateLimitError,
)
from llmclient.types import ChatCompletion, ChatCompletionChunk, ProviderState

MODEL = "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0"
KEY = "bedrock-api-key-0123456789"
USER: list[dict[str, Any]] = [{"role": "user", "content": "Hello"}]
WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}}
WEATHER_TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "description": "Weather.", "parameters": WEATHER_SCHEMA},
}


@pytest.fixture(autouse=True)
def _region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")


def make_call(
    messages: Sequence[Any] = USER,
    *,
    model: str = MODEL,
    stream: bool = False,
    config: ClientConfig | None = None,
    **params: Any,
) -> ChatCall:
    return prepare_call(
        config or ClientConfig(api_key=KEY), "chat", model, messages, params, stream=stream
    )


def body_of(call: ChatCall) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(DIALECT.build_request(call).body)
    return body


# --- where the request goes ----------------------------------------------------------------


def test_chat_posts_to_converse_in_the_region_with_the_model_id_encoded() -> None:
    request = DIALECT.build_request(make_call())
    assert request.method == "POST"
    assert request.url == (
        "https://bedrock-runtime.us-west-2.amazonaws.com/model/"
        "anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"
    )
    assert request.headers["accept"] == "application/json"


def test_a_stream_posts_to_converse_stream_and_accepts_the_event_stream() -> None:
    request = DIALECT.build_request(make_call(stream=True))
    assert request.url.endswith("v1%3A0/converse-stream")
    assert request.headers["accept"] == "application/vnd.amazon.eventstream"


def test_an_inference_profile_arn_is_one_path_segment() -> None:
    arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0"
    request = DIALECT.build_request(make_call(model=f"bedrock/{arn}"))
    assert request.url == (
        "https://bedrock-runtime.us-west-2.amazonaws.com/model/arn%3Aaws%3Abedrock%3Aus-east-1"
        "%3A123456789012%3Ainference-profile%2Fus.amazon.nova-pro-v1%3A0/converse"
    )


def test_aws_region_wins_over_aws_default_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert "us-west-2" in DIALECT.build_request(make_call()).url
    monkeypatch.delenv("AWS_REGION")
    assert "bedrock-runtime.eu-west-1." in DIALECT.build_request(make_call()).url


def test_no_region_is_an_input_error_saying_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION")
    with pytest.raises(InvalidRequestError, match="AWS_REGION"):
        make_call()


def test_a_region_that_is_not_a_region_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "evil.example.com/x")
    with pytest.raises(InvalidRequestError, match="not an AWS region name"):
        make_call()


def test_bedrock_base_url_replaces_the_aws_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEDROCK_BASE_URL", "https://vpce-1.bedrock-runtime.example.internal/")
    request = DIALECT.build_request(make_call())
    assert request.url.startswith("https://vpce-1.bedrock-runtime.example.internal/model/")


# --- auth ----------------------------------------------------------------------------------


def test_a_bedrock_api_key_is_sent_as_a_bearer_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", KEY)
    call = make_call(config=ClientConfig())
    assert call.api_key == KEY
    assert repr(call.auth) == "HeaderAuth('authorization')"
    assert KEY in call.auth.secrets()


def test_the_callers_own_authorization_header_is_sent_instead() -> None:
    call = make_call(extra_headers={"Authorization": "Bearer mine"})
    assert call.auth.secrets() == ()


# --- the body ------------------------------------------------------------------------------


def test_messages_and_parameters_become_a_converse_body() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": "Checking.",
            "tool_calls": [
                {
                    "id": "tooluse_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "tooluse_1", "content": "18 C"},
        {"role": "user", "content": "And tomorrow?"},
    ]
    body = body_of(
        make_call(
            messages,
            max_tokens=200,
            temperature=0.5,
            top_p=0.9,
            stop="END",
            tools=[WEATHER_TOOL],
            tool_choice="required",
            user="u-1",
        )
    )
    assert body == {
        "system": [{"text": "Be brief."}],
        "messages": [
            {"role": "user", "content": [{"text": "Weather in Paris?"}]},
            {
                "role": "assistant",
                "content": [
                    {"text": "Checking."},
                    {
                        "toolUse": {
                            "toolUseId": "tooluse_1",
                            "name": "get_weather",
                            "input": {"city": "Paris"},
                        }
                    },
                ],
            },
            {
                "role": "user",
                "content": [
                    {"toolResult": {"toolUseId": "tooluse_1", "content": [{"text": "18 C"}]}},
                    {"text": "And tomorrow?"},
                ],
            },
        ],
        "inferenceConfig": {
            "maxTokens": 200,
            "temperature": 0.5,
            "topP": 0.9,
            "stopSequences": ["END"],
        },
        "toolConfig": {
            "tools": [
                {
                    "toolSpec": {
                        "name": "get_weather",
                        "description": "Weather.",
                        "inputSchema": {"json": WEATHER_SCHEMA},
                    }
                }
            ],
            "toolChoice": {"any": {}},
        },
        "requestMetadata": {"user": "u-1"},
    }


def test_parallel_tool_results_make_one_user_turn_before_its_text() -> None:
    calls = [
        {"id": f"t{n}", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        for n in (1, 2)
    ]
    body = body_of(
        make_call(
            [
                {"role": "user", "content": "go"},
                {"role": "assistant", "content": None, "tool_calls": calls},
                {"role": "user", "content": "also this"},
                {"role": "tool", "tool_call_id": "t1", "content": "a"},
                {"role": "tool", "tool_call_id": "t2", "content": [{"type": "text", "text": "b"}]},
            ],
            tools=[WEATHER_TOOL],
        )
    )
    last = body["messages"][-1]
    assert [next(iter(block)) for block in last["content"]] == ["toolResult", "toolResult", "text"]
    assert last["content"][1]["toolResult"]["content"] == [{"text": "b"}]


def test_images_and_documents_go_as_base64_bytes() -> None:
    png = "iVBORw0KGgo="
    content = [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}},
        {
            "type": "file",
            "file": {
                "filename": "report_2024.pdf",
                "file_data": f"data:application/pdf;base64,{png}",
            },
        },
    ]
    blocks = body_of(make_call([{"role": "user", "content": content}]))["messages"][0]["content"]
    assert blocks[1] == {"image": {"format": "png", "source": {"bytes": png}}}
    assert blocks[2] == {
        "document": {"format": "pdf", "name": "report 2024", "source": {"bytes": png}}
    }


@pytest.mark.parametrize(
    ("part", "match"),
    [
        ({"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}, "base64 data: URLs"),
        ({"type": "image_url", "image_url": {"url": "data:image/bmp;base64,AAAA"}}, "image/bmp"),
        ({"type": "image_url", "image_url": {"url": "data:image/png;base64,%%%"}}, "not base64"),
        ({"type": "input_audio", "input_audio": {}}, "audio"),
        ({"type": "video", "video": {}}, "'video'"),
    ],
)
def test_content_converse_cannot_take_is_refused_before_sending(
    part: dict[str, Any], match: str
) -> None:
    with pytest.raises(InvalidRequestError, match=match):
        body_of(make_call([{"role": "user", "content": [part]}]))


def test_cache_control_on_a_part_adds_a_cache_point_after_it() -> None:
    content = [{"type": "text", "text": "long context", "cache_control": {"type": "ephemeral"}}]
    body = body_of(make_call([{"role": "system", "content": content}, *USER]))
    assert body["system"] == [{"text": "long context"}, {"cachePoint": {"type": "default"}}]


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"n": 2}, "n=2"),
        ({"seed": 1}, "seed"),
        ({"presence_penalty": 0.5}, "presence_penalty"),
        ({"logprobs": True}, "logprobs"),
        ({"top_logprobs": 2}, "top_logprobs"),
        ({"temperature": 1.5}, "between 0 and 1"),
        ({"tools": [WEATHER_TOOL], "tool_choice": "none"}, "tool_choice='none'"),
        ({"tools": [WEATHER_TOOL], "parallel_tool_calls": False}, "parallel_tool_calls"),
        ({"tool_choice": "auto"}, "needs tools"),
        ({"reasoning_effort": "extreme"}, "reasoning_effort='extreme'"),
        ({"reasoning_effort": "low", "max_tokens": 1000}, "thinking budget"),
        ({"reasoning_effort": "low", "tool_choice": "required", "tools": [WEATHER_TOOL]}, "forces"),
    ],
)
def test_what_converse_cannot_take_raises_before_sending(
    params: dict[str, Any], match: str
) -> None:
    with pytest.raises(InvalidRequestError, match=match):
        body_of(make_call(**params))


def test_neutral_values_of_parameters_converse_lacks_are_accepted() -> None:
    body = body_of(make_call(presence_penalty=0, frequency_penalty=0, logprobs=False, n=1))
    assert "inferenceConfig" not in body


def test_reasoning_effort_sets_claudes_thinking_budget_and_room_for_the_answer() -> None:
    body = body_of(make_call(reasoning_effort="medium"))
    budget = THINKING_BUDGETS["medium"]
    assert body["additionalModelRequestFields"] == {
        "thinking": {"type": "enabled", "budget_tokens": budget}
    }
    assert body["inferenceConfig"]["maxTokens"] > budget


def test_reasoning_effort_for_another_model_says_to_use_its_own_fields() -> None:
    with pytest.raises(InvalidRequestError, match="additionalModelRequestFields"):
        body_of(make_call(model="bedrock/us.amazon.nova-pro-v1:0", reasoning_effort="low"))


def test_extra_body_merges_into_nested_objects() -> None:
    extra = {
        "additionalModelRequestFields": {"top_k": 40},
        "inferenceConfig": {"maxTokens": 99},
        "guardrailConfig": {"guardrailIdentifier": "g1", "guardrailVersion": "1"},
    }
    body = body_of(make_call(reasoning_effort="low", max_tokens=5000, extra_body=extra))
    assert body["additionalModelRequestFields"]["top_k"] == 40
    assert "thinking" in body["additionalModelRequestFields"]
    assert body["inferenceConfig"]["maxTokens"] == 99
    assert body["guardrailConfig"]["guardrailIdentifier"] == "g1"


def test_response_format_json_schema_is_one_forced_tool() -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    response_format = {"type": "json_schema", "json_schema": {"name": "reply", "schema": schema}}
    body = body_of(make_call(response_format=response_format))
    assert body["toolConfig"]["toolChoice"] == {"tool": {"name": "reply"}}
    assert body["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"] == {"json": schema}


def test_tools_already_in_converse_form_pass_as_they_are() -> None:
    tool = {"toolSpec": {"name": "x", "inputSchema": {"json": {"type": "object"}}}}
    body = body_of(make_call(tools=[tool, {"cachePoint": {"type": "default"}}]))
    assert body["toolConfig"]["tools"] == [tool, {"cachePoint": {"type": "default"}}]


# --- whole answers -------------------------------------------------------------------------

SIGNATURE = "EqQBCkYIBxgCKkBsig=="


def converse_answer(content: list[dict[str, Any]], stop: str = "end_turn", **usage: int) -> bytes:
    counts = {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15, **usage}
    answer = {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop,
        "usage": counts,
        "metrics": {"latencyMs": 100},
    }
    return json.dumps(answer).encode()


def parse(body: bytes, **params: Any) -> ChatCompletion:
    call = make_call(**params)
    return DIALECT.parse_completion(call, body)


def test_an_answer_has_text_reasoning_tool_calls_and_usage() -> None:
    reasoning = {"reasoningContent": {"reasoningText": {"text": "Think.", "signature": SIGNATURE}}}
    tool = {"toolUse": {"toolUseId": "tooluse_a", "name": "get_weather", "input": {"city": "Oslo"}}}
    body = converse_answer(
        [reasoning, {"text": "Let me look."}, tool],
        "tool_use",
        cacheReadInputTokens=100,
        cacheWriteInputTokens=7,
    )
    completion = parse(body)
    choice = completion.choices[0]
    assert completion.model == "anthropic.claude-3-5-sonnet-20240620-v1:0"
    assert completion.id.startswith("bedrock-")
    assert choice.message.content == "Let me look."
    assert choice.message.reasoning_content == "Think."
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls or []
    assert (call.id, call.function.name, json.loads(call.function.arguments)) == (
        "tooluse_a",
        "get_weather",
        {"city": "Oslo"},
    )
    usage = completion.usage
    assert usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (117, 5, 122)
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens == 100
    assert usage.prompt_tokens_details.cache_creation_tokens == 7
    assert choice.message.provider_state == ProviderState(
        "bedrock",
        {
            "content": [
                reasoning,
                {"place": "text"},
                {"place": "toolUse", "toolUseId": "tooluse_a"},
            ]
        },
    )


@pytest.mark.parametrize(
    ("stop", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("guardrail_intervened", "content_filter"),
        ("content_filtered", "content_filter"),
        ("some_new_reason", "some_new_reason"),
    ],
)
def test_stop_reasons_map_to_openais(stop: str, finish: str) -> None:
    assert parse(converse_answer([{"text": "x"}], stop)).choices[0].finish_reason == finish


def test_a_forced_json_tool_answers_as_content() -> None:
    schema = {"type": "object"}
    response_format = {"type": "json_schema", "json_schema": {"name": "reply", "schema": schema}}
    tool = {"toolUse": {"toolUseId": "t", "name": "reply", "input": {"answer": "yes"}}}
    completion = parse(converse_answer([tool], "tool_use"), response_format=response_format)
    assert completion.choices[0].message.content == '{"answer": "yes"}'
    assert completion.choices[0].finish_reason == "stop"
    assert completion.choices[0].message.tool_calls is None


@pytest.mark.parametrize(
    "body",
    [
        b"{}",
        b'{"output": {}}',
        b'{"output": {"message": {"content": "text"}}}',
        b'{"output": {"message": {"content": [{"text": 5}]}}}',
        b'{"output": {"message": {"content": []}}, "usage": {"inputTokens": "3"}}',
        b"[]",
        b"not json",
    ],
)
def test_a_body_that_is_not_a_converse_answer_is_a_decode_error(body: bytes) -> None:
    with pytest.raises(DecodeError):
        parse(body)


# --- errors --------------------------------------------------------------------------------


def test_http_errors_are_named_by_the_aws_error_type_header() -> None:
    headers = {
        "x-amzn-errortype": "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/",
        "x-amzn-requestid": "req-1",
    }
    error = DIALECT.parse_error(make_call(), 429, headers, b'{"message":"Too many requests"}')
    assert isinstance(error, RateLimitError)
    assert (error.error_type, error.message, error.request_id) == (
        "ThrottlingException",
        "Too many requests",
        "req-1",
    )


def test_an_error_body_with_a_capital_message_is_read() -> None:
    body = b'{"Message":"User is not authorized"}'
    error = DIALECT.parse_error(make_call(), 403, {}, body)
    assert isinstance(error, PermissionDeniedError)
    assert error.message == "User is not authorized"


# --- streams -------------------------------------------------------------------------------


def event(kind: str, **fields: Any) -> tuple[str, str]:
    return kind, json.dumps({**fields, "p": "abcdefgh"})


def delta(index: int, **fields: Any) -> tuple[str, str]:
    return event("contentBlockDelta", contentBlockIndex=index, delta=fields)


START = event("messageStart", role="assistant")
METADATA = event(
    "metadata", usage={"inputTokens": 3, "outputTokens": 4, "totalTokens": 7}, metrics={}
)


def stop(reason: str = "end_turn") -> tuple[str, str]:
    return event("messageStop", stopReason=reason)


def translate(
    frames: Sequence[tuple[str, str]], stream: ConverseStream | None = None
) -> list[ChatCompletionChunk]:
    stream = stream or ConverseStream("bedrock", "m")
    out: list[ChatCompletionChunk] = []
    for kind, data in frames:
        stream.translate(kind, data, out)
    return out


def accumulate(chunks: Sequence[ChatCompletionChunk]) -> ChatCompletion:
    answer = ChunkAccumulator()
    for chunk in chunks:
        answer.add(chunk)
    return answer.completion()


def test_a_text_stream_becomes_chunks_then_a_finish_then_usage() -> None:
    stream = ConverseStream("bedrock", "m")
    chunks = translate(
        [
            START,
            delta(0, text="Hel"),
            delta(0, text="lo"),
            event("contentBlockStop", contentBlockIndex=0),
            stop(),
            METADATA,
        ],
        stream,
    )
    assert [c.choices[0].delta.content for c in chunks[:2]] == ["Hel", "lo"]
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[2].choices[0].finish_reason == "stop"
    assert chunks[3].choices == []
    assert chunks[3].usage is not None
    assert chunks[3].usage.total_tokens == 7
    assert len({c.id for c in chunks}) == 1
    assert stream.finished


def test_parallel_tool_calls_stream_their_name_once_and_arguments_in_pieces() -> None:
    def start(index: int, call_id: str, name: str) -> tuple[str, str]:
        tool = {"toolUseId": call_id, "name": name}
        return event("contentBlockStart", contentBlockIndex=index, start={"toolUse": tool})

    def piece(index: int, text: str) -> tuple[str, str]:
        return delta(index, toolUse={"input": text})

    def end(index: int) -> tuple[str, str]:
        return event("contentBlockStop", contentBlockIndex=index)

    frames = [
        START,
        delta(0, text="Both."),
        end(0),
        start(1, "t1", "get_weather"),
        piece(1, '{"city":'),
        piece(1, ' "Paris"}'),
        end(1),
        start(2, "t2", "get_time"),
        end(2),
        stop("tool_use"),
        METADATA,
    ]
    chunks = translate(frames)
    completion = accumulate(chunks)
    calls = completion.choices[0].message.tool_calls or []
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("t1", "get_weather", '{"city": "Paris"}'),
        ("t2", "get_time", "{}"),
    ]
    assert completion.choices[0].finish_reason == "tool_calls"
    names = [
        call.function.name
        for chunk in chunks
        for choice in chunk.choices
        for call in choice.delta.tool_calls or ()
        if call.function and call.function.name
    ]
    assert names == ["get_weather", "get_time"]


def test_reasoning_streams_as_reasoning_content_and_its_signature_is_state() -> None:
    frames = [
        START,
        delta(0, reasoningContent={"text": "Count "}),
        delta(0, reasoningContent={"text": "the r's."}),
        delta(0, reasoningContent={"signature": SIGNATURE}),
        event("contentBlockStop", contentBlockIndex=0),
        delta(1, text="Three."),
        stop(),
        METADATA,
    ]
    completion = accumulate(translate(frames))
    message = completion.choices[0].message
    assert (message.reasoning_content, message.content) == ("Count the r's.", "Three.")
    assert message.provider_state == ProviderState(
        "bedrock",
        {
            "content": [
                {
                    "reasoningContent": {
                        "reasoningText": {"signature": SIGNATURE, "text": "Count the r's."}
                    }
                },
                {"place": "text"},
            ]
        },
    )


def test_streamed_state_goes_back_in_place_in_the_next_request() -> None:
    frames = [
        START,
        delta(0, reasoningContent={"text": "Plan."}),
        delta(0, reasoningContent={"signature": SIGNATURE}),
        event("contentBlockStop", contentBlockIndex=0),
        event(
            "contentBlockStart",
            contentBlockIndex=1,
            start={"toolUse": {"toolUseId": "t1", "name": "get_weather"}},
        ),
        delta(1, toolUse={"input": '{"city": "Oslo"}'}),
        event("contentBlockStop", contentBlockIndex=1),
        stop("tool_use"),
        METADATA,
    ]
    message = accumulate(translate(frames)).choices[0].message
    followup = [
        *USER,
        message.to_dict(),
        {"role": "tool", "tool_call_id": "t1", "content": "sunny"},
    ]
    assistant = body_of(make_call(json.loads(json.dumps(followup)), tools=[WEATHER_TOOL]))[
        "messages"
    ][1]
    assert assistant["content"] == [
        {"reasoningContent": {"reasoningText": {"signature": SIGNATURE, "text": "Plan."}}},
        {"toolUse": {"toolUseId": "t1", "name": "get_weather", "input": {"city": "Oslo"}}},
    ]


def test_redacted_reasoning_is_kept_as_state() -> None:
    frames = [START, delta(0, reasoningContent={"redactedContent": "AAEC"}), stop(), METADATA]
    message = accumulate(translate(frames)).choices[0].message
    assert message.provider_state is not None
    assert message.provider_state.data["content"] == [
        {"reasoningContent": {"redactedContent": "AAEC"}}
    ]


@pytest.mark.parametrize(
    ("name", "error_class", "status"),
    [
        ("throttlingException", RateLimitError, 429),
        ("validationException", BadRequestError, 400),
        ("serviceUnavailableException", InternalServerError, 503),
        ("internalServerException", InternalServerError, 500),
        ("modelStreamErrorException", InternalServerError, 500),
    ],
)
def test_exception_frames_raise_their_typed_error(
    name: str, error_class: type[APIStatusError], status: int
) -> None:
    stream = ConverseStream("bedrock", "m")
    out: list[ChatCompletionChunk] = []
    stream.translate(*START, out)
    with pytest.raises(error_class) as caught:
        stream.translate(f"exception:{name}", '{"message":"It broke."}', out)
    error = caught.value
    assert error.status_code == status
    assert error.in_stream
    assert error.message == "It broke."


@pytest.mark.parametrize(
    "frames",
    [
        [delta(0, text="x")],  # before messageStart
        [START, START],
        [START, METADATA],  # metadata before messageStop
        [START, stop(), delta(0, text="late")],
        [START, delta(0, toolUse={"input": "{}"})],  # a tool delta outside a tool block
        [START, delta(0, text="a"), delta(0, reasoningContent={"text": "b"})],
        [START, event("messageStop")],
        [START, ("contentBlockDelta", "not json")],
        [START, delta(0, text=5)],
        [START, stop(), event("metadata", usage={"inputTokens": "3"})],
        [START, ("error:InternalFailure", "Something broke")],
    ],
)
def test_frames_out_of_order_or_of_the_wrong_shape_are_decode_errors(
    frames: list[tuple[str, str]],
) -> None:
    with pytest.raises(DecodeError):
        translate(frames)


def test_event_types_newer_than_the_translator_are_ignored() -> None:
    chunks = translate(
        [START, event("someFutureEvent", x=1), delta(0, text="ok"), stop(), METADATA]
    )
    assert accumulate(chunks).choices[0].message.content == "ok"


# --- text deltas read by their shape ---------------------------------------------------------


def padded_delta(index: int, text: str, padding: str) -> tuple[str, str]:
    data = {"contentBlockIndex": index, "delta": {"text": text}, "p": padding}
    return "contentBlockDelta", json.dumps(data, separators=(",", ":"))


def test_text_deltas_padded_to_any_length_read_as_parsing_would() -> None:
    pieces = [f"w{n} " for n in range(40)] + ['say "p": "x" ', "\\n\u00e9 ", ""]
    frames = [START]
    frames += [padded_delta(0, piece, "a" * (n % 17)) for n, piece in enumerate(pieces)]
    chunks = translate([*frames, stop(), METADATA])
    assert text_of_chunks(chunks) == "".join(pieces)
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) == 42


def test_a_delta_of_another_shape_among_shaped_ones_is_parsed() -> None:
    frames = [START, *(padded_delta(0, "a", "pp") for _ in range(6))]
    other = {"contentBlockIndex": 0, "delta": {"text": "b"}, "p": "q", "extra": {"text": "no"}}
    frames.append(("contentBlockDelta", json.dumps(other)))
    frames += [padded_delta(0, "c", "ppp"), stop(), METADATA]
    assert text_of_chunks(translate(frames)) == "aaaaaabc"


def test_a_shape_does_not_outlive_its_block_or_the_message() -> None:
    frames = [START, *(padded_delta(0, "a", "pp") for _ in range(6)), stop()]
    with pytest.raises(DecodeError, match="after messageStop"):
        translate([*frames, padded_delta(0, "late", "pp")])
    tool = {"toolUseId": "t1", "name": "f"}
    reused = [
        START,
        *(padded_delta(0, "a", "pp") for _ in range(6)),
        event("contentBlockStop", contentBlockIndex=0),
        event("contentBlockStart", contentBlockIndex=0, start={"toolUse": tool}),
    ]
    with pytest.raises(DecodeError, match="not text"):
        translate([*reused, padded_delta(0, "a", "pp")])


def text_of_chunks(chunks: Sequence[ChatCompletionChunk]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
