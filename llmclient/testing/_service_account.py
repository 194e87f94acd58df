"""Google service-account credentials made on the spot: a fresh RSA key and the JSON a key file
holds, pointed at a token endpoint of your choosing (a :class:`~llmclient.testing.LocalServer`'s).

The key is made with the ``cryptography`` package, or with ``rsa`` where only that is installed
(google-auth needs one of them to sign); neither is imported until a key is made."""

from __future__ import annotations

import secrets
from typing import Any

PublicKey = tuple[int, int]
"""An RSA public key as its modulus and public exponent, ``(n, e)``."""

_KEY_BITS = 2048
_PUBLIC_EXPONENT = 65537


def service_account_info(token_uri: str, *, project_id: str = "local-project") -> dict[str, str]:
    """A Google service account's key file, as a dict, with a freshly made RSA private key
    (PEM) and ``token_uri`` as its token endpoint.

    Write it to a file as JSON and point ``GOOGLE_APPLICATION_CREDENTIALS`` at it, or give
    it to google-auth's ``service_account.Credentials.from_service_account_info``; with a
    :class:`~llmclient.testing.LocalServer`'s ``token_url`` the credentials get their tokens
    from that server (``LocalServer.service_account_info`` also has it check their
    signatures). ``project_id`` is the project the file names.

    Raises ``ImportError`` when neither ``cryptography`` nor ``rsa`` is installed.
    """
    return new_service_account(token_uri, project_id=project_id)[0]


def new_service_account(token_uri: str, *, project_id: str) -> tuple[dict[str, str], PublicKey]:
    """:func:`service_account_info`'s dict, and the public key that checks its signatures."""
    pem, public_key = _new_key()
    account = f"llmclient-local-{secrets.token_hex(4)}"
    info = {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": secrets.token_hex(20),
        "private_key": pem,
        "client_email": f"{account}@{project_id}.iam.gserviceaccount.com",
        "client_id": str(10**20 + secrets.randbelow(9 * 10**20)),
        "token_uri": token_uri,
    }
    return info, public_key


def _new_key() -> tuple[str, PublicKey]:
    """A fresh RSA private key as PKCS #8 PEM (PKCS #1 when made by ``rsa``), and its public
    key."""
    try:
        from cryptography.hazmat.primitives import serialization  # type: ignore[import-not-found,unused-ignore]
        from cryptography.hazmat.primitives.asymmetric import rsa  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return _new_key_with_rsa()
    key: Any = rsa.generate_private_key(public_exponent=_PUBLIC_EXPONENT, key_size=_KEY_BITS)
    pem: bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    numbers = key.public_key().public_numbers()
    return pem.decode(), (numbers.n, numbers.e)


def _new_key_with_rsa() -> tuple[str, PublicKey]:
    try:
        import rsa  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError as exc:
        raise ImportError(
            "making a service account's key needs the cryptography package (or rsa): "
            "pip install cryptography"
        ) from exc
    public: Any
    private: Any
    public, private = rsa.newkeys(_KEY_BITS, exponent=_PUBLIC_EXPONENT)
    pem: bytes = private.save_pkcs1()
    return pem.decode(), (public.n, public.e)
