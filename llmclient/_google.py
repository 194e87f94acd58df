"""Google credentials that refresh: Application Default Credentials, and the bearer tokens
they make for Vertex AI.

The I/O side of Google Cloud. With the ``vertex`` extra installed (google-auth),
:func:`google_credentials` finds the credentials as Google's tools do and returns a
:class:`GoogleTokens`, the :class:`~llmclient._auth.TokenProvider` that
:class:`~llmclient._auth.BearerTokenAuth` asks for a token before it expires and after a 401.

- :class:`HttpxRequest`: google-auth's transport interface (``google.auth.transport.Request``)
  over httpx, so that google-auth refreshes without the ``requests`` package.
- :class:`GoogleTokens`: refreshes google-auth credentials, blocking or in a worker thread
  (never on an event loop), one refresh at a time; :meth:`GoogleTokens.bearer_auth` is the
  auth that all the calls using them share.
- :func:`google_credentials` / :func:`agoogle_credentials`: the credentials and their project,
  kept per scopes and environment (:func:`clear_cache`).
- :class:`MetadataServer`: asked here when google-auth cannot ask it (without ``requests``).

``import llmclient`` does not load this module, nor google-auth: a dialect imports it when it
makes its auth.
"""

from __future__ import annotations

import datetime
import functools
import importlib.util
import json
import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio.to_thread
import attrs
import httpx

from ._auth import BearerTokenAuth, Token
from ._core.redact import MASK, Secrets, scrub_text
from .errors import APIConnectionError, APITimeoutError, MissingAPIKeyError

__all__ = [
    "CLOUD_PLATFORM",
    "MISSING_CREDENTIALS",
    "MISSING_EXTRA",
    "GoogleTokens",
    "HttpResponse",
    "HttpxRequest",
    "agoogle_credentials",
    "clear_cache",
    "google_credentials",
]

#: The provider named in the errors raised here.
PROVIDER = "vertex"
#: The OAuth scope Vertex AI needs.
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"

#: What :func:`google_credentials` raises (as a MissingAPIKeyError) without google-auth.
MISSING_EXTRA = (
    "Application Default Credentials for provider 'vertex' need google-auth: "
    "pip install 'llmclient[vertex]', or pass an access token with api_key=... or "
    "api_keys={'vertex': ...}."
)
#: What :func:`google_credentials` raises (as a MissingAPIKeyError) when it finds none.
MISSING_CREDENTIALS = (
    "No Google credentials for provider 'vertex': set GOOGLE_APPLICATION_CREDENTIALS to a "
    "service account key or user credentials file, or run `gcloud auth application-default "
    "login`, or run on Google Cloud (the metadata server), or pass an access token with "
    "api_key=... or api_keys={'vertex': ...}."
)

#: How long a request to a token endpoint may take, where google-auth gives no timeout.
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
#: The most of a token endpoint's answer that is read: a token is a few kilobytes.
MAX_BODY = 1 << 20
#: The longest part of a token endpoint's error that an error message quotes.
MAX_DETAIL = 300
#: A signed JWT: three base64url parts, the first a JSON header.
_JWT = r"eyJ[\w-]*\.[\w-]*\.[\w-]*"


@attrs.frozen
class HttpResponse:
    """An answer as google-auth's transport interface (``google.auth.transport.Response``)
    has it."""

    status: int
    headers: Mapping[str, str]
    data: bytes = attrs.field(repr=False)


