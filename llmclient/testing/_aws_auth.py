"""The optional check of how a request to a Bedrock path is authenticated: a SigV4 signature
made with the server's AWS credentials, or a bearer token (a Bedrock API key)."""

from __future__ import annotations

import hmac
import re
from urllib.parse import urlsplit

from .._core.sigv4 import AwsCredentials, sign_v4
from ._reply import Reply
from ._request import RecordedRequest
from ._routes import BEDROCK_PATH

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)"
    r"/aws4_request,\s*SignedHeaders=(?P<names>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]+)"
)
# Added by sign_v4 itself from the values it is given.
_ADDED_BY_SIGNER = frozenset(("x-amz-date", "x-amz-security-token"))
_UNRECOGNIZED = "The security token included in the request is invalid."
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details."
)


def refusal(request: RecordedRequest, credentials: AwsCredentials | None) -> Reply | None:
    """The 403 Bedrock answers ``request`` with, or None when it may pass: no ``credentials``
    to check against, a path that is not Bedrock's, a bearer token, or a SigV4 signature
    that ``credentials`` reproduce over the request as received."""
    if credentials is None or not BEDROCK_PATH.fullmatch(urlsplit(request.path).path):
        return None
    authorization = request.headers.get("authorization", "").strip()
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return None
    found = _AUTHORIZATION.fullmatch(authorization)
    if found is None or found["key"] != credentials.access_key_id:
        return Reply.bedrock_error(403, _UNRECOGNIZED, error_type="UnrecognizedClientException")
    if not hmac.compare_digest(found["signature"], _signature(request, credentials, found)):
        return Reply.bedrock_error(403, _MISMATCH, error_type="InvalidSignatureException")
    return None


def _signature(request: RecordedRequest, credentials: AwsCredentials, found: re.Match[str]) -> str:
    """The signature ``credentials`` give the request's signed headers, as received."""
    names = found["names"].split(";")
    if any(name not in request.headers for name in names):
        return ""
    token = request.headers["x-amz-security-token"] if "x-amz-security-token" in names else None
    headers = [(name, request.headers[name]) for name in names if name not in _ADDED_BY_SIGNER]
    signed = sign_v4(
        request.method,
        request.path,
        headers,
        request.body,
        AwsCredentials(credentials.access_key_id, credentials.secret_access_key, token),
        region=found["region"],
        service=found["service"],
        amz_date=request.headers.get("x-amz-date", ""),
    )
    return dict(signed)["authorization"].rpartition("Signature=")[2]
