"""Google Application Default Credentials through google-auth, and the tokens they refresh.

Every test runs with the Google variables cleared, gcloud's configuration in ``tmp_path``, the
metadata server placed where nothing answers (and google-auth told not to look for it), and a
guard that fails any test in which a socket connects anywhere but the loopback. Credential
files are written by the tests (an RSA key made for the run) with their token endpoint on a
local server; the API behind the tokens is an ``httpx.MockTransport``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs

import google.auth._cloud_sdk
import google.auth.exceptions
import google.auth.impersonated_credentials
import google.auth.jwt
import google.oauth2.credentials
import httpx
import pytest
import sniffio
import trio
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2 import service_account

from llmclient import _google
from llmclient._auth import BearerTokenAuth, Token
from llmclient._google import (
    CLOUD_PLATFORM,
    MISSING_CREDENTIALS,
    MISSING_EXTRA,
    GoogleTokens,
    HttpxRequest,
    agoogle_credentials,
    clear_cache,
    google_credentials,
)
from llmclient.errors import APIConnectionError, APITimeoutError, MissingAPIKeyError
from llmclient.testing import LocalServer, Reply

EMAIL = "runner@proj-sa.iam.gserviceaccount.com"
REFRESH_TOKEN = "1//refresh-SECRET-0123456789"
CLIENT_SECRET = "client-SECRET-0123456789"
# Token endpoints of the tests' own, answered from the local server's queue.
SA_TOKEN_PATH = "/sa/token"
USER_TOKEN_PATH = "/user/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
T = TypeVar("T")
API = "https://vertex.test/v1/projects/p/locations/l/publishers/google/models/m:generateContent"


def token_reply(value: str, expires_in: int | None = 3600) -> Reply:
    body: dict[str, Any] = {"access_token": value, "token_type": "Bearer"}
    if expires_in is not None:
        body["expires_in"] = expires_in
    return Reply.json(body)


@pytest.fixture(autouse=True)
def no_google_outside(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees the machine's Google settings or gcloud's files, and no metadata server is
    looked for beyond a port where nothing answers."""
    for name in list(os.environ):
        if name.startswith(("GOOGLE_", "CLOUDSDK_", "GCLOUD_", "GCE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_GCE_CHECK", "true")
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    try:  # google-auth reads these once, as its metadata module loads (it needs requests)
        from google.auth.compute_engine import _metadata
    except ImportError:
        pass
    else:
        monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)
        monkeypatch.setattr(_metadata, "_GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setattr(_google, "PRODUCT_NAME_FILE", tmp_path / "product_name")
    clear_cache()
    yield
    clear_cache()


@pytest.fixture(scope="module")
def private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture(scope="module")
def public_key(private_key: str) -> bytes:
    key = serialization.load_pem_private_key(private_key.encode(), password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_material(private_key: str) -> list[str]:
    """Pieces of the key's base64 body, any of which in a message would leak it."""
    lines = [line for line in private_key.splitlines() if line and "-----" not in line]
    return [lines[1], lines[len(lines) // 2], lines[-2]]


def service_account_info(token_uri: str, private_key: str) -> dict[str, str]:
    return {
        "type": "service_account",
        "project_id": "proj-sa",
        "private_key_id": "key-id-1",
        "private_key": private_key,
        "client_email": EMAIL,
        "client_id": "1234567890",
        "token_uri": token_uri,
    }


@pytest.fixture
def user_token_uri(monkeypatch: pytest.MonkeyPatch, server: LocalServer) -> str:
    """The local server as the token endpoint of user credentials: recent google-auth ignores
    a user file's ``token_uri`` for Google's own, which is moved here."""
    uri = f"{server.url}{USER_TOKEN_PATH}"
    monkeypatch.setattr(google.oauth2.credentials, "_GOOGLE_OAUTH2_TOKEN_ENDPOINT", uri)
    return uri


def authorized_user_info(token_uri: str, **extra: str) -> dict[str, str]:
    return {
        "type": "authorized_user",
        "client_id": "client-1.apps.example.com",
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH_TOKEN,
        "token_uri": token_uri,
        **extra,
    }


def write_json(path: Path, info: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(info), encoding="utf-8")
    return path


@pytest.fixture
def service_account_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, server: LocalServer, private_key: str
) -> Path:
    """A service account key whose token endpoint is the local server, named by
    GOOGLE_APPLICATION_CREDENTIALS."""
    path = write_json(
        tmp_path / "sa.json", service_account_info(f"{server.url}{SA_TOKEN_PATH}", private_key)
    )
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    return path


@pytest.fixture
def user_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, user_token_uri: str) -> Path:
    """User credentials (``gcloud auth application-default login`` writes them) whose token
    endpoint is the local server, named by GOOGLE_APPLICATION_CREDENTIALS."""
    info = authorized_user_info(user_token_uri, quota_project_id="billing-1")
    path = write_json(tmp_path / "user.json", info)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    return path


@pytest.fixture
def tokens(service_account_file: Path) -> GoogleTokens:
    found, _project = google_credentials()
    return found


def form(body: bytes) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(body.decode()).items()}


def assert_no_secret(exc: BaseException, secrets: list[str]) -> None:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    for secret in secrets:
        assert secret not in str(exc)
        assert secret not in repr(exc)
        assert secret not in text


def run_on(library: str, main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``main()`` run to its end on a new event loop of ``library``."""
    if library == "trio":
        return trio.run(main)
    return asyncio.run(main())


# --- finding the credentials ----------------------------------------------------------------


def test_service_account_file_gives_its_project(tokens: GoogleTokens) -> None:
    found, project = google_credentials()
    assert found is tokens
    assert project == "proj-sa"
    assert tokens.describe().startswith(f"service account {EMAIL}, from ")
    assert "GOOGLE_APPLICATION_CREDENTIALS=" in tokens.describe()
    assert tokens.quota_project_id is None


def test_service_account_token_is_a_jwt_bearer_grant(
    tokens: GoogleTokens, server: LocalServer, public_key: bytes
) -> None:
    server.enqueue(token_reply("tok-1"))
    before = time.time()
    token = tokens.token()
    after = time.time()
    assert token == Token("tok-1", token.expires_at)
    assert token.expires_at is not None
    assert before + 3600 - 1 <= token.expires_at <= after + 3600 + 1
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", SA_TOKEN_PATH)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    grant = form(request.body)
    assert grant["grant_type"] == JWT_BEARER
    claims = google.auth.jwt.decode(grant["assertion"], certs=public_key)  # signed with the key
    assert claims["iss"] == EMAIL
    assert claims["scope"] == CLOUD_PLATFORM


def test_authorized_user_file_refreshes_with_its_refresh_token(
    user_file: Path, server: LocalServer
) -> None:
    tokens, project = google_credentials()
    assert project is None
    assert tokens.describe().startswith("authorized user, from GOOGLE_APPLICATION_CREDENTIALS=")
    assert tokens.quota_project_id == "billing-1"
    server.enqueue(token_reply("tok-user"))
    assert tokens.token().value == "tok-user"
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", USER_TOKEN_PATH)
    grant = form(request.body)
    assert grant["grant_type"] == "refresh_token"
    assert grant["refresh_token"] == REFRESH_TOKEN
    assert grant["client_id"] == "client-1.apps.example.com"
    assert grant["client_secret"] == CLIENT_SECRET


def test_gcloud_file_is_found_in_cloudsdk_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, server: LocalServer, user_token_uri: str
) -> None:
    write_json(
        tmp_path / "gcloud" / "application_default_credentials.json",
        authorized_user_info(user_token_uri),
    )
    # google-auth asks gcloud itself (a process) for its project: here it answers at once.
    monkeypatch.setattr(google.auth._cloud_sdk, "get_project_id", lambda: "proj-gcloud")
    tokens, project = google_credentials()
    assert project == "proj-gcloud"
    assert tokens.describe() == "authorized user, from gcloud's application default credentials"
    server.enqueue(token_reply("tok-gcloud"))
    assert tokens.token().value == "tok-gcloud"


def test_google_cloud_project_names_the_project(
    monkeypatch: pytest.MonkeyPatch, service_account_file: Path
) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "proj-env")
    assert google_credentials()[1] == "proj-env"


def test_credentials_are_kept_and_the_file_not_read_again(
    service_account_file: Path, server: LocalServer
) -> None:
    tokens, _project = google_credentials()
    service_account_file.unlink()
    assert google_credentials()[0] is tokens
    server.enqueue(token_reply("tok-1"))
    assert tokens.token().value == "tok-1"
    clear_cache()
    with pytest.raises(MissingAPIKeyError, match="GOOGLE_APPLICATION_CREDENTIALS names"):
        google_credentials()


def test_credentials_are_kept_per_scopes_and_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, service_account_file: Path, private_key: str
) -> None:
    tokens, _project = google_credentials()
    assert google_credentials(scopes=["https://example.test/scope"])[0] is not tokens
    other = write_json(tmp_path / "other.json", service_account_info("http://x", private_key))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(other))
    assert google_credentials()[0] is not tokens
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(service_account_file))
    assert google_credentials()[0] is tokens


def test_a_string_is_one_scope(service_account_file: Path) -> None:
    one = "https://www.googleapis.com/auth/cloud-platform"
    assert google_credentials(scopes=one)[0] is google_credentials()[0]


def test_no_credentials_says_what_to_set() -> None:
    with pytest.raises(MissingAPIKeyError) as caught:
        google_credentials()
    assert str(caught.value) == MISSING_CREDENTIALS
    for hint in ("GOOGLE_APPLICATION_CREDENTIALS", "gcloud auth application-default login"):
        assert hint in MISSING_CREDENTIALS
    assert "api_key=" in MISSING_CREDENTIALS


def test_a_variable_naming_no_file_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "nowhere.json"))
    with pytest.raises(MissingAPIKeyError, match=r"GOOGLE_APPLICATION_CREDENTIALS names .*nowhere"):
        google_credentials()


def truncated(info: dict[str, str]) -> str:
    return json.dumps(info)[:-40]


def bad_key(info: dict[str, str]) -> str:
    lines = info["private_key"].splitlines()
    return json.dumps({**info, "private_key": "\n".join(lines[:1] + lines[2:])})


def unknown_type(info: dict[str, str]) -> str:
    return json.dumps({**info, "type": "service_acount"})


def no_email(info: dict[str, str]) -> str:
    return json.dumps({key: value for key, value in info.items() if key != "client_email"})


@pytest.mark.parametrize("spoil", [truncated, bad_key, unknown_type, no_email])
def test_a_malformed_file_is_named_never_shown(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    private_key: str,
    spoil: Callable[[dict[str, str]], str],
) -> None:
    path = tmp_path / "sa.json"
    path.write_text(spoil(service_account_info("http://x", private_key)), encoding="utf-8")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    with pytest.raises(MissingAPIKeyError, match="could not be loaded") as caught:
        google_credentials()
    assert str(path) in str(caught.value)
    assert_no_secret(caught.value, key_material(private_key))


def test_a_malformed_gcloud_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "gcloud" / "application_default_credentials.json"
    path.parent.mkdir()
    path.write_text('{"type": "authorized_user", "refresh_token": "1//SECRET', encoding="utf-8")
    with pytest.raises(MissingAPIKeyError, match="could not be loaded") as caught:
        google_credentials()
    assert str(path) in str(caught.value)
    assert_no_secret(caught.value, ["1//SECRET"])


def test_an_unreadable_file_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path))
    with pytest.raises(MissingAPIKeyError, match="could not be loaded") as caught:
        google_credentials()
    assert str(tmp_path) in str(caught.value)


def test_without_google_auth_the_extra_is_named(
    monkeypatch: pytest.MonkeyPatch, service_account_file: Path
) -> None:
    monkeypatch.setattr(_google, "_google_auth", lambda: None)
    with pytest.raises(MissingAPIKeyError) as caught:
        google_credentials()
    assert str(caught.value) == MISSING_EXTRA
    assert "pip install 'llmclient[vertex]'" in MISSING_EXTRA
    assert "api_keys={'vertex': ...}" in MISSING_EXTRA


def test_the_module_loads_google_auth_only_when_asked() -> None:
    code = "import sys, llmclient._google; print('google.auth' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("library", ["asyncio", "trio"])
def test_credentials_are_found_in_a_worker_thread(
    service_account_file: Path, library: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []
    load = _google._load

    def recording(scopes: tuple[str, ...]) -> Any:
        threads.append(threading.get_ident())
        return load(scopes)

    monkeypatch.setattr(_google, "_load", recording)

    async def main() -> tuple[int, str | None]:
        _tokens, project = await agoogle_credentials()
        return threading.get_ident(), project

    loop_thread, project = run_on(library, main)
    assert project == "proj-sa"
    assert len(threads) == 1
    assert threads[0] != loop_thread


# --- the metadata server, where google-auth cannot ask it -----------------------------------


@pytest.fixture
def metadata_server(monkeypatch: pytest.MonkeyPatch, server: LocalServer) -> LocalServer:
    """The local server as the metadata server, looked for as google-auth does without
    requests installed."""
    monkeypatch.setattr(_google, "_google_auth_asks_metadata_server", lambda: False)
    monkeypatch.delenv("NO_GCE_CHECK")
    host = server.url.removeprefix("http://")
    monkeypatch.setenv("GCE_METADATA_HOST", host)
    monkeypatch.setenv("GCE_METADATA_IP", host)
    return server


def metadata_reply(body: bytes, status: int = 200) -> Reply:
    headers = {"Metadata-Flavor": "Google", "Content-Type": "text/plain"}
    return Reply(status, headers, body, content_length=True)


def test_metadata_server_gives_tokens_and_the_project(metadata_server: LocalServer) -> None:
    metadata_server.enqueue(metadata_reply(b"ok"), metadata_reply(b"proj-meta"))
    tokens, project = google_credentials()
    assert project == "proj-meta"
    assert tokens.describe() == "metadata server"
    metadata_server.enqueue(token_reply("tok-meta", expires_in=1800))
    before = time.time()
    token = tokens.token()
    assert token.value == "tok-meta"
    assert token.expires_at is not None
    assert token.expires_at >= before + 1800 - 1
    paths = [request.path for request in metadata_server.requests]
    assert paths == [
        "/",
        "/computeMetadata/v1/project/project-id",
        "/computeMetadata/v1/instance/service-accounts/default/token",
    ]
    assert all(r.headers["metadata-flavor"] == "Google" for r in metadata_server.requests)


def test_a_server_that_is_not_the_metadata_server_is_not_used(
    metadata_server: LocalServer,
) -> None:
    metadata_server.enqueue(Reply.json({"not": "metadata"}, repeat=2))
    with pytest.raises(MissingAPIKeyError, match="No Google credentials"):
        google_credentials()
    with pytest.raises(MissingAPIKeyError, match="No Google credentials"):
        google_credentials()
    assert metadata_server.request_count == 1  # nothing found stands a while
    clear_cache()
    with pytest.raises(MissingAPIKeyError, match="No Google credentials"):
        google_credentials()
    assert metadata_server.request_count == 2


def test_a_google_machine_whose_metadata_server_is_silent_still_uses_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(_google, "_google_auth_asks_metadata_server", lambda: False)
    monkeypatch.delenv("NO_GCE_CHECK")
    (tmp_path / "product_name").write_text("Google Compute Engine\n", encoding="utf-8")
    tokens, project = google_credentials()
    assert project is None
    with pytest.raises(APIConnectionError, match="metadata server"):
        tokens.token()


def test_no_metadata_server_on_a_machine_that_is_not_google_s_is_no_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_google, "_google_auth_asks_metadata_server", lambda: False)
    monkeypatch.delenv("NO_GCE_CHECK")
    monkeypatch.setenv("GCE_METADATA_TIMEOUT", "soon")
    with pytest.raises(MissingAPIKeyError, match="No Google credentials"):
        google_credentials()


def test_the_metadata_server_is_not_asked_twice(
    monkeypatch: pytest.MonkeyPatch, metadata_server: LocalServer
) -> None:
    """With requests installed google-auth asks the metadata server itself: nothing more."""
    monkeypatch.setattr(_google, "_google_auth_asks_metadata_server", lambda: True)
    with pytest.raises(MissingAPIKeyError, match="No Google credentials"):
        google_credentials()
    assert metadata_server.request_count == 0


def test_metadata_server_error_status_is_typed(metadata_server: LocalServer) -> None:
    metadata_server.enqueue(metadata_reply(b"ok"), metadata_reply(b"", status=404))
    tokens, project = google_credentials()
    assert project is None
    metadata_server.enqueue(metadata_reply(b"no", status=403))
    with pytest.raises(MissingAPIKeyError, match="HTTP 403"):
        tokens.token()
    metadata_server.enqueue(metadata_reply(b"busy", status=503))
    with pytest.raises(APIConnectionError, match="HTTP 503"):
        tokens.token()
    metadata_server.enqueue(metadata_reply(b"not json"))
    with pytest.raises(MissingAPIKeyError, match="not the expected JSON"):
        tokens.token()


# --- tokens ---------------------------------------------------------------------------------


def test_a_token_without_a_lifetime_has_no_expiry(
    tokens: GoogleTokens, server: LocalServer
) -> None:
    server.enqueue(token_reply("tok-1", expires_in=None))
    assert tokens.token() == Token("tok-1", None)


def test_each_token_call_refreshes(tokens: GoogleTokens, server: LocalServer) -> None:
    server.enqueue(token_reply("tok-1"), token_reply("tok-2"))
    assert [tokens.token().value, tokens.token().value] == ["tok-1", "tok-2"]
    assert server.request_count == 2


class RecordingRequest:
    """An HttpxRequest that notes the thread each request is made in, and whether an async
    library was running there."""

    def __init__(self) -> None:
        self._request = HttpxRequest()
        self.calls: list[tuple[int, str | None]] = []

    def __call__(self, url: str, **kwargs: Any) -> Any:
        try:
            library: str | None = sniffio.current_async_library()
        except sniffio.AsyncLibraryNotFoundError:
            library = None
        self.calls.append((threading.get_ident(), library))
        return self._request(url, **kwargs)


def from_file(path: Path, request: Any = None) -> GoogleTokens:
    credentials = service_account.Credentials.from_service_account_file(
        str(path), scopes=[CLOUD_PLATFORM]
    )
    return GoogleTokens(credentials, request=request)


@pytest.mark.parametrize("library", ["asyncio", "trio"])
def test_atoken_refreshes_in_a_worker_thread(
    service_account_file: Path, server: LocalServer, library: str
) -> None:
    request = RecordingRequest()
    tokens = from_file(service_account_file, request)
    server.enqueue(token_reply("tok-async"))

    async def main() -> tuple[int, Token]:
        return threading.get_ident(), await tokens.atoken()

    loop_thread, token = run_on(library, main)
    assert token.value == "tok-async"
    assert token.expires_at is not None
    ((thread, library),) = request.calls
    assert thread != loop_thread
    assert library is None


class SignallingLock:
    """A lock that says when a second caller starts waiting for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.waiting = threading.Event()

    def __enter__(self) -> None:
        if self._lock.locked():
            self.waiting.set()
        self._lock.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


def test_a_caller_waiting_on_a_refresh_takes_its_token(
    service_account_file: Path, server: LocalServer
) -> None:
    lock = SignallingLock()
    second: list[Token] = []
    threads: list[threading.Thread] = []
    request = HttpxRequest()

    def holding(url: str, **kwargs: Any) -> Any:
        """The first refresh, held until a second caller waits for it."""
        thread = threading.Thread(target=lambda: second.append(tokens.token()))
        threads.append(thread)
        thread.start()
        assert lock.waiting.wait(10)
        return request(url, **kwargs)

    tokens = from_file(service_account_file, holding)
    tokens._lock = lock  # type: ignore[assignment]
    server.enqueue(token_reply("tok-1"), token_reply("tok-2"))
    first = tokens.token()
    threads[0].join(10)
    assert first.value == "tok-1"
    assert second == [first]
    assert len(threads) == 1
    assert server.request_count == 1


# --- through BearerTokenAuth ----------------------------------------------------------------


def test_a_token_near_its_expiry_is_refreshed_before_the_next_request(
    tokens: GoogleTokens, server: LocalServer
) -> None:
    now = [time.time()]
    seen: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json={})

    server.enqueue(token_reply("tok-1"), token_reply("tok-2", expires_in=7200))
    auth = BearerTokenAuth(tokens, clock=lambda: now[0])
    with httpx.Client(transport=httpx.MockTransport(api), auth=auth) as client:
        client.post(API, json={})
        client.post(API, json={})
        assert server.request_count == 1
        now[0] += 3600 - 30
        client.post(API, json={})
        client.post(API, json={})
    assert seen == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2", "Bearer tok-2"]
    assert server.request_count == 2


def test_calls_sharing_the_bearer_auth_share_its_token(
    tokens: GoogleTokens, server: LocalServer
) -> None:
    seen: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json={})

    server.enqueue(token_reply("tok-1"), token_reply("tok-2"))
    assert google_credentials()[0].bearer_auth() is tokens.bearer_auth()
    for _ in range(2):  # a client, or a call, each time
        auth = google_credentials()[0].bearer_auth()
        with httpx.Client(transport=httpx.MockTransport(api), auth=auth) as client:
            client.post(API, json={})
    assert seen == ["Bearer tok-1", "Bearer tok-1"]
    assert server.request_count == 1


