"""SigV4 against AWS's published test suite, and as botocore signs a Bedrock request.

``tests/vectors/aws4_testsuite`` is AWS's Signature Version 4 test suite (Apache-2.0, see its
LICENSE and NOTICE), as published in boto/botocore at
0e6e2404b85dc336dd2889814e089bde7d1a4c55 (``tests/unit/auth/aws4_testsuite``); the
``normalize-path`` cases, which test path normalization S3-style clients skip, are left out.
Each case is a raw request (``.req``) and the canonical request, string to sign and
``Authorization`` header AWS computes for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from llmclient._core.sigv4 import AwsCredentials, canonical_request, sign_v4, string_to_sign

SUITE = Path(__file__).parent / "vectors" / "aws4_testsuite"
CASES = sorted(path.name for path in SUITE.iterdir() if path.is_dir())
CREDENTIALS = AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
SESSION_TOKEN = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
AMZ_DATE = "20150830T123600Z"
SCOPE = "20150830/us-east-1/service/aws4_request"


def read_request(case: str) -> tuple[str, str, list[tuple[str, str]], bytes]:
    """Method, URL, headers (in order, repeats kept) and body of a ``.req`` file."""
    text = (SUITE / case / f"{case}.req").read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    request_line, *lines = head.split("\n")
    method, rest = request_line.split(" ", 1)
    path = rest.rsplit(" ", 1)[0]
    headers: list[tuple[str, str]] = []
    for line in lines:
        if not line:
            continue
        if line[:1].isspace():  # a folded value goes on the header before it
            name, value = headers[-1]
            headers[-1] = (name, f"{value}\n{line}")
        else:
            name, _, value = line.partition(":")
            headers.append((name, value))
    host = next(value for name, value in headers if name.lower() == "host")
    return method, f"https://{host}{path}", headers, body.encode()


def expected(case: str, kind: str) -> str:
    return (SUITE / case / f"{case}.{kind}").read_text(encoding="utf-8")


def credentials_for(case: str) -> AwsCredentials:
    if "session-token" in case:
        return AwsCredentials(
            CREDENTIALS.access_key_id, CREDENTIALS.secret_access_key, SESSION_TOKEN
        )
    return CREDENTIALS


def signed_headers(case: str) -> list[tuple[str, str]]:
    method, url, headers, body = read_request(case)
    return sign_v4(
        method,
        url,
        headers,
        body,
        credentials_for(case),
        region="us-east-1",
        service="service",
        amz_date=AMZ_DATE,
    )


def test_the_suite_is_there() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES)
def test_canonical_request_matches_the_suite(case: str) -> None:
    method, url, headers, body = read_request(case)
    added = [("x-amz-security-token", SESSION_TOKEN)] if "session-token" in case else []
    assert canonical_request(method, url, headers + added, body) == expected(case, "creq")


@pytest.mark.parametrize("case", CASES)
def test_string_to_sign_matches_the_suite(case: str) -> None:
    assert string_to_sign(expected(case, "creq"), AMZ_DATE, SCOPE) == expected(case, "sts")


@pytest.mark.parametrize("case", CASES)
def test_authorization_matches_the_suite(case: str) -> None:
    headers = dict(signed_headers(case))
    assert headers["authorization"] == expected(case, "authz")
    assert headers["x-amz-date"] == AMZ_DATE


def test_temporary_credentials_send_their_token() -> None:
    headers = dict(signed_headers("get-vanilla-with-session-token"))
    assert headers["x-amz-security-token"] == SESSION_TOKEN


def test_secrets_stay_out_of_the_credentials_repr() -> None:
    text = repr(AwsCredentials("AKID", "very-secret", "session-secret"))
    assert "AKID" in text
    assert "very-secret" not in text
    assert "session-secret" not in text


def test_a_bedrock_request_is_signed_as_botocore_signs_it() -> None:
    # Bedrock's model ids hold ':' (sent as %3A), and AWS services other than S3 sign the path
    # encoded once more than it was sent: the case where hand-written signers go wrong.
    url = (
        "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
        "anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream?x=a%20b&a=1"
    )
    body = b'{"messages":[{"role":"user","content":[{"text":"Hi"}]}]}'
    headers = [
        ("host", "bedrock-runtime.us-east-1.amazonaws.com"),
        ("content-type", "application/json"),
        ("user-agent", "llmclient/test"),
    ]
    request = AWSRequest("POST", url, data=body, headers=dict(headers))
    SigV4Auth(
        Credentials("AKIDEXAMPLE", "secret/key+EXAMPLE", "token=="), "bedrock", "us-east-1"
    ).add_auth(request)
    theirs = request.headers

    credentials = AwsCredentials("AKIDEXAMPLE", "secret/key+EXAMPLE", "token==")
    ours = dict(
        sign_v4(
            "POST",
            url,
            headers,
            body,
            credentials,
            region="us-east-1",
            service="bedrock",
            amz_date=theirs["X-Amz-Date"],  # botocore reads the clock: sign at its time
        )
    )
    assert ours["authorization"] == theirs["Authorization"]
    assert ours["x-amz-security-token"] == theirs["X-Amz-Security-Token"]
