"""I/O-free stream state shared by both facades: bytes in, chunks out, and the end checked.

Bytes go through the dialect's framing (:mod:`llmclient._framing`) into frames, and each
frame's type and payload through the dialect's translator into chunks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..errors import APIError, DecodeError, IncompleteStreamError, LlmError
from ..types import ChatCompletion, ChatCompletionChunk
from .accumulate import ChunkAccumulator
from .call import ChatCall
from .scrub import scrub_error
from .status import build_status_error, decode_body

if TYPE_CHECKING:
    from .._providers import StreamTranslator
    from .framing import Framing

#: At most this much of a body is kept when it is read only to build an error.
MAX_ERROR_BODY = 64 * 1024
#: After the end marker, at most this much more is read to let the connection be reused.
MAX_DRAIN = 64 * 1024


class ChunkParser:
    """Feeds raw body bytes through the dialect's framing and the dialect's translator.

    Chunks are not kept: each one is added to :attr:`answer` as it is produced, so a long
    stream holds its text, not thousands of chunk objects.
    """

    __slots__ = (
        "_call",
        "_framing",
        "_head",
        "_translator",
        "answer",
        "count",
        "error",
        "provider",
    )

    def __init__(
        self,
        translator: StreamTranslator,
        framing: Framing,
        provider: str,
        call: ChatCall | None = None,
    ) -> None:
        self._framing = framing
        self._translator = translator
        self.provider = provider
        # The call streamed, whose secrets are hidden in errors (see ``scrub``).
        self._call = call
        #: The whole answer so far, every chunk produced added to it.
        self.answer = ChunkAccumulator()
        #: How many chunks have been produced.
        self.count = 0
        #: An error met after chunks of the same read: raised once those are handed out.
        self.error: LlmError | None = None
        # The body's first bytes, kept until a frame arrives, to read an error body from.
        self._head: bytearray | None = bytearray()

    @classmethod
    def for_call(cls, call: ChatCall) -> ChunkParser:
        """The parser of one call's stream, in the call's dialect and its framing."""
        dialect = call.dialect
        return cls(dialect.new_stream(call), dialect.new_framing(call), call.provider.name, call)

    @property
    def media_type(self) -> str:
        """The content type of a body in the stream's framing."""
        return self._framing.media_type

    def scrub(self, error: LlmError) -> None:
        """Hide the call's secrets in ``error`` (a server may have echoed them into it)."""
        scrub_error(error, self._call)

    @property
    def finished(self) -> bool:
        """Whether the provider's terminal marker has arrived."""
        return self._translator.finished

    def feed(self, data: bytes) -> list[ChatCompletionChunk]:
        """The chunks completed by ``data``; raises a typed error for bad or error events.

        When an error follows chunks in the same bytes, the chunks are returned and the error
        is kept in :attr:`error`, raised by the next :meth:`feed` or :meth:`end`: what arrived
        before an error is never lost.
        """
        if self.error is not None:
            raise self.error
        out: list[ChatCompletionChunk] = []
        translator = self._translator
        framing = self._framing
        head = self._head
        if head is not None and len(head) < MAX_ERROR_BODY:
            head += data[: MAX_ERROR_BODY - len(head)]
        try:
            frames = framing.feed_frames(data)
            if frames:
                self._head = None
            for frame in frames:
                if translator.finished:
                    break  # anything after the terminal marker is not part of the answer
                translator.translate(frame[0], frame[1], out)
            if framing.pending_error is not None and not translator.finished:
                raise framing.pending_error
            if translator.finished and not out and not self.count:
                raise IncompleteStreamError(
                    f"{self.provider}: the stream ended before its first chunk; "
                    "there is no answer.",
                    provider=self.provider,
                )
        except LlmError as exc:
            if isinstance(exc, APIError) and exc.provider is None:
                exc.provider = self.provider
            if not out:
                raise
            self.error = exc
        except RecursionError:  # an event's JSON nested deeper than the parser can go
            error = DecodeError(
                f"{self.provider}: an event is nested too deeply to be read.",
                provider=self.provider,
            )
            if not out:
                raise error from None
            self.error = error
        if out:
            self.count += len(out)
            add = self.answer.add
            for chunk in out:
                add(chunk)
        return out

    def end(self) -> None:
        """At the end of the body: raises a kept error, or :class:`IncompleteStreamError`.

        A body in which not one frame arrived may be a JSON error sent under the stream's
        content type: then the provider's error is raised, typed.
        """
        if self.error is not None:
            raise self.error
        if not self._translator.finished:
            if self._head:
                decoded = decode_body(bytes(self._head))
                if isinstance(decoded, dict) and "error" in decoded:
                    raise build_status_error(self.provider, 200, decoded, in_stream=True)
            raise IncompleteStreamError(
                f"{self.provider}: the stream ended before its end marker; "
                "the answer is incomplete.",
                provider=self.provider,
            )

    def completion(self) -> ChatCompletion:
        """The whole answer; raises :class:`IncompleteStreamError` if the stream did not finish."""
        if not self._translator.finished:
            raise IncompleteStreamError(
                f"{self.provider}: the stream was closed before its end marker; "
                "there is no complete answer.",
                provider=self.provider,
            )
        return self.answer.completion()


def needs_error_body(status: int, headers: Mapping[str, str], media_type: str) -> bool:
    """Whether a response to a stream request is an error whose body must be read first.

    True for any non-2xx status, and for a 2xx whose content type is not the stream's
    ``media_type`` (a JSON error body, or an HTML page from a proxy); a response without a
    content type is taken to be the stream.
    """
    if not 200 <= status < 300:
        return True
    content_type = headers.get("content-type", media_type)
    return not content_type.lstrip().lower().startswith(media_type)


def error_from_response(
    call: ChatCall, status: int, headers: Mapping[str, str], body: bytes
) -> LlmError:
    """The typed error for a response that ``needs_error_body`` (or a non-2xx status) flagged."""
    provider = call.provider.name
    if not 200 <= status < 300:
        return call.dialect.parse_error(call, status, headers, body)
    decoded = decode_body(body)
    if isinstance(decoded, dict) and "error" in decoded:
        return build_status_error(provider, status, decoded, headers, in_stream=True)
    content_type = headers.get("content-type", "")
    preview = body[:80].decode("utf-8", "replace")
    return DecodeError(
        f"{provider}: expected an event stream, got {content_type or 'no content type'} "
        f"with status {status}: {preview!r}",
        provider=provider,
    )
