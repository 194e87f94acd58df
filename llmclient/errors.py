"""Every exception llmclient raises, in one place.

Both clients raise the same classes from the same places::

    LlmError                        the base: ``except LlmError`` catches everything below
    ├── InputError (ValueError)     bad input, raised before any network call
    │   ├── UnknownProviderError    the model's ``provider/`` prefix is not known
    │   ├── MissingAPIKeyError      no key was given and the provider's variable is unset
    │   └── InvalidRequestError     malformed messages or parameters
    └── APIError                    talking to the provider failed
        ├── APIConnectionError      the connection failed or dropped
        │   └── APITimeoutError     a timeout tripped
        ├── APIStatusError          the provider answered with an error (HTTP status or in-band)
        │   ├── RedirectError               3xx, never followed (the key would go along)
        │   ├── BadRequestError             400
        │   ├── AuthenticationError         401
        │   ├── PermissionDeniedError       403
        │   ├── NotFoundError               404
        │   ├── ConflictError               409
        │   ├── RequestTooLargeError        413
        │   ├── UnprocessableEntityError    422
        │   ├── RateLimitError              429
        │   └── InternalServerError         5xx
        │       └── OverloadedError         529, or an "overloaded" error type
        └── ResponseError           the provider's answer could not be used
            ├── DecodeError         malformed JSON, invalid UTF-8 or an unexpected shape
            ├── EventTooLargeError  one server-sent event grew past the size limit
            ├── ResponseTooLargeError   a whole answer's body grew past max_response_size
            └── IncompleteStreamError   the stream ended before its terminal marker

No exception built here ever holds an API key: request headers are never stored on an error,
and a call's secrets that a server echoes back (into an error body or event) are replaced by
``***`` in every error the call raises. Every error pickles and copies with its attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "DecodeError",
    "EventTooLargeError",
    "IncompleteStreamError",
    "InputError",
    "InternalServerError",
    "InvalidRequestError",
    "LlmError",
    "MissingAPIKeyError",
    "NotFoundError",
    "OverloadedError",
    "PermissionDeniedError",
    "RateLimitError",
    "RedirectError",
    "RequestTooLargeError",
    "ResponseError",
    "ResponseTooLargeError",
    "UnknownProviderError",
    "UnprocessableEntityError",
    "status_error_class",
]


class LlmError(Exception):
    """Base class of every error raised by llmclient.

    Every one pickles and copies (``copy.copy``, ``copy.deepcopy``) with its attributes, so it
    can cross a process pool.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own reduction calls the class with its args alone, which fails for
        # keyword-only arguments (``status_code``): rebuild without calling __init__, then
        # restore the attributes.
        return (_rebuild, (type(self), self.args), self.__dict__)


class InputError(LlmError, ValueError):
    """The call's input is wrong; raised before anything is sent."""


class UnknownProviderError(InputError):
    """The ``provider/`` prefix of a model names no known provider."""


class MissingAPIKeyError(InputError):
    """No API key was given for a provider that needs one."""


class InvalidRequestError(InputError):
    """The messages or parameters of a call are malformed."""


class APIError(LlmError):
    """Talking to a provider failed.

    Attributes:
        provider: the provider's name, e.g. ``"openai"``.
        attempts: how many requests were sent before giving up (retries included).
    """

    def __init__(self, message: str, *, provider: str | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.attempts = attempts


class APIConnectionError(APIError):
    """The connection to the provider could not be made, or broke."""


class APITimeoutError(APIConnectionError):
    """A timeout tripped while connecting to, or waiting on, the provider."""


class APIStatusError(APIError):
    """The provider answered with an error, as an HTTP status or as an error in the stream.

    Attributes:
        status_code: the HTTP status, or for an error sent inside a stream the status that
            the provider's error type stands for (``in_stream`` is then true).
        request_id: the provider's request id header, when it sent one.
        body: the decoded error body (a dict when it was JSON, else the text).
        error_type, code, param: the provider's own error fields, when present.
        in_stream: true when the error arrived inside a status-200 stream.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        provider: str | None = None,
        request_id: str | None = None,
        body: Any = None,
        error_type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        in_stream: bool = False,
        retry_after: float | None = None,
        should_retry: bool | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message, provider=provider, attempts=attempts)
        self.status_code = status_code
        self.request_id = request_id
        self.body = body
        self.error_type = error_type
        self.code = code
        self.param = param
        self.in_stream = in_stream
        self.retry_after = retry_after
        self.should_retry = should_retry

    def __str__(self) -> str:
        where = "in stream" if self.in_stream else "HTTP"
        parts = [f"{self.provider or 'provider'} {where} {self.status_code}"]
        if self.error_type:
            parts.append(self.error_type)
        text = f"{': '.join(parts)}: {self.message}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


class RedirectError(APIStatusError):
    """HTTP 3xx: the request was redirected. llmclient never follows a redirect, so that the
    key is sent only to the URL you configured.

    Attributes:
        location: where the redirect pointed (made absolute, query values shown as ``***``),
            or None when the answer named no target.
    """

    def __init__(self, message: str, *, location: str | None = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.location = location


class BadRequestError(APIStatusError):
    """HTTP 400: the provider rejected the request."""


class AuthenticationError(APIStatusError):
    """HTTP 401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """HTTP 403: the key may not use this model or feature."""


class NotFoundError(APIStatusError):
    """HTTP 404: the model or endpoint does not exist."""


class ConflictError(APIStatusError):
    """HTTP 409: the request conflicts with the provider's state."""


class RequestTooLargeError(APIStatusError):
    """HTTP 413: the request body is too large."""


class UnprocessableEntityError(APIStatusError):
    """HTTP 422: the request is well formed but cannot be processed."""


class RateLimitError(APIStatusError):
    """HTTP 429: too many requests or tokens; ``retry_after`` says how long to wait."""


class InternalServerError(APIStatusError):
    """HTTP 5xx: the provider failed."""


class OverloadedError(InternalServerError):
    """HTTP 529 or an ``overloaded`` error type: the provider is over capacity."""


class ResponseError(APIError):
    """The provider's answer could not be used."""


class DecodeError(ResponseError):
    """A response or event is not valid UTF-8, not valid JSON, or not of the expected shape."""


class EventTooLargeError(ResponseError):
    """A single server-sent event grew past the decoder's ``max_event_size``."""


class ResponseTooLargeError(ResponseError):
    """A whole answer's body (``chat``, embeddings, a model list) grew past the client's
    ``max_response_size``; reading stopped there.

    Attributes:
        limit: that size, in bytes.
    """

    def __init__(self, message: str, *, limit: int | None = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.limit = limit


class IncompleteStreamError(ResponseError):
    """The stream ended before the provider's terminal marker: the answer is cut short."""


def _rebuild(cls: type[LlmError], args: tuple[Any, ...]) -> LlmError:
    """An error of class ``cls`` with ``args``, its attributes still to be set (unpickling)."""
    return cls.__new__(cls, *args)


_STATUS_CLASSES: Mapping[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    529: OverloadedError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """Return the most specific error class for an HTTP status."""
    cls = _STATUS_CLASSES.get(status_code)
    if cls is not None:
        return cls
    if status_code >= 500:
        return InternalServerError
    if 300 <= status_code < 400:
        return RedirectError
    return APIStatusError
