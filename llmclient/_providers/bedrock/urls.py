"""Where a Converse call goes: the region in the base URL, the model id in the path."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

from ..._core.call import ChatCall
from ...errors import InvalidRequestError

#: The registry's base URL holds this placeholder for the AWS region.
REGION_PLACEHOLDER = "{region}"

# An AWS region name, such as us-east-1 or us-gov-west-1: nothing that could move the host.
_REGION = re.compile(r"[a-z]{2}(-[a-z0-9]+)+")
# Bedrock's own hosts, whose second label is the region that signs their requests.
_AWS_HOST = re.compile(r"bedrock(?:-runtime)?(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?")


def check_region(region: str, source: str) -> str:
    """``region`` if it is a region name; ``InvalidRequestError`` naming ``source`` if not."""
    if not _REGION.fullmatch(region):
        raise InvalidRequestError(
            f"{source} {region!r} is not an AWS region name (like 'us-east-1')."
        )
    return region


def base_url(call: ChatCall) -> str:
    """The call's base URL with its AWS region in place (see :func:`call_region`)."""
    base = call.base_url
    if REGION_PLACEHOLDER not in base:
        return base
    return base.replace(REGION_PLACEHOLDER, call_region(call))


def call_region(call: ChatCall) -> str:
    """The region of a call to the registry's URL: ``AWS_REGION``, ``AWS_DEFAULT_REGION`` or
    the profile's ``region``; ``InvalidRequestError`` saying what to set when none is."""
    from ... import _aws  # reads the environment and the AWS config file

    region = _aws.resolve_region()
    if region is None:
        raise InvalidRequestError(
            f"No AWS region for provider {call.provider.name!r}: set AWS_REGION (or "
            "AWS_DEFAULT_REGION, or a region in your AWS profile), or pass base_url=... "
            "(or set BEDROCK_BASE_URL)."
        )
    return check_region(region, "The AWS region")


def signing_region(call: ChatCall) -> str:
    """The region a SigV4 signature names: the one in a Bedrock host, else the configured
    one (a VPC endpoint or a proxy), else ``us-east-1``."""
    if REGION_PLACEHOLDER in call.base_url:
        return call_region(call)
    match = _AWS_HOST.fullmatch(urlsplit(call.base_url).hostname or "")
    if match:
        return match.group(1)
    from ... import _aws

    region = _aws.resolve_region()
    return check_region(region, "The AWS region") if region else "us-east-1"


def model_url(call: ChatCall, action: str) -> str:
    """``{base}/model/{modelId}/{action}``, the model id percent-encoded whole as AWS
    encodes it (``:`` as ``%3A``, an ARN's ``/`` as ``%2F``)."""
    return f"{base_url(call)}/model/{quote(call.model, safe='')}/{action}"


def control_plane_url(call: ChatCall) -> str:
    """The base of Bedrock's control plane (the model list): the runtime's AWS host with
    ``bedrock-runtime`` made ``bedrock`` (``bedrock.us-east-1.amazonaws.com``); a base URL
    of the caller's own (a proxy, a local server) as it is."""
    base = base_url(call)
    parts = urlsplit(base)
    host = parts.hostname or ""
    if not host.startswith("bedrock-runtime") or not _AWS_HOST.fullmatch(host):
        return base
    netloc = parts.netloc.replace(host, host.replace("bedrock-runtime", "bedrock", 1), 1)
    return urlunsplit(parts._replace(netloc=netloc))
