"""Driving a notebook's exercise checks as the exercise tests (test_exercises_NN) do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from notebook_material import Material

from lambdalab.workshop import Exercise, LabFunction, Report, Verdict


def passing(exercise: Exercise, answer: Any, cloud: Any) -> Report:
    """The report on an answer that must pass (its text, when it does not, says why)."""
    report = exercise.evaluate(answer, cloud)
    assert report.verdict is Verdict.PASS, report.text()
    return report


def assert_not_attempted(exercise: Exercise, answer: Any, cloud: Any,
                         summary: str | None = None) -> None:
    """The check asks for an answer first (NOT ATTEMPTED), saying ``summary`` when given."""
    report = exercise.evaluate(answer, cloud)
    assert report.verdict is Verdict.NOT_ATTEMPTED, report.text()
    if summary is not None:
        assert report.summary == summary


def assert_unedited_copy_not_attempted(material: Material, exercise: Exercise,
                                       editable: LabFunction, cloud: Any) -> None:
    """The notebook's editable copy of a lab function, checked as stored, asks for an edit."""
    assert_not_attempted(exercise, material.editable_copy(editable), cloud,
                         f"edit `{editable.name}` in this cell, then run it.")


def advised(report: Report, start: str) -> bool:
    """Whether the report names a known mistake whose message starts with ``start``."""
    return any(advice.startswith(start) for advice in report.advice)


def printed_check(exercise: Exercise, answer: Any, cloud: Any,
                  capsys: pytest.CaptureFixture[str]) -> str:
    """What ``exercise.check`` prints outside a notebook: the verdict's text (without the
    notice a check prints when it runs longer than 2 s, which depends on the machine)."""
    exercise.check(answer, cloud)
    notice = f"{exercise.title}: checking... "
    return "".join(line for line in capsys.readouterr().out.splitlines(keepends=True)
                   if not line.startswith(notice))


def crashing(*args: Any, **kwargs: Any) -> Any:
    """An answer whose own code raises, whatever it is given."""
    return 1 / 0


def assert_crash_reported(exercise: Exercise, cloud: Any, capsys: pytest.CaptureFixture[str],
                          *, cases: int, detail: str) -> None:
    """An answer that raises fails each of the ``cases`` and shows what it raised
    (``detail``): the check prints its verdict and never raises itself."""
    printed = printed_check(exercise, crashing, cloud, capsys)
    assert printed.startswith(f"{exercise.title}: FAIL - 0 of {cases} cases right."), printed
    assert detail in printed, printed


def edited(editable: LabFunction, old: str, new: str) -> str:
    """The lab function as the exercise cell holds it, with one edit a learner might make."""
    source = editable.original()
    assert old in source
    return source.replace(old, new)


def passing_fix(material: Material, exercise: Exercise, editable: LabFunction, cloud: Any,
                cases: Sequence[str] | None = None) -> Report:
    """The report on a fix-the-lab exercise's solution (the solutions file's function of the
    editable's name), which must pass and leave the lab file as it was; when given,
    ``cases`` are the descriptions of the cases it ran (the mistakes' detectors match them)."""
    before = editable.module_source()
    report = passing(exercise, material.solution_source(editable.name), cloud)
    assert editable.module_source() == before
    if cases is not None:
        assert [r.description for r in report.results] == list(cases)
    return report
