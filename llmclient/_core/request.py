"""Turning a ``chat`` / ``chat_stream`` call into a checked, provider-ready :class:`ChatCall`."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._config import (
    TIMEOUT_RANGE,
    ClientConfig,
    check_count,
    check_headers,
    check_key,
    check_timeout,
    is_seconds,
    resolve_api_key,
    resolve_api_version,
    resolve_base_url,
    split_model,
)
from .._providers import ProviderSpec, get_dialect
from ..errors import InvalidRequestError
from ..types import ChatParams, Message
from .call import ChatCall
from .convert import is_answer_type, message_to_dict
from .timeouts import StreamTimeouts

if TYPE_CHECKING:
    pass

STREAM_TIMEOUT_PARAMS = ("first_chunk_timeout", "idle_timeout", "total_timeout")

#: Parameters sent to the provider (each dialect maps them onto its own wire names).
SENT_PARAMS = frozenset(ChatParams.__annotations__) - {
    "extra_body",
    "extra_headers",
    "timeout",
    "max_retries",
    "api_key",
    *STREAM_TIMEOUT_PARAMS,
    "fallbacks",
}
ALL_PARAMS = frozenset(ChatParams.__annotations__)


def _number(low: float, high: float) -> Callable[[Any], bool]:
    return lambda value: (
        isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high
    )


def _integer(low: int | None = None, high: int | None = None) -> Callable[[Any], bool]:
    return lambda value: (
        isinstance(value, int)
        and not isinstance(value, bool)
        and (low is None or value >= low)
        and (high is None or value <= high)
    )


def _stop(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value)


def _of_type(*types: type) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, types)


#: Sent parameters checked before the network, under their OpenAI names: the rule and how an
#: error states it. The ranges are OpenAI's, the widest of the providers; a dialect narrows
#: one for its provider (Anthropic's temperature is 0 to 1). Counts (how many ``stop``
#: strings) differ between providers and are left to them.
PARAM_RULES: Mapping[str, tuple[Callable[[Any], bool], str]] = {
    "temperature": (_number(0, 2), "a number from 0 to 2"),
    "top_p": (_number(0, 1), "a number from 0 to 1"),
    "presence_penalty": (_number(-2, 2), "a number from -2 to 2"),
    "frequency_penalty": (_number(-2, 2), "a number from -2 to 2"),
    "max_tokens": (_integer(1), "a positive int"),
    "max_completion_tokens": (_integer(1), "a positive int"),
    "n": (_integer(1), "an int of 1 or more"),
    "top_logprobs": (_integer(0, 20), "an int from 0 to 20"),
    "seed": (_integer(), "an int"),
    "stop": (_stop, "a string or a list of strings"),
    "logprobs": (_of_type(bool), "true or false"),
    "parallel_tool_calls": (_of_type(bool), "true or false"),
    "user": (_of_type(str), "a string"),
    "reasoning_effort": (_of_type(str), "a string such as 'low'"),
    "logit_bias": (_of_type(dict), "a dict of token ids to numbers"),
    "tool_choice": (_of_type(str, dict), "a string such as 'auto', or a dict"),
    "response_format": (_of_type(dict), "a dict such as {'type': 'json_object'}"),
    "stream_options": (_of_type(dict), "a dict such as {'include_usage': True}"),
    "tools": (_of_type(list, tuple), "a list of tool dicts"),
}


def _short(value: Any) -> str:
    """``repr(value)``, cut to a length an error message can carry."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def check_params(params: Mapping[str, Any]) -> None:
    """Apply ``PARAM_RULES`` to the parameters given (None means not given).

    The rules judge JSON values. A value that is no JSON at all (a set, bytes, NaN) is left
    to :func:`encode_json`, which refuses it wherever it sits in the body, with one message.
    """
    for name, value in params.items():
        rule = PARAM_RULES.get(name)
        if rule is not None and _is_json(value) and not rule[0](value):
            raise InvalidRequestError(f"{name} must be {rule[1]}, got {_short(value)}.")


def _is_json(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, (str, int, list, tuple, dict))


