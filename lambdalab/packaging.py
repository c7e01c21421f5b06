"""Deployment packages: zip archives of handler code, byte-for-byte reproducible."""

from __future__ import annotations

import io
import textwrap
import zipfile
from pathlib import Path

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _archive(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def zip_files(files: dict[str, str] | str) -> bytes:
    """A package from source text: ``{"app.py": source}``, or one source as ``app.py``.

    Sources are dedented, so they can be written inline as indented triple-quoted strings.
    """
    if isinstance(files, str):
        files = {"app.py": files}
    return _archive([(name, textwrap.dedent(source).encode())
                     for name, source in sorted(files.items())])


def zip_folder(folder: Path, replacing: dict[str, str] | None = None) -> bytes:
    """The folder's files in a zip whose bytes depend only on their names and contents.

    ``replacing`` maps a file's path inside the folder to the text it has in the zip
    instead (a learner's edited handler, packaged with the rest of a lab folder).
    """
    replacing = replacing or {}
    paths = sorted(p for p in folder.rglob("*") if p.is_file())
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in paths
             if "__pycache__" not in p.parts and p.suffix != ".pyc"}
    files.update({name: text.encode() for name, text in replacing.items()})
    return _archive(list(files.items()))  # replaced files keep their place