def unauthorized_until(token: str, seen: list[str]) -> Callable[..., httpx.Response]:
    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        if request.headers["authorization"] == f"Bearer {token}":
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(401, json={"error": {"code": 401, "status": "UNAUTHENTICATED"}})

    return api


def post(tokens: GoogleTokens, api: Callable[[httpx.Request], httpx.Response], client: str) -> int:
    """The status of one request through BearerTokenAuth, on the blocking client or the async
    client on asyncio or trio."""
    auth = BearerTokenAuth(tokens)
    if client == "sync":
        with httpx.Client(transport=httpx.MockTransport(api), auth=auth) as http:
            return http.post(API, json={}).status_code

    async def handler(request: httpx.Request) -> httpx.Response:
        return api(request)

    async def main() -> int:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler), auth=auth) as http:
            return (await http.post(API, json={})).status_code

    return run_on(client, main)


@pytest.mark.parametrize("client", ["sync", "asyncio", "trio"])
@pytest.mark.parametrize(("accepted", "status"), [("tok-2", 200), ("tok-3", 401)])
def test_a_401_gets_one_refresh_and_one_resend(
    tokens: GoogleTokens, server: LocalServer, client: str, accepted: str, status: int
) -> None:
    seen: list[str] = []
    server.enqueue(token_reply("tok-1"), token_reply("tok-2"))
    assert post(tokens, unauthorized_until(accepted, seen), client) == status
    assert seen == ["Bearer tok-1", "Bearer tok-2"]
    assert server.request_count == 2


