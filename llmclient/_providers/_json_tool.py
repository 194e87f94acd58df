"""``response_format`` as one forced tool call, for the wires that have no JSON mode of their
own (Anthropic's Messages API, Bedrock's Converse): the schema becomes the tool's input schema,
and the tool's input comes back as the answer's text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..errors import InvalidRequestError

#: The tool's name for ``json_object``, and for a ``json_schema`` without a name.
JSON_OBJECT_TOOL = "json_object"
DEFAULT_SCHEMA_TOOL = "json_response"
_DESCRIPTION = "Give the answer as a JSON object: the input of this tool is the answer."


@attrs.frozen
class JsonTool:
    """The forced tool that carries a ``response_format`` answer."""

    name: str
    description: str
    schema: Mapping[str, Any]


def json_tool_name(params: Mapping[str, Any]) -> str | None:
    """The name of the tool that carries a ``response_format`` answer, or None."""
    response_format = params.get("response_format")
    if not isinstance(response_format, Mapping):
        return None
    kind = response_format.get("type")
    if kind == "json_object":
        return JSON_OBJECT_TOOL
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        name = spec.get("name") if isinstance(spec, Mapping) else None
        return name if isinstance(name, str) and name else DEFAULT_SCHEMA_TOOL
    return None


def json_tool(params: Mapping[str, Any], provider: str, *, thinking: bool) -> JsonTool | None:
    """The tool for the call's ``response_format``; None when there is none or it is text.

    Raises ``InvalidRequestError`` for a format other than ``json_schema``, ``json_object``
    and ``text``, for a schema that is not an object's, and alongside ``tools``,
    ``tool_choice`` or thinking, which a forced tool call excludes.
    """
    response_format = params.get("response_format")
    if response_format is None:
        return None
    kind = response_format.get("type") if isinstance(response_format, Mapping) else None
    if kind == "text":
        return None
    if kind not in ("json_schema", "json_object"):
        raise InvalidRequestError(
            f"response_format={response_format!r} is not supported by {provider}; use "
            "{'type': 'json_schema', ...}, {'type': 'json_object'} or {'type': 'text'}."
        )
    if "tools" in params or "tool_choice" in params or thinking:
        raise InvalidRequestError(
            f"response_format {kind} is sent to {provider} as a forced tool call, so it cannot "
            "be combined with tools, tool_choice or thinking (reasoning_effort)."
        )
    name = json_tool_name(params) or DEFAULT_SCHEMA_TOOL
    if kind == "json_object":
        return JsonTool(name, _DESCRIPTION, {"type": "object"})
    spec = response_format.get("json_schema")
    if not isinstance(spec, Mapping) or not isinstance(spec.get("schema"), Mapping):
        raise InvalidRequestError("response_format json_schema needs a 'schema' dict.")
    schema = spec["schema"]
    if schema.get("type") != "object":
        raise InvalidRequestError(
            f"response_format json_schema for {provider} needs a schema of type 'object', "
            "as tool inputs are objects."
        )
    return JsonTool(name, spec.get("description") or _DESCRIPTION, schema)
