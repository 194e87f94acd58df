"""Function-call arguments that stream (``partialArgs``): the JSON writer on its own, the gemini
stream translator fed events (no I/O), and whole streams through the real HTTP path on both
facades."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import Facade, drain

from llmclient import ChatCompletionChunk, DecodeError, IncompleteStreamError
from llmclient._config import ClientConfig
from llmclient._core.accumulate import accumulate
from llmclient._core.convert import FieldError
from llmclient._core.request import prepare_call
from llmclient._providers.gemini import DIALECT, GeminiStream
from llmclient._providers.gemini.partial_args import ArgumentsWriter, parse_path
from llmclient.testing import LocalServer, Reply, gemini_chunk
from llmclient.types import ProviderState

MODEL = "gemini/gemini-3-pro-preview"
USER = [{"role": "user", "content": "Plan dinner."}]
SIGNATURE = "c2lnbmVkIGNhbGw="
RECIPE = {
    "recipe": {
        "ingredients": [
            {"amount": "16 oz", "name": "Noodles"},
            {"amount": 2, "name": "Eggs", "fresh": True},
        ],
        "name": "Lasagna",
        "steps": ["Preheat to 190°C.", "Layer and bake.", None],
    }
}

# --- building Vertex-style steps from an object ---------------------------------------------

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def key_segment(key: str, rng: random.Random) -> str:
    """``.key`` where the shorthand can say it, else a bracketed name in either quote."""
    if _PLAIN_KEY.match(key) and rng.random() < 0.8:
        return f".{key}"
    if rng.random() < 0.5:
        return "[" + json.dumps(key) + "]"
    inner = json.dumps(key)[1:-1].replace('\\"', '"').replace("'", "\\'")
    return f"['{inner}']"


def pieces_of(text: str, rng: random.Random) -> list[str]:
    """``text`` cut at random places (empty pieces too), ending as Vertex ends strings: a
    last empty piece, or the last piece itself."""
    cuts = sorted(rng.randint(0, len(text)) for _ in range(rng.randint(0, 4)))
    pieces = [text[start:end] for start, end in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    return [*pieces, ""] if rng.random() < 0.7 else pieces


def steps_of(value: Any, rng: random.Random, path: str = "$") -> Iterator[dict[str, Any]]:
    """The ``PartialArg`` steps that stream ``value``: one per leaf, in document order, each
    string in pieces with ``willContinue`` on all but the last."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from steps_of(item, rng, path + key_segment(key, rng))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from steps_of(item, rng, f"{path}[{index}]")
    elif isinstance(value, str):
        pieces = pieces_of(value, rng)
        for number, piece in enumerate(pieces):
            step: dict[str, Any] = {"jsonPath": path, "stringValue": piece}
            if number < len(pieces) - 1:
                step["willContinue"] = True
            yield step
    elif isinstance(value, bool):
        yield {"jsonPath": path, "boolValue": value}
    elif value is None:
        yield {"jsonPath": path, "nullValue": None}
    else:
        yield {"jsonPath": path, "numberValue": value}


def written(steps: list[tuple[str, Any, bool]]) -> list[str]:
    """The pieces a writer returns for ``steps``, and its closing text last."""
    writer = ArgumentsWriter()
    return [*(writer.feed(path, value, more) for path, value, more in steps), writer.close()]


def write_object(obj: dict[str, Any], seed: int) -> list[str]:
    rng = random.Random(seed)
    steps = [
        (step["jsonPath"], _value(step), step.get("willContinue", False))
        for step in steps_of(obj, rng)
    ]
    return written(steps)


def _value(step: dict[str, Any]) -> Any:
    for field in ("stringValue", "numberValue", "boolValue"):
        if field in step:
            return step[field]
    return None


# --- the writer ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("Paris", '"Paris"'),
        ("", '""'),
        (0, "0"),
        (-17, "-17"),
        (0.5, "0.5"),
        (-1.25e-7, "-1.25e-07"),
        (12345678901234567890, "12345678901234567890"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        ({"a": [1, "b"]}, '{"a":[1,"b"]}'),
    ],
    ids=repr,
)
def test_each_kind_of_value_is_written_as_json(value: Any, text: str) -> None:
    pieces = written([("$.v", value, False)])
    assert "".join(pieces) == '{"v":' + text + "}"
    assert json.loads("".join(pieces)) == {"v": value}


