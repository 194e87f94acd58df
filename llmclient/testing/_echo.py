"""A scripted reply names the model its request names, as a real API answers with the model
asked for: the body's ``"model":"<default>"`` becomes the requested one, and the write
offsets follow."""

from __future__ import annotations

import attrs

from ._reply import Reply
from ._request import RecordedRequest, json_object
from ._wire import dump_json


def with_requested_model(request: RecordedRequest, reply: Reply) -> Reply:
    """``reply`` naming ``request``'s model in place of its ``echo_model``; ``reply`` itself
    when it has none, or the request names no model."""
    payload = json_object(request) if reply.echo_model is not None else None
    model = payload.get("model") if payload is not None else None
    if not isinstance(model, str) or model == reply.echo_model:
        return reply
    old = b'"model":' + dump_json(reply.echo_model)
    new = b'"model":' + dump_json(model)
    starts = []
    found = reply.body.find(old)
    while found != -1:
        starts.append(found)
        found = reply.body.find(old, found + len(old))
    if not starts:
        return reply
    growth = len(new) - len(old)

    def moved(offset: int) -> int:
        return offset + growth * sum(1 for start in starts if start + len(old) <= offset)

    return attrs.evolve(
        reply,
        body=reply.body.replace(old, new),
        split_at=[moved(offset) for offset in reply.split_at],
        drop_after=None if reply.drop_after is None else moved(reply.drop_after),
        echo_model=None,
    )
