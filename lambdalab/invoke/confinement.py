"""What bounds an execution environment, as Lambda's micro-VM does: memory, processes, /tmp.

Where the OS offers the means (Linux, as root: a container, a CI runner, a hosted room):

- a memory and a pids cgroup per environment (:mod:`lambdalab.invoke.cgroups`): at most
  1,024 processes and threads, and a hard memory ceiling;
- a mount namespace per environment: its own ``/tmp`` of ``EphemeralStorage`` MB, and a
  read-only code folder (:mod:`lambdalab.runtime.confine`).

Everywhere, the :class:`MemoryGuard` measures each environment's memory while it may run,
and ends one that uses more than its function's ``MemorySize``; the invocation fails with
``Runtime.OutOfMemory`` as on AWS. It reads the cgroup where there is one, else the resident
memory of the environment's processes (macOS, Linux as a user): a measurement every
:data:`POLL_S`, so a handler may overshoot briefly before it is stopped.

``LocalCloud(isolate_environments=False)`` (or ``$LAMBDALAB_ISOLATE_ENVIRONMENTS=0``) turns
the OS means off: what a Mac does, on any machine.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lambdalab.invoke import cgroups

ENV_VAR = "LAMBDALAB_ISOLATE_ENVIRONMENTS"
POLL_S = 0.02
MIB = 1024 * 1024


def wanted(requested: bool | None) -> bool:
    if requested is None:
        requested = os.environ.get(ENV_VAR, "1").strip().lower() not in ("0", "false", "no")
    return requested


@functools.cache
def private_mounts_available() -> bool:
    """Whether an environment may have its own /tmp: asked once, of a throwaway child."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return False
    try:
        probe = subprocess.run([sys.executable, "-m", "lambdalab.runtime.confine"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@dataclass
class Limits:
    """One environment's bounds: what its process is told to do, and its cgroup if any."""

    cgroup: cgroups.EnvironmentCgroup | None
    launch: dict[str, Any]  # the ``confine`` launch settings (lambdalab.runtime.confine)

    def close(self) -> None:
        if self.cgroup is not None:
            self.cgroup.kill_all()
            self.cgroup.remove()


class Confinement:
    """The cloud's means of bounding environments, found once when it starts."""

    def __init__(self, isolate: bool) -> None:
        self.root = cgroups.open_root() if isolate else None
        self.private_tmp = isolate and private_mounts_available()
        self.guard = MemoryGuard()

    def limits(self, env_id: str, memory_mb: int, ephemeral_mb: int, code_dir: str,
               home_dir: str) -> Limits:
        launch: dict[str, Any] = {}
        cgroup = None
        if self.root is not None:
            # the hard ceiling: the function's memory, plus its /tmp where that is memory
            ceiling = memory_mb + (ephemeral_mb if self.private_tmp else 0)
            cgroup = self.root.environment(env_id, ceiling * MIB)
            launch["cgroup_procs"] = cgroup.procs_files
        if self.private_tmp:
            launch.update(tmp_mb=ephemeral_mb, read_only=[code_dir], keep=[home_dir])
        return Limits(cgroup, launch)

    def close(self) -> None:
        self.guard.close()
        if self.root is not None:
            self.root.close()


@dataclass(eq=False)
class Watched:
    limit_bytes: int
    measure: Callable[[], int]
    exceeded: Callable[[int], None]  # called once, with the bytes measured
    peak: int = 0


class MemoryGuard:
    """One thread that measures every registered environment each :data:`POLL_S`."""

    def __init__(self) -> None:
        self._watched: dict[object, Watched] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None

    def watch(self, key: object, watched: Watched) -> None:
        with self._lock:
            self._watched[key] = watched
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="lambdalab-memory",
                                                daemon=True)
                self._thread.start()

    def forget(self, key: object) -> None:
        with self._lock:
            self._watched.pop(key, None)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._watched.clear()
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=5)

    def _run(self) -> None:
        while not self._wake.wait(POLL_S):
            with self._lock:
                watched = list(self._watched.items())
            for key, entry in watched:
                used = entry.measure()
                entry.peak = max(entry.peak, used)
                if used > entry.limit_bytes:
                    self.forget(key)
                    entry.exceeded(used)


class ProcessTreeMeter:
    """Resident memory of a process and its descendants, where no cgroup measures it.

    Finding the descendants reads every process of the machine (milliseconds on a laptop),
    so they are found again only every :data:`RESCAN_S`; the leader, where a handler's
    memory grows, is read at every measurement (microseconds).
    """

    RESCAN_S = 0.5

    def __init__(self, pid: int) -> None:
        import psutil

        self._psutil = psutil
        self._pid = pid
        self._descendants: list[Any] = []
        self._scanned_at = -self.RESCAN_S

    def __call__(self) -> int:
        psutil = self._psutil
        try:
            leader = psutil.Process(self._pid)
            total = leader.memory_info().rss
            now = time.monotonic()
            if now - self._scanned_at >= self.RESCAN_S:
                self._descendants = leader.children(recursive=True)
                self._scanned_at = now
        except psutil.Error:
            return 0
        for process in self._descendants:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                pass
        return total