def test_pieces_are_the_text_each_step_adds() -> None:
    pieces = written(
        [
            ("$.city", "Pa", True),
            ("$.city", "ris", True),
            ("$.city", "", False),
            ("$.days", 3, False),
        ]
    )
    assert pieces == ['{"city":"Pa', "ris", '"', ',"days":3', "}"]


def test_nested_objects_and_arrays_open_and_close_on_the_way() -> None:
    pieces = written(
        [
            ("$.a.b[0].c", 1, False),
            ("$.a.b[0].d[0]", "x", False),
            ("$.a.b[0].d[1][0]", True, False),
            ("$.a.b[1]", None, False),
            ("$.a.e", "y", False),
            ("$.f", 2, False),
        ]
    )
    text = "".join(pieces)
    assert text == '{"a":{"b":[{"c":1,"d":["x",[true]]},null],"e":"y"},"f":2}'
    assert pieces[-1] == "}"


def test_moving_back_up_closes_every_container_left() -> None:
    pieces = written([("$.a.b.c.d", 1, False), ("$.e", 2, False)])
    assert pieces[1] == '}}},"e":2'


def test_no_steps_are_an_empty_object() -> None:
    assert written([]) == ["{}"]


@pytest.mark.parametrize(
    "text",
    [
        'say "hi"',
        "back\\slash\\",
        "line\nbreak\r\n\ttab",
        "\x00\x01\x1f control",
        "東京 Zürich",
        "emoji 🎉👩‍👩‍👧",
        "separators \u2028\u2029",
        "\\u0041 is not an escape",
    ],
)
def test_strings_are_escaped_however_they_are_split(text: str) -> None:
    for cut in range(len(text) + 1):
        pieces = written([("$.s", text[:cut], True), ("$.s", text[cut:], True), ("$.s", "", False)])
        assert json.loads("".join(pieces)) == {"s": text}, cut


def test_a_surrogate_pair_split_between_pieces_joins_again() -> None:
    high, low = "\ud83c", "\udf89"  # 🎉 as two UTF-16 halves
    pieces = written([("$.s", "party " + high, True), ("$.s", low, False)])
    assert json.loads("".join(pieces)) == {"s": "party 🎉"}
    "".join(pieces).encode()  # no lone surrogate left in the text


def test_a_string_still_open_is_closed_by_a_step_elsewhere_or_by_the_end() -> None:
    pieces = written([("$.a", "cut sh", True), ("$.b", "and", True)])
    assert json.loads("".join(pieces)) == {"a": "cut sh", "b": "and"}


def test_the_same_place_may_be_spelt_another_way() -> None:
    pieces = written([("$.a", "x", True), ("$['a']", "y", True), ('$["a"]', "z", False)])
    assert json.loads("".join(pieces)) == {"a": "xyz"}


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        ("$.city", ["city"]),
        ("$.recipe.ingredients[0].amount", ["recipe", "ingredients", 0, "amount"]),
        ("$.items[12]", ["items", 12]),
        ("$['weird key']", ["weird key"]),
        ('$["a.b"][0]', ["a.b", 0]),
        ("$['it\\'s']", ["it's"]),
        ("$['say \"hi\"']", ['say "hi"']),
        ('$["back\\\\slash"]', ["back\\slash"]),
        ("$['caf\\u00e9\\n']", ["café\n"]),
        ("$['\\ud83c\\udf89']", ["🎉"]),
        ("$[ 'spaced' ][ 3 ]", ["spaced", 3]),
        ("$.first-name", ["first-name"]),
        ("$.東京", ["東京"]),
        ("$", []),
    ],
)
def test_paths_name_keys_and_indices(path: str, segments: list[Any]) -> None:
    assert parse_path(path) == segments


@pytest.mark.parametrize(
    "path",
    [
        "city",
        "$city",
        "$..a",
        "$.*",
        "$[*]",
        "$[-1]",
        "$[0:2]",
        "$[?@.a]",
        "$['open",
        "$.a.",
        "$['\\q']",
    ],
)
def test_what_is_not_a_path_to_one_place_is_refused(path: str) -> None:
    with pytest.raises(FieldError, match="jsonPath"):
        parse_path(path)


