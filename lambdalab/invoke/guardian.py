"""A small process that kills every execution environment when its cloud goes away.

Environments are frozen (SIGSTOP) between invocations, so they cannot watch for their
cloud's death themselves. The guardian is never frozen: the cloud tells it, through a
pipe, each process group it starts (``+pgid``) and ends (``-pgid``). When the pipe closes
(the cloud stopped, or its process died for any reason, SIGKILL included), the guardian
kills every environment it still knows, with all their descendants, and exits.

Cloud side: :class:`Guardian`. Guardian side: ``python -m lambdalab.invoke.guardian``,
which imports nothing heavy.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading


class Guardian:
    """The cloud's handle on its guardian process."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "lambdalab.invoke.guardian"], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, process_group=0)
        self._lock = threading.Lock()

    @property
    def pid(self) -> int:
        return self._process.pid

    def watch(self, pgid: int) -> None:
        self._tell(f"+{pgid}\n")

    def forget(self, pgid: int) -> None:
        self._tell(f"-{pgid}\n")

    def _tell(self, line: str) -> None:
        with self._lock:
            try:
                assert self._process.stdin is not None
                self._process.stdin.write(line.encode())
                self._process.stdin.flush()
            except (BrokenPipeError, ValueError):
                pass  # the guardian is gone; stop() still ends every environment

    def close(self) -> None:
        """End the guardian (after the cloud has ended its environments itself)."""
        with self._lock:
            if self._process.stdin is not None:
                try:
                    self._process.stdin.close()
                except BrokenPipeError:
                    pass
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def guard(commands: object) -> None:
    """Follow ``+pgid``/``-pgid`` lines until end of input, then kill the groups left."""
    groups: set[int] = set()
    for line in commands:  # type: ignore[attr-defined]
        sign, number = line[:1], line[1:].strip()
        if number.isdigit():
            (groups.add if sign == b"+" else groups.discard)(int(number))
    for pgid in groups:
        kill_environment(pgid)


def kill_environment(pid: int) -> None:
    """SIGKILL an environment's process group and every process descended from it.

    A handler's child that starts a session of its own (a daemon: fork, ``setsid``, fork)
    leaves the group; on Linux the environment is its children's subreaper
    (:mod:`lambdalab.runtime.launch`), so such a process stays a descendant and is found
    here. Stopped (frozen) processes die of SIGKILL too.
    """
    import psutil

    try:
        descendants = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        descendants = []
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for process in descendants:
        try:
            process.kill()
        except psutil.Error:
            pass


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is for the cloud, not for us
    guard(sys.stdin.buffer)