# --- refresh failures -----------------------------------------------------------------------


def test_a_refused_service_account_is_typed_without_secrets(
    tokens: GoogleTokens, server: LocalServer, private_key: str
) -> None:
    server.enqueue(token_reply("tok-1"))
    tokens.token()
    refusal = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
    server.enqueue(Reply.json(refusal, status=400))
    with pytest.raises(MissingAPIKeyError) as caught:
        tokens.token()
    message = str(caught.value)
    assert message.startswith(f"The Google credentials (service account {EMAIL}, from ")
    assert "invalid_grant: Invalid JWT Signature." in message
    assert_no_secret(caught.value, ["tok-1", *key_material(private_key)])


def test_a_refused_user_is_typed_and_an_echoed_secret_hidden(
    user_file: Path, server: LocalServer
) -> None:
    tokens, _project = google_credentials()
    echo = f"Token has been expired or revoked: {REFRESH_TOKEN} (client {CLIENT_SECRET})"
    server.enqueue(Reply.json({"error": "invalid_grant", "error_description": echo}, status=400))
    with pytest.raises(MissingAPIKeyError, match="authorized user") as caught:
        tokens.token()
    assert "invalid_grant: Token has been expired or revoked: ***" in str(caught.value)
    assert_no_secret(caught.value, [REFRESH_TOKEN, CLIENT_SECRET, "SECRET-"])


