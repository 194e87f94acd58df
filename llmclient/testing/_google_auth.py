"""Google's OAuth for Vertex AI: the token endpoint (``POST /token``) that grants access
tokens to service accounts (a signed JWT) and authorized users (a refresh token), and the
optional check that each request to a Vertex path carries one of those tokens, unexpired."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard
from urllib.parse import parse_qs, urlsplit

from ._reply import Reply
from ._request import RecordedRequest
from ._service_account import PublicKey
from ._vertex import UNAUTHENTICATED, VERTEX_PATH

TOKEN_PATH = "/token"
"""Where the server's token endpoint is."""

_JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_REFRESH_TOKEN = "refresh_token"
_GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # google-auth's JWT audience
_MAX_ASSERTION_LIFETIME = 3600  # Google's limit on a JWT's exp - iat, in seconds
# The DER prefix of a SHA-256 DigestInfo, which RS256 (PKCS #1 v1.5) signs.
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
_NO_STORE = {"Cache-Control": "no-store"}
_SHORT_LIVED = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
    "timeframe. Check your iat and exp values in the JWT claim."
)


class _Refused(Exception):
    """A grant the token endpoint refuses, with OAuth's error code and description."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


class GoogleTokens:
    """The access tokens a server issues, each valid until its lifetime has passed on
    ``clock`` (``time.monotonic`` unless given) or :meth:`expire` is called, and the service
    accounts whose JWT signatures it checks. Safe to use from the server's threads."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._issued: list[str] = []
        self._expiry: dict[str, float] = {}
        self._keys: dict[str, PublicKey] = {}

    @property
    def issued(self) -> list[str]:
        """The tokens issued so far, oldest first (a copy)."""
        with self._lock:
            return list(self._issued)

    def trust(self, client_email: str, public_key: PublicKey) -> None:
        """Check the signature of each JWT that ``client_email`` sends with ``public_key``."""
        with self._lock:
            self._keys[client_email] = public_key

    def expire(self) -> None:
        """Make every token issued so far invalid from now on."""
        with self._lock:
            for token in self._expiry:
                self._expiry[token] = float("-inf")

    def answer(self, request: RecordedRequest, lifetime: int) -> Reply:
        """The token endpoint's answer to ``request``: a new token valid for ``lifetime``
        seconds, or OAuth's error for a grant it refuses."""
        try:
            self._check_grant(request)
        except _Refused as refused:
            error = {"error": refused.error, "error_description": refused.description}
            return Reply.json(error, refused.status, _NO_STORE)
        with self._lock:
            token = f"ya29.local-{len(self._issued) + 1}"
            self._issued.append(token)
            self._expiry[token] = self.clock() + lifetime
        granted = {"access_token": token, "expires_in": lifetime, "token_type": "Bearer"}
        return Reply.json(granted, headers=_NO_STORE)

    def refusal(self, request: RecordedRequest) -> Reply | None:
        """Vertex's 401 for a request to a Vertex path without a valid bearer token issued
        here, or None when it may pass (or is not to a Vertex path)."""
        if not VERTEX_PATH.fullmatch(urlsplit(request.path).path):
            return None
        scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
        with self._lock:
            expiry = self._expiry.get(token.strip()) if scheme.lower() == "bearer" else None
            if expiry is not None and self.clock() < expiry:
                return None
        return Reply.vertex_error(401, UNAUTHENTICATED)

    def _check_grant(self, request: RecordedRequest) -> None:
        try:
            form = {
                name: values[-1]
                for name, values in parse_qs(request.body.decode(), strict_parsing=True).items()
            }
        except (UnicodeDecodeError, ValueError):
            raise _Refused("invalid_request", "The request body is not form-encoded.") from None
        grant_type = form.get("grant_type")
        if grant_type == _JWT_BEARER:
            self._check_assertion(_required(form, "assertion"))
        elif grant_type == _REFRESH_TOKEN:
            for name in ("refresh_token", "client_id", "client_secret"):
                _required(form, name)
        else:
            raise _Refused("unsupported_grant_type", f"Invalid grant_type: {grant_type or ''}")

    def _check_assertion(self, assertion: str) -> None:
        """Refuse a JWT that is malformed, not RS256, lacks its claims or a scope, lives
        longer than an hour, or is signed by a trusted account's key but does not verify."""
        parts = assertion.split(".")
        if len(parts) != 3:
            raise _Refused("invalid_grant", "Invalid JWT: not three base64url parts.")
        header, claims = _json_part(parts[0]), _json_part(parts[1])
        if header.get("alg") != "RS256":
            raise _Refused("invalid_grant", "Invalid JWT: the algorithm must be RS256.")
        issuer, audience = claims.get("iss"), claims.get("aud")
        if not isinstance(issuer, str) or not issuer:
            raise _Refused("invalid_grant", "Invalid JWT: no issuer (iss).")
        if audience != _GOOGLE_TOKEN_URI and urlsplit(str(audience)).path != TOKEN_PATH:
            raise _Refused("invalid_grant", f"Invalid JWT audience: {audience!r}.")
        issued_at, expires = claims.get("iat"), claims.get("exp")
        if not (
            _is_time(issued_at)
            and _is_time(expires)
            and 0 < expires - issued_at <= _MAX_ASSERTION_LIFETIME
        ):
            raise _Refused("invalid_grant", _SHORT_LIVED)
        scope = claims.get("scope")
        if not isinstance(scope, str) or not scope.split():
            raise _Refused("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        with self._lock:
            public_key = self._keys.get(issuer)
        signed = f"{parts[0]}.{parts[1]}".encode()
        if public_key is not None and not _rs256_verifies(signed, _base64url(parts[2]), public_key):
            raise _Refused("invalid_grant", "Invalid JWT Signature.")


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise _Refused("invalid_request", f"Missing required parameter: {name}")
    return value


def _base64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise _Refused("invalid_grant", "Invalid JWT: a part is not base64url.") from None


def _json_part(text: str) -> dict[str, Any]:
    try:
        value = json.loads(_base64url(text))
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise _Refused("invalid_grant", "Invalid JWT: a part is not a JSON object.")
    return value


def _is_time(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _rs256_verifies(signed: bytes, signature: bytes, public_key: PublicKey) -> bool:
    """Whether ``signature`` is the RS256 (RSASSA-PKCS1-v1_5, SHA-256) signature of
    ``signed`` under ``public_key`` (RFC 8017, 8.2.2)."""
    modulus, exponent = public_key
    size = (modulus.bit_length() + 7) // 8
    number = int.from_bytes(signature, "big")
    if len(signature) != size or number >= modulus:
        return False
    digest_info = _SHA256_DIGEST_INFO + hashlib.sha256(signed).digest()
    padding = b"\xff" * (size - len(digest_info) - 3)
    expected = b"\x00\x01" + padding + b"\x00" + digest_info
    return hmac.compare_digest(pow(number, exponent, modulus).to_bytes(size, "big"), expected)