def test_bracketed_keys_are_written_as_their_names() -> None:
    pieces = written([("$['a \"b\" c'][0]", 1, False), ("$['a \"b\" c'][1]", 2, False)])
    assert json.loads("".join(pieces)) == {'a "b" c': [1, 2]}


@pytest.mark.parametrize(
    "steps",
    [
        [("$.a", 1, False), ("$.a", 2, False)],
        [("$.a.x", 1, False), ("$.b", 2, False), ("$.a.y", 3, False)],
        [("$.a[0]", 1, False), ("$.a[1]", 2, False), ("$.a[0]", 3, False)],
        [("$.a[0].x", 1, False), ("$.a[1].x", 2, False), ("$.a[0].y", 3, False)],
        [("$.s", "done", False), ("$.s", "more", False)],
        [("$.s", "a", True), ("$.t", "b", False), ("$.s", "c", False)],
        [("$.a", 1, False), ("$.a.b", 2, False)],
    ],
    ids=[
        "same-key",
        "object-left",
        "array-index",
        "array-element-left",
        "string-ended",
        "string-left",
        "scalar-then-child",
    ],
)
def test_going_back_to_a_place_already_written_cannot_be_streamed(
    steps: list[tuple[str, Any, bool]],
) -> None:
    with pytest.raises(FieldError, match="cannot be written in order"):
        written(steps)


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([("$.a[1]", 1, False)], "skips to index 1"),
        ([("$.a[0]", 1, False), ("$.a.b", 2, False)], "names a key inside an array"),
        ([("$.a.b", 1, False), ("$.a[0]", 2, False)], "indexes an object"),
        ([("$[0]", 1, False)], "not a place in the arguments object"),
        ([("$", "x", False)], "not a place in the arguments object"),
        ([("$.s", "a", True), ("$.s", 1, False)], "inside a string still open"),
        ([("$.n", float("nan"), False)], "JSON cannot hold"),
        ([("$.n", float("inf"), False)], "JSON cannot hold"),
        ([("$.n", object(), False)], "JSON cannot hold"),
    ],
)
def test_steps_that_cannot_be_written_are_refused(
    steps: list[tuple[str, Any, bool]], message: str
) -> None:
    with pytest.raises(FieldError, match=re.escape(message)):
        written(steps)


def test_nothing_is_written_after_the_close() -> None:
    writer = ArgumentsWriter()
    assert writer.feed("$.a", 1) == '{"a":1'
    assert writer.close() == "}"
    assert writer.close() == ""
    with pytest.raises(FieldError, match="after the arguments ended"):
        writer.feed("$.b", 2)


OBJECTS = [
    {},
    {"city": "Paris"},
    RECIPE,
    {"n": 0, "x": -1.5e-7, "big": 12345678901234567890, "t": True, "f": False, "none": None},
    {"matrix": [[1, 2], [3, [4, {"deep": "yes"}]]], "after": "matrix"},
    {"weird key": {"a.b": {"[0]": {"it's": {'say "hi"': '\\ " \n\t\u2028 東京 🎉'}}}}},
    {"empty": "", "list": ["", "a", ""], "ctrl": "\x00\x1f\x7f"},
    {"items": [{"tags": ["a", "b"], "price": 0.3}, {"tags": ["c"], "price": 10}]},
]


@pytest.mark.parametrize("obj", OBJECTS, ids=lambda obj: json.dumps(obj)[:30])
@pytest.mark.parametrize("seed", range(8))
def test_streamed_objects_come_out_as_they_went_in(obj: dict[str, Any], seed: int) -> None:
    assert json.loads("".join(write_object(obj, seed))) == obj


@pytest.mark.parametrize("seed", range(20))
def test_random_objects_come_out_as_they_went_in(seed: int) -> None:
    rng = random.Random(seed)
    obj = random_object(rng, depth=3)
    assert json.loads("".join(write_object(obj, seed))) == obj


