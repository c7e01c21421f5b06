"""A control group per execution environment (Linux, cgroup v1), where this user may make one.

Lambda runs each environment in a micro-VM that bounds its memory and its processes, and
freezes all of it between invocations. Here a memory, a pids and a freezer cgroup hold the
environment's process and all it starts:
``pids.max`` is Lambda's 1,024 processes and threads, so a fork bomb fails in its own
environment; ``memory.limit_in_bytes`` is the kernel's hard ceiling, and the cgroup's
``memory.stat`` is what the memory guard reads (:mod:`lambdalab.invoke.confinement`). A
cgroup also names every process of the environment, daemons that left its process group
included, so that freezing the environment freezes them all (``freezer.state``), and ending
it ends them all: frozen first, so that a fork loop cannot outrun the kills.

The cloud makes one folder per controller for itself (``lambdalab-<pid>-<token>`` under its
own cgroup) and one per environment inside it; the environment's process enters them
itself, before any handler code runs (:mod:`lambdalab.runtime.confine`). Where the
hierarchy cannot be written (not root, cgroup v2 without delegation, macOS), :func:`open_root`
returns None and the cloud does without, as the README's differences say.
"""

from __future__ import annotations

import os
import secrets
import signal
import time
from dataclasses import dataclass
from pathlib import Path

CONTROLLERS = ("memory", "pids", "freezer")
PROCESS_LIMIT = 1024  # processes and threads per environment, as on Lambda
PREFIX = "lambdalab-"
KILL_ROUNDS = 50  # sweeps of SIGKILL until the group is empty (a fork loop refills it)


def mount_points(mountinfo: Path = Path("/proc/self/mountinfo")) -> dict[str, Path]:
    """Where each cgroup v1 controller is mounted."""
    found: dict[str, Path] = {}
    try:
        lines = mountinfo.read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) < 5 or len(tail) < 3 or tail[0] != "cgroup":
            continue
        for option in tail[2].split(","):
            if option in CONTROLLERS:
                found[option] = Path(fields[4])
    return found


def own_paths(cgroup: Path = Path("/proc/self/cgroup")) -> dict[str, str]:
    """This process's cgroup within each v1 controller's hierarchy."""
    paths: dict[str, str] = {}
    try:
        lines = cgroup.read_text().splitlines()
    except OSError:
        return paths
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(","):
            if controller in CONTROLLERS:
                paths[controller] = path
    return paths


def open_root() -> CgroupRoot | None:
    """The cloud's own cgroups, made now; None where the OS does not let us make them."""
    mounts, own = mount_points(), own_paths()
    if any(controller not in mounts or controller not in own for controller in CONTROLLERS):
        return None
    sweep_orphans(mounts, own)
    name = f"{PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    made: dict[str, Path] = {}
    try:
        for controller in CONTROLLERS:
            folder = mounts[controller] / own[controller].lstrip("/") / name
            folder.mkdir()
            made[controller] = folder
    except OSError:
        for folder in made.values():
            _remove(folder)
        return None
    return CgroupRoot(made)


def available() -> bool:
    """Whether this process may make cgroups (asked by making one and removing it)."""
    root = open_root()
    if root is None:
        return False
    root.close()
    return True


def frozen(pid: int) -> bool:
    """Whether the process is in a freezer cgroup that is frozen (an idle environment)."""
    try:
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    except OSError:
        return False
    mount = mount_points().get("freezer")
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if mount is not None and "freezer" in controllers.split(","):
            state = mount / path.lstrip("/") / "freezer.state"
            try:
                return state.read_text().strip() == "FROZEN"
            except OSError:
                return False
    return False


