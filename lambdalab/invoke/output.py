"""Collects what an execution environment prints, line by line, with timestamps.

A reader thread keeps the pipe empty so a chatty handler never blocks. ``take()``
first drains whatever is already in the pipe: the runtime flushes every write before
it posts its response, so after a drain the collected lines are complete up to that
response. That is what lets each invocation's log end at its own REPORT line.

Memory stays bounded whatever a handler prints, in time linear in what it prints: a line
is cut at CloudWatch's largest event (256 KB, the rest of it dropped), and of the lines not
yet taken only the newest the log group keeps anyway (:data:`logs.GROUP_EVENTS_LIMIT` lines,
:data:`logs.GROUP_BYTES_LIMIT` bytes) are held.
"""

from __future__ import annotations

import os
import select
import threading
from collections import deque
from typing import IO

from lambdalab.invoke.logs import GROUP_BYTES_LIMIT, GROUP_EVENTS_LIMIT, LogLine, now_ms

_CHUNK = 65536
# docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html: an event is
# at most 256 KB, counting 26 bytes of its own
EVENT_BYTES_LIMIT = 256 * 1024 - 26


class ProcessOutput:
    def __init__(self, pipe: IO[bytes], name: str) -> None:
        self._fd = pipe.fileno()
        self._pipe = pipe  # keeps the file object (and so the fd) alive
        os.set_blocking(self._fd, False)
        self._lock = threading.Lock()
        self._partial: list[bytes] = []  # the line being printed, in pieces
        self._partial_bytes = 0
        self._lines: deque[LogLine] = deque()
        self._held_bytes = 0
        self._closed = False  # end of file seen
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"output-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not (self._closed or self._stopping):
            try:
                ready, _, _ = select.select([self._fd], [], [], 0.2)
            except (OSError, ValueError):
                return
            if ready:
                with self._lock:
                    self._read_available()

    def _read_available(self) -> None:
        while not self._closed:
            try:
                data = os.read(self._fd, _CHUNK)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._closed = True
                self._append(b"", final=True)
                return
            self._append(data)

    def _append(self, data: bytes, final: bool = False) -> None:
        *complete, rest = data.split(b"\n")
        if complete:
            self._grow_partial(complete[0])
            complete[0] = b"".join(self._partial)
            self._partial, self._partial_bytes = [], 0
        self._grow_partial(rest)
        if final and self._partial_bytes:
            complete.append(b"".join(self._partial))
            self._partial, self._partial_bytes = [], 0
        stamp = now_ms()
        for raw in complete[-GROUP_EVENTS_LIMIT:]:  # the older ones would be dropped anyway
            # The runtime joins the lines of one error report with "\r": one log event.
            text = raw[:EVENT_BYTES_LIMIT].decode("utf-8", "replace").replace("\r", "\n")
            self._hold(LogLine(stamp, text))

    def _grow_partial(self, piece: bytes) -> None:
        """Add to the line being printed what fits in one event; drop the rest of it."""
        room = EVENT_BYTES_LIMIT - self._partial_bytes
        if room > 0 and piece:
            self._partial.append(piece[:room])
            self._partial_bytes += min(len(piece), room)

    def _hold(self, line: LogLine) -> None:
        self._lines.append(line)
        self._held_bytes += len(line.message)
        while (len(self._lines) > GROUP_EVENTS_LIMIT
               or self._held_bytes > GROUP_BYTES_LIMIT) and len(self._lines) > 1:
            self._held_bytes -= len(self._lines.popleft().message)

    def take(self) -> list[LogLine]:
        """Every line printed so far and not yet taken, including what is still in the pipe."""
        with self._lock:
            self._read_available()
            self._append(b"", final=True)  # a line printed without its newline ends here
            lines, self._lines, self._held_bytes = list(self._lines), deque(), 0
            return lines

    def close(self) -> None:
        """Stop reading, keeping whatever the (now dead) process wrote last for ``take()``."""
        self._stopping = True
        self._thread.join(timeout=1)
        with self._lock:
            self._read_available()
            self._closed = True
        try:
            self._pipe.close()
        except OSError:
            pass
