"""A pitfall notebook's exercise cells and its solutions, as the exercise tests read them."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

from lambdalab.workshop import (
    Exercise,
    LabFunction,
    pitfall01,
    pitfall02,
    pitfall03,
    pitfall04,
    pitfall05,
    pitfall06,
    pitfall07,
    pitfall08,
)
from lambdalab.workshop.labs import import_file

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = {pitfall01: "01_function_error", pitfall02: "02_values_do_not_travel",
             pitfall03: "03_vpc_reachability", pitfall04: "04_sync_by_default",
             pitfall05: "05_concurrency_throttling", pitfall06: "06_own_environment",
             pitfall07: "07_timeouts_and_retries", pitfall08: "08_access_denied"}
# each notebook's checks module: its stem


class Material:
    """``notebooks/<stem>.ipynb`` and ``notebooks/solutions/<stem>.py``."""

    def __init__(self, stem: str) -> None:
        self.notebook = ROOT / "notebooks" / f"{stem}.ipynb"
        self.solutions = ROOT / "notebooks" / "solutions" / f"{stem}.py"
        self.check_line = f"\n\n\npitfall{stem[:2]}."

    def load_solutions(self) -> ModuleType:
        """A fresh import of the solutions file."""
        return import_file(self.solutions, f"solutions{self.check_line[-3:-1]}")

    def exercise_cell(self, containing: str) -> str:
        """The source of the notebook's exercise cell, without its check line."""
        cells = json.loads(self.notebook.read_text())["cells"]
        [source] = ["".join(c["source"]) for c in cells
                    if c["cell_type"] == "code" and containing in "".join(c["source"])]
        return source.split(self.check_line)[0]

    def editable_copy(self, editable: LabFunction) -> str:
        """The exercise cell that holds the notebook's editable copy of a lab function."""
        return self.exercise_cell(f"def {editable.name}(")

    def defined(self, containing: str) -> dict[str, Any]:
        """What the notebook's exercise cell defines, as stored (its check line left out)."""
        namespace: dict[str, Any] = {}
        exec(self.exercise_cell(containing), namespace)  # noqa: S102 - our own notebook
        return namespace

    def solution_source(self, name: str) -> str:
        """The solution's definition of ``name``, as a learner would type it in."""
        text = self.solutions.read_text()
        start = text.index(f"def {name}(")
        end = text.find("\n\n\n", start)
        return text[start:end if end > 0 else None].replace("  # noqa: F821", "")

    def hints_giving_a_solution_line(self, hints: list[str] | tuple[str, ...]) -> list[str]:
        """The hints that quote a line of the solutions (comments and short lines aside):
        a hint nudges, it never hands over the answer."""
        lines = {line.strip() for line in self.solutions.read_text().splitlines()
                 if len(line.strip()) > 20 and not line.strip().startswith("#")}
        return [hint for hint in hints if any(line in hint for line in lines)]

    def assert_hints_nudge(self, exercise: Exercise) -> None:
        """Three hints or more, the first a question, none handing over a solution line."""
        assert len(exercise.hints) >= 3
        assert self.hints_giving_a_solution_line(exercise.hints) == []
        assert "?" in exercise.hints[0], "the first hint is a question that nudges"
