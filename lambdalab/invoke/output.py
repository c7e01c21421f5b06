"""Collects what an execution environment prints, line by line, with timestamps.

A reader thread keeps the pipe empty so a chatty handler never blocks. ``take()``
first drains whatever is already in the pipe: the runtime flushes every write before
it posts its response, so after a drain the collected lines are complete up to that
response. That is what lets each invocation's log end at its own REPORT line.
"""

from __future__ import annotations

import os
import select
import threading
from typing import IO

from lambdalab.invoke.logs import LogLine, now_ms

_CHUNK = 65536


class ProcessOutput:
    def __init__(self, pipe: IO[bytes], name: str) -> None:
        self._fd = pipe.fileno()
        self._pipe = pipe  # keeps the file object (and so the fd) alive
        os.set_blocking(self._fd, False)
        self._lock = threading.Lock()
        self._partial = b""
        self._lines: list[LogLine] = []
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
                self._append(self._partial, final=True)
                return
            self._append(data)

    def _append(self, data: bytes, final: bool = False) -> None:
        buffer = self._partial + data
        *complete, self._partial = buffer.split(b"\n")
        if final and self._partial:
            complete.append(self._partial)
            self._partial = b""
        stamp = now_ms()
        for raw in complete:
            # The runtime joins the lines of one error report with "\r": one log event.
            text = raw.decode("utf-8", "replace").replace("\r", "\n")
            self._lines.append(LogLine(stamp, text))

    def take(self) -> list[LogLine]:
        """Every line printed so far and not yet taken, including what is still in the pipe."""
        with self._lock:
            self._read_available()
            lines, self._lines = self._lines, []
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
