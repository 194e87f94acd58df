"""AWS region and credentials found as the AWS tools find them, and SigV4 auth on httpx clients.

Every test runs with the AWS variables cleared, instance metadata disabled and the shared files
pointed at files in ``tmp_path``; a guard fails any test in which a socket connects anywhere
but the loopback (botocore reaching for the instance metadata service, say). Credentials are
found with and without botocore, which reads the same files. botocore's refreshing
credentials are built by hand with a fake refresh function; the async refresh is shown to run
in a worker thread, on asyncio and on trio. Signatures are checked against botocore's signer.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import shlex
import sys
import threading
import traceback
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import botocore.auth
import botocore.session
import httpx
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, RefreshableCredentials
from botocore.exceptions import CredentialRetrievalError

from llmclient import _aws
from llmclient._aws import (
    MISSING_CREDENTIALS,
    AwsSigV4Auth,
    BotocoreCredentials,
    CredentialSource,
    StaticCredentials,
    _botocore,
    clear_cache,
    find_credentials,
    resolve_region,
)
from llmclient._core.sigv4 import AwsCredentials
from llmclient.errors import InvalidRequestError, MissingAPIKeyError

KEY_ID = "AKIDTESTKEY0001"
SECRET = "aws-SECRET-key-0123456789"
TOKEN = "aws-SESSION-token-0123456789"
# "SECRET-" and "SESSION-" catch a part of any secret here (a traceback names constants only).
SECRETS = (SECRET, TOKEN, "SECRET-", "SESSION-")
URL = (
    "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
    "anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse?x=a%20b"
)
BODY = b'{"messages":[{"role":"user","content":[{"text":"Hi"}]}]}'
SIGNED_AT = datetime.datetime(2024, 5, 1, 12, 30, 45, tzinfo=datetime.timezone.utc)


class SharedFiles:
    """The config and credentials files of a test, in ``tmp_path``, empty until written."""

    def __init__(self, tmp_path: Path) -> None:
        self.config = tmp_path / "config"
        self.credentials = tmp_path / "credentials"

    def write_config(self, text: str) -> None:
        self.config.write_text(text, encoding="utf-8")

    def write_credentials(self, text: str) -> None:
        self.credentials.write_text(text, encoding="utf-8")


@pytest.fixture(autouse=True)
def files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[SharedFiles]:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    shared = SharedFiles(tmp_path)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(shared.config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(shared.credentials))
    clear_cache()
    yield shared
    clear_cache()


@pytest.fixture(params=[True, False], ids=["botocore", "stdlib"])
def use_botocore(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def found(use_botocore: bool) -> CredentialSource:
    source = find_credentials(use_botocore=use_botocore)
    assert source is not None
    return source


def assert_no_secret(exc: BaseException) -> None:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    for secret in SECRETS:
        assert secret not in str(exc)
        assert secret not in repr(exc)
        assert secret not in text


# --- region ---------------------------------------------------------------------------------


def test_region_is_none_when_nothing_names_one() -> None:
    assert resolve_region() is None


def test_aws_region_comes_first(monkeypatch: pytest.MonkeyPatch, files: SharedFiles) -> None:
    files.write_config("[default]\nregion = ap-south-1\n")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert resolve_region() == "eu-west-1"


def test_aws_default_region_comes_before_the_config_file(
    monkeypatch: pytest.MonkeyPatch, files: SharedFiles
) -> None:
    files.write_config("[default]\nregion = ap-south-1\n")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    assert resolve_region() == "us-west-2"


def test_region_of_the_default_profile(files: SharedFiles) -> None:
    files.write_config("[profile dev]\nregion = us-east-2\n[default]\nregion = ap-south-1\n")
    assert resolve_region() == "ap-south-1"


def test_region_of_a_named_profile_is_in_its_profile_section(
    monkeypatch: pytest.MonkeyPatch, files: SharedFiles
) -> None:
    files.write_config("[default]\nregion = ap-south-1\n[profile dev]\nregion = us-east-2\n")
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert resolve_region() == "us-east-2"


def test_a_config_section_without_the_profile_prefix_is_not_the_profile(
    monkeypatch: pytest.MonkeyPatch, files: SharedFiles
) -> None:
    files.write_config("[dev]\nregion = us-east-2\n")
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert resolve_region() is None


@pytest.mark.parametrize(
    ("variables", "region"),
    [
        ({"AWS_PROFILE": "dev"}, "us-east-2"),
        ({"AWS_DEFAULT_PROFILE": "ops"}, "eu-central-1"),
        ({"AWS_PROFILE": "dev", "AWS_DEFAULT_PROFILE": "ops"}, "us-east-2"),
    ],
    ids=["aws-profile", "aws-default-profile", "aws-profile-wins"],
)
def test_the_profile_is_named_by_aws_profile_then_aws_default_profile(
    monkeypatch: pytest.MonkeyPatch, files: SharedFiles, variables: dict[str, str], region: str
) -> None:
    files.write_config("[profile dev]\nregion = us-east-2\n[profile ops]\nregion = eu-central-1\n")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert resolve_region() == region


def test_region_reads_the_environment_it_is_given(tmp_path: Path) -> None:
    config = tmp_path / "other-config"
    config.write_text("[profile x]\nregion = sa-east-1\n", encoding="utf-8")
    assert resolve_region({"AWS_CONFIG_FILE": str(config), "AWS_PROFILE": "x"}) == "sa-east-1"
    assert resolve_region({"AWS_REGION": "ca-central-1"}) == "ca-central-1"


# --- credentials ----------------------------------------------------------------------------


def test_no_credentials_anywhere_is_none(use_botocore: bool) -> None:
    assert find_credentials(use_botocore=use_botocore) is None


@pytest.mark.parametrize("token", [TOKEN, None], ids=["temporary", "long-term"])
def test_keys_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, files: SharedFiles, use_botocore: bool, token: str | None
) -> None:
    files.write_credentials("[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = x\n")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    if token:
        monkeypatch.setenv("AWS_SESSION_TOKEN", token)
    source = found(use_botocore)
    assert source.credentials() == AwsCredentials(KEY_ID, SECRET, token)
    assert asyncio.run(source.acredentials()) == AwsCredentials(KEY_ID, SECRET, token)
    assert source.describe() == "environment variables"


@pytest.mark.parametrize(
    ("present", "missing"),
    [
        ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
        ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"),
    ],
)
def test_half_a_key_pair_in_the_environment_is_an_error(
    monkeypatch: pytest.MonkeyPatch, use_botocore: bool, present: str, missing: str
) -> None:
    monkeypatch.setenv(present, SECRET)
    with pytest.raises(MissingAPIKeyError, match=missing) as caught:
        find_credentials(use_botocore=use_botocore)
    assert_no_secret(caught.value)


def test_the_environment_it_is_given_is_read(use_botocore: bool) -> None:
    environ = {"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET}
    source = find_credentials(environ, use_botocore=use_botocore)
    assert source is not None
    assert source.credentials() == AwsCredentials(KEY_ID, SECRET)


def test_keys_in_the_shared_credentials_file(files: SharedFiles, use_botocore: bool) -> None:
    files.write_credentials(
        f"[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
        f"aws_session_token = {TOKEN}\n"
    )
    source = found(use_botocore)
    assert source.credentials() == AwsCredentials(KEY_ID, SECRET, TOKEN)
    assert source.describe() == (
        "botocore (shared-credentials-file)"
        if use_botocore
        else "profile 'default' in the shared credentials file"
    )


def test_keys_of_a_named_profile_in_the_config_file(
    monkeypatch: pytest.MonkeyPatch, files: SharedFiles, use_botocore: bool
) -> None:
    files.write_config(
        "[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = other\n"
        f"[profile dev]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    )
    monkeypatch.setenv("AWS_PROFILE", "dev")
    source = found(use_botocore)
    assert source.credentials() == AwsCredentials(KEY_ID, SECRET)
    assert source.describe() == (
        "botocore (config-file)" if use_botocore else "profile 'dev' in the config file"
    )


def test_the_credentials_file_comes_before_the_config_file(
    monkeypatch: pytest.MonkeyPatch, files: SharedFiles, use_botocore: bool
) -> None:
    files.write_config("[profile dev]\naws_access_key_id = CONFIGKEY\naws_secret_access_key = c\n")
    files.write_credentials(f"[dev]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = s\n")
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert found(use_botocore).credentials().access_key_id == KEY_ID


def test_a_profile_that_no_file_has_is_an_error_naming_it_and_the_files(
    monkeypatch: pytest.MonkeyPatch, files: SharedFiles, use_botocore: bool
) -> None:
    files.write_credentials(f"[dev]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = s\n")
    monkeypatch.setenv("AWS_PROFILE", "prod")
    with pytest.raises(MissingAPIKeyError) as caught:
        find_credentials(use_botocore=use_botocore)
    message = str(caught.value)
    assert "'prod'" in message
    assert "AWS_PROFILE" in message
    assert str(files.credentials) in message
    assert str(files.config) in message


def test_half_a_key_pair_in_a_file_is_an_error(files: SharedFiles, use_botocore: bool) -> None:
    files.write_credentials(f"[default]\naws_access_key_id = {KEY_ID}\n")
    with pytest.raises(MissingAPIKeyError, match="aws_secret_access_key") as caught:
        find_credentials(use_botocore=use_botocore)
    assert_no_secret(caught.value)


def test_a_malformed_file_is_an_error_that_quotes_no_line_of_it(
    files: SharedFiles, use_botocore: bool
) -> None:
    files.write_credentials(f"aws_secret_access_key = {SECRET}\n[default]\n")
    with pytest.raises(MissingAPIKeyError, match="line 1") as caught:
        find_credentials(use_botocore=use_botocore)
    assert str(files.credentials) in str(caught.value)
    assert_no_secret(caught.value)


def test_the_missing_credentials_message_names_every_way_to_give_them() -> None:
    assert MISSING_CREDENTIALS.startswith("No AWS credentials for provider 'bedrock': set ")
    for name in (
        "AWS_BEARER_TOKEN_BEDROCK",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_PROFILE",
        "~/.aws/credentials",
        "~/.aws/config",
        "pip install 'llmclient[aws]'",
    ):
        assert name in MISSING_CREDENTIALS


# --- botocore -------------------------------------------------------------------------------


def test_without_botocore_the_shared_files_are_read_with_the_standard_library(
    monkeypatch: pytest.MonkeyPatch, files: SharedFiles
) -> None:
    files.write_credentials(f"[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = s\n")
    for module in ("botocore", "botocore.session", "botocore.exceptions"):
        monkeypatch.setitem(sys.modules, module, None)  # as if it were not installed
    _botocore.cache_clear()
    try:
        source = found(use_botocore=True)
    finally:
        _botocore.cache_clear()
    assert source.describe() == "profile 'default' in the shared credentials file"


def test_botocore_runs_a_profiles_credential_process(
    monkeypatch: pytest.MonkeyPatch, files: SharedFiles, tmp_path: Path
) -> None:
    # One of the sources only botocore knows, and one that needs no network.
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    answer = {
        "Version": 1,
        "AccessKeyId": KEY_ID,
        "SecretAccessKey": SECRET,
        "SessionToken": TOKEN,
        "Expiration": expires.isoformat(),
    }
    script = tmp_path / "credentials.py"
    script.write_text(f"print({json.dumps(json.dumps(answer))})\n", encoding="utf-8")
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"
    files.write_config(f"[profile sso-like]\ncredential_process = {command}\n")
    monkeypatch.setenv("AWS_PROFILE", "sso-like")
    source = found(use_botocore=True)
    assert source.describe() == "botocore (custom-process)"
    assert source.credentials() == AwsCredentials(KEY_ID, SECRET, TOKEN)
    assert find_credentials(use_botocore=False) is None  # the standard library cannot run it


def test_botocore_builds_one_session_per_profile_and_files(
    monkeypatch: pytest.MonkeyPatch, files: SharedFiles
) -> None:
    files.write_credentials(
        f"[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
        f"[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = {SECRET}\n"
    )
    sessions: list[str | None] = []
    session_class = botocore.session.Session

    def counting(*args: Any, **kwargs: Any) -> Any:
        sessions.append(kwargs.get("profile"))
        return session_class(*args, **kwargs)

    monkeypatch.setattr(botocore.session, "Session", counting)
    first = find_credentials()
    assert find_credentials() is first
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert found(use_botocore=True).credentials().access_key_id == "DEVKEY"
    clear_cache()
    assert find_credentials() is not first
    assert sessions == [None, "dev", "dev"]  # the default profile goes unnamed


@pytest.mark.parametrize("fails", ["exits-non-zero", "not-there"])
def test_botocore_failing_to_load_a_profile_is_an_error(
    monkeypatch: pytest.MonkeyPatch, files: SharedFiles, tmp_path: Path, fails: str
) -> None:
    script = tmp_path / "helper.py"
    script.write_text("import sys; sys.exit('the SSO session has expired')\n", encoding="utf-8")
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"
    if fails == "not-there":
        command = str(tmp_path / "no-such-helper")
    files.write_config(f"[profile broken]\ncredential_process = {command}\n")
    monkeypatch.setenv("AWS_PROFILE", "broken")
    with pytest.raises(MissingAPIKeyError, match=r"botocore .*'broken'") as caught:
        find_credentials()
    if fails == "exits-non-zero":
        assert "the SSO session has expired" in str(caught.value)


def expired_credentials(refresh: Callable[[], dict[str, str]]) -> RefreshableCredentials:
    """botocore's refreshing credentials, already expired."""
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    metadata = {
        "access_key": "OLDKEY",
        "secret_key": "old-secret",
        "token": "old-token",
        "expiry_time": past.isoformat(),
    }
    return RefreshableCredentials.create_from_metadata(metadata, refresh, "sts-assume-role")