class HttpxRequest:
    """google-auth's transport interface over httpx: each call is one request, on a client
    opened for it (a token is refreshed about once an hour), redirects not followed.

    ``timeout`` applies where google-auth gives none (it gives one to the metadata server);
    ``transport`` replaces httpx's (tests). Options google-auth passes for ``requests`` alone
    (client certificates) are ignored.
    """

    def __init__(
        self, *, timeout: httpx.Timeout = TIMEOUT, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._timeout = timeout
        self._transport = transport

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> HttpResponse:
        """Send the request and read its answer whole.

        Raises:
            google.auth.exceptions.TransportError: the request failed, timed out or was
                answered with more than :data:`MAX_BODY` bytes; its cause is httpx's error.
        """
        limit = self._timeout if timeout is None else httpx.Timeout(float(timeout))
        try:
            with (
                httpx.Client(timeout=limit, transport=self._transport) as client,
                client.stream(method, url, content=body, headers=headers) as response,
            ):
                data = bytearray()
                for piece in response.iter_bytes():
                    data += piece
                    if len(data) > MAX_BODY:
                        raise _google_auth().exceptions.TransportError(
                            f"the answer from {scrub_text(url)} is over {MAX_BODY} bytes"
                        )
        except httpx.HTTPError as exc:
            raise _google_auth().exceptions.TransportError(
                f"{type(exc).__name__}: {scrub_text(str(exc))}"
            ) from exc
        return HttpResponse(response.status_code, response.headers, bytes(data))

    def __repr__(self) -> str:
        return "HttpxRequest()"


class GoogleTokens:
    """Bearer tokens from google-auth credentials (``google.auth.credentials.Credentials``):
    a :class:`~llmclient._auth.TokenProvider`.

    Each :meth:`token` refreshes the credentials through ``request`` (an
    :class:`HttpxRequest` unless told otherwise). Refreshes run one at a time: a caller that
    waited while another refreshed takes the token that refresh got instead of fetching one
    more (both wanted a newer token than the one they had). ``origin`` says where the
    credentials were found, for :meth:`describe`.
    """

    def __init__(
        self,
        credentials: Any,
        *,
        origin: str | None = None,
        request: Callable[..., Any] | None = None,
    ) -> None:
        self._credentials = credentials
        self._origin = origin
        self._request = HttpxRequest() if request is None else request
        self._lock = threading.Lock()
        self._refreshes = 0
        self._last: Token | None = None
        self._bearer = BearerTokenAuth(self)

    def token(self) -> Token:
        """A token fetched now (blocking), and when it expires (``time.time()`` seconds; None
        when the credentials do not say).

        Raises:
            APIConnectionError: the token endpoint could not be reached, or failed in a way
                that may pass (``APITimeoutError`` when it timed out).
            MissingAPIKeyError: the token endpoint refused the credentials (revoked, expired,
                or a user who must sign in again).
        """
        seen = self._refreshes
        with self._lock:
            if self._refreshes != seen and self._last is not None:
                return self._last
            token = self._refresh()
            self._last = token
            self._refreshes += 1
            return token

    def bearer_auth(self) -> BearerTokenAuth:
        """The one ``Authorization: Bearer`` auth over these tokens, for every call that uses
        them: it keeps the token until it nears its expiry (or gets a 401), where an auth
        made for each call would fetch a token for each call."""
        return self._bearer

    async def atoken(self) -> Token:
        """:meth:`token` in a worker thread (asyncio or trio): the event loop never waits on
        the refresh. Raises as :meth:`token` does."""
        return await anyio.to_thread.run_sync(self.token)

    @property
    def quota_project_id(self) -> str | None:
        """The project billed for the requests (``x-goog-user-project``), when the credentials
        name one (user credentials do, or ``GOOGLE_CLOUD_QUOTA_PROJECT``)."""
        value = getattr(self._credentials, "quota_project_id", None)
        return value if isinstance(value, str) and value else None

    def describe(self) -> str:
        """Where the credentials come from, for errors and logs; never a secret."""
        kind = _kind(self._credentials)
        return kind if self._origin is None else f"{kind}, from {self._origin}"

    def _refresh(self) -> Token:
        errors = _google_auth().exceptions
        credentials = self._credentials
        try:
            credentials.refresh(self._request)
        except errors.TransportError as exc:
            cause = exc.__cause__
            error = (
                APITimeoutError if isinstance(cause, httpx.TimeoutException) else APIConnectionError
            )
            raise error(
                f"The Google credentials ({self.describe()}) could not be refreshed: the token "
                f"endpoint could not be reached ({self._detail(exc)}).",
                provider=PROVIDER,
            ) from cause
        except errors.GoogleAuthError as exc:
            # The error holds the token endpoint's whole answer: it is not chained.
            if getattr(exc, "retryable", False):
                raise APIConnectionError(
                    f"The Google credentials ({self.describe()}) could not be refreshed: the "
                    f"token endpoint failed ({self._detail(exc)}).",
                    provider=PROVIDER,
                ) from None
            raise MissingAPIKeyError(
                f"The Google credentials ({self.describe()}) could not be refreshed: "
                f"{self._detail(exc)}"
            ) from None
        value = credentials.token
        if not isinstance(value, str) or not value:
            raise MissingAPIKeyError(
                f"The Google credentials ({self.describe()}) were refreshed without a token."
            )
        return Token(value, _expires_at(credentials.expiry))

    def _detail(self, exc: Exception) -> str:
        """What ``exc`` says, short, with the credentials' secrets and any signed JWT (a
        service account's assertion) hidden: google-auth's message quotes the token endpoint,
        which may echo what it was sent."""
        said = exc.args[0] if exc.args and isinstance(exc.args[0], str) else ""
        names = ("token", "refresh_token", "client_secret")
        secrets = {getattr(self._credentials, name, None) for name in names}
        hidden = Secrets(value for value in secrets if isinstance(value, str))
        detail = hidden.text(re.sub(_JWT, MASK, said.strip())) or type(exc).__name__
        return detail if len(detail) <= MAX_DETAIL else f"{detail[:MAX_DETAIL]}..."

    def __repr__(self) -> str:
        return f"GoogleTokens({self.describe()!r})"


def _kind(credentials: Any) -> str:
    """What kind of credentials these are, and whose, by google-auth's classes."""
    module = type(credentials).__module__
    email = getattr(credentials, "service_account_email", None)
    if module == "google.oauth2.service_account":
        return f"service account {email}"
    if module == "google.oauth2.credentials":
        account = getattr(credentials, "account", None)
        return f"authorized user {account}" if account else "authorized user"
    if module.startswith("google.auth.compute_engine") or isinstance(
        credentials, _MetadataCredentials
    ):
        return "metadata server"
    if module == "google.auth.impersonated_credentials":
        target = getattr(credentials, "_target_principal", None)
        return f"impersonated service account {target}"
    if module in _EXTERNAL_ACCOUNT_MODULES:
        return "external account (workload identity federation)"
    return f"{type(credentials).__name__} credentials"


_EXTERNAL_ACCOUNT_MODULES = frozenset(
    {
        "google.auth.identity_pool",
        "google.auth.aws",
        "google.auth.pluggable",
        "google.auth.external_account_authorized_user",
    }
)


def _expires_at(expiry: object) -> float | None:
    """google-auth's expiry (a naive datetime in UTC) as ``time.time()`` seconds."""
    if not isinstance(expiry, datetime.datetime):
        return None
    if expiry.tzinfo is None:
        return expiry.replace(tzinfo=datetime.timezone.utc).timestamp()
    return expiry.timestamp()


def google_credentials(
    *, scopes: Sequence[str] = (CLOUD_PLATFORM,)
) -> tuple[GoogleTokens, str | None]:
    """Application Default Credentials, as ``google.auth.default`` finds them, and their
    project (None when they name none).

    In order: the file ``GOOGLE_APPLICATION_CREDENTIALS`` names (a service account key, user
    credentials, or another kind google-auth reads), gcloud's file (``gcloud auth
    application-default login``), the metadata server (Compute Engine, Cloud Run, GKE). The
    project is ``GOOGLE_CLOUD_PROJECT`` (or the older ``GCLOUD_PROJECT``) when set, else the
    credentials' own (a service account key's, gcloud's, the metadata server's). The credentials
    are kept per scopes and the variables that choose them, so later calls read no file; a
    search that found nothing stands for :data:`NOTHING_FOUND_TTL` seconds (it may have
    waited on a metadata server that is not there). It blocks while it reads files and asks
    the metadata server: :func:`agoogle_credentials` does it in a worker thread.

    Raises:
        MissingAPIKeyError: google-auth is not installed (:data:`MISSING_EXTRA`); no
            credentials were found (:data:`MISSING_CREDENTIALS`); the file named is missing
            or cannot be loaded (the error names the file, never what it holds).
    """
    if _google_auth() is None:
        raise MissingAPIKeyError(MISSING_EXTRA)
    wanted = (scopes,) if isinstance(scopes, str) else tuple(scopes)
    key = (wanted, *(os.environ.get(name) for name in _CHOOSING_VARIABLES))
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        nothing_until = _NOTHING_UNTIL.get(key, 0.0)
    if cached is not None:
        return cached
    if time.monotonic() < nothing_until:
        raise MissingAPIKeyError(MISSING_CREDENTIALS)
    found = _load(wanted)
    if found is None:
        with _CACHE_LOCK:
            _NOTHING_UNTIL[key] = time.monotonic() + NOTHING_FOUND_TTL
        raise MissingAPIKeyError(MISSING_CREDENTIALS)
    with _CACHE_LOCK:
        return _CACHE.setdefault(key, found)


async def agoogle_credentials(
    *, scopes: Sequence[str] = (CLOUD_PLATFORM,)
) -> tuple[GoogleTokens, str | None]:
    """:func:`google_credentials` in a worker thread (asyncio or trio), unless they are
    already kept. Raises as it does."""
    return await anyio.to_thread.run_sync(functools.partial(google_credentials, scopes=scopes))


#: The variables google-auth reads to choose the credentials and their project.
_CHOOSING_VARIABLES = (
    "GOOGLE_APPLICATION_CREDENTIALS",
    "CLOUDSDK_CONFIG",
    "GOOGLE_CLOUD_PROJECT",
    "GCLOUD_PROJECT",
    "GOOGLE_CLOUD_QUOTA_PROJECT",
)
_CACHE: dict[tuple[Any, ...], tuple[GoogleTokens, str | None]] = {}
#: When nothing was found for a key, until when (``time.monotonic()``) that answer stands.
_NOTHING_UNTIL: dict[tuple[Any, ...], float] = {}
NOTHING_FOUND_TTL = 60.0
_CACHE_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget the credentials found so far (tests, or after the files change)."""
    with _CACHE_LOCK:
        _CACHE.clear()
        _NOTHING_UNTIL.clear()


def _load(scopes: tuple[str, ...]) -> tuple[GoogleTokens, str | None] | None:
    """google-auth's default credentials, then the metadata server where google-auth cannot
    ask it; None when there are none."""
    google = _google_auth()
    explicit = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS") or None
    if explicit is not None and not os.path.exists(explicit):
        raise MissingAPIKeyError(
            f"GOOGLE_APPLICATION_CREDENTIALS names {explicit}, which does not exist: set it to "
            "a service account key or user credentials file, or unset it."
        )
    gcloud = google._cloud_sdk.get_application_default_credentials_path()
    file = explicit or (gcloud if os.path.isfile(gcloud) else None)
    origin = (
        f"GOOGLE_APPLICATION_CREDENTIALS={explicit}"
        if explicit
        else "gcloud's application default credentials"
        if file
        else None
    )
    request = HttpxRequest()
    # Neither google-auth's message nor its chained error is kept: both may quote the file.
    try:
        credentials, project = google.default(scopes=list(scopes), request=request)
    except google.exceptions.DefaultCredentialsError as exc:
        if file is not None:
            raise MissingAPIKeyError(
                f"The Google credentials file {file} could not be loaded "
                f"({type(exc).__name__}): it must be a service account key or user credentials "
                "file as Google Cloud writes it."
            ) from None
        found = _from_metadata_server(request)
        if found is None:
            return None
        credentials, project = found
    except (google.exceptions.GoogleAuthError, OSError) as exc:
        where = f" in {file}" if file else ""
        raise MissingAPIKeyError(
            f"The Google credentials{where} could not be loaded ({type(exc).__name__})."
        ) from None
    tokens = GoogleTokens(credentials, origin=origin, request=request)
    return tokens, project if isinstance(project, str) and project else None


@functools.cache
def _google_auth() -> Any:
    """The google.auth package, or None when it is not installed (looked for once)."""
    try:
        import google.auth
        import google.auth._cloud_sdk
        import google.auth.exceptions
    except ImportError:
        return None
    return google.auth


# --- the metadata server, where google-auth cannot ask it -------------------------------------
#
# google-auth's Compute Engine credentials import ``requests`` (its metadata module does, and
# ``google.auth.default`` skips the metadata server without it). Without ``requests``, the same
# few requests are made here, through HttpxRequest.

METADATA_HEADERS = {"Metadata-Flavor": "Google"}
METADATA_PING_ATTEMPTS = 3
#: Where Linux tells that it runs on Google's machines (google-auth looks too).
PRODUCT_NAME_FILE = Path("/sys/class/dmi/id/product_name")


def _google_auth_asks_metadata_server() -> bool:
    """Whether ``google.auth.default`` asks the metadata server itself (it needs
    ``requests`` for it)."""
    return importlib.util.find_spec("requests") is not None


@attrs.frozen
class MetadataServer:
    """The metadata server as google-auth's variables place it."""

    host: str
    ip: str
    timeout: float

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> MetadataServer | None:
        """The server, or None when ``NO_GCE_CHECK`` says not to look for one."""
        if environ.get("NO_GCE_CHECK", "").strip().lower() == "true":
            return None
        host = (
            environ.get("GCE_METADATA_HOST")
            or environ.get("GCE_METADATA_ROOT")
            or "metadata.google.internal"
        )
        try:
            timeout = float(environ.get("GCE_METADATA_TIMEOUT") or 3)
        except ValueError:
            timeout = 3.0
        return cls(host, environ.get("GCE_METADATA_IP") or "169.254.169.254", timeout)

    def found(self, request: Callable[..., Any]) -> bool:
        """Whether the server answers (or Linux says this is a Google machine)."""
        errors = _google_auth().exceptions
        for _ in range(METADATA_PING_ATTEMPTS):
            try:
                response = request(
                    f"http://{self.ip}", headers=METADATA_HEADERS, timeout=self.timeout
                )
            except errors.TransportError:
                continue
            return bool(
                response.status == 200 and response.headers.get("metadata-flavor") == "Google"
            )
        try:
            return PRODUCT_NAME_FILE.read_text(encoding="utf-8").strip().startswith("Google")
        except (OSError, ValueError):
            return False

    def get(self, request: Callable[..., Any], path: str) -> bytes:
        """The body of ``computeMetadata/v1/{path}``.

        Raises:
            google.auth.exceptions.TransportError: the request failed.
            google.auth.exceptions.RefreshError: the server answered with an error status.
        """
        url = f"http://{self.host}/computeMetadata/v1/{path}"
        response = request(url, headers=METADATA_HEADERS, timeout=self.timeout)
        if response.status != 200:
            raise _google_auth().exceptions.RefreshError(
                f"the metadata server answered {path} with HTTP {response.status}",
                retryable=response.status >= 500 or response.status == 429,
            )
        return bytes(response.data)


class _MetadataCredentials:
    """The default service account's tokens from the metadata server, in the shape of
    google-auth's credentials (``refresh(request)``, ``token``, ``expiry``)."""

    quota_project_id = None

    def __init__(self, server: MetadataServer) -> None:
        self._server = server
        self.token: str | None = None
        self.expiry: datetime.datetime | None = None

    def refresh(self, request: Callable[..., Any]) -> None:
        body = self._server.get(request, "instance/service-accounts/default/token")
        try:
            answer = json.loads(body)
            token = answer["access_token"]
            lifetime = float(answer["expires_in"])
        except (ValueError, KeyError, TypeError):
            raise _google_auth().exceptions.RefreshError(
                "the metadata server's token answer is not the expected JSON"
            ) from None
        self.token = token
        now = datetime.datetime.now(datetime.timezone.utc)
        self.expiry = now + datetime.timedelta(seconds=lifetime)


def _from_metadata_server(
    request: Callable[..., Any],
) -> tuple[_MetadataCredentials, str | None] | None:
    """Credentials from the metadata server when it is there and google-auth did not ask it,
    with the project it names."""
    if _google_auth_asks_metadata_server():
        return None
    server = MetadataServer.from_environment(os.environ)
    if server is None or not server.found(request):
        return None
    errors = _google_auth().exceptions
    try:
        project: str | None = server.get(request, "project/project-id").decode("utf-8").strip()
    except (errors.GoogleAuthError, UnicodeDecodeError):
        project = None
    explicit = os.environ.get("GOOGLE_CLOUD_PROJECT") or os.environ.get("GCLOUD_PROJECT")
    return _MetadataCredentials(server), explicit or project