def random_object(rng: random.Random, depth: int) -> dict[str, Any]:
    keys = ["a", "b_2", "with space", "dot.ted", "quo'te", 'dq"', "東京", "x[0]"]
    return {key: random_value(rng, depth) for key in rng.sample(keys, rng.randint(1, 4))}


def random_value(rng: random.Random, depth: int) -> Any:
    kind = rng.randrange(7 if depth else 5)
    if kind == 0:
        return "".join(rng.choice('ab "\\\n\t\x01é東🎉') for _ in range(rng.randint(0, 12)))
    if kind == 1:
        return rng.choice([0, -3, 2**40, 0.25, -1e-9, 1.5e300])
    if kind == 2:
        return rng.random() < 0.5
    if kind in (3, 4):
        return None if kind == 3 else "plain"
    if kind == 5:
        return [random_value(rng, depth - 1) for _ in range(rng.randint(1, 3))]
    return random_object(rng, depth - 1)


# --- the stream translator ----------------------------------------------------------------


def call_parts(
    name: str,
    args: dict[str, Any],
    *,
    seed: int = 0,
    signature: str | None = None,
    end: str = "terminal",
) -> list[dict[str, Any]]:
    """A streamed call's parts, one per event as Vertex sends them: the name, each step, a
    keep-alive part after each string, and the end: a terminal ``{}`` part, the last step
    without ``willContinue`` (``"last-step"``), or nothing (``"none"``)."""
    first: dict[str, Any] = {"functionCall": {"name": name, "willContinue": True}}
    if signature is not None:
        first["thoughtSignature"] = signature
    parts = [first]
    for step in steps_of(args, random.Random(seed)):
        parts.append({"functionCall": {"partialArgs": [step], "willContinue": True}})
        if "stringValue" in step and "willContinue" not in step:
            parts.append({"functionCall": {"willContinue": True}})
    if end == "terminal":
        parts.append({"functionCall": {}})
    elif end == "last-step":
        while "partialArgs" not in parts[-1]["functionCall"]:
            parts.pop()
        del parts[-1]["functionCall"]["willContinue"]
    return parts


def events_of(parts: list[dict[str, Any]], finish: str | None = "STOP") -> list[dict[str, Any]]:
    events = [
        gemini_chunk(parts=[part], id="resp-1", model="gemini-3-pro-preview") for part in parts
    ]
    if finish is not None:
        events.append(gemini_chunk("", finish_reason=finish, id="resp-1"))
    return events


def translated(events: list[dict[str, Any]], n: int = 1) -> tuple[list[ChatCompletionChunk], bool]:
    stream = GeminiStream("gemini", "gemini-3-pro-preview", include_usage=False, n=n)
    out: list[ChatCompletionChunk] = []
    for event in events:
        stream.translate("message", json.dumps(event), out)
    return out, stream.finished


def tool_deltas(chunks: list[ChatCompletionChunk], choice: int = 0) -> list[Any]:
    return [
        delta
        for chunk in chunks
        for one in chunk.choices
        if one.index == choice
        for delta in one.delta.tool_calls or ()
    ]


def arguments_of(deltas: list[Any], index: int = 0) -> str:
    return "".join(
        delta.function.arguments or ""
        for delta in deltas
        if delta.index == index and delta.function is not None
    )


def test_a_streamed_call_becomes_openai_tool_call_deltas() -> None:
    chunks, finished = translated(events_of(call_parts("cookRecipe", RECIPE)))
    assert finished
    deltas = tool_deltas(chunks)
    opening = deltas[0]
    assert (opening.index, opening.id, opening.type) == (0, "call_resp-1_1", "function")
    assert opening.function is not None
    assert (opening.function.name, opening.function.arguments) == ("cookRecipe", "")
    assert all(d.index == 0 and d.id is None and d.type is None for d in deltas[1:])
    assert all(d.function.name is None for d in deltas[1:] if d.function is not None)
    assert json.loads(arguments_of(deltas)) == RECIPE
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    answer = accumulate(chunks).choices[0]
    assert answer.finish_reason == "tool_calls"
    assert answer.message.tool_calls is not None
    [call] = answer.message.tool_calls
    assert (call.id, call.function.name) == ("call_resp-1_1", "cookRecipe")
    assert call.function.arguments == arguments_of(deltas)