class Refresher:
    """A refresh function that hands out new keys and notes the thread it ran in."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def __call__(self) -> dict[str, str]:
        self.threads.append(threading.get_ident())
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        return {
            "access_key": KEY_ID,
            "secret_key": SECRET,
            "token": TOKEN,
            "expiry_time": future.isoformat(),
        }


def test_expired_botocore_credentials_are_refreshed_blocking() -> None:
    refresh = Refresher()
    source = BotocoreCredentials(expired_credentials(refresh))
    assert source.credentials() == AwsCredentials(KEY_ID, SECRET, TOKEN)
    assert source.credentials() == AwsCredentials(KEY_ID, SECRET, TOKEN)
    assert refresh.threads == [threading.get_ident()]
    assert source.describe() == "botocore (sts-assume-role)"
    assert SECRET not in repr(source)


def run_asyncio(main: Callable[[], Awaitable[Any]]) -> Any:
    async def wrapped() -> Any:
        return await main()

    return asyncio.run(wrapped())


def run_trio(main: Callable[[], Awaitable[Any]]) -> Any:
    import trio

    return trio.run(main)


@pytest.fixture(params=["asyncio", "trio"])
def run(request: pytest.FixtureRequest) -> Callable[[Callable[[], Awaitable[Any]]], Any]:
    return run_asyncio if request.param == "asyncio" else run_trio


def test_expired_botocore_credentials_are_refreshed_in_a_worker_thread(
    run: Callable[[Callable[[], Awaitable[Any]]], Any],
) -> None:
    refresh = Refresher()
    source = BotocoreCredentials(expired_credentials(refresh))

    async def main() -> tuple[AwsCredentials, AwsCredentials, int]:
        first = await source.acredentials()
        return first, await source.acredentials(), threading.get_ident()

    first, second, loop_thread = run(main)
    assert first == second == AwsCredentials(KEY_ID, SECRET, TOKEN)
    assert len(refresh.threads) == 1
    assert refresh.threads[0] != loop_thread


def test_botocore_credentials_that_need_no_refresh_are_returned_at_once(
    run: Callable[[Callable[[], Awaitable[Any]]], Any],
) -> None:
    source = BotocoreCredentials(Credentials(KEY_ID, SECRET, None, method="env"))
    assert run(source.acredentials) == AwsCredentials(KEY_ID, SECRET)


def test_a_failed_refresh_is_an_error_naming_the_source_and_no_secret(
    run: Callable[[Callable[[], Awaitable[Any]]], Any],
) -> None:
    def refresh() -> dict[str, str]:
        raise CredentialRetrievalError(provider="sso", error_msg="the SSO session has expired")

    source = BotocoreCredentials(expired_credentials(refresh))
    for attempt in (source.credentials, lambda: run(source.acredentials)):
        with pytest.raises(MissingAPIKeyError, match=r"sts-assume-role.*SSO session") as caught:
            attempt()
        assert_no_secret(caught.value)
        assert "old-secret" not in str(caught.value)


# --- SigV4 on httpx -------------------------------------------------------------------------


class Captured:
    """A mock transport that keeps the requests it is sent."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json={})


