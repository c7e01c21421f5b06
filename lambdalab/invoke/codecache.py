"""Deployment packages unpacked once per function and code, like Lambda's /var/task.

Two functions deployed from the same zip get a folder each: what one handler writes into
its code folder (on AWS a read-only file system) never reaches another function.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import threading
import zipfile
from pathlib import Path


class CodeCache:
    def __init__(self, root: Path) -> None:
        self._root = root
        self._lock = threading.Lock()

    def task_root(self, code: bytes, owner: str) -> Path:
        """The folder holding ``code`` unpacked for the function ``owner`` (its ARN);
        unpacked on first use only."""
        digest = hashlib.sha256(owner.encode() + b"\0" + code).hexdigest()[:32]
        target = self._root / digest
        with self._lock:
            if not target.exists():
                staging = self._root / f".{digest}.partial"
                shutil.rmtree(staging, ignore_errors=True)
                staging.mkdir(parents=True)
                try:
                    with zipfile.ZipFile(io.BytesIO(code)) as archive:
                        archive.extractall(staging)
                except zipfile.BadZipFile:
                    pass  # nothing to import: the runtime reports Runtime.ImportModuleError
                staging.rename(target)
        return target