def test_the_signature_on_the_first_part_is_the_calls_provider_state() -> None:
    parts = call_parts("cookRecipe", RECIPE, signature=SIGNATURE)
    chunks, _ = translated(events_of(parts))
    deltas = tool_deltas(chunks)
    state = ProviderState("gemini", {"thoughtSignature": SIGNATURE})
    assert deltas[0].provider_state == state
    assert all(d.provider_state is None for d in deltas[1:])
    message = accumulate(chunks).choices[0].message
    assert message.tool_calls is not None
    assert message.tool_calls[0].provider_state == state
    assert message.provider_state is None


def test_a_signature_on_a_later_part_goes_on_the_same_call() -> None:
    parts = call_parts("f", {"a": 1})
    parts.insert(2, {"functionCall": {"willContinue": True}, "thoughtSignature": SIGNATURE})
    chunks, _ = translated(events_of(parts))
    signed = [d for d in tool_deltas(chunks) if d.provider_state is not None]
    assert [(d.index, d.function) for d in signed] == [(0, None)]
    calls = accumulate(chunks).choices[0].message.tool_calls
    assert calls is not None
    assert len(calls) == 1
    assert calls[0].provider_state == ProviderState("gemini", {"thoughtSignature": SIGNATURE})


def test_keep_alive_parts_add_no_chunk() -> None:
    first = {"functionCall": {"name": "f", "willContinue": True}}
    keep_alive = {"functionCall": {"willContinue": True}}
    step = {"jsonPath": "$.a", "numberValue": 1}
    parts = [first, keep_alive, {"functionCall": {"partialArgs": [step], "willContinue": True}}]
    parts += [keep_alive, keep_alive, {"functionCall": {}}]
    chunks, _ = translated(events_of(parts))
    # the opening, the step, the end and the finish: nothing for the keep-alive events
    assert len(chunks) == 4
    assert [arguments_of(tool_deltas([chunk])) for chunk in chunks] == ["", '{"a":1', "}", ""]


def test_two_streamed_calls_in_one_answer_get_their_own_indices_and_ids() -> None:
    weather = {"city": "Paris", "days": 3}
    parts = call_parts("cookRecipe", RECIPE, seed=1, signature=SIGNATURE)
    parts += call_parts("get_weather", weather, seed=2)
    chunks, _ = translated(events_of(parts))
    deltas = tool_deltas(chunks)
    assert [(d.index, d.id) for d in deltas if d.id] == [(0, "call_resp-1_1"), (1, "call_resp-1_2")]
    assert json.loads(arguments_of(deltas, 0)) == RECIPE
    assert json.loads(arguments_of(deltas, 1)) == weather
    calls = accumulate(chunks).choices[0].message.tool_calls
    assert calls is not None
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("cookRecipe", RECIPE),
        ("get_weather", weather),
    ]
    assert [c.provider_state is not None for c in calls] == [True, False]


def test_whole_and_streamed_calls_share_one_run_of_indices() -> None:
    whole = {"functionCall": {"name": "get_time", "args": {"zone": "CET"}}}
    parts = [whole, *call_parts("get_weather", {"city": "Oslo"}), whole]
    chunks, _ = translated(events_of(parts))
    calls = accumulate(chunks).choices[0].message.tool_calls
    assert calls is not None
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("call_resp-1_1", "get_time", {"zone": "CET"}),
        ("call_resp-1_2", "get_weather", {"city": "Oslo"}),
        ("call_resp-1_3", "get_time", {"zone": "CET"}),
    ]


def test_a_call_with_all_its_steps_in_one_part_is_one_delta() -> None:
    steps = list(steps_of({"city": "Paris", "days": [1, 2]}, random.Random(3)))
    part = {"functionCall": {"name": "get_weather", "id": "fc-9", "partialArgs": steps}}
    chunks, _ = translated(events_of([part]))
    [delta] = tool_deltas(chunks)
    assert delta.id == "fc-9"
    assert delta.function is not None
    assert json.loads(delta.function.arguments) == {"city": "Paris", "days": [1, 2]}


