"""The attendee's own copies of the notebooks: no answers before the guess, no fights with git.

The committed notebooks keep their outputs (nbval compares them, the static site shows them,
readers on GitHub see the results), so an attendee who opened them would see every reveal
before guessing, and would edit tracked files that the next ``git pull`` refuses to
overwrite. ``make lab`` opens copies instead, in a folder git ignores: outputs and execution
counts cleared, links to what stays in ``notebooks/`` (the solutions) adjusted, made once and
never overwritten. A copy whose notebook changed upstream is kept and reported, with the
command that starts it afresh (the old copy goes to a backup folder, never away).

What "changed" means: the notebook's cells (their kind and source), not its stored outputs,
so that re-running the committed notebooks does not nag anyone.
"""

from __future__ import annotations

import copy as copy_module
import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
MANIFEST = ".copied-from.json"  # per copy: the fingerprint of the notebook it was made from
BACKUPS = "backup"
# a Markdown link or image target, or an HTML src/href attribute
LINK = re.compile(r"(\]\()([^)\s]+)(\))|((?:src|href)=\")([^\"]+)(\")")


@dataclass(frozen=True)
class Report:
    """What one pass over the notebooks did."""

    made: list[str]  # copies made now (first run, or a notebook that is new)
    changed: list[str]  # notebooks changed since their copy was made; copies kept
    kept: list[str]  # copies left as they were


def fingerprint(notebook: nbformat.NotebookNode) -> str:
    """The notebook's cells as an attendee's copy starts from them: kinds and sources."""
    cells = [[cell.cell_type, cell.source] for cell in notebook.cells]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


REVEAL = ".reveal(prediction"  # the cell that runs the code and answers the guess
READ_ON_LINES = 32  # of blank space: a 1280x800 window's worth of notebook and more
READ_ON = ("*Run the cell above, and read what it prints, before you scroll on: what follows "
           "tells the answer.*\n\n" + "<br>\n" * READ_ON_LINES + "\n*Read on.*")
READ_ON_BY_LANGUAGE = {  # a translation's notebooks sit in a folder named by its language
    "ja": ("*上のセルを実行し、表示される内容を読んでから先へスクロールしてください。この先に答えが"
           "書かれています。*\n\n" + "<br>\n" * READ_ON_LINES + "\n*続きをどうぞ。*")}


def fresh_copy(notebook: nbformat.NotebookNode, source_dir: Path,
               copy_dir: Path) -> nbformat.NotebookNode:
    """The notebook with nothing run: no outputs, no execution counts, its relative links
    pointing where they pointed from ``source_dir``, and room to guess.

    Room to guess: below each cell that answers a guess, a screenful of blank space, so
    that the text that explains the answer is out of sight while the guess cell is in
    sight (the committed notebook, read with its outputs, needs none).
    """
    copy = copy_module.deepcopy(notebook)
    cells = []
    for cell in copy.cells:
        cells.append(cell)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
            if REVEAL in cell.source:
                cells.append(nbformat.v4.new_markdown_cell(
                    READ_ON_BY_LANGUAGE.get(source_dir.name, READ_ON),
                    metadata={"tags": ["room-to-guess"]}))
        elif cell.cell_type == "markdown":
            cell.source = relinked(cell.source, source_dir, copy_dir)
    copy.cells = cells
    return copy


def relinked(text: str, source_dir: Path, copy_dir: Path) -> str:
    """``text`` with each relative link that would miss from ``copy_dir`` rewritten to the
    file it named from ``source_dir`` (a sibling notebook stays a sibling: the copy's)."""

    def fix(match: re.Match[str]) -> str:
        before, target, after = (match.group(1, 2, 3) if match.group(1)
                                 else match.group(4, 5, 6))
        return f"{before}{relative_target(target, source_dir, copy_dir)}{after}"

    return LINK.sub(fix, text)


