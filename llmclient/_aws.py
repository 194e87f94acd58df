"""AWS credentials and region, found as the AWS tools find them, and the SigV4 auth that uses them.

The I/O side of AWS: environment variables, the shared files (``~/.aws/credentials``,
``~/.aws/config``) and, with the ``aws`` extra installed, botocore's whole credential chain
(SSO, assumed roles, process credentials, container and instance roles), refreshed as they
expire. The signature's arithmetic is :func:`llmclient._core.sigv4.sign_v4`.

- :func:`resolve_region`: the region a profile or the environment names.
- :func:`find_credentials`: the first :class:`CredentialSource` that has credentials.
- :class:`AwsSigV4Auth`: signs each attempt with credentials from a source; the async client
  awaits them, and a refresh that does blocking I/O runs in a worker thread.

``import llmclient`` does not load this module, nor botocore: a dialect imports it when it
makes its auth.
"""

from __future__ import annotations

import configparser
import functools
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import anyio.to_thread
import attrs
import httpx

from ._auth import AsyncFlow, RequestSigner, check_header_secret
from ._core.sigv4 import AwsCredentials, sign_v4
from .errors import MissingAPIKeyError

__all__ = [
    "MISSING_CREDENTIALS",
    "AwsSigV4Auth",
    "BotocoreCredentials",
    "CredentialSource",
    "DeferredCredentials",
    "StaticCredentials",
    "clear_cache",
    "deferred_chain",
    "find_credentials",
    "resolve_region",
]

#: What the Bedrock dialect raises (as a MissingAPIKeyError) when no credentials are found.
MISSING_CREDENTIALS = (
    "No AWS credentials for provider 'bedrock': set AWS_BEARER_TOKEN_BEDROCK (a Bedrock API "
    "key), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN for temporary "
    "credentials), or AWS_PROFILE naming a profile with keys in the shared credentials file "
    "(~/.aws/credentials, or AWS_SHARED_CREDENTIALS_FILE) or the config file (~/.aws/config, or "
    "AWS_CONFIG_FILE); for SSO, assumed roles, process credentials and instance or container "
    "roles, pip install 'llmclient[aws]'."
)

DEFAULT_CONFIG_FILE = "~/.aws/config"
DEFAULT_CREDENTIALS_FILE = "~/.aws/credentials"
AMZ_DATE = "%Y%m%dT%H%M%SZ"


class CredentialSource(Protocol):
    """Where AWS credentials come from; each call returns ones that are valid now."""

    def credentials(self) -> AwsCredentials:
        """The credentials, refreshed first (blocking) if they are about to expire."""

    async def acredentials(self) -> AwsCredentials:
        """The credentials, awaited: a refresh that does I/O runs in a worker thread, never on
        the event loop."""

    def describe(self) -> str:
        """Where the credentials come from, for errors and logs; never a secret."""


@attrs.frozen
class StaticCredentials:
    """Credentials that do not change: from the environment or the shared files."""

    value: AwsCredentials
    origin: str

    def credentials(self) -> AwsCredentials:
        return self.value

    async def acredentials(self) -> AwsCredentials:
        return self.value

    def describe(self) -> str:
        return self.origin