def test_the_last_step_without_will_continue_ends_the_call() -> None:
    parts = call_parts("writeItems", {"ops": [{"price": 0.5}, {"price": 0.3}]}, end="last-step")
    chunks, _ = translated(events_of(parts))
    deltas = tool_deltas(chunks)
    assert arguments_of([deltas[-1]]) == '},{"price":0.3}]}'
    assert json.loads(arguments_of(deltas)) == {"ops": [{"price": 0.5}, {"price": 0.3}]}


@pytest.mark.parametrize("finish", ["STOP", "MAX_TOKENS"])
def test_with_no_end_part_the_finish_reason_closes_the_arguments(finish: str) -> None:
    parts = call_parts("cookRecipe", RECIPE, end="none")
    parts.append(
        {
            "functionCall": {
                "partialArgs": [{"jsonPath": "$.note", "stringValue": "cut", "willContinue": True}],
                "willContinue": True,
            }
        }
    )
    chunks, finished = translated(events_of(parts, finish=finish))
    assert finished
    deltas = tool_deltas(chunks)
    assert arguments_of([deltas[-1]]) == '"}'
    assert json.loads(arguments_of(deltas)) == {**RECIPE, "note": "cut"}
    answer = accumulate(chunks).choices[0]
    assert answer.finish_reason == ("tool_calls" if finish == "STOP" else "length")
    assert answer.message.tool_calls is not None
    assert json.loads(answer.message.tool_calls[0].function.arguments) == {**RECIPE, "note": "cut"}


def test_the_end_part_and_the_finish_reason_may_come_together() -> None:
    parts = call_parts("get_weather", {"city": "Rome"})
    events = events_of(parts[:-1], finish=None)
    events.append(gemini_chunk(parts=[parts[-1]], finish_reason="STOP", id="resp-1"))
    chunks, finished = translated(events)
    assert finished
    assert json.loads(arguments_of(tool_deltas(chunks))) == {"city": "Rome"}


def test_a_stream_cut_off_inside_a_call_is_not_finished() -> None:
    chunks, finished = translated(events_of(call_parts("cookRecipe", RECIPE, end="none"), None))
    assert not finished
    assert tool_deltas(chunks)[0].function.name == "cookRecipe"


