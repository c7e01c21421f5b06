"""The attendee's progress: one line per prediction reveal and exercise check, in a file.

Each record says which notebook and item, the verdict (PASS, FAIL, NOT ATTEMPTED, NOT
CHECKED), the attempt number, the time, and, for a failure, the names of the failed cases
and the mistakes the check recognised: the workshop's own words, never the learner's code
or answers. The file is the attendee's (mode 600), in their copy of the repository
(``lambdalab-progress.jsonl``) or where ``LAMBDALAB_PROGRESS`` says; an instructor reads
the room's files with ``python -m lambdalab room`` (:mod:`lambdalab.room_report`).

A record is one JSON line, appended under a lock on the file, so that two kernels of one
attendee never interleave nor count the same attempt twice; a line cut short by a kill
stays alone on its line. Writing never raises: a progress file that cannot be written must
not break an exercise.
"""

from __future__ import annotations

import getpass
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lambdalab.translation import translate

try:
    import fcntl
except ImportError:  # not on Windows itself (WSL has it)
    fcntl = None  # type: ignore[assignment]

PROGRESS_ENV = "LAMBDALAB_PROGRESS"
FILE_NAME = "lambdalab-progress.jsonl"
FORMAT = 1
VERDICTS = ("PASS", "FAIL", "NOT ATTEMPTED", "NOT CHECKED")
TRIED = ("PASS", "FAIL")  # a check that judged an answer: an attempt
MAX_FAILURE_CHARS = 160  # each failure's text, in a line that stays one atomic write
MAX_FAILURES = 8
REPOSITORY = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPOSITORY / "notebooks"
ITEM = re.compile(r"\b(pitfall\d\d)\.(\w+)\.(check|reveal)\(")


@dataclass(frozen=True)
class Record:
    """One verdict of one item (``exercise 2``, ``predict wrong_caller``) of a notebook."""

    notebook: str
    item: str
    verdict: str
    attempt: int
    time: str
    attendee: str = ""
    failures: tuple[str, ...] = ()
    format: int = FORMAT

    @classmethod
    def from_json(cls, line: str) -> Record:
        """A record from its line; ValueError when the line is not one."""
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        try:
            record = cls(notebook=str(data["notebook"]), item=str(data["item"]),
                         verdict=str(data["verdict"]), attempt=int(data["attempt"]),
                         time=str(data["time"]), attendee=str(data.get("attendee", "")),
                         failures=tuple(str(f) for f in data.get("failures") or ()),
                         format=int(data.get("format", FORMAT)))
        except (KeyError, TypeError) as missing:
            raise ValueError(f"missing or odd field {missing}") from None
        if record.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {record.verdict!r}")
        return record

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "failures": list(self.failures)},
                          ensure_ascii=False)


def progress_path() -> Path:
    """Where this attendee's records go: ``LAMBDALAB_PROGRESS``, else the repository copy
    the notebooks run from, else (a read-only shared install) the home folder."""
    chosen = os.environ.get(PROGRESS_ENV)
    if chosen:
        return Path(chosen).expanduser()
    if os.access(REPOSITORY, os.W_OK):
        return REPOSITORY / FILE_NAME
    return Path.home() / ".lambdalab" / FILE_NAME


def attendee() -> str:
    """Who is working: the JupyterHub user where there is one, else the login name."""
    try:
        return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container's user)
        return str(os.getuid())


def record(notebook: str, item: str, verdict: str, failures: Sequence[str] = (),
           path: Path | None = None) -> Record | None:
    """Append one verdict; returns it, or None when the file cannot be written."""
    try:
        return _append(notebook, item, verdict, failures, path or progress_path())
    except (OSError, RuntimeError):  # no home folder for this user, a full disk...
        return None


def _append(notebook: str, item: str, verdict: str, failures: Sequence[str],
            path: Path) -> Record:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:  # two kernels of one attendee: one reads and appends at a time
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        earlier = [r for r in read(path).records if r.notebook == notebook and r.item == item]
        tried = sum(r.verdict in TRIED for r in earlier)
        entry = Record(notebook, item, verdict, tried + (verdict in TRIED),
                       datetime.now(UTC).isoformat(timespec="seconds"), attendee(),
                       tuple(f[:MAX_FAILURE_CHARS] for f in failures[:MAX_FAILURES]))
        size = os.fstat(descriptor).st_size
        cut_short = size > 0 and os.pread(descriptor, 1, size - 1) != b"\n"
        line = ("\n" if cut_short else "") + entry.to_json() + "\n"  # a killed write stays alone
        os.write(descriptor, line.encode())
    finally:
        os.close(descriptor)  # and the lock with it
    return entry


@dataclass
class Loaded:
    """What a progress file holds, and what could not be read in it (said, then skipped)."""

    path: Path
    records: list[Record] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read(path: Path) -> Loaded:
    """Every record of ``path``; a missing file holds none; bad lines are listed."""
    loaded = Loaded(path)
    try:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    loaded.records.append(Record.from_json(line))
                except ValueError as error:
                    loaded.problems.append(f"line {number}: not a progress record ({error})")
    except FileNotFoundError:
        pass
    except OSError as error:
        loaded.problems.append(f"cannot read it: {error.strerror or error}")
    return loaded


# --- what each notebook holds, from the notebooks themselves ---------------------------------