def signer(credentials: AwsCredentials) -> AwsSigV4Auth:
    return AwsSigV4Auth(
        StaticCredentials(credentials, "test"),
        region="us-east-1",
        service="bedrock",
        clock=SIGNED_AT.timestamp,
    )


def botocore_signature(
    monkeypatch: pytest.MonkeyPatch, sent: httpx.Request, credentials: AwsCredentials
) -> dict[str, str]:
    """The headers botocore's own signer adds to ``sent`` (without ours) at the same time."""
    ours = {"authorization", "x-amz-date", "x-amz-security-token"}
    headers = {name: value for name, value in sent.headers.items() if name not in ours}
    request = AWSRequest(sent.method, str(sent.url), data=sent.content, headers=headers)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: SIGNED_AT)
    botocore.auth.SigV4Auth(
        Credentials(
            credentials.access_key_id, credentials.secret_access_key, credentials.session_token
        ),
        "bedrock",
        "us-east-1",
    ).add_auth(request)
    return {name.lower(): value for name, value in request.headers.items()}


@pytest.mark.parametrize("token", [TOKEN, None], ids=["temporary", "long-term"])
def test_the_blocking_client_sends_what_botocore_signs(
    monkeypatch: pytest.MonkeyPatch, token: str | None
) -> None:
    credentials = AwsCredentials(KEY_ID, SECRET, token)
    captured = Captured()
    with httpx.Client(transport=captured.transport, auth=signer(credentials)) as client:
        client.post(URL, content=BODY, headers={"content-type": "application/json"})
    (sent,) = captured.requests
    theirs = botocore_signature(monkeypatch, sent, credentials)
    assert sent.headers["authorization"] == theirs["authorization"]
    assert sent.headers["x-amz-date"] == "20240501T123045Z" == theirs["x-amz-date"]
    assert sent.headers.get("x-amz-security-token") == token
    assert "host" in sent.headers["authorization"]