def relative_target(target: str, source_dir: Path, copy_dir: Path) -> str:
    if re.match(r"^([a-z][a-z0-9+.-]*:|#|/)", target, re.I):
        return target  # a URL, an anchor, an absolute path
    path, _, anchor = target.partition("#")
    if (copy_dir / path).exists() or not (source_dir / path).exists():
        return target
    moved = os.path.relpath(source_dir / path, copy_dir).replace(os.sep, "/")
    return f"{moved}#{anchor}" if anchor else moved


class Copies:
    """The copies folder: ``copy_dir`` beside ``source_dir``, at the same depth."""

    def __init__(self, source_dir: Path, copy_dir: Path) -> None:
        self.source_dir = source_dir
        self.copy_dir = copy_dir

    def notebooks(self) -> list[Path]:
        return sorted(self.source_dir.glob(NOTEBOOK_GLOB))

    def update(self) -> Report:
        """Make every missing copy; report (and keep) those whose notebook changed."""
        self.copy_dir.mkdir(parents=True, exist_ok=True)
        manifest = self._manifest()
        made, changed, kept = [], [], []
        for source in self.notebooks():
            notebook = nbformat.read(source, as_version=4)
            if not (self.copy_dir / source.name).exists():
                self._write(source, notebook, manifest)
                made.append(source.name)
            elif manifest.get(source.name) != fingerprint(notebook):
                changed.append(source.name)
            else:
                kept.append(source.name)
        self._save(manifest)
        return Report(made, changed, kept)

    def reset(self, which: str) -> tuple[Path | None, Path]:
        """Start one notebook afresh; the attendee's copy moves to the backup folder.

        ``which`` is a number (``3``, ``03``) or a name (``03_vpc_reachability``, with or
        without ``.ipynb``). Returns where the old copy went (None if there was none) and
        the new copy.
        """
        source = self.find(which)
        target = self.copy_dir / source.name
        backup = None
        if target.exists():
            stamp = time.strftime("%Y%m%d-%H%M%S")
            backup = self.copy_dir / BACKUPS / f"{source.stem}-{stamp}.ipynb"
            backup.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(target, backup)
        manifest = self._manifest()
        self._write(source, nbformat.read(source, as_version=4), manifest)
        self._save(manifest)
        return backup, target

    def find(self, which: str) -> Path:
        wanted = which.strip().removesuffix(".ipynb")
        if wanted.isdigit():
            wanted = f"{int(wanted):02d}_"
        found = [p for p in self.notebooks() if p.stem == wanted or p.name.startswith(wanted)]
        if len(found) != 1:
            names = ", ".join(p.stem for p in self.notebooks())
            raise LookupError(f"no single notebook matches {which!r}; the notebooks: {names}")
        return found[0]

    def _write(self, source: Path, notebook: nbformat.NotebookNode,
               manifest: dict[str, str]) -> None:
        nbformat.write(fresh_copy(notebook, self.source_dir, self.copy_dir),
                       self.copy_dir / source.name)
        manifest[source.name] = fingerprint(notebook)

    def _manifest(self) -> dict[str, str]:
        try:
            found = json.loads((self.copy_dir / MANIFEST).read_text())
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def _save(self, manifest: dict[str, str]) -> None:
        (self.copy_dir / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True)
                                              + "\n")


def report_lines(report: Report, copies: Copies, reset_command: str) -> list[str]:
    """What ``make lab`` prints: one line per copy made, one per notebook changed."""
    folder = copies.copy_dir.name
    total = len(report.made) + len(report.changed) + len(report.kept)
    lines = [f"{folder}/: your {total} copies of the notebooks, yours to edit (made without "
             f"outputs; {reset_command.format(number='NN')} starts one afresh)"]
    if report.made:
        lines.append(f"  made: {', '.join(report.made)}")
    for name in report.changed:
        number = name.split("_", 1)[0]
        lines.append(f"  {copies.source_dir.name}/{name} has changed since your copy was made; "
                     f"your copy is kept. For the new version: "
                     f"{reset_command.format(number=number)} "
                     f"(your copy goes to {folder}/{BACKUPS}/)")
    return lines