def test_an_answer_without_a_token_is_typed(tokens: GoogleTokens, server: LocalServer) -> None:
    server.enqueue(Reply.json({"token_type": "Bearer"}))
    with pytest.raises(MissingAPIKeyError, match="No access token in response"):
        tokens.token()


def test_a_long_error_page_is_cut(tokens: GoogleTokens, server: LocalServer) -> None:
    server.enqueue(Reply(400, {"Content-Type": "text/html"}, b"<html>" + b"x" * 5000))
    with pytest.raises(MissingAPIKeyError) as caught:
        tokens.token()
    assert len(str(caught.value)) < 600


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (httpx.ConnectError("connection refused"), APIConnectionError),
        (httpx.ReadTimeout("timed out"), APITimeoutError),
    ],
)
def test_an_unreachable_token_endpoint_is_a_connection_error(
    service_account_file: Path, failure: httpx.HTTPError, error: type[Exception]
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise failure

    tokens = from_file(service_account_file, HttpxRequest(transport=httpx.MockTransport(refuse)))
    with pytest.raises(error, match="could not be reached") as caught:
        tokens.token()
    assert type(caught.value) is error
    assert isinstance(caught.value, APIConnectionError)
    assert caught.value.provider == "vertex"
    assert f"service account {EMAIL}" in str(caught.value)
    assert caught.value.__cause__ is failure


def test_a_refresh_that_leaves_no_token_is_typed() -> None:
    class Empty:
        token = None
        expiry = None

        def refresh(self, request: object) -> None:
            pass

    with pytest.raises(MissingAPIKeyError, match="refreshed without a token"):
        GoogleTokens(Empty()).token()


def test_impersonated_credentials_name_their_target(service_account_file: Path) -> None:
    source = from_file(service_account_file)._credentials
    impersonated = google.auth.impersonated_credentials.Credentials(
        source_credentials=source,
        target_principal="target@proj.iam.gserviceaccount.com",
        target_scopes=[CLOUD_PLATFORM],
    )
    assert GoogleTokens(impersonated).describe() == (
        "impersonated service account target@proj.iam.gserviceaccount.com"
    )


class Failing:
    """google-auth credentials whose refresh raises ``error``."""

    token = "old-SECRET-token"
    expiry = None

    def __init__(self, error: Exception) -> None:
        self.error = error

    def refresh(self, request: object) -> None:
        raise self.error


def test_a_refresh_error_that_may_pass_is_a_connection_error() -> None:
    busy = google.auth.exceptions.RefreshError("server_error: busy", retryable=True)
    with pytest.raises(APIConnectionError, match="token endpoint failed") as caught:
        GoogleTokens(Failing(busy)).token()
    assert caught.value.__cause__ is None


def test_an_echoed_token_or_assertion_is_hidden() -> None:
    assertion = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJhQGIifQ.c2lnbmF0dXJl-SIGNED_x"
    said = f"invalid_grant: old-SECRET-token is bad, and so is {assertion}."
    refused = google.auth.exceptions.RefreshError(said, {"error": "invalid_grant"})
    with pytest.raises(MissingAPIKeyError) as caught:
        GoogleTokens(Failing(refused), origin="a test").token()
    assert str(caught.value) == (
        "The Google credentials (Failing credentials, from a test) could not be refreshed: "
        "invalid_grant: *** is bad, and so is ***."
    )
    assert_no_secret(caught.value, ["old-SECRET-token", "SECRET-", "SIGNED", "eyJ"])


def test_an_oversized_answer_is_a_transport_error(
    monkeypatch: pytest.MonkeyPatch, server: LocalServer
) -> None:
    monkeypatch.setattr(_google, "MAX_BODY", 100)
    server.enqueue(Reply.json({"access_token": "x" * 200}))
    with pytest.raises(google.auth.exceptions.TransportError, match="over 100 bytes"):
        HttpxRequest()(f"{server.url}/big", method="POST", body=b"a=b")


def test_the_transport_answers_as_google_auth_expects(server: LocalServer) -> None:
    server.enqueue(metadata_reply(b"hello", status=201))
    response = HttpxRequest()(
        f"{server.url}/x", method="POST", body=b"a=b", headers={"X-Test": "1"}, timeout=5
    )
    assert (response.status, response.data) == (201, b"hello")
    assert response.headers["metadata-flavor"] == "Google"
    (request,) = server.requests
    assert (request.method, request.body, request.headers["x-test"]) == ("POST", b"a=b", "1")


def test_describe_and_repr_hold_no_secret(user_file: Path, server: LocalServer) -> None:
    tokens, _project = google_credentials()
    server.enqueue(token_reply("tok-SECRET-1"))
    token = tokens.token()
    for text in (tokens.describe(), repr(tokens), repr(token), repr(HttpxRequest())):
        for secret in (REFRESH_TOKEN, CLIENT_SECRET, "tok-SECRET-1"):
            assert secret not in text
