"""AWS Signature Version 4 with the standard library: a request in, the headers that sign it out.

No I/O and no clock: the caller passes the time (``amz_date``, ``YYYYMMDDTHHMMSSZ``) and the
credentials. The steps are AWS's own: a canonical request (method, the path URI-encoded once
more than it was sent, as every AWS service but S3 wants, the query sorted and encoded, the
headers lower-cased, trimmed and sorted, the body's SHA-256), a string to sign over its hash
and the credential scope, and an HMAC-SHA256 signature with a key derived from the secret, the
date, the region and the service.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from urllib.parse import quote, unquote, urlsplit

import attrs

__all__ = ["AwsCredentials", "canonical_request", "sign_v4", "string_to_sign"]

ALGORITHM = "AWS4-HMAC-SHA256"

#: Headers left unsigned, as botocore leaves them: hop-by-hop and tracing headers, which proxies
#: and clients may change (httpx sends ``connection``).
UNSIGNED_HEADERS = frozenset(
    (
        "authorization",
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    )
)

_SPACES = re.compile(r"\s+")
_UNRESERVED = "-_.~"


@attrs.frozen
class AwsCredentials:
    """An access key, its secret and, for temporary credentials, the session token."""

    access_key_id: str
    secret_access_key: str = attrs.field(repr=False)
    session_token: str | None = attrs.field(default=None, repr=False)


def sign_v4(
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    credentials: AwsCredentials,
    *,
    region: str,
    service: str,
    amz_date: str,
) -> list[tuple[str, str]]:
    """The headers to add to a request so that it is signed: ``x-amz-date``,
    ``x-amz-security-token`` (temporary credentials only) and ``authorization``.

    ``headers`` are the request's, ``host`` included; those in :data:`UNSIGNED_HEADERS` are
    not signed. A ``x-amz-date`` among them is replaced by ``amz_date``.
    """
    added = [("x-amz-date", amz_date)]
    if credentials.session_token:
        added.append(("x-amz-security-token", credentials.session_token))
    kept = [(name, value) for name, value in headers if name.lower() != "x-amz-date"]
    signed = [*kept, *added]
    request = canonical_request(method, url, signed, body)
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    key = _signing_key(credentials.secret_access_key, amz_date[:8], region, service)
    signature = hmac.new(key, string_to_sign(request, amz_date, scope).encode(), "sha256")
    names = ";".join(_canonical_headers(signed))
    authorization = (
        f"{ALGORITHM} Credential={credentials.access_key_id}/{scope}, "
        f"SignedHeaders={names}, Signature={signature.hexdigest()}"
    )
    return [*added, ("authorization", authorization)]


def canonical_request(
    method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes
) -> str:
    """AWS's canonical form of a request, the text whose hash is signed."""
    parts = urlsplit(url)
    canonical = _canonical_headers(headers)
    return "\n".join(
        (
            method.upper(),
            quote(parts.path or "/", safe="/" + _UNRESERVED),
            _canonical_query(parts.query),
            "".join(f"{name}:{value}\n" for name, value in canonical.items()),
            ";".join(canonical),
            hashlib.sha256(body).hexdigest(),
        )
    )


def string_to_sign(canonical: str, amz_date: str, scope: str) -> str:
    """What the signature is the HMAC of: the algorithm, the time, the scope and the hash of
    the canonical request."""
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def _canonical_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Signed headers by lower-cased name, sorted; repeated ones joined with commas, values
    trimmed and their inner runs of spaces made one."""
    values: dict[str, list[str]] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered not in UNSIGNED_HEADERS:
            values.setdefault(lowered, []).append(_SPACES.sub(" ", value.strip()))
    return {name: ",".join(values[name]) for name in sorted(values)}


def _canonical_query(query: str) -> str:
    """The query's pairs, each name and value URI-encoded, sorted by name, then value."""
    pairs: list[tuple[str, str]] = []
    for item in query.split("&") if query else ():
        name, _, value = item.partition("=")
        pairs.append((_encode(name), _encode(value)))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _encode(text: str) -> str:
    return quote(unquote(text), safe=_UNRESERVED)


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), "sha256").digest()
    return key
