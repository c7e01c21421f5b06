"""Deployment packages unpacked once per function and code, like Lambda's /var/task.

Two functions deployed from the same zip get a folder each: what one handler writes into
its code folder never reaches another function. The folder is read-only, as Lambda's is:
its files and folders lose their write permission (which binds every user but root), and
an isolated environment sees it through a read-only mount (:mod:`lambdalab.runtime.confine`),
which binds root too. Symbolic links in the zip stay links, where they point inside the
package. Each package is unpacked under a lock of its own, so a big one never holds up
another function's cold start.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import threading
import zipfile
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Any

from lambdalab.invoke import errors

UNREADABLE_PACKAGE = "Lambda was unable to unzip the deployment package."
# a damaged archive, data that does not inflate, a method or encryption zipfile lacks
UNREADABLE = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError,
              NotImplementedError, RuntimeError)


class CodeCache:
    def __init__(self, root: Path) -> None:
        self._root = root
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._locks_lock = threading.Lock()

    def task_root(self, code: bytes, owner: str) -> Path:
        """The folder holding ``code`` unpacked for the function ``owner`` (its ARN);
        unpacked on first use only. A package that cannot be unpacked is Lambda's 502
        ``InvalidZipFileException``."""
        digest = hashlib.sha256(owner.encode() + b"\0" + code).hexdigest()[:32]
        target = self._root / digest
        with self._locks_lock:
            lock = self._locks[digest]
        with lock:
            if not target.exists():
                staging = self._root / f".{digest}.partial"
                remove_tree(staging)
                staging.mkdir(parents=True)
                try:
                    unpack(code, staging)
                except UNREADABLE as error:
                    remove_tree(staging)
                    raise errors.LambdaError(502, "InvalidZipFileException",
                                             UNREADABLE_PACKAGE) from error
                make_read_only(staging)
                staging.rename(target)
        return target


def unpack(code: bytes, folder: Path) -> None:
    """Unpack a zip into ``folder``: files first, then the links that stay inside it."""
    if not code:
        return  # nothing to import: the runtime reports Runtime.ImportModuleError
    links: list[tuple[Path, str]] = []
    with zipfile.ZipFile(io.BytesIO(code)) as archive:
        for member in archive.infolist():
            if stat.S_ISLNK(member.external_attr >> 16):
                links.append((Path(archive.extract(member, folder)),
                              archive.read(member).decode()))
            else:
                archive.extract(member, folder)
    inside = folder.resolve()
    for path, pointing_to in links:
        path.unlink()
        if os.path.isabs(pointing_to):
            continue  # a link out of the package: nothing of the host is offered
        resolved = (path.parent / pointing_to).resolve()
        if resolved == inside or inside in resolved.parents:
            path.symlink_to(pointing_to)


def make_read_only(folder: Path) -> None:
    """Take the write permission from every file and folder below ``folder``."""
    for base, folders, files in os.walk(folder):
        for path in (Path(base, name) for name in [*files, *folders]):
            if not path.is_symlink():
                path.chmod(path.stat().st_mode & ~0o222)
    folder.chmod(folder.stat().st_mode & ~0o222)


def remove_tree(folder: Path) -> None:
    """Remove a folder even where it was made read-only."""
    def writable_then_retry(function: Any, path: str, _exc_info: Any) -> None:
        try:
            os.chmod(os.path.dirname(path), 0o700)
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, 0o700)
            function(path)
        except OSError:
            pass

    if folder.exists() or folder.is_symlink():
        shutil.rmtree(folder, onerror=writable_then_retry)
