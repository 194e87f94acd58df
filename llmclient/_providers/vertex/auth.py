"""How a Vertex AI call is authenticated, and which project it bills: a token given by the
caller, else Application Default Credentials (google-auth, the ``vertex`` extra) as a bearer
token refreshed before it expires and once after a 401."""

from __future__ import annotations

import os

from ..._auth import NO_AUTH, HeaderAuth, RequestAuth
from ..._core.call import ChatCall
from ...errors import InvalidRequestError
from .urls import PROJECT_ENV, check_project, location


def new_auth(call: ChatCall) -> RequestAuth:
    """The call's auth, first match: the caller's own ``authorization`` header; a token given
    as the key (``api_key=`` / ``api_keys={"vertex": ...}``) as ``Authorization: Bearer``;
    Application Default Credentials. The project and the location are checked now, so that
    a missing one is an input error before anything is sent."""
    location()
    if any(name.lower() == "authorization" for name in call.headers):
        project(call)
        return NO_AUTH
    if call.api_key:
        project(call)
        return HeaderAuth("authorization", "Bearer ", call.api_key)
    from ... import _google  # google-auth, loaded on first use

    tokens, credentials_project = _google.google_credentials()
    project(call, credentials_project)
    return tokens.bearer_auth()  # one per credentials: a token serves every call till it expires


def project(call: ChatCall, credentials_project: str | None = None, *, adc: bool = False) -> str:
    """``GOOGLE_CLOUD_PROJECT``, else the project of the Application Default Credentials the
    call uses (``adc``: looked up from their cache); ``InvalidRequestError`` saying what to
    set when there is neither."""
    given = os.environ.get(PROJECT_ENV)
    if given:
        return check_project(given, PROJECT_ENV)
    if credentials_project is None and adc:
        from ... import _google

        credentials_project = _google.google_credentials()[1]
    if credentials_project:
        return check_project(credentials_project, "The credentials' project")
    raise InvalidRequestError(
        f"No Google Cloud project for provider {call.provider.name!r}: set {PROJECT_ENV} "
        "(or use Application Default Credentials that name a project)."
    )
