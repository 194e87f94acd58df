"""Making URLs and messages safe to show: no credentials in an error, a repr or a log line.

A URL can carry secrets in two places: its user info (``https://user:password@host``) and its
query (``?key=...``, ``?code=...``). :func:`redact_url` keeps what helps a reader find the
endpoint (scheme, host, port, path, query parameter names) and hides the rest.
:func:`scrub_text` does the same to free text from another library (an httpx message) that may
quote a URL or a header value. Both are pure and never raise.

A server can also send a call's secrets back (a proxy that echoes the request into its error
body or into an error event). :class:`Secrets` knows one call's secrets and hides them in any
text or decoded body; :mod:`llmclient._core.scrub` applies it to a call's errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

__all__ = [
    "CREDENTIAL_HEADER",
    "MASK",
    "SAFE_QUERY_PARAMS",
    "Secrets",
    "redact_url",
    "scrub_text",
]

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


#: Secrets shorter than this are not looked for: they cannot be told from ordinary text.
MIN_SECRET = 4
#: A copy of a secret cut short (a message or preview cut at its length limit) is hidden from
#: this many of its leading characters on.
PARTIAL_SECRET = 8
#: Header names whose values a caller's own headers carry as credentials.
CREDENTIAL_HEADER = r"(?i)auth|key|token|secret|cookie|passw|signature|credential"


class Secrets:
    """One call's secret values, and the forms a server may echo each in (percent-encoded,
    decoded from a query, escaped in JSON or in a repr); :meth:`text` hides them all."""

    __slots__ = ("_forms",)

    def __init__(self, values: Iterable[str]) -> None:
        forms: set[str] = set()
        for value in values:
            if len(value) >= MIN_SECRET:
                forms.update((value, unquote_plus(value), quote(value, safe=""), repr(value)[1:-1]))
                escaped = json.dumps(value)[1:-1]
                forms.update((escaped, escaped.replace("/", "\\/")))  # "\/" is JSON's too
        self._forms = sorted(form for form in forms if len(form) >= MIN_SECRET)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def text(self, text: str) -> str:
        """``text`` with every secret, and every cut-off start of one, shown as ``***``."""
        # Where each form (or its first PARTIAL_SECRET characters and more) occurs; the spans
        # of different forms overlap (they share their start), and the widest is hidden.
        spans: list[tuple[int, int]] = []
        for secret in self._forms:
            head = secret[:PARTIAL_SECRET]
            start = text.find(head)
            while start >= 0:
                end = start + len(head)
                limit = min(len(text), start + len(secret))
                while end < limit and text[end] == secret[end - start]:
                    end += 1
                spans.append((start, end))
                start = text.find(head, start + 1)
        if not spans:
            return text
        spans.sort()
        pieces: list[str] = []
        done = 0
        for start, end in spans:
            if end <= done:
                continue
            if start >= done:
                pieces += (text[done:start], MASK)
            done = end
        pieces.append(text[done:])
        return "".join(pieces)

    def value(self, value: Any) -> Any:
        """``value`` (a string, or JSON-like lists and dicts of them) with the secrets hidden;
        other values as they are."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.value(key): self.value(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.value(item) for item in value)
        return value
