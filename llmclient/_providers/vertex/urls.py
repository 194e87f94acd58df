"""Where a Vertex AI call goes: the location in the host, the project and the publisher in
the path."""

from __future__ import annotations

import os
import re
from urllib.parse import quote

from ..._core.call import ChatCall
from ...errors import InvalidRequestError

#: The registry's base URL holds this placeholder for the location (``us-central1``, ...).
LOCATION_PLACEHOLDER = "{location}"
#: The location when neither variable names one: the global endpoint.
DEFAULT_LOCATION = "global"
PROJECT_ENV = "GOOGLE_CLOUD_PROJECT"
LOCATION_ENVS = ("GOOGLE_CLOUD_LOCATION", "CLOUD_ML_REGION")

# A location (us-central1, europe-west4, global) or a project id: nothing that could move the
# host or the path.
_NAME = re.compile(r"[a-z][a-z0-9-]*[a-z0-9]")
_PROJECT = re.compile(r"[a-z0-9][a-z0-9.:-]*[a-z0-9]")


def location() -> str:
    """``GOOGLE_CLOUD_LOCATION``, else ``CLOUD_ML_REGION``, else ``global``; checked."""
    value = next((os.environ[name] for name in LOCATION_ENVS if os.environ.get(name)), None)
    if value is None:
        return DEFAULT_LOCATION
    if not _NAME.fullmatch(value):
        raise InvalidRequestError(
            f"The Vertex AI location {value!r} is not a location name (like 'us-central1' or "
            "'global')."
        )
    return value


def check_project(project: str, source: str) -> str:
    """``project`` if it is a project id; ``InvalidRequestError`` naming ``source`` if not."""
    if not _PROJECT.fullmatch(project):
        raise InvalidRequestError(f"{source} {project!r} is not a Google Cloud project id.")
    return project


def base_url(call: ChatCall, where: str) -> str:
    """The call's base URL with its location in the host: ``{location}-aiplatform...``, or
    ``aiplatform.googleapis.com`` for ``global``."""
    base = call.base_url
    if LOCATION_PLACEHOLDER not in base:
        return base
    if where == DEFAULT_LOCATION:
        return base.replace(f"{LOCATION_PLACEHOLDER}-", "")
    return base.replace(LOCATION_PLACEHOLDER, where)


def model_url(call: ChatCall, project: str, publisher: str, method: str) -> str:
    """``{base}/v1/projects/{project}/locations/{location}/publishers/{publisher}/models/
    {model}:{method}``, the model escaped as one path segment."""
    where = location()
    model = quote(call.model, safe="@")
    return (
        f"{base_url(call, where)}/v1/projects/{project}/locations/{where}/publishers/"
        f"{publisher}/models/{model}:{method}"
    )