def test_the_async_client_sends_what_botocore_signs(
    monkeypatch: pytest.MonkeyPatch, run: Callable[[Callable[[], Awaitable[Any]]], Any]
) -> None:
    credentials = AwsCredentials(KEY_ID, SECRET, TOKEN)
    captured = Captured()

    async def main() -> None:
        async with httpx.AsyncClient(
            transport=captured.transport, auth=signer(credentials)
        ) as client:
            await client.post(URL, content=BODY, headers={"content-type": "application/json"})

    run(main)
    (sent,) = captured.requests
    theirs = botocore_signature(monkeypatch, sent, credentials)
    assert sent.headers["authorization"] == theirs["authorization"]
    assert sent.headers["x-amz-security-token"] == TOKEN


def test_every_attempt_is_signed_anew_with_the_sources_current_credentials() -> None:
    refresh = Refresher()
    auth = AwsSigV4Auth(
        BotocoreCredentials(expired_credentials(refresh)), region="eu-west-1", service="bedrock"
    )
    captured = Captured()
    with httpx.Client(transport=captured.transport, auth=auth) as client:
        client.post(URL, content=BODY, headers={"authorization": "stale", "x-amz-date": "old"})
        client.post(URL, content=b"{}")
    first, second = captured.requests
    assert first.headers.get_list("authorization") == [first.headers["authorization"]]
    assert first.headers["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={KEY_ID}/")
    assert "/eu-west-1/bedrock/aws4_request" in first.headers["authorization"]
    assert first.headers["x-amz-date"] != "old"
    assert first.headers["authorization"] != second.headers["authorization"]
    assert len(refresh.threads) == 1


