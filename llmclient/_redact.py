"""Making URLs and messages safe to show: no credentials in an error, a repr or a log line.

A URL can carry secrets in two places: its user info (``https://user:password@host``) and its
query (``?key=...``, ``?code=...``). :func:`redact_url` keeps what helps a reader find the
endpoint (scheme, host, port, path, query parameter names) and hides the rest.
:func:`scrub_text` does the same to free text from another library (an httpx message) that may
quote a URL or a header value. Both are pure and never raise.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

__all__ = ["MASK", "SAFE_QUERY_PARAMS", "redact_url", "scrub_text"]

MASK = "***"

#: Query parameters whose values are shown: they select an API, they authenticate nothing
#: (Azure's ``api-version``, Gemini's ``alt=sse``).
SAFE_QUERY_PARAMS = frozenset({"api-version", "alt"})

# Patterns, not compiled ones: `re` compiles each on first use (an error path) and caches it.
_URL = r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+"
_AUTH_SCHEME = r"\b([Bb]earer|[Bb]asic|Token)\s+[^\s'\"]+"
# h11 quotes a rejected header value in its message ("Illegal header value b'...'").
_HEADER_VALUE = r"(?is)(header value)\b.*"


def redact_url(url: str) -> str:
    """``url`` with its user info shown as ``***@``, query values (but those of
    ``SAFE_QUERY_PARAMS``) as ``***``, and no fragment.

    ``"https://u:pw@gw.example.com/v1?key=abc&api-version=2024-10-21#x"`` becomes
    ``"https://***@gw.example.com/v1?key=***&api-version=2024-10-21"``.
    """
    try:
        scheme, netloc, path, query, _fragment = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: show nothing that might be secret
        return "(a URL that cannot be parsed)"
    if netloc:
        _, at, host = netloc.rpartition("@")
        netloc = f"{MASK}@{host}" if at else host
    elif "@" in path.partition("/")[0]:
        # No "//": "user:pw@host/v1" parses as scheme "user" with the password in the path.
        return f"{MASK}@{path.partition('@')[2].partition('/')[0]}"
    return urlunsplit((scheme, netloc, path, _redact_query(query), ""))


def scrub_text(text: str) -> str:
    """``text`` with every URL in it passed through :func:`redact_url`, the token after
    ``Bearer`` / ``Basic`` / ``Token`` masked, and a quoted header value (h11's
    "Illegal header value ...") cut off."""
    text = re.sub(_URL, lambda found: redact_url(found.group()), text)
    text = re.sub(_AUTH_SCHEME, lambda found: f"{found.group(1)} {MASK}", text)
    return re.sub(_HEADER_VALUE, r"\1 (not shown)", text)


def _redact_query(query: str) -> str:
    pairs = []
    for pair in query.split("&"):
        if not pair:
            continue
        name, equals, _value = pair.partition("=")
        if not equals:
            pairs.append(MASK)  # a bare "?token" is all value
        elif name.lower() in SAFE_QUERY_PARAMS:
            pairs.append(pair)
        else:
            pairs.append(f"{name}={MASK}")
    return "&".join(pairs)