def notebook_items(notebooks: Path = NOTEBOOKS) -> dict[str, list[str]]:
    """Each pitfall notebook's items in the order a learner meets them: predictions
    (``predict <name>``) and exercises (``exercise <n>``), read from its cells."""
    found: dict[str, list[str]] = {}
    for notebook in sorted(notebooks.glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(notebook.read_text())["cells"]
        items: list[str] = []
        for cell in cells:
            if cell["cell_type"] != "code":
                continue
            for _, name, call in ITEM.findall("".join(cell["source"])):
                item = item_name(name, call)
                if item not in items:
                    items.append(item)
        if items:
            found[notebook.stem] = items
    return found


def item_name(name: str, call: str) -> str:
    """``exercise2`` checked: ``exercise 2``; ``wrong_caller`` revealed: ``predict
    wrong_caller``."""
    exercise = re.fullmatch(r"exercise(\d+)", name)
    if call == "check" and exercise:
        return f"exercise {exercise.group(1)}"
    return f"predict {name}"


# --- the attendee's own view -------------------------------------------------------------------

@dataclass(frozen=True)
class Standing:
    """Where one item stands: the latest verdict and how many attempts were judged."""

    verdict: str | None
    attempts: int

    def short(self) -> str:
        if self.verdict is None:
            return "not run"
        if not self.attempts:
            return self.verdict
        if self.attempts == 1:
            return f"{self.verdict} (1 attempt)"
        return f"{self.verdict} ({self.attempts} attempts)"


def outcome(entries: Sequence[Record]) -> Standing:
    """Where one item stands, from its records in order, as the attendee and the room both
    count it: passed once is passed, after the attempts it took (a later run of the
    placeholder or a failed experiment does not undo it); a prediction counts its first
    guess only (a guess changed after the reveal is no guess); otherwise the latest
    verdict, after the attempts so far."""
    judged = [e for e in entries if e.verdict in TRIED]
    if judged and judged[0].item.startswith("predict"):
        return Standing(judged[0].verdict, 1)
    passes = [n for n, e in enumerate(judged, 1) if e.verdict == "PASS"]
    if passes:
        return Standing("PASS", passes[0])
    if judged:
        return Standing(judged[-1].verdict, len(judged))
    return Standing(entries[-1].verdict if entries else None, 0)


def by_item(records: Iterable[Record]) -> dict[tuple[str, str], list[Record]]:
    """Each (notebook, item)'s records, in order."""
    found: dict[tuple[str, str], list[Record]] = {}
    for entry in records:
        found.setdefault((entry.notebook, entry.item), []).append(entry)
    return found


def standings(records: Iterable[Record], items: dict[str, list[str]]
              ) -> dict[str, dict[str, Standing]]:
    """Per notebook and item: its :func:`outcome`."""
    grouped = by_item(records)
    return {notebook: {name: outcome(grouped.get((notebook, name), [])) for name in names}
            for notebook, names in items.items()}


def notebook_lines(notebook: str, path: Path | None = None,
                   items: dict[str, list[str]] | None = None) -> list[str]:
    """The notebook's part of the attendee's progress, as its last cell shows it."""
    items = items if items is not None else notebook_items()
    table = standings(read(path or progress_path()).records,
                      {notebook: items.get(notebook, [])})[notebook]
    exercises = [s for name, s in table.items() if name.startswith("exercise")]
    passed = sum(s.verdict == "PASS" for s in exercises)
    width = max((len(name) for name in table), default=0)
    return ([f"Your progress in {notebook}: {passed} of {len(exercises)} exercises passed"]
            + [f"  {name:<{width}}  {standing.short()}" for name, standing in table.items()]
            + ["Every notebook: python -m lambdalab progress"])


def show_progress(module: Any) -> None:
    """Print the notebook's progress lines; ``module`` is its checks module (pitfall08)."""
    print("\n".join(translate(line) for line in notebook_lines(module.EXERCISES.notebook)))


SHORT = {"PASS": "PASS", "FAIL": "FAIL", "NOT ATTEMPTED": "open", "NOT CHECKED": "n/c",
         None: "-"}


def table_lines(table: dict[str, dict[str, Standing]]) -> list[str]:
    """The attendee's table: notebooks by exercises (PASS/FAIL with the attempts; ``open``:
    run, no answer yet; ``-``: not run), and the predictions guessed right."""
    rows = [["notebook", "predictions"]]
    for notebook, row in table.items():
        guesses = [s for n, s in row.items() if n.startswith("predict")]
        right = sum(s.verdict == "PASS" for s in guesses)
        rows.append([notebook, f"{right} of {len(guesses)} right"]
                    + [SHORT[s.verdict] + (f" {s.attempts}" if s.verdict in TRIED else "")
                       for n, s in row.items() if n.startswith("exercise")])
    columns = max(len(r) for r in rows)
    rows[0] += [f"ex {n}" for n in range(1, columns - 1)]
    widths = [max(len(r[c]) for r in rows if c < len(r)) for c in range(columns)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=False)).rstrip()
             for r in rows]
    lines.append("PASS/FAIL n: the latest verdict after n attempts; open: run, not answered "
                 "yet; -: not run")
    return lines


def as_json(table: dict[str, dict[str, Standing]]) -> dict[str, Any]:
    return {notebook: {name: {"verdict": s.verdict, "attempts": s.attempts}
                       for name, s in row.items()} for notebook, row in table.items()}