def test_the_signer_hides_the_session_tokens_it_sent_and_shows_no_key() -> None:
    auth = signer(AwsCredentials(KEY_ID, SECRET, TOKEN))
    assert auth.secrets() == ()
    captured = Captured()
    with httpx.Client(transport=captured.transport, auth=auth) as client:
        client.post(URL, content=BODY)
    assert auth.secrets() == (TOKEN,)
    assert repr(auth) == "AwsSigV4Auth(region='us-east-1', service='bedrock')"
    for secret in SECRETS:
        assert secret not in repr(auth)


def test_a_session_token_with_a_line_break_is_refused_without_echoing_it() -> None:
    auth = signer(AwsCredentials(KEY_ID, SECRET, f"{TOKEN}\n"))
    with (
        httpx.Client(transport=Captured().transport, auth=auth) as client,
        pytest.raises(InvalidRequestError, match="line break") as caught,
    ):
        client.post(URL, content=BODY)
    assert_no_secret(caught.value)


def test_botocore_finding_nothing_is_remembered_for_a_while(
    monkeypatch: pytest.MonkeyPatch, files: SharedFiles
) -> None:
    sessions: list[str | None] = []
    session_class = botocore.session.Session

    def counting(*args: Any, **kwargs: Any) -> Any:
        sessions.append(kwargs.get("profile"))
        return session_class(*args, **kwargs)

    monkeypatch.setattr(botocore.session, "Session", counting)
    assert find_credentials() is None
    assert find_credentials() is None  # the chain (and its metadata service) is not asked again
    assert len(sessions) == 1
    monkeypatch.setattr(_aws, "NOTHING_FOUND_TTL", 0.0)
    clear_cache()
    assert find_credentials() is None
    assert find_credentials() is None
    assert len(sessions) == 3


def test_a_deferred_chain_is_looked_up_on_first_use_and_may_be_optional(
    monkeypatch: pytest.MonkeyPatch, files: SharedFiles
) -> None:
    required = _aws.deferred_chain(required=True)
    optional = _aws.deferred_chain(required=False)
    assert required is not None
    assert optional is not None
    assert "not looked up" in required.describe()
    with pytest.raises(MissingAPIKeyError, match="AWS_BEARER_TOKEN_BEDROCK"):
        required.credentials()
    assert optional.credentials() is None
    clear_cache()
    files.write_credentials(
        f"[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    )
    later = _aws.deferred_chain()
    assert later is not None
    assert later.credentials() == AwsCredentials(KEY_ID, SECRET)
    assert later.describe().startswith("botocore")
