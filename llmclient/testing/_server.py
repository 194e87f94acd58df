"""The server: :class:`~llmclient.testing.LocalServer` (its lifecycle, the replies queued
for it, the requests it records, its open connections) and the HTTP plumbing that reads each
request and writes the bytes of its :class:`~llmclient.testing.Reply`."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import sys
import threading
import time
from collections import deque
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .._core.sigv4 import AwsCredentials
from . import _aws_auth
from ._echo import with_requested_model
from ._google_auth import TOKEN_PATH, GoogleTokens
from ._reply import Reply, body_writes
from ._request import RecordedRequest
from ._request_ids import with_request_id
from ._routes import default_reply, misdirected
from ._service_account import new_service_account

DEFAULT_TEXT = (
    "Once upon a time, in a small town by the sea, there lived a lighthouse keeper named Ada "
    "who collected stories from passing ships. Every night she climbed the winding stairs, lit "
    "the great lamp and listened to the wind. One stormy evening a tiny boat drifted ashore, "
    "carrying only a bottle with a note inside: keep the light burning, someone is always "
    "finding their way home. Ada smiled, trimmed the wick, and kept watch until dawn painted "
    "the water gold."
)
"""The story a :class:`LocalServer` tells when no reply is scripted."""

_POLL_INTERVAL = 0.05  # how soon the accept loop notices stop()
_JOIN_TIMEOUT = 5.0  # how long stop() waits for all threads, in total
_MAX_LINE = 65537


class _HTTPServer(ThreadingHTTPServer):
    """Tracks each connection and its thread for :class:`LocalServer`."""

    daemon_threads = True
    block_on_close = False
    # socketserver's default backlog of 5 drops connections when hundreds arrive at once.
    request_queue_size = 128

    def __init__(self, owner: LocalServer, address: tuple[str, int]) -> None:
        self.owner = owner
        self.stopping = threading.Event()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would look up the host's FQDN, which can be slow.
        socketserver.TCPServer.server_bind(self)
        host, port = self.socket.getsockname()[:2]
        self.server_name, self.server_port = host, port

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, address

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"llmclient-testing-connection-{client_address[1]}",
            daemon=True,
        )
        self.owner._track(request, thread)
        thread.start()

    def shutdown_request(self, request: Any) -> None:
        tracked = self.owner._untrack(request)
        super().shutdown_request(request)
        if tracked:
            self.owner._connection_closed()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a dropped client is no error
            super().handle_error(request, client_address)


def _lower_headers(message: Message) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in message.items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


class _Handler(BaseHTTPRequestHandler):
    """Reads one request at a time and writes the :class:`Reply` chosen for it."""

    protocol_version = "HTTP/1.1"
    server_version = "llmclient-testing"
    sys_version = ""
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep quiet: no line on stderr per request."""

    def do_POST(self) -> None:
        """Answer any method the same way: record, choose a reply, send it."""
        try:
            self._answer()
        except OSError:  # the client went away, or stop() cut the connection
            self.close_connection = True

    def _answer(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            message = "The request body could not be read."
            self._send(Reply.error(400, message, headers={"Connection": "close"}))
            return
        request = RecordedRequest(self.command, self.path, _lower_headers(self.headers), body)
        self._send(self.server.owner._reply_for(request))

    do_GET = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_POST

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked_body()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length)

    def _read_chunked_body(self) -> bytes:
        parts: list[bytes] = []
        while size := int(self.rfile.readline(_MAX_LINE).split(b";")[0].strip(), 16):
            parts.append(self.rfile.read(size))
            self.rfile.readline(_MAX_LINE)  # the CRLF after the chunk
        while self.rfile.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return b"".join(parts)

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        if reply.content_length:
            self.send_header("Content-Length", str(len(reply.body)))
        elif reply.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self._write_body(reply)

    def _write_body(self, reply: Reply) -> None:
        pieces, drop = body_writes(reply)
        framed = reply.chunked and not reply.content_length
        writes = [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces] if framed else pieces
        if framed and not drop:
            writes.append(b"0\r\n\r\n")
        stopping = self.server.stopping
        for i, data in enumerate(writes):
            if i and reply.delay:
                stopping.wait(reply.delay)
            if stopping.is_set():
                drop = True
                break
            self.wfile.write(data)
        if drop:
            self._abort()

    def _abort(self) -> None:
        """Cut the connection at once; the server then closes the socket."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class LocalServer:
    """A local HTTP server that imitates an LLM provider; see the module documentation.

    ``default_text`` is what it says when no reply is queued, streamed one word per event,
    ``stream_delay`` seconds apart (a small delay such as 0.03 shows the text arriving).
    ``port=0`` picks a free port. Use it as a context manager, or call :meth:`start` and
    :meth:`stop`.

    ``aws_credentials``, an access key id and its secret, makes it check each request to a
    Bedrock path as AWS does: it must be signed with them (SigV4, any region and service) or
    carry ``Authorization: Bearer <token>``; any other gets Bedrock's 403
    (``UnrecognizedClientException`` or ``InvalidSignatureException``) and leaves the queue
    as it is.

    Its token endpoint, :attr:`token_url`, grants Google access tokens as Google's OAuth
    endpoint does, to a service account's signed JWT or an authorized user's refresh token:
    ``"ya29.local-1"``, ``"ya29.local-2"``, ... (:attr:`issued_tokens`), each valid for
    :attr:`token_lifetime` seconds. A JWT must be RS256, name its issuer, Google's token URL
    (or this one) as its audience and a scope, and live at most an hour; one from an account
    made by :meth:`service_account_info` must also verify with that account's key. The
    endpoint answers before the queue, which it leaves as it is, and records its requests in
    :attr:`token_requests`, not in :attr:`requests`.
    ``google_tokens=True`` makes each request to a Vertex AI path (``.../projects/{project}/
    locations/{location}/...``) carry ``Authorization: Bearer <token>`` with a token issued
    here and not yet expired; any other gets Vertex's 401 (``UNAUTHENTICATED``) and leaves
    the queue as it is.
    """

    def __init__(
        self,
        *,
        default_text: str = DEFAULT_TEXT,
        stream_delay: float = 0.0,
        port: int = 0,
        aws_credentials: tuple[str, str] | None = None,
        google_tokens: bool = False,
    ) -> None:
        self.default_text = default_text
        self.stream_delay = stream_delay
        self.token_lifetime = 3600
        """How many seconds each token issued from now on is valid for (its ``expires_in``)."""
        self._google_tokens = google_tokens
        self._tokens = GoogleTokens()
        self._token_requests: list[RecordedRequest] = []
        self._aws_credentials = (
            None if aws_credentials is None else AwsCredentials(*aws_credentials)
        )
        self._requested_port = port
        self._port: int | None = None
        self._lock = threading.Lock()
        self._recorded = threading.Condition(self._lock)
        self._replies: deque[Reply] = deque()
        self._head_served = 0
        self._requests: list[RecordedRequest] = []
        self._connections = threading.Condition()
        self._open_count = 0
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._httpd: _HTTPServer | None = None
        self._serve_thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> LocalServer:
        """Bind ``127.0.0.1`` and serve in a background thread; return the server."""
        if self._httpd is not None:
            raise RuntimeError("LocalServer is already running")
        httpd = _HTTPServer(self, ("127.0.0.1", self._requested_port))
        self._port = httpd.server_port
        self._serve_thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name=f"llmclient-testing-{self._port}",
            daemon=True,
        )
        self._httpd = httpd
        self._serve_thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every connection (even mid-reply) and wait for the threads.

        Calling it again does nothing.
        """
        httpd, serve_thread = self._httpd, self._serve_thread
        if httpd is None or serve_thread is None:
            return
        self._httpd = self._serve_thread = None
        httpd.stopping.set()
        with contextlib.suppress(OSError):  # wakes the accept loop at once, on Linux at least
            httpd.socket.shutdown(socket.SHUT_RDWR)
        httpd.shutdown()
        httpd.server_close()
        with self._connections:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            threads = [serve_thread, *self._threads]
            self._threads.clear()
        deadline = time.monotonic() + _JOIN_TIMEOUT
        for thread in threads:
            if thread.ident is not None:  # started
                thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, the server's root."""
        if self._port is None:
            raise RuntimeError("LocalServer has not been started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """``url + "/v1"``: the base URL to give an OpenAI-style client."""
        return f"{self.url}/v1"

    @property
    def token_url(self) -> str:
        """``url + "/token"``: the token endpoint, for a Google credential's ``token_uri``."""
        return self.url + TOKEN_PATH

    # Google's tokens

    def service_account_info(self, *, project_id: str = "local-project") -> dict[str, str]:
        """A new service account's key file, as a dict, whose ``token_uri`` is
        :attr:`token_url` (see :func:`~llmclient.testing.service_account_info`); the token
        endpoint refuses the account's JWTs unless they verify with its key.

        Raises ``ImportError`` when neither ``cryptography`` nor ``rsa`` is installed.
        """
        info, public_key = new_service_account(self.token_url, project_id=project_id)
        self._tokens.trust(info["client_email"], public_key)
        return info

    @property
    def issued_tokens(self) -> list[str]:
        """The access tokens the token endpoint has issued, oldest first (a copy)."""
        return self._tokens.issued

    @property
    def token_requests(self) -> list[RecordedRequest]:
        """The requests the token endpoint has received, oldest first (a copy)."""
        with self._lock:
            return list(self._token_requests)

    def expire_tokens(self) -> None:
        """Make every token issued so far expired now: with ``google_tokens=True`` the next
        request that carries one gets a 401, as after a token's hour has passed."""
        self._tokens.expire()

    # scripting and recording

    def enqueue(self, *replies: Reply) -> None:
        """Queue replies; each request takes the first (which stays for ``repeat`` requests).

        When the queue is empty, requests get the default answer for their path.
        """
        with self._lock:
            self._replies.extend(replies)

    def reset(self) -> None:
        """Drop the queued replies and forget the recorded requests (the token endpoint's
        too); the tokens issued stay valid."""
        with self._lock:
            self._replies.clear()
            self._head_served = 0
            self._requests.clear()
            self._token_requests.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        """How many requests have been received."""
        with self._lock:
            return len(self._requests)

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until ``count`` requests have been received; False if ``timeout`` seconds pass
        first. A client can give up on a request (a timeout) before the server has read it."""
        with self._recorded:
            return self._recorded.wait_for(lambda: len(self._requests) >= count, timeout)

    def _reply_for(self, request: RecordedRequest) -> Reply:
        """Record ``request`` and choose its reply: the token endpoint's, a refusal of its
        path (``/v1`` twice) or its authentication, the queue's head, or the default answer;
        each but the token endpoint's carries a request id as its provider names it, and a
        queued one names the requested model unless it was built with a model."""
        if request.method == "POST" and urlsplit(request.path).path == TOKEN_PATH:
            with self._lock:
                self._token_requests.append(request)
            return self._tokens.answer(request, self.token_lifetime)
        refused = misdirected(request) or _aws_auth.refusal(request, self._aws_credentials)
        if refused is None and self._google_tokens:
            refused = self._tokens.refusal(request)
        with self._lock:
            self._requests.append(request)
            self._recorded.notify_all()
            scripted = self._take_queued() if refused is None else refused
        if scripted is None:
            reply = default_reply(request, self)
        else:
            reply = with_requested_model(request, scripted)
        return with_request_id(request, reply)

    def _take_queued(self) -> Reply | None:
        if not self._replies:
            return None
        reply = self._replies[0]
        self._head_served += 1
        if self._head_served >= reply.repeat:
            self._replies.popleft()
            self._head_served = 0
        return reply

    # connections

    @property
    def open_connections(self) -> int:
        """How many client connections are open right now."""
        with self._connections:
            return self._open_count

    def wait_for_open_connections(self, n: int, timeout: float = 5.0) -> bool:
        """Wait until exactly ``n`` client connections are open; False if ``timeout`` passes.

        A client that closes a kept-alive connection is noticed at once, so
        ``wait_for_open_connections(0)`` checks that a client released its connections.
        """
        with self._connections:
            return self._connections.wait_for(lambda: self._open_count == n, timeout)

    def _track(self, sock: socket.socket, thread: threading.Thread) -> None:
        with self._connections:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
            self._sockets.add(sock)
            self._open_count += 1
            self._connections.notify_all()

    def _untrack(self, sock: socket.socket) -> bool:
        """Forget ``sock`` before it is closed; return whether it was being tracked."""
        with self._connections:
            if sock not in self._sockets:
                return False
            self._sockets.remove(sock)
            return True

    def _connection_closed(self) -> None:
        with self._connections:
            self._open_count -= 1
            self._connections.notify_all()
