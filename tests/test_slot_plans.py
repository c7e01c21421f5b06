"""Every notebook fits the slot it states, and the instructor notes and the README agree.

The minutes come from tools/slot_plan.py, which reads the notebooks themselves: their words
(200 a minute, code 100), their cells' stored run times, their predictions and their
exercises (the larger of each title's minutes and a model with the checks as measured).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import slot_plan  # noqa: E402

STEMS = [p.stem for p in sorted((ROOT / "notebooks").glob("0[1-8]_*.ipynb"))]
CHECKS = json.loads(slot_plan.CHECK_TIMES.read_text())
INSTRUCTORS = (ROOT / "notebooks" / "INSTRUCTORS.md").read_text()


def instructor_rows(stem: str) -> list[tuple[int, int, str]]:
    """(minutes in the room, optional minutes, section) of the notebook's time plan."""
    start = INSTRUCTORS.index(f"\n## {stem[:2]} · ")
    end = INSTRUCTORS.find("\n## ", start + 1)
    section = INSTRUCTORS[start:end]
    return [(int(m), int(o or 0), what) for m, o, what in
            re.findall(r"^\| (\d+)(?: \((\d+)\))? \| (.+?) \|", section, re.M)]


def instructor_slot(stem: str) -> int:
    heading = re.search(rf"\n## {stem[:2]} · .*\((\d+) minutes", INSTRUCTORS)
    assert heading, f"the instructor notes have no section for {stem}"
    return int(heading.group(1))


@pytest.mark.parametrize("stem", STEMS)
def test_the_notebook_fits_its_slot_and_says_so(stem):
    plan, slot = slot_plan.plan(stem, CHECKS), slot_plan.stated_slot(stem)
    assert plan.in_room() <= slot, f"{stem}: {plan.in_room():.1f} minutes in the room"
    stated = re.search(r"\*\*Time:\*\* (\d+) minutes: (\d+) teaching, (\d+) exercises, "
                       r"(\d+) to spare", (ROOT / "notebooks" / f"{stem}.ipynb").read_text())
    assert stated, f"{stem} has no time line"
    minutes, teaching, exercises, spare = map(int, stated.groups())
    assert minutes == slot == teaching + exercises + spare
    assert abs(teaching - plan.teaching()) <= 1 and abs(exercises - plan.exercises()) <= 1, (
        f"{stem}: the plan says {plan.teaching():.1f} teaching, {plan.exercises():.1f} "
        f"exercises: {slot_plan.time_line(plan, slot)}")


@pytest.mark.parametrize("stem", STEMS)
def test_the_instructor_plan_adds_up_to_the_slot_and_matches_the_exercises(stem):
    rows = instructor_rows(stem)
    assert instructor_slot(stem) == slot_plan.stated_slot(stem)
    assert sum(minutes for minutes, _, _ in rows) == slot_plan.stated_slot(stem)
    plan = slot_plan.plan(stem, CHECKS)
    titles = {section.exercise: section.stated_minutes for section in plan.sections
              if section.exercise is not None}
    for minutes, optional, what in rows:
        number = re.match(r"(?:more practice: )?exercise (\d+)\b", what)
        if number and titles.get(int(number.group(1))) is not None:
            assert titles[int(number.group(1))] in (minutes, optional), (stem, what)


def test_the_readme_agenda_gives_each_notebook_its_slot():
    readme = (ROOT / "README.md").read_text()
    for stem in STEMS:
        row = re.search(rf"^\| {stem[:2]} \| .*\| (\d+) \|", readme, re.M)
        assert row and int(row.group(1)) == slot_plan.stated_slot(stem), stem


def test_the_half_day_adds_up():
    """5 + 6 × 30 minutes of notebooks 00 to 06, two 10-minute breaks, 10 to wrap up."""
    notebooks = 5 + sum(slot_plan.stated_slot(stem) for stem in STEMS if stem < "07")
    assert "| half day (3 h 35 min) |" in INSTRUCTORS
    assert notebooks + 2 * 10 + 10 == 3 * 60 + 35
