"""A small process that kills every execution environment when its cloud goes away.

Environments are frozen between invocations, so they cannot watch for their cloud's death
themselves. The guardian is never frozen: the cloud tells it, through a pipe, each process
group it starts (``+pgid start-time``) and ends (``-pgid``), and the folders that must not
outlive it (``@path``: its working folder, its cgroups). When the pipe closes (the cloud
stopped, or its process died for any reason, SIGKILL included), the guardian kills every
environment it still knows, with all their descendants, removes those folders (a cgroup's
processes killed first), and exits.

A process id is recycled once its process is gone (after 32,768 on many Linux machines),
so each kill first checks that a process holding the id is the one started then.

Cloud side: :class:`Guardian`. Guardian side: ``python -m lambdalab.invoke.guardian``,
which imports nothing heavy.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Iterable


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

    def watch(self, pgid: int, started: float) -> None:
        self._tell(f"+{pgid} {started!r}\n")

    def forget(self, pgid: int) -> None:
        self._tell(f"-{pgid}\n")

    def remove_at_end(self, folder: str) -> None:
        """Have ``folder`` removed when the cloud goes away, however it goes."""
        self._tell(f"@{folder}\n")

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
        await_end(self._process)


def await_end(process: subprocess.Popen[bytes], seconds: float = 5) -> None:
    """Wait for a helper process told to end (its input closed); kill it if it does not."""
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def guard(commands: Iterable[bytes]) -> None:
    """Follow ``+pgid start``/``-pgid``/``@folder`` lines until end of input, then kill the
    groups left and remove the folders."""
    groups: dict[int, float | None] = {}
    folders: list[str] = []
    for line in commands:
        if line[:1] == b"@":
            folders.append(line[1:].decode(errors="replace").rstrip("\n"))
            continue
        number, _, start = line[1:].decode(errors="replace").strip().partition(" ")
        if not number.isdigit():
            continue
        if line[:1] == b"+":
            groups[int(number)] = _as_float(start)
        else:
            groups.pop(int(number), None)
    from lambdalab.invoke.process_tree import kill_environment

    for pgid, started in groups.items():
        kill_environment(pgid, started)
    for folder in folders:
        remove_folder(folder)


def remove_folder(folder: str) -> None:
    """Remove a folder the cloud left: a cgroup with what still runs in it, or a working
    folder even where parts of it were made read-only."""
    from pathlib import Path

    path = Path(folder)
    if (path / "cgroup.procs").exists():
        from lambdalab.invoke.cgroups import remove_tree as remove_cgroup

        remove_cgroup(path)
    else:
        from lambdalab.invoke.codecache import remove_tree

        remove_tree(path)


def _as_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is for the cloud, not for us
    guard(sys.stdin.buffer)
