"""How long each notebook takes in the room, section by section, from what it holds.

A learner reads, runs, guesses and writes. This adds those up per section so that the
instructor notes' time plans are built from the notebooks, not from hope:

- reading: prose at 200 words a minute, code at 100 (cells and fenced blocks);
- running: each code cell's time when it was last executed (``make notebooks`` stores the
  times in the cells' metadata);
- a prediction: 2 minutes for the guesses and the show of hands;
- an exercise: the larger of the minutes its title states and a model of them: reading
  its task, writing the lines its solution adds to the cell (two a minute) and three runs
  of its check, each as long as measured with ``--checks`` (which runs every solution
  against a fresh cloud). The model is a cross-check of the titles, not a trial with
  people: where it says more, the title is too optimistic.

Left out of the room: the "Run it on your AWS account" section and "Further reading"
(homework), the collapsed solutions, and what a section marks optional or "more practice".
Those count as optional minutes.

    python tools/slot_plan.py              # every notebook, check times from the last run
    python tools/slot_plan.py --checks     # measure the checks first (about 2 minutes)
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CHECK_TIMES = ROOT / "tools" / "check_seconds.json"  # written by --checks
PROSE_WPM, CODE_WPM = 200, 100
PREDICTION_MINUTES = 2
LINES_PER_MINUTE = 2  # lines of code a learner who has the idea writes in a minute
CHECK_RUNS = 3
HOMEWORK = ("Run it on your AWS account", "Further reading")
OPTIONAL = re.compile(r"^#+ (Optional|More practice)", re.M)
EXERCISE = re.compile(r"^### (?:More practice: )?[Ee]xercise (\d+) · .*\((\d+) minutes\)", re.M)


@dataclass
class Section:
    """A part of a notebook, from one heading to the next."""

    title: str
    prose_words: int = 0
    code_words: int = 0
    run_seconds: float = 0.0
    predictions: int = 0
    optional: bool = False
    exercise: int | None = None  # its number, for an exercise's section
    stated_minutes: int | None = None  # what the exercise's title promises

    def minutes(self, exercise_minutes: float = 0.0) -> float:
        reading = self.prose_words / PROSE_WPM + self.code_words / CODE_WPM
        return (reading + self.run_seconds / 60 + PREDICTION_MINUTES * self.predictions
                + exercise_minutes)


def _seconds(cell: dict) -> float:
    """How long the cell took when last executed, from its stored metadata."""
    times = cell.get("metadata", {}).get("execution", {})
    try:
        start = datetime.fromisoformat(times["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(times["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return 0.0
    return max(0.0, (end - start).total_seconds())


def _words(text: str) -> tuple[int, int]:
    """(prose words, code words) of a markdown cell: fenced blocks are code."""
    parts = re.split(r"^```.*$", text, flags=re.M)
    prose = " ".join(parts[0::2])
    prose = re.sub(r"\]\([^)]*\)", "]", prose)  # a link's address is not read
    prose = re.sub(r"<[^>]+>", " ", prose)
    return len(prose.split()), len(" ".join(parts[1::2]).split())


def sections(notebook: Path) -> list[Section]:
    """The notebook's sections, in order, each with what a learner reads and runs in it."""
    found: list[Section] = [Section("title")]
    homework = False
    for cell in json.loads(notebook.read_text())["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            source = re.sub(r"<details>.*?</details>", "", source, flags=re.S)  # solutions
            chunks = re.split(r"^(?=#{2,3} )", source, flags=re.M)
            for chunk in chunks:
                heading = re.match(r"#{2,3} (.+)", chunk)
                if heading:
                    title = heading.group(1).strip()
                    if chunk.startswith("## "):  # a new part: homework or not
                        homework = any(title.startswith(h) for h in HOMEWORK)
                    exercise = EXERCISE.match(chunk)
                    found.append(Section(
                        title, optional=homework or bool(OPTIONAL.match(chunk)),
                        exercise=int(exercise.group(1)) if exercise else None,
                        stated_minutes=int(exercise.group(2)) if exercise else None))
                    if exercise and "More practice" in chunk.splitlines()[0]:
                        found[-1].optional = True
                prose, code = _words(chunk)
                found[-1].prose_words += prose
                found[-1].code_words += code
                found[-1].predictions += chunk.count("### Predict first")
        elif cell["cell_type"] == "code":
            found[-1].code_words += len(source.split())
            found[-1].run_seconds += _seconds(cell)
    return found


def _solution_statement(stem: str, number: int) -> tuple[str, ast.stmt] | None:
    """The solutions file's text from exercise ``number``'s comment on, and the first
    statement there: the function (or the value) that answers it."""
    solutions = NOTEBOOKS / "solutions" / f"{stem}.py"
    if not solutions.exists():
        return None
    text = solutions.read_text()
    marker = re.search(rf"^# Exercise {number}\b", text, re.M)
    if not marker:
        return None
    tail = text[marker.start():]
    body = ast.parse(tail).body
    return (tail, body[0]) if body else None


def _statement_name(statement: ast.stmt) -> str:
    if isinstance(statement, ast.FunctionDef):
        return statement.name
    if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id
    raise SystemExit(f"cannot tell what answers the exercise: {ast.dump(statement)[:80]}")


def solution_lines_to_write(stem: str, number: int) -> int | None:
    """How many lines exercise ``number``'s solution adds to what its cell already holds."""
    found = _solution_statement(stem, number)
    if found is None:
        return None
    tail, statement = found
    name = _statement_name(statement)
    first = statement.lineno if isinstance(statement, ast.FunctionDef) else statement.lineno - 1
    lines = tail.splitlines()[first:statement.end_lineno]
    written = [line.split("#")[0].strip() for line in lines]
    cells = json.loads((NOTEBOOKS / f"{stem}.ipynb").read_text())["cells"]
    given = {line.split("#")[0].strip() for cell in cells if cell["cell_type"] == "code"
             and re.search(rf"^(def )?{name}\b", "".join(cell["source"]), re.M)
             for line in "".join(cell["source"]).splitlines()}
    return sum(1 for line in written if line and line not in given)


@dataclass
class Plan:
    stem: str
    sections: list[Section]
    check_seconds: dict[str, float] = field(default_factory=dict)

    def modelled(self, section: Section) -> float:
        """The model of an exercise's minutes: reading, writing, three checks."""
        lines = solution_lines_to_write(self.stem, section.exercise or 0) or 0
        check = self.check_seconds.get(f"{self.stem}:{section.exercise}", 0.0)
        return section.minutes(lines / LINES_PER_MINUTE + CHECK_RUNS * check / 60)

    def rows(self) -> list[tuple[Section, float]]:
        return [(s, max(s.stated_minutes or 0, self.modelled(s)) if s.exercise else s.minutes())
                for s in self.sections if s.prose_words or s.code_words or s.run_seconds]

    def in_room(self) -> float:
        return self.teaching() + self.exercises()

    def teaching(self) -> float:
        return sum(m for s, m in self.rows() if not s.optional and s.exercise is None)

    def exercises(self) -> float:
        return sum(m for s, m in self.rows() if not s.optional and s.exercise is not None)

    def optional(self) -> float:
        """Minutes outside the slot: optional parts, more practice, homework."""
        return sum(minutes for section, minutes in self.rows() if section.optional)

    def extra(self) -> float:
        """Minutes of optional parts and more practice (homework aside)."""
        return sum(m for s, m in self.rows()
                   if s.optional and not any(s.title.startswith(h) for h in HOMEWORK))


def stated_slot(stem: str) -> int:
    """The slot the notebook promises, from its "**Time:** N minutes" line."""
    text = (NOTEBOOKS / f"{stem}.ipynb").read_text()
    found = re.search(r"\*\*Time:\*\* (\d+) minutes", text)
    if not found:
        raise SystemExit(f"{stem} states no time")
    return int(found.group(1))


def time_line(plan: Plan, slot: int) -> str:
    """The notebook's "**Time:**" line, from the plan."""
    teaching, exercises = round(plan.teaching()), round(plan.exercises())
    line = (f"**Time:** {slot} minutes: {teaching} teaching, {exercises} exercises, "
            f"{slot - teaching - exercises} to spare.")
    extra = round(plan.extra())
    if extra >= 2:
        line += (f" The optional parts and more practice add about {extra} minutes for those "
                 "who want more.")
    return line


def plan(stem: str, check_seconds: dict[str, float]) -> Plan:
    return Plan(stem, sections(NOTEBOOKS / f"{stem}.ipynb"), check_seconds)


def measure_checks() -> dict[str, float]:
    """Run every solution's check twice against a fresh cloud (the first deploys what the
    cases need, as a learner's first check does); the second's seconds, per exercise."""
    sys.path.insert(0, str(ROOT / "tests"))
    from notebook_material import NOTEBOOKS as MODULES  # noqa: N811
    from notebook_material import Material

    from lambdalab.workshop.fix_lab import LabFunction
    from lambdalab.workshop.session import start_cloud, stop_cloud

    seconds: dict[str, float] = {}
    for module, stem in MODULES.items():
        material = Material(stem)
        solutions = material.load_solutions()
        editable = {value.name for value in vars(module).values()
                    if isinstance(value, LabFunction)}
        start_cloud(time_scale=0.001, idle_timeout=300_000)
        try:
            for number in range(1, 10):
                exercise = getattr(module, f"exercise{number}", None)
                found = _solution_statement(stem, number)
                if exercise is None or found is None:
                    break
                name = _statement_name(found[1])
                answer = material.solution_source(name) if name in editable \
                    else getattr(solutions, name)
                exercise.evaluate(answer)
                started = time.monotonic()
                verdict = exercise.evaluate(answer).verdict.value
                seconds[f"{stem}:{number}"] = round(time.monotonic() - started, 1)
                print(f"{stem} exercise {number}: {seconds[f'{stem}:{number}']} s ({verdict})",
                      flush=True)
        finally:
            stop_cloud()
    return seconds


def show(plan: Plan, slot: int | None) -> None:
    print(f"\n{plan.stem}")
    print(f"{'minutes':>8}  {'words':>5}  {'run s':>5}  section")
    for section, minutes in plan.rows():
        mark = "  (optional)" if section.optional else ""
        stated = (f"  [title {section.stated_minutes}, model {plan.modelled(section):.1f}]"
                  if section.exercise else "")
        print(f"{minutes:8.1f}  {section.prose_words + section.code_words:5d}  "
              f"{section.run_seconds:5.0f}  {section.title[:58]}{stated}{mark}")
    room = plan.in_room()
    verdict = "" if slot is None else (f" of a {slot}-minute slot" +
                                       (": OVER" if math.ceil(room) > slot else ""))
    print(f"in the room: {room:.1f} min{verdict}; optional or homework: "
          f"{plan.optional():.1f} min")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", action="store_true", help="measure the checks first")
    arguments = parser.parse_args()
    if arguments.checks:
        CHECK_TIMES.write_text(json.dumps(measure_checks(), indent=1, sort_keys=True) + "\n")
    check_seconds = json.loads(CHECK_TIMES.read_text()) if CHECK_TIMES.exists() else {}
    for notebook in sorted(NOTEBOOKS.glob("0[1-8]_*.ipynb")):
        planned, slot = plan(notebook.stem, check_seconds), stated_slot(notebook.stem)
        show(planned, slot)
        print(time_line(planned, slot))


if __name__ == "__main__":
    main()
