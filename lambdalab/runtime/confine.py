"""The environment's process confines itself before any handler code runs (Linux).

What the cloud asks for (launch settings ``confine``), each where the OS allows it:

- ``cgroup_procs``: enter the environment's cgroups (memory and process limits,
  :mod:`lambdalab.invoke.cgroups`), so that everything the handler starts is in them too;
- ``tmp_mb``: a mount namespace of its own with a fresh ``/tmp`` of that size (Lambda's
  ``EphemeralStorage``): files other environments wrote are not there, writing past the size
  fails with ``ENOSPC`` as on AWS, and it is gone with the environment;
- ``read_only``: folders seen read-only (the code folder, as Lambda's ``/var/task``).

Folders under ``/tmp`` that the process still needs (its code folder, and this Python when
it was installed there) are mounted again at the same path inside the new ``/tmp``.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Any

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV = 0x1, 0x2, 0x4
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
TMP = "/tmp"


class ConfinementFailed(OSError):
    """The OS refused a step the cloud had found possible."""


def _libc() -> Any:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                           ctypes.c_char_p]
    return libc


def _mount(libc: Any, source: str | None, target: str, fstype: str | None, flags: int,
           data: str | None = None) -> None:
    if libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(),
                  flags, data and data.encode()) != 0:
        number = ctypes.get_errno()
        raise ConfinementFailed(number, f"mount {target}: {os.strerror(number)}")


def apply(settings: dict[str, Any]) -> None:
    """Enter the cgroups, then the private mounts, as ``settings`` says."""
    for procs in settings.get("cgroup_procs", []):
        with open(procs, "w") as joined:
            joined.write(str(os.getpid()))
    if settings.get("tmp_mb"):
        private_mounts(int(settings["tmp_mb"]), settings.get("read_only", []),
                       settings.get("keep", []))


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def needed_under_tmp(extra: list[str]) -> list[str]:
    """Folders under /tmp this process still needs once a new /tmp hides them: ``extra``
    (the code folder, the home), this Python's prefixes and import path; outermost only."""
    candidates = [*extra, sys.prefix, sys.base_prefix, sys.exec_prefix,
                  os.path.dirname(sys.executable), *sys.path]
    found = sorted({os.path.realpath(p) for p in candidates if p and os.path.isdir(p)
                    and _under(os.path.realpath(p), TMP) and os.path.realpath(p) != TMP})
    outermost: list[str] = []
    for path in found:
        if not any(_under(path, kept) for kept in outermost):
            outermost.append(path)
    return outermost


def private_mounts(tmp_mb: int, read_only: list[str], keep: list[str]) -> None:
    """A mount namespace with a new /tmp of ``tmp_mb`` MiB; ``read_only`` folders read-only."""
    libc = _libc()
    if libc.unshare(CLONE_NEWNS) != 0:
        number = ctypes.get_errno()
        raise ConfinementFailed(number, f"unshare: {os.strerror(number)}")
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)  # nothing here reaches the host
    real_read_only = {os.path.realpath(p) for p in read_only}
    kept = needed_under_tmp([*read_only, *keep])
    handles = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in kept}
    try:
        _mount(libc, "tmpfs", TMP, "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_mb}m,mode=1777")
        for path, handle in handles.items():
            os.makedirs(path, exist_ok=True)
            _mount(libc, f"/proc/self/fd/{handle}", path, None, MS_BIND | MS_REC)
            _mount(libc, None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
    finally:
        for handle in handles.values():
            os.close(handle)
    for path in real_read_only:
        if not any(_under(path, k) for k in kept):  # those under /tmp are read-only already
            _mount(libc, path, path, None, MS_BIND | MS_REC)
            _mount(libc, None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY)


def probe() -> None:
    """Exit 0 if this process may make a private /tmp (the cloud asks once, in a child)."""
    private_mounts(1, [], [])
    with open(os.path.join(TMP, "probe"), "w") as written:
        written.write("ok")


if __name__ == "__main__":
    probe()
