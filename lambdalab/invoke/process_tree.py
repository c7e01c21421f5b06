"""Kill an execution environment's whole process tree, even while parts of it keep forking.

Used where no cgroup holds the environment (Linux as a user, macOS) and, as a first pass,
where one does; the guardian process runs it too. The sweeps read ``/proc`` directly (one
read per process): psutil serves only the start-time check and macOS.
"""

from __future__ import annotations

import os
import signal
import time

STOP_SECONDS = 10.0  # sweeps of SIGSTOP until no new descendant appears, at most this long


def process_table() -> dict[int, tuple[int, int]]:
    """Every process of the machine: ``pid -> (parent pid, process group)``.

    On Linux one read of ``/proc/PID/stat`` per process, a few milliseconds with hundreds of
    processes: a sweep must be quick, or a process that forks every few milliseconds and
    lets its parent exit stays one step ahead of it.
    """
    if not os.path.isdir("/proc/self"):
        return _process_table_from_psutil()
    table: dict[int, tuple[int, int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                text = stat.read()
        except OSError:
            continue  # gone meanwhile
        fields = text[text.rfind(b")") + 2:].split()  # after the command, which may hold ")"
        if len(fields) > 2:
            table[int(name)] = (int(fields[1]), int(fields[2]))
    return table


def _process_table_from_psutil() -> dict[int, tuple[int, int]]:
    import psutil

    table: dict[int, tuple[int, int]] = {}
    for process in psutil.process_iter(["ppid"]):
        try:
            table[process.pid] = (process.info["ppid"], os.getpgid(process.pid))
        except OSError:
            continue
    return table


def descendants(pid: int, table: dict[int, tuple[int, int]]) -> list[int]:
    """The processes descended from ``pid`` in ``table``, nearest first."""
    children: dict[int, list[int]] = {}
    for child, (parent, _) in table.items():
        children.setdefault(parent, []).append(child)
    found: dict[int, None] = {}  # ordered, and quick to ask
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found and child != pid:
                found[child] = None
                stack.append(child)
    return list(found)


def _signal(pid: int, signum: int, group: bool = False) -> None:
    try:
        (os.killpg if group else os.kill)(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def kill_environment(pid: int, started: float | None = None) -> None:
    """SIGKILL an environment's process group and every process descended from it.

    A handler's child that starts a session of its own (a daemon: fork, ``setsid``, fork)
    leaves the group; on Linux the environment is its children's subreaper
    (:mod:`lambdalab.runtime.launch`), so such a process stays a descendant and is found
    here. The environment's leader is stopped first, so it reaps nothing and every id in its
    tree stays taken; then every descendant, and the whole process group of each (a group
    stops at once, a child forked meanwhile too), is stopped, sweep after sweep until one
    finds nothing new; only then does anything die. A process that keeps forking and
    letting its parent exit cannot slip out between a sweep and the kills.

    ``started`` is the environment's start time: if a process now holding the id started
    at another time, the id was recycled and nothing here is the environment's (an id in
    use as a group id is never recycled, so a group left behind by the environment is
    killed whenever its leader is gone).
    """
    leader_started = start_time(pid)
    if started is not None and leader_started is not None and leader_started != started:
        return  # another process, given the id after the environment's was gone
    groups = {pid}
    stopped: set[int] = set()
    if leader_started is not None:
        _signal(pid, signal.SIGSTOP, group=True)
        deadline = time.monotonic() + STOP_SECONDS
        while time.monotonic() < deadline:
            table = process_table()
            fresh = [child for child in descendants(pid, table) if child not in stopped]
            if not fresh:
                break
            for child in fresh:
                group = table[child][1]
                if group not in groups and group > 1 and group != os.getpgrp():
                    _signal(group, signal.SIGSTOP, group=True)
                    groups.add(group)
                _signal(child, signal.SIGSTOP)
                stopped.add(child)
    for group in groups:
        _signal(group, signal.SIGKILL, group=True)
    for child in stopped:
        _signal(child, signal.SIGKILL)


def start_time(pid: int) -> float | None:
    """When the process with this id started (None if there is none): with the id, what
    tells the process apart from a later one that was given the same id."""
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None