class BotocoreCredentials:
    """A botocore credentials object (``Credentials``, or ``RefreshableCredentials``, which
    refreshes itself as it nears its expiry, blocking)."""

    def __init__(self, credentials: Any) -> None:
        self._credentials = credentials

    def credentials(self) -> AwsCredentials:
        try:
            frozen = self._credentials.get_frozen_credentials()
        except _botocore_errors() as exc:
            raise MissingAPIKeyError(
                f"The AWS credentials from {self.describe()} could not be refreshed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        return AwsCredentials(frozen.access_key, frozen.secret_key, frozen.token or None)

    async def acredentials(self) -> AwsCredentials:
        refresh_needed = getattr(self._credentials, "refresh_needed", None)
        if refresh_needed is not None and refresh_needed():
            return await anyio.to_thread.run_sync(self.credentials)
        return self.credentials()

    def describe(self) -> str:
        return f"botocore ({getattr(self._credentials, 'method', 'unknown')})"

    def __repr__(self) -> str:
        return f"BotocoreCredentials({self.describe()!r})"


@attrs.frozen
class _Profile:
    """A profile as the environment names it, and its sections of the shared files (read
    once, None where a file does not have it)."""

    name: str
    #: The variable that named the profile; None for the default profile nobody named.
    named_by: str | None
    config_file: Path
    credentials_file: Path
    #: ``[profile NAME]`` of the config file, or ``[default]`` for the default profile.
    config: Mapping[str, str] | None = attrs.field(repr=False)
    #: ``[NAME]`` of the credentials file.
    credentials: Mapping[str, str] | None = attrs.field(repr=False)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> _Profile:
        """Raises MissingAPIKeyError when a file cannot be parsed."""
        named_by = next((v for v in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE") if environ.get(v)), None)
        name = environ[named_by] if named_by else "default"
        config_file = Path(environ.get("AWS_CONFIG_FILE") or DEFAULT_CONFIG_FILE).expanduser()
        credentials_file = Path(
            environ.get("AWS_SHARED_CREDENTIALS_FILE") or DEFAULT_CREDENTIALS_FILE
        ).expanduser()
        config = _read_sections(config_file)
        names = ("default", "profile default") if name == "default" else (f"profile {name}",)
        return cls(
            name,
            named_by,
            config_file,
            credentials_file,
            next((config[section] for section in names if section in config), None),
            _read_sections(credentials_file).get(name),
        )

    def check_exists(self) -> None:
        """Raise MissingAPIKeyError if a variable names a profile that neither file has."""
        if self.named_by is None or self.name == "default":
            return
        if self.credentials is None and self.config is None:
            raise MissingAPIKeyError(
                f"The AWS profile {self.name!r} (from {self.named_by}) is in neither the shared "
                f"credentials file ({self.credentials_file}) nor the config file "
                f"({self.config_file})."
            )


def _read_sections(path: Path) -> dict[str, dict[str, str]]:
    """The sections of an INI file as dicts; none when the file does not exist.

    A malformed file raises MissingAPIKeyError naming it, without the parser's message, which
    quotes the offending line (a secret, perhaps).
    """
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None) or next((n for n, _ in getattr(exc, "errors", ())), 0)
        where = f" at line {line}" if line else ""
        raise MissingAPIKeyError(
            f"The AWS file {path} could not be parsed{where} ({type(exc).__name__})."
        ) from None
    return {name: dict(parser.items(name)) for name in parser.sections()}


def resolve_region(environ: Mapping[str, str] | None = None) -> str | None:
    """The AWS region: ``AWS_REGION``, else ``AWS_DEFAULT_REGION``, else the ``region`` of the
    profile's section in the config file; None when none is set. ``environ`` defaults to
    ``os.environ``."""
    env = os.environ if environ is None else environ
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if region:
        return region
    section = _Profile.from_environment(env).config or {}
    return section.get("region") or None


def find_credentials(
    environ: Mapping[str, str] | None = None, *, use_botocore: bool = True
) -> CredentialSource | None:
    """The first source of AWS credentials, in the AWS tools' order; None when there is none.

    1. ``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY`` (with ``AWS_SESSION_TOKEN``).
    2. With ``use_botocore`` and botocore installed: botocore's credential chain for the
       profile (``AWS_PROFILE``, else ``AWS_DEFAULT_PROFILE``, else ``default``), refreshed as
       it expires. The chain is kept per profile and files, so later calls build no session.
    3. The profile's keys in the shared credentials file, then in the config file.

    ``environ`` defaults to ``os.environ`` (botocore reads the rest of its settings, such as
    container credentials, from ``os.environ`` in any case).

    Raises:
        MissingAPIKeyError: only one of the two key variables is set; a variable names a
            profile that neither file has; a file cannot be parsed; botocore fails to load
            the profile's credentials (an expired SSO session, say).
    """
    env = os.environ if environ is None else environ
    found: CredentialSource | None = _from_environment(env)
    if found is not None:
        return found
    profile = _Profile.from_environment(env)
    profile.check_exists()
    if use_botocore:
        found = _from_botocore(profile)
        if found is not None:
            return found
    return _from_files(profile)


def deferred_chain(
    environ: Mapping[str, str] | None = None, *, required: bool = True
) -> DeferredCredentials | None:
    """botocore's chain for the profile (then the shared files), looked up when a request is
    first signed; None without botocore. ``required`` as in :class:`DeferredCredentials`."""
    if _botocore() is None:
        return None
    profile = _Profile.from_environment(os.environ if environ is None else environ)
    profile.check_exists()

    def find() -> CredentialSource | None:
        return _from_botocore(profile) or _from_files(profile)

    return DeferredCredentials(find, required=required)


class DeferredCredentials:
    """Credentials looked up on first use, not when the call is made: botocore's providers
    may do I/O to find them (an instance metadata service, a credential process, STS), which
    must not block the async client's event loop, so it looks them up in a worker thread.

    Nothing found is ``MissingAPIKeyError`` (:data:`MISSING_CREDENTIALS`) when ``required``,
    raised before the request is sent; otherwise :meth:`credentials` is None and the request
    goes unsigned.
    """

    def __init__(self, find: Callable[[], CredentialSource | None], *, required: bool) -> None:
        self._find = find
        self._required = required
        self._found: CredentialSource | None = None

    def _source(self) -> CredentialSource | None:
        if self._found is None:
            self._found = self._find()
            if self._found is None and self._required:
                raise MissingAPIKeyError(MISSING_CREDENTIALS)
        return self._found

    def credentials(self) -> AwsCredentials | None:
        """The credentials (looked up, blocking, on first use), or None when there are none."""
        source = self._source()
        return None if source is None else source.credentials()

    async def acredentials(self) -> AwsCredentials | None:
        """The credentials, looked up in a worker thread on first use."""
        source = self._found or await anyio.to_thread.run_sync(self._source)
        return None if source is None else await source.acredentials()

    def describe(self) -> str:
        if self._found is None:
            return "botocore's credential chain (not looked up yet)"
        return self._found.describe()

    def __repr__(self) -> str:
        return f"DeferredCredentials({self.describe()!r})"


def _from_environment(env: Mapping[str, str]) -> StaticCredentials | None:
    key_id = env.get("AWS_ACCESS_KEY_ID")
    secret = env.get("AWS_SECRET_ACCESS_KEY")
    if not key_id and not secret:
        return None
    if not key_id or not secret:
        missing = "AWS_SECRET_ACCESS_KEY" if key_id else "AWS_ACCESS_KEY_ID"
        present = "AWS_ACCESS_KEY_ID" if key_id else "AWS_SECRET_ACCESS_KEY"
        raise MissingAPIKeyError(f"{present} is set but {missing} is not: set both, or neither.")
    token = env.get("AWS_SESSION_TOKEN") or None
    return StaticCredentials(AwsCredentials(key_id, secret, token), "environment variables")


def _from_files(profile: _Profile) -> StaticCredentials | None:
    places = (
        (profile.credentials or {}, "shared credentials file"),
        (profile.config or {}, "config file"),
    )
    for section, place in places:
        key_id = section.get("aws_access_key_id")
        secret = section.get("aws_secret_access_key")
        origin = f"profile {profile.name!r} in the {place}"
        if key_id and secret:
            token = section.get("aws_session_token") or None
            return StaticCredentials(AwsCredentials(key_id, secret, token), origin)
        if key_id or secret:
            missing = "aws_secret_access_key" if key_id else "aws_access_key_id"
            raise MissingAPIKeyError(f"The {origin} has no {missing}.")
    return None


#: botocore's credentials objects by (profile, config file, credentials file).
_BOTOCORE_CACHE: dict[tuple[str, str, str], BotocoreCredentials] = {}
#: When botocore's chain found nothing for a profile, until when (``time.monotonic()``) that
#: answer stands: the chain may wait on an instance metadata service that is not there.
_NOTHING_UNTIL: dict[tuple[str, str, str], float] = {}
NOTHING_FOUND_TTL = 60.0
_CACHE_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget the botocore credentials found so far (tests, or after the files change)."""
    with _CACHE_LOCK:
        _BOTOCORE_CACHE.clear()
        _NOTHING_UNTIL.clear()


def _from_botocore(profile: _Profile) -> BotocoreCredentials | None:
    """botocore's chain for the profile, or None without botocore or when it finds nothing."""
    key = (profile.name, str(profile.config_file), str(profile.credentials_file))
    with _CACHE_LOCK:
        cached = _BOTOCORE_CACHE.get(key)
        nothing_until = _NOTHING_UNTIL.get(key, 0.0)
    if cached is not None or _botocore() is None or time.monotonic() < nothing_until:
        return cached
    # The default profile is left unnamed: botocore refuses a named one that no file has.
    named = None if profile.name == "default" else profile.name
    session = _botocore().session.Session(profile=named)
    session.set_config_variable("config_file", str(profile.config_file))
    session.set_config_variable("credentials_file", str(profile.credentials_file))
    try:
        credentials = session.get_credentials()
    except _botocore_errors() as exc:
        raise MissingAPIKeyError(
            f"botocore could not load the AWS credentials of profile {profile.name!r}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if credentials is None:
        with _CACHE_LOCK:
            _NOTHING_UNTIL[key] = time.monotonic() + NOTHING_FOUND_TTL
        return None
    source = BotocoreCredentials(credentials)
    with _CACHE_LOCK:
        return _BOTOCORE_CACHE.setdefault(key, source)


@functools.cache
def _botocore() -> Any:
    """The botocore package, or None when it is not installed (looked for once)."""
    try:
        import botocore.exceptions  # type: ignore[import-untyped]
        import botocore.session  # type: ignore[import-untyped]
    except ImportError:
        return None
    return botocore


def _botocore_errors() -> tuple[type[Exception], ...]:
    """What botocore raises when it cannot load credentials: its own errors, the service
    errors of the calls it makes for them (STS, SSO), and a credential process that cannot
    be started."""
    errors = _botocore().exceptions
    return (errors.BotoCoreError, errors.ClientError, OSError)


class AwsSigV4Auth(RequestSigner):
    """Signs each attempt with AWS Signature Version 4 for ``service`` in ``region``.

    ``source`` may be a :class:`DeferredCredentials`: its lookup runs when the first attempt
    is signed, and a request it finds no credentials for is sent unsigned.

    Credentials come from ``source`` on every attempt, so a refreshed one is used as soon as
    it exists: the blocking client calls ``source.credentials()``, the async client awaits
    ``source.acredentials()``. The time signed is ``clock()`` (seconds, UTC). The headers it
    adds (``x-amz-date``, ``x-amz-security-token``, ``authorization``) replace any of the same
    names. The session tokens it sends are its secrets.

    Raises:
        InvalidRequestError: the access key id or session token is not printable ASCII.
    """

    def __init__(
        self,
        source: CredentialSource | DeferredCredentials,
        *,
        region: str,
        service: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._source = source
        self._region = region
        self._service = service
        self._clock = clock
        #: The last two session tokens sent: a request in flight may carry the older one.
        self._sent: tuple[str, ...] = ()

    def sign(self, request: httpx.Request) -> Mapping[str, str]:
        return self._signed(request, self._source.credentials())

    async def async_auth_flow(self, request: httpx.Request) -> AsyncFlow:
        await request.aread()
        request.headers.update(self._signed(request, await self._source.acredentials()))
        yield request

    def _signed(self, request: httpx.Request, credentials: AwsCredentials | None) -> dict[str, str]:
        if credentials is None:  # a deferred lookup found none, and none is required
            return {}
        check_header_secret(credentials.access_key_id, "The AWS access key id", "key id")
        token = credentials.session_token
        if token:
            check_header_secret(token, "The AWS session token", "token")
            if token not in self._sent:
                self._sent = (*self._sent[-1:], token)
        amz_date = time.strftime(AMZ_DATE, time.gmtime(self._clock()))
        headers = sign_v4(
            request.method,
            str(request.url),
            request.headers.multi_items(),
            request.content,
            credentials,
            region=self._region,
            service=self._service,
            amz_date=amz_date,
        )
        return dict(headers)

    def secrets(self) -> tuple[str, ...]:
        return self._sent

    def __repr__(self) -> str:
        return f"AwsSigV4Auth(region={self._region!r}, service={self._service!r})"
