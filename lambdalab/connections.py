"""Bounds on the connections a server of the cloud serves, so that a flood cannot starve it.

Every user of the machine can connect to a loopback port. The cloud's own user (its owner,
the owner's tools, the execution environments) is served as before, up to
:data:`TOTAL` connections at once; another user gets at most :data:`PER_STRANGER` at once,
and each of those must send its request's headers within :data:`HEADER_SECONDS` or be
closed. So a thousand half-open connections from a stranger hold a few threads for a few
seconds, and the owner's requests are served meanwhile.

The user behind a loopback connection is read from ``/proc/net/tcp`` (Linux: the client's
socket belongs to its user). Where that cannot be read (macOS), every connection counts as
the owner's: the total bound holds, the per-user one does not (README, threat model).
"""

from __future__ import annotations

import heapq
import os
import socket
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

TOTAL = 256
PER_STRANGER = 16
HEADER_SECONDS = 10.0
TCP_TABLES = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))


def peer_uid(server_port: int, peer_port: int,
             tables: tuple[Path, ...] = TCP_TABLES) -> int | None:
    """The user owning the client end of a loopback connection (None if unknown)."""
    local, remote = f":{peer_port:04X}", f":{server_port:04X}"
    for table in tables:
        try:
            lines = table.read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 7 and fields[1].endswith(local) and fields[2].endswith(remote):
                return int(fields[7])
    return None


class ConnectionLimits:
    """Counts connections per user; closes a stranger's that is slow to send its headers."""

    def __init__(self, total: int = TOTAL, per_stranger: int = PER_STRANGER,
                 header_seconds: float = HEADER_SECONDS) -> None:
        self.total, self.per_stranger, self.header_seconds = total, per_stranger, header_seconds
        self._own_uid = os.getuid()
        self._lock = threading.Lock()
        self._open = 0
        self._by_stranger: defaultdict[int, int] = defaultdict(int)
        self._deadlines: list[tuple[float, int, socket.socket]] = []
        self._armed: dict[int, socket.socket] = {}
        self._wake = threading.Event()
        self._watchdog: threading.Thread | None = None

    def admit(self, connection: socket.socket, server_port: int) -> int | None:
        """Count a new connection; its user's id, or None if it must be closed now."""
        try:
            peer_port = connection.getpeername()[1]
        except OSError:
            return None
        uid = peer_uid(server_port, peer_port)
        uid = self._own_uid if uid is None else uid
        with self._lock:
            stranger = uid != self._own_uid
            if self._open >= self.total or (stranger
                                            and self._by_stranger[uid] >= self.per_stranger):
                return None
            self._open += 1
            if stranger:
                self._by_stranger[uid] += 1
        if stranger:
            self._arm(connection)
        return uid

    def headers_read(self, connection: socket.socket) -> None:
        """The request's headers arrived: no deadline from now on."""
        with self._lock:
            self._armed.pop(id(connection), None)

    def release(self, uid: int, connection: socket.socket) -> None:
        with self._lock:
            self._open -= 1
            self._armed.pop(id(connection), None)
            if uid != self._own_uid:
                self._by_stranger[uid] -= 1
                if not self._by_stranger[uid]:
                    del self._by_stranger[uid]

    def open_connections(self) -> int:
        with self._lock:
            return self._open

    def close(self) -> None:
        self._wake.set()

    def _arm(self, connection: socket.socket) -> None:
        with self._lock:
            self._armed[id(connection)] = connection
            heapq.heappush(self._deadlines, (time.monotonic() + self.header_seconds,
                                             id(connection), connection))
            if self._watchdog is None:
                self._watchdog = threading.Thread(target=self._watch, daemon=True,
                                                  name="lambdalab-header-deadlines")
                self._watchdog.start()

    def _watch(self) -> None:
        while not self._wake.wait(0.25):
            now = time.monotonic()
            expired: list[socket.socket] = []
            with self._lock:
                while self._deadlines and self._deadlines[0][0] <= now:
                    _, key, connection = heapq.heappop(self._deadlines)
                    if self._armed.pop(key, None) is connection:
                        expired.append(connection)
            for connection in expired:
                try:
                    connection.shutdown(socket.SHUT_RDWR)  # its reader wakes and ends
                except OSError:
                    pass


class BoundedServerMixin:
    """For a ``socketserver`` threading server: admit each connection through
    ``self.limits`` (a :class:`ConnectionLimits`), release it when its thread ends."""

    limits: ConnectionLimits
    _users: dict[int, int]  # socket id -> the user it was admitted for

    def process_request(self, request: Any, client_address: Any) -> None:
        uid = self.limits.admit(request, self.server_address[1])  # type: ignore[attr-defined]
        if uid is None:
            self.shutdown_request(request)  # type: ignore[attr-defined]
            return
        self._users[id(request)] = uid
        super().process_request(request, client_address)  # type: ignore[misc]

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)  # type: ignore[misc]
        finally:
            self.limits.release(self._users.pop(id(request)), request)


def headers_done(handler: Any) -> None:
    """Tell the server's limits that this handler's request headers have arrived."""
    limits = getattr(handler.server, "limits", None)
    if limits is not None:
        limits.headers_read(handler.connection)
