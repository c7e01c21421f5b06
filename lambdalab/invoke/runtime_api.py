"""The Lambda Runtime API, served to one execution environment.

The runtime inside the environment (awslambdaric's bootstrap) long-polls
``/invocation/next``, then posts ``/invocation/{id}/response`` or ``/error``; a failure
while importing the handler is posted to ``/init/error``. Each environment gets its own
server on its own loopback port.

Any local process can connect to a loopback port, so each server also has a secret that
only its environment's process knows (it travels through an inherited pipe, never on a
command line or in the function's environment variables, which other users cannot read
anyway): every request must carry it as HTTP Basic credentials, which is what libcurl
sends for a ``secret@host:port`` endpoint, the form awslambdaric's native client is
given. Anything else gets 403 and changes nothing. A secret rather than a check of the
peer's process: it works alike on Linux and macOS, costs nothing per request, and needs
no privileges.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import secrets
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

from lambdalab import connections
from lambdalab.invoke.limits import SYNC_PAYLOAD_BYTES

PREFIX = "/2018-06-01/runtime"
BODY_CAP = SYNC_PAYLOAD_BYTES  # what a response or an error may hold
RUNTIME_CONNECTIONS = 32
log = logging.getLogger(__name__)


def basic_authorization(secret: str) -> str:
    """The header libcurl sends for ``http://<secret>@host:port/…``: user, empty password."""
    return "Basic " + base64.b64encode(f"{secret}:".encode()).decode()


class RuntimeApiTarget(Protocol):
    """What the server asks of its environment."""

    def next_invocation(self) -> tuple[bytes, dict[str, str]] | None: ...
    def post_response(self, request_id: str, body: bytes) -> bool: ...
    def post_error(self, request_id: str, body: bytes) -> bool: ...
    def post_init_error(self, body: bytes) -> None: ...


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # small replies must not wait for delayed ACKs
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # the runtime's traffic is not the user's business

    def parse_request(self) -> bool:
        parsed = super().parse_request()
        connections.headers_done(self)
        return parsed

    def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the environment was discarded meanwhile

    def _accepted(self) -> None:
        self._reply(HTTPStatus.ACCEPTED, b'{"status":"OK"}', {"Content-Type": "application/json"})

    def _read_body(self) -> bytes:
        """The body, its first :data:`BODY_CAP` bytes and one more at most: a larger answer
        is refused by its size (6 MB on AWS), so the rest is read and dropped."""
        text = (self.headers.get("Content-Length") or "0").strip()
        length = int(text) if text.isdigit() else 0
        body = self.rfile.read(min(length, BODY_CAP + 1)) if length else b""
        left = length - len(body)
        while left > 0:
            dropped = self.rfile.read(min(left, 65536))
            if not dropped:
                break
            left -= len(dropped)
        return body

    def _authorized(self) -> bool:
        if hmac.compare_digest(self.headers.get("Authorization", ""),
                               self.server.expected_authorization):
            return True
        self.close_connection = True  # a stranger's body is never read
        self._reply(HTTPStatus.FORBIDDEN, json.dumps({
            "errorMessage": "Not this environment's Runtime API",
            "errorType": "Forbidden"}).encode(), {"Content-Type": "application/json"})
        return False

    def do_GET(self) -> None:  # noqa: N802 - name fixed by http.server
        self._answering(self._get)

    def do_POST(self) -> None:  # noqa: N802
        self._answering(self._post)

    def _answering(self, handle: Callable[[], None]) -> None:
        """Handle the request; a failure of the cloud's own answers 500 and is logged,
        never a silently closed connection (which the runtime takes as fatal)."""
        try:
            handle()
        except Exception:
            log.exception("the Runtime API failed on %s %s", self.command, self.path)
            self.close_connection = True
            self._reply(HTTPStatus.INTERNAL_SERVER_ERROR, json.dumps({
                "errorMessage": "The local cloud failed to answer", "errorType": "ServiceError",
            }).encode(), {"Content-Type": "application/json"})

    def _get(self) -> None:
        if not self._authorized():
            return
        if self.path != f"{PREFIX}/invocation/next":
            self._reply(HTTPStatus.NOT_FOUND)
            return
        invocation = self.server.target.next_invocation()
        if invocation is None:  # the environment is shutting down
            self.close_connection = True
            self._reply(HTTPStatus.GONE)
            return
        body, headers = invocation
        self._reply(HTTPStatus.OK, body, headers)

    def _post(self) -> None:
        if not self._authorized():
            return
        body = self._read_body()
        target = self.server.target
        parts = self.path[len(PREFIX):].strip("/").split("/")
        if parts == ["init", "error"]:
            target.post_init_error(body)
            self._accepted()
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            post = target.post_response if parts[2] == "response" else target.post_error
            if post(parts[1], body):
                self._accepted()
            else:
                error = {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}
                self._reply(HTTPStatus.BAD_REQUEST, json.dumps(error).encode())
        else:
            self._reply(HTTPStatus.NOT_FOUND)


class _Server(connections.BoundedServerMixin, ThreadingHTTPServer):
    """One environment's endpoint: its runtime needs two connections; no other user gets
    one (they could not give the secret anyway)."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a runtime killed mid-request (timeout, crash) is expected, not news

    def __init__(self, target: RuntimeApiTarget, secret: str) -> None:
        self.limits = connections.ConnectionLimits(total=RUNTIME_CONNECTIONS, per_stranger=0)
        self._users = {}
        super().__init__(("127.0.0.1", 0), _Handler)
        self.target = target
        self.expected_authorization = basic_authorization(secret)


class RuntimeApiServer:
    """A Runtime API endpoint on 127.0.0.1 for one environment."""

    def __init__(self, target: RuntimeApiTarget, name: str) -> None:
        self.secret = secrets.token_urlsafe(24)
        self._server = _Server(target, self.secret)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={
            "poll_interval": 0.2}, name=f"runtime-api-{name}", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self._server.server_port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._server.limits.close()
        self._thread.join(timeout=2)