def test_each_candidate_streams_its_own_call() -> None:
    def event(index: int, call: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        candidate: dict[str, Any] = {"index": index, "content": {"parts": [{"functionCall": call}]}}
        if finish:
            candidate["finishReason"] = finish
        return gemini_chunk(candidates=[candidate], id="resp-1")

    def step(path: str, value: str) -> dict[str, Any]:
        return {"partialArgs": [{"jsonPath": path, "stringValue": value}], "willContinue": True}

    events = [
        event(0, {"name": "f", "willContinue": True}),
        event(1, {"name": "g", "willContinue": True}),
        event(1, step("$.b", "two")),
        event(0, step("$.a", "one")),
        event(1, {}, "STOP"),
        event(0, {}, "STOP"),
    ]
    chunks, finished = translated(events, n=2)
    assert finished
    assert json.loads(arguments_of(tool_deltas(chunks, 0))) == {"a": "one"}
    assert json.loads(arguments_of(tool_deltas(chunks, 1))) == {"b": "two"}
    assert [d.index for d in tool_deltas(chunks, 1) if d.id] == [0]


def test_args_on_a_streamed_call_are_written_as_steps() -> None:
    parts = [
        {"functionCall": {"name": "f", "args": {"a": [1]}, "willContinue": True}},
        {"functionCall": {"partialArgs": [{"jsonPath": "$.b", "boolValue": False}]}},
    ]
    chunks, _ = translated(events_of(parts))
    assert json.loads(arguments_of(tool_deltas(chunks))) == {"a": [1], "b": False}


def test_a_call_part_may_repeat_the_name_of_the_call_it_continues() -> None:
    parts = [
        {"functionCall": {"name": "f", "willContinue": True}},
        {"functionCall": {"name": "f", "partialArgs": [{"jsonPath": "$.a", "nullValue": None}]}},
    ]
    chunks, _ = translated(events_of(parts))
    assert json.loads(arguments_of(tool_deltas(chunks))) == {"a": None}
    assert len(accumulate(chunks).choices[0].message.tool_calls or ()) == 1


def test_a_null_value_may_be_written_as_its_enum_name() -> None:
    parts = [
        {
            "functionCall": {
                "name": "f",
                "partialArgs": [{"jsonPath": "$.a", "nullValue": "NULL_VALUE"}],
            }
        }
    ]
    chunks, _ = translated(events_of(parts))
    assert json.loads(arguments_of(tool_deltas(chunks))) == {"a": None}


OPEN = {"functionCall": {"name": "f", "willContinue": True}}


def partial(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"functionCall": {"partialArgs": list(steps), "willContinue": True}}


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ([partial({"jsonPath": "$.a", "numberValue": 1})], "with a 'name'"),
        ([{"functionCall": {"willContinue": True}}], "with a 'name'"),
        ([{"functionCall": {}}], "with a 'name'"),
        (
            [
                OPEN,
                partial({"jsonPath": "$.a", "numberValue": 1}),
                partial({"jsonPath": "$.a", "numberValue": 2}),
            ],
            "'$.a' goes back to a place already written",
        ),
        (
            [OPEN, {"functionCall": {"name": "g", "willContinue": True}}],
            "names 'g' while the call to 'f' goes on",
        ),
        ([OPEN, partial({"jsonPath": "$.a"})], "partialArgs[0] is missing"),
        ([OPEN, partial({"jsonPath": "$.a", "stringValue": 1})], "stringValue must be a string"),
        ([OPEN, partial({"jsonPath": "$.a", "numberValue": "1"})], "numberValue must be a number"),
        ([OPEN, partial({"jsonPath": "$.a", "numberValue": True})], "numberValue must be a number"),
        ([OPEN, partial({"jsonPath": "$.a", "boolValue": "yes"})], "boolValue must be a bool"),
        ([OPEN, partial({"numberValue": 1})], "jsonPath must be a string"),
        ([OPEN, partial({"jsonPath": "$..a", "numberValue": 1})], "does not name one place"),
        ([OPEN, partial("$.a")], "partialArgs[0] must be an object"),
        (
            [OPEN, {"functionCall": {"partialArgs": {"jsonPath": "$.a"}}}],
            "partialArgs must be a list",
        ),
        ([OPEN, {"functionCall": {"args": [1], "willContinue": True}}], "args must be an object"),
        ([OPEN, {"functionCall": "f"}], "functionCall must be an object"),
    ],
    ids=[
        "steps-without-a-call",
        "keep-alive-without-a-call",
        "end-without-a-call",
        "back-tracking",
        "another-name",
        "no-value",
        "string-not-str",
        "number-not-number",
        "number-is-bool",
        "bool-not-bool",
        "no-path",
        "not-a-path",
        "step-not-object",
        "steps-not-list",
        "args-not-object",
        "call-not-object",
    ],
)
def test_pieces_that_cannot_be_joined_are_decode_errors(parts: list[Any], message: str) -> None:
    with pytest.raises(DecodeError, match=r"^gemini: event #\d+ .*" + re.escape(message)):
        translated(events_of(parts))


def test_the_error_names_the_part_and_step() -> None:
    parts = [
        OPEN,
        partial({"jsonPath": "$.a", "stringValue": "x"}, {"jsonPath": "$.a", "boolValue": True}),
    ]
    with pytest.raises(DecodeError, match=re.escape("event #2")) as info:
        translated(events_of(parts))
    place = "candidates[0].content.parts[0].functionCall.partialArgs[1]"
    assert f"{place}: jsonPath '$.a' goes back" in str(info.value)


def make_call(stream: bool) -> Any:
    config = ClientConfig(api_key="k")
    return prepare_call(config, "chat", MODEL, USER, {}, stream=stream)


