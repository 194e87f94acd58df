"""How a Converse call is authenticated: a Bedrock API key as a bearer token, else a SigV4
signature with AWS credentials (the environment, the shared files, or botocore's chain)."""

from __future__ import annotations

from ..._auth import NO_AUTH, HeaderAuth, RequestAuth
from ..._core.call import ChatCall
from ...errors import MissingAPIKeyError
from .urls import REGION_PLACEHOLDER, base_url, signing_region

#: The service a Bedrock runtime signature names.
SERVICE = "bedrock"


def new_auth(call: ChatCall) -> RequestAuth:
    """The call's auth, first match: the caller's own ``authorization`` header (sent as it
    is); a key (``AWS_BEARER_TOKEN_BEDROCK``, ``api_key=``) as ``Authorization: Bearer``;
    SigV4 with the AWS credentials found. Without any, ``MissingAPIKeyError`` when the call
    goes to AWS (raised as the first attempt is signed when botocore's chain was asked, so
    that its lookup never blocks an event loop), and no auth when it goes to a URL of the
    caller's own (a local server, a gateway that signs).
    """
    base_url(call)  # a missing or malformed region is an input error now, not at sending
    if any(name.lower() == "authorization" for name in call.headers):
        return NO_AUTH
    if call.api_key:
        return HeaderAuth("authorization", "Bearer ", call.api_key)
    from ... import _aws  # reads the environment and the shared files

    to_aws = REGION_PLACEHOLDER in call.base_url or ".amazonaws.com" in call.base_url
    # Keys in the environment or the files are read now; botocore's chain (which may ask an
    # instance metadata service or run a process) is looked up as the first attempt is signed.
    source: _aws.CredentialSource | _aws.DeferredCredentials | None
    source = _aws.find_credentials(use_botocore=False)
    if source is None:
        source = _aws.deferred_chain(required=to_aws)
    if source is None:
        if to_aws:
            raise MissingAPIKeyError(_aws.MISSING_CREDENTIALS)
        return NO_AUTH
    return _aws.AwsSigV4Auth(source, region=signing_region(call), service=SERVICE)
