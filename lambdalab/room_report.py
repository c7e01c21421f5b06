"""The instructor's view of a room: every attendee's progress file, summed per exercise.

``python -m lambdalab room PATH...`` reads progress files, or finds them under folders (on
a JupyterHub host, every home directory, read with the instructor's rights), and says per
exercise how many attendees tried it, how many passed, the median number of attempts, and
the three failures met by most attendees; ``--png`` draws the room's progress through the
notebooks. Nothing leaves the machine and no server runs. A file that cannot be read, or
a line in it that is not a record, is named and skipped; the rest is reported.
"""

from __future__ import annotations

import os
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambdalab.progress import (
    FILE_NAME,
    TRIED,
    Loaded,
    Record,
    by_item,
    notebook_items,
    outcome,
    read,
)

SKIPPED_FOLDERS = {".venv", "venv", "node_modules", ".git", "__pycache__", ".ipynb_checkpoints",
                   ".cache", ".local", "site-packages"}
HIDDEN_SEARCHED = {".lambdalab"}  # the one hidden folder a progress file may live in
MAX_DEPTH = 6  # /home/<user>/<workshop>/ is 2 deep; a file deeper than this is not an attendee's
TOP_FAILURES = 3
NAMES_LISTED = 10  # a larger room's names would fill the screen


def progress_files(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """The progress files named or found under ``paths``, and what could not be searched."""
    found: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            def refused(error: OSError) -> None:
                problems.append(f"{error.filename}: cannot search it ({error.strerror})")

            base = len(path.parts)
            for folder, folders, files in os.walk(path, onerror=refused):
                depth = len(Path(folder).parts) - base
                folders[:] = sorted(f for f in folders if depth < MAX_DEPTH and f not in
                                    SKIPPED_FOLDERS and (not f.startswith(".")
                                                         or f in HIDDEN_SEARCHED))
                if FILE_NAME in files:
                    found.append(Path(folder) / FILE_NAME)
        else:
            problems.append(f"{path}: no such file or folder")
    return sorted(set(found)), problems


@dataclass
class Attendee:
    """One attendee: the progress files whose records carry their name (two copies of the
    workshop in one home count once), and what those hold."""

    label: str
    files: list[Loaded]

    @property
    def records(self) -> list[Record]:
        """Every record, in time order (a stable sort keeps each file's own order)."""
        return sorted((r for loaded in self.files for r in loaded.records), key=lambda r: r.time)


def attendees(files: Sequence[Path]) -> list[Attendee]:
    """The attendees of ``files``, each named as their records name them (else by the
    folder the file is in), in the order first found."""
    found: dict[str, Attendee] = {}
    for path in files:
        loaded = read(path)
        names = [r.attendee for r in loaded.records if r.attendee]
        label = names[-1] if names else path.parent.name
        found.setdefault(label, Attendee(label, [])).files.append(loaded)
    return list(found.values())


@dataclass
class Row:
    """One item of one notebook, over the room."""

    notebook: str
    item: str
    reached: int = 0  # attendees who ran its cell at all
    tried: int = 0  # whose answer was judged (PASS or FAIL)
    passed: int = 0
    attempts: list[int] = field(default_factory=list)  # per attendee who tried: until the
    # PASS, or so far
    failures: Counter[str] = field(default_factory=Counter)  # attendees who met each

    @property
    def median_attempts(self) -> float | None:
        return statistics.median(self.attempts) if self.attempts else None

    def top_failures(self) -> list[tuple[str, int]]:
        return sorted(self.failures.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_FAILURES]

    def as_json(self) -> dict[str, Any]:
        return {"notebook": self.notebook, "item": self.item, "reached": self.reached,
                "tried": self.tried, "passed": self.passed,
                "median_attempts": self.median_attempts,
                "top_failures": [{"failure": text, "attendees": count}
                                 for text, count in self.top_failures()]}


def rows(room: Sequence[Attendee], items: dict[str, list[str]] | None = None) -> list[Row]:
    """Per notebook and item, in the notebooks' order: the room's counts."""
    items = items if items is not None else notebook_items()
    table = {(notebook, item): Row(notebook, item)
             for notebook, names in items.items() for item in names}
    for attendee in room:
        for key, entries in by_item(attendee.records).items():
            row = table.setdefault(key, Row(*key))  # an item the notebooks no longer hold
            row.reached += 1
            standing = outcome(entries)
            if standing.verdict not in TRIED:
                continue
            row.tried += 1
            row.passed += standing.verdict == "PASS"
            row.attempts.append(standing.attempts)
            counted = entries if not key[1].startswith("predict") else []
            row.failures.update({text for e in counted if e.verdict == "FAIL"
                                 for text in e.failures})
    return list(table.values())


def report_lines(room: Sequence[Attendee], table: Sequence[Row],
                 search_problems: Sequence[str] = ()) -> list[str]:
    """The report as the command prints it."""
    names = ", ".join(a.label for a in room) if len(room) <= NAMES_LISTED else "--json names them"
    lines = [f"Room: {len(room)} attendee{'s' * (len(room) != 1)} "
             f"({names or 'no progress file found'})"]
    for problem in search_problems:
        lines.append(f"  skipped {problem}")
    for attendee in room:
        for loaded in attendee.files:
            for problem in loaded.problems:
                lines.append(f"  {loaded.path}: {problem} (skipped; the rest is counted)")
    notebook = None
    for row in table:
        if row.notebook != notebook:
            notebook = row.notebook
            lines.append(notebook)
        median = row.median_attempts
        lines.append(f"  {row.item:<28} reached {row.reached:>3}  tried {row.tried:>3}  "
                     f"passed {row.passed:>3}"
                     + (f"  median attempts {median:g}" if median is not None else ""))
        lines += [f"      {count}× {text}" for text, count in row.top_failures()]
    return lines


def as_json(room: Sequence[Attendee], table: Sequence[Row],
            search_problems: Sequence[str] = ()) -> dict[str, Any]:
    return {"attendees": [{"label": a.label,
                           "files": [{"file": str(f.path), "problems": f.problems}
                                     for f in a.files]} for a in room],
            "skipped": list(search_problems), "items": [row.as_json() for row in table]}


STATES = (("passed", "#2e7d32"), ("tried, not passed yet", "#ef6c00"),
          ("ran the cell, no answer yet", "#90a4ae"), ("not reached", "#eceff1"))


def plot(room: Sequence[Attendee], table: Sequence[Row], png: Path) -> None:
    """The room's progress through the notebooks: one bar per item, attendees by state."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    total = len(room)
    labels = [f"{row.notebook[:2]} {row.item}" for row in table]
    counts = [[row.passed for row in table], [row.tried - row.passed for row in table],
              [row.reached - row.tried for row in table], [total - row.reached for row in table]]
    figure, axes = plt.subplots(figsize=(9, 0.32 * len(table) + 1.6))
    left = [0] * len(table)
    for (name, colour), values in zip(STATES, counts, strict=True):
        axes.barh(labels, values, left=left, color=colour, label=name, edgecolor="white")
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.invert_yaxis()
    axes.set_xlim(0, max(total, 1))
    axes.set_xlabel("attendees")
    axes.set_title(f"The room's progress ({total} attendee{'s' * (total != 1)})")
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.04), ncol=2, frameon=False,
                fontsize="small")
    figure.tight_layout()
    figure.savefig(png, dpi=110)
    plt.close(figure)