STEP = {"jsonPath": "$.a", "numberValue": 1}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"name": "f", "willContinue": True}, "streams its arguments"),
        ({"name": "f", "partialArgs": [STEP]}, "streams its arguments"),
        ({"partialArgs": [STEP]}, "must be an object with a 'name'"),
    ],
    ids=["will-continue", "partial-args", "partial-args-without-name"],
)
def test_a_whole_answer_with_streamed_arguments_is_a_decode_error(
    call: dict[str, Any], message: str
) -> None:
    body = json.dumps(gemini_chunk(parts=[{"functionCall": call}], finish_reason="STOP"))
    with pytest.raises(DecodeError, match=r"^gemini: the response is not a Gemini answer") as info:
        DIALECT.parse_completion(make_call(stream=False), body.encode())
    assert "candidates[0].content.parts[0].functionCall" in str(info.value)
    assert message in str(info.value)


def test_a_whole_answer_with_a_whole_call_still_reads() -> None:
    part = {"functionCall": {"name": "f", "args": {"a": 1}, "willContinue": False}}
    body = json.dumps(gemini_chunk(parts=[part], finish_reason="STOP")).encode()
    answer = DIALECT.parse_completion(make_call(stream=False), body)
    calls = answer.choices[0].message.tool_calls
    assert calls is not None
    assert json.loads(calls[0].function.arguments) == {"a": 1}


# --- through the real HTTP path -----------------------------------------------------------


def client_for(facade: Facade, server: LocalServer) -> Any:
    return facade.client(base_url=server.base_url, api_key="k")


def test_streamed_arguments_through_the_client(facade: Facade, server: LocalServer) -> None:
    weather = {"city": "東京", "days": 2, "units": None, "alerts": True}
    parts = call_parts("cookRecipe", RECIPE, seed=5, signature=SIGNATURE)
    parts += call_parts("get_weather", weather, seed=6, end="last-step")
    server.enqueue(Reply.sse(events_of(parts), done=False))
    stream = client_for(facade, server).chat_stream(MODEL, USER)
    chunks = list(stream)
    deltas = tool_deltas(chunks)
    assert [(d.index, d.function.name) for d in deltas if d.id] == [
        (0, "cookRecipe"),
        (1, "get_weather"),
    ]
    answer = stream.final_completion()
    assert answer.choices[0].finish_reason == "tool_calls"
    calls = answer.choices[0].message.tool_calls
    assert calls is not None
    assert [c.function.arguments for c in calls] == [
        arguments_of(deltas, 0),
        arguments_of(deltas, 1),
    ]
    assert [json.loads(c.function.arguments) for c in calls] == [RECIPE, weather]
    assert calls[0].provider_state == ProviderState("gemini", {"thoughtSignature": SIGNATURE})
    assert server.requests[0].path.endswith(":streamGenerateContent?alt=sse")


def test_finish_without_an_end_part_through_the_client(facade: Facade, server: LocalServer) -> None:
    parts = call_parts("cookRecipe", RECIPE, seed=7, end="none")
    server.enqueue(Reply.sse(events_of(parts, finish="STOP"), done=False))
    stream = client_for(facade, server).chat_stream(MODEL, USER)
    list(stream)
    calls = stream.final_completion().choices[0].message.tool_calls
    assert calls is not None
    assert json.loads(calls[0].function.arguments) == RECIPE


def test_a_stream_cut_off_inside_a_call_is_an_incomplete_stream(
    facade: Facade, server: LocalServer
) -> None:
    parts = call_parts("cookRecipe", RECIPE, seed=8, end="none")
    server.enqueue(Reply.sse(events_of(parts, finish=None), done=False))
    stream = client_for(facade, server).chat_stream(MODEL, USER)
    received: list[ChatCompletionChunk] = []
    with pytest.raises(IncompleteStreamError, match="ended before its end marker"):
        drain(stream, received)
    assert tool_deltas(received)[0].function.name == "cookRecipe"
    with pytest.raises(IncompleteStreamError):
        stream.final_completion()


def test_a_broken_run_of_steps_is_a_decode_error_through_the_client(
    facade: Facade, server: LocalServer
) -> None:
    parts = [
        OPEN,
        partial({"jsonPath": "$.a[0]", "numberValue": 1}),
        partial({"jsonPath": "$.a[2]", "numberValue": 2}),
    ]
    server.enqueue(Reply.sse(events_of(parts), done=False))
    stream = client_for(facade, server).chat_stream(MODEL, USER)
    with pytest.raises(DecodeError, match=re.escape("'$.a[2]' skips to index 2")):
        drain(stream, [])