def prepare_call(
    config: ClientConfig,
    method_name: str,
    model: str,
    messages: Sequence[Any],
    params: Mapping[str, Any],
    *,
    stream: bool,
) -> ChatCall:
    """Check a call's input and resolve provider, key, URL, timeout and retries.

    Raises ``TypeError`` for an unknown keyword (as Python does) and an ``InputError``
    for anything else wrong, all before any network traffic.
    """
    for name in params:
        if name not in ALL_PARAMS:
            import difflib  # only on this error path

            close = difflib.get_close_matches(name, ALL_PARAMS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise TypeError(f"{method_name}() got an unexpected keyword argument {name!r}.{hint}")
    provider, model_name = split_model(model, config.default_provider, config.registry())
    # In the order a user fixes them: the call's own input first, the environment's key last.
    check_params(params)
    checked_messages = normalize_messages(messages)
    common = resolve_options(config, provider, params)
    return ChatCall(
        model=model_name,
        messages=checked_messages,
        params=sent_params(provider, params),
        stream=stream,
        dialect=get_dialect(provider.dialect),
        stream_timeouts=stream_timeouts(config.stream_timeouts, params, stream=stream),
        **common,
    )


def resolve_options(
    config: ClientConfig, provider: ProviderSpec, options: Mapping[str, Any]
) -> dict[str, Any]:
    """The :class:`ChatCall` fields every kind of call resolves alike: provider, URL, key,
    headers and the per-call ``api_key``, ``timeout``, ``max_retries``, ``extra_headers`` and
    ``extra_body``. Raises an ``InputError`` for any of them that is wrong."""
    base_url, _, base_query = resolve_base_url(config, provider).partition("?")
    check_key(options.get("api_key"), "api_key")
    max_retries = options.get("max_retries")
    if max_retries is None:
        max_retries = config.max_retries
    check_count(max_retries, "max_retries", 0)
    if "timeout" in options:
        check_timeout(options["timeout"])
    extra_headers = options.get("extra_headers")
    if extra_headers is None:
        extra_headers = {}
    check_headers(extra_headers, "extra_headers")
    extra_body = options.get("extra_body")
    if extra_body is None:
        extra_body = {}
    if not isinstance(extra_body, Mapping):
        raise InvalidRequestError(
            f"extra_body must be a dict merged into the JSON body, got {type(extra_body).__name__}."
        )
    api_key = resolve_api_key(  # after the checks above: a missing key is fixed elsewhere
        config, provider, options.get("api_key"), base_url_overridden=config.base_url is not None
    )
    headers = dict(config.default_headers)
    headers.update(extra_headers)
    return {
        "provider": provider,
        "base_url": base_url,
        "base_query": base_query,
        "api_key": api_key,
        "timeout": options.get("timeout", config.timeout),
        "max_retries": max_retries,
        "extra_body": extra_body,
        "headers": headers,
        "api_version": resolve_api_version(provider),
        "max_event_size": config.max_event_size,
        "max_response_size": config.max_response_size,
    }


def stream_timeouts(
    client: StreamTimeouts, params: Mapping[str, Any], *, stream: bool
) -> StreamTimeouts:
    """The client's stream timeouts with the call's own in their place; None turns one off.

    A call that does not stream (``chat``) has no chunks to time: only its deadline applies.
    """
    first, idle, total = (
        params[name] if name in params else getattr(client, name.removesuffix("_timeout"))
        for name in STREAM_TIMEOUT_PARAMS
    )
    timeouts = make_stream_timeouts(first, idle, total)
    return timeouts if stream else StreamTimeouts(total=timeouts.total)


def make_stream_timeouts(first: Any, idle: Any, total: Any) -> StreamTimeouts:
    """Checked stream timeouts: each None or a positive number of seconds."""
    for name, value in zip(STREAM_TIMEOUT_PARAMS, (first, idle, total), strict=True):
        if value is not None and not is_seconds(value):
            raise InvalidRequestError(
                f"{name} must be a positive number of seconds or None, "
                f"got {value!r} {TIMEOUT_RANGE}."
            )
    return StreamTimeouts(first, idle, total)


def sent_params(provider: ProviderSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters sent to the provider, under the names it uses (``param_renames``),
    without its ``dropped_params``; ``InvalidRequestError`` for one of its ``rejected_params``."""
    sent = {
        k: v
        for k, v in params.items()
        if k in SENT_PARAMS and v is not None and k not in provider.dropped_params
    }
    rejected = sorted(provider.rejected_params.intersection(sent))
    if rejected:
        raise InvalidRequestError(
            f"Provider {provider.name!r} does not support {', '.join(map(repr, rejected))}."
        )
    renames = provider.param_renames
    if not renames or renames.keys().isdisjoint(sent):
        return sent
    out: dict[str, Any] = {}
    for name, value in sent.items():
        wire = renames.get(name, name)
        if wire in out or (wire != name and wire in sent):
            raise InvalidRequestError(
                f"{provider.name} takes {name!r} as {wire!r}: pass one of them, not both."
            )
        out[wire] = value
    return out


def normalize_messages(messages: Sequence[Any]) -> list[dict[str, Any]]:
    """Check that messages are role/content mappings; answer ``Message`` objects become dicts.

    ``reasoning_content`` is left out of every message: no provider takes it back as text.
    """
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
        raise InvalidRequestError(
            "messages must be a list of {'role': ..., 'content': ...} dicts, "
            f"got {type(messages).__name__}."
        )
    if not messages:
        raise InvalidRequestError("messages is empty: send at least one message.")
    out: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        if is_answer_type(message):
            if not isinstance(message, Message):
                raise InvalidRequestError(
                    f"messages[{index}] is a {type(message).__name__}; pass a dict or a Message."
                )
            message = message_to_dict(message)
        if not isinstance(message, Mapping):
            raise InvalidRequestError(
                f"messages[{index}] must be a dict with 'role' and 'content', "
                f"got {type(message).__name__}."
            )
        role = message.get("role")
        if not isinstance(role, str) or not role:
            raise InvalidRequestError(f"messages[{index}] has no 'role' (e.g. 'user').")
        content = message.get("content")
        if content is not None and not isinstance(content, (str, list)):
            raise InvalidRequestError(
                f"messages[{index}]['content'] must be a string or a list of content parts, "
                f"got {type(content).__name__}."
            )
        if isinstance(content, list):
            for number, part in enumerate(content):
                if not isinstance(part, Mapping) or not isinstance(part.get("type"), str):
                    raise InvalidRequestError(
                        f"messages[{index}]['content'][{number}] must be a content part dict "
                        "with a 'type', like {'type': 'text', 'text': ...}, "
                        f"got {_short(part)}."
                    )
        message = dict(message)
        # Thinking as text is for reading; what a provider needs back is its provider_state.
        message.pop("reasoning_content", None)
        out.append(message)
    return out


def encode_json(body: Mapping[str, Any]) -> bytes:
    """Encode a request body compactly as UTF-8 JSON, naming what cannot be encoded."""
    try:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise InvalidRequestError(f"The request cannot be sent as JSON: {exc}.") from exc
    except RecursionError:
        raise InvalidRequestError(
            "The request cannot be sent as JSON: it is nested too deeply (a list or dict "
            "inside itself, or hundreds of levels deep in extra_body, messages or a parameter)."
        ) from None