def sweep_orphans(mounts: dict[str, Path] | None = None,
                  own: dict[str, str] | None = None) -> None:
    """Remove the cgroups of clouds whose process is gone (killed before they stopped)."""
    mounts = mounts if mounts is not None else mount_points()
    own = own if own is not None else own_paths()
    for controller in CONTROLLERS:
        if controller not in mounts or controller not in own:
            continue
        parent = mounts[controller] / own[controller].lstrip("/")
        for folder in parent.glob(f"{PREFIX}*-*"):
            owner = folder.name[len(PREFIX):].split("-", 1)[0]
            if owner.isdigit() and not _alive(int(owner)):
                remove_tree(folder)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class CgroupRoot:
    """The cloud's folder in each controller; one environment's cgroups inside it."""

    folders: dict[str, Path]

    def environment(self, env_id: str, memory_limit_bytes: int) -> EnvironmentCgroup:
        made: dict[str, Path] = {}
        try:
            for controller, parent in self.folders.items():
                folder = parent / env_id
                folder.mkdir()
                made[controller] = folder
            _write(made["memory"] / "memory.limit_in_bytes", memory_limit_bytes)
            _write(made["memory"] / "memory.swappiness", 0, required=False)
            _write(made["pids"] / "pids.max", PROCESS_LIMIT)
        except OSError:
            for folder in made.values():
                _remove(folder)
            raise
        return EnvironmentCgroup(made)

    def close(self) -> None:
        for folder in self.folders.values():
            remove_tree(folder)


@dataclass
class EnvironmentCgroup:
    """One environment's memory and pids cgroups."""

    folders: dict[str, Path]

    @property
    def procs_files(self) -> list[str]:
        """What the environment's process writes its id to, to enter its cgroups."""
        return [str(folder / "cgroup.procs") for folder in self.folders.values()]

    def anonymous_bytes(self) -> int:
        """Memory the environment's processes allocated (not files it read, nor its /tmp)."""
        stat = _stat(self.folders["memory"] / "memory.stat")
        return stat.get("total_rss", stat.get("rss", 0)) + stat.get("total_swap", 0)

    def oom_kills(self) -> int:
        """How many of the environment's processes the kernel killed at the hard ceiling."""
        stat = _stat(self.folders["memory"] / "memory.oom_control")
        return stat.get("oom_kill", 0)

    def pids(self) -> list[int]:
        return _pids(self.folders["pids"])

    def freeze(self) -> None:
        """Stop every process of the environment, wherever it went (a new session too)."""
        _set_state(self.folders["freezer"], "FROZEN")

    def thaw(self) -> None:
        _set_state(self.folders["freezer"], "THAWED")

    def kill_all(self) -> None:
        """SIGKILL every process in the environment until none is left."""
        kill_members(self.folders["pids"], self.folders["freezer"])

    def remove(self) -> None:
        for folder in self.folders.values():
            remove_tree(folder)


def kill_members(folder: Path, freezer: Path | None = None) -> None:
    """SIGKILL each process of the cgroup, again while any is left; a killed process leaves
    the list once reaped. With a ``freezer`` cgroup of the same processes, each round
    freezes them first, so none can fork between the read of the list and the kills (a
    frozen process dies when it is thawed)."""
    for _ in range(KILL_ROUNDS):
        if freezer is not None:
            _set_state(freezer, "FROZEN")
        members = _pids(folder)
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if freezer is not None:
            _set_state(freezer, "THAWED", wait=False)
        if not members:
            return
        time.sleep(0.002)


FREEZE_WAIT_S = 2.0


def _set_state(freezer: Path, state: str, wait: bool = True) -> None:
    """Write ``freezer.state`` and, if asked, wait until the kernel says it is done."""
    try:
        (freezer / "freezer.state").write_text(state)
    except OSError:
        return
    deadline = time.monotonic() + FREEZE_WAIT_S
    while wait and time.monotonic() < deadline:
        try:
            if (freezer / "freezer.state").read_text().strip() == state:
                return
        except OSError:
            return
        time.sleep(0.001)


def remove_tree(folder: Path) -> None:
    """Remove a cgroup folder and those inside it, killing what still runs there."""
    if not folder.is_dir():
        return
    for inner in [p for p in folder.iterdir() if p.is_dir()]:
        remove_tree(inner)
    kill_members(folder, folder if (folder / "freezer.state").exists() else None)
    _remove(folder)


def _remove(folder: Path) -> None:
    for _ in range(100):  # a killed process leaves the cgroup when its parent reaps it
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.01)


def _pids(folder: Path) -> list[int]:
    try:
        return [int(line) for line in (folder / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _stat(path: Path) -> dict[str, int]:
    values: dict[str, int] = {}
    try:
        text = path.read_text()
    except OSError:
        return values
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if value.strip().isdigit():
            values[key] = int(value)
    return values


def _write(path: Path, value: int, required: bool = True) -> None:
    try:
        path.write_text(str(value))
    except OSError:
        if required:
            raise
