"""No exercise can be answered by copying from above it.

For every exercise, the lines a learner must write (its solution's lines, less those the
exercise cell already holds, even nearly) are looked for in everything the notebook shows
before the exercise: the cells' sources and their stored outputs, ``show_source`` views
included. Less than half of them may appear there, even nearly; otherwise the exercise
tests copying, not the idea.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.py"))
NEARLY = 0.85  # difflib's ratio from which two lines count as the same line
# lines that say nothing of the answer: control words, brackets, very short lines
BARE = re.compile(r"^(try:|else:|finally:|return|pass|break|continue|raise|[)\]}]+|.{0,6})$")


def normalized(line: str) -> str:
    return re.sub(r"\s+", " ", line.split("#")[0]).strip()


def nearly_in(line: str, pool: list[str]) -> bool:
    return any(line == other or (abs(len(other) - len(line)) < 0.3 * len(line)
                                 and difflib.SequenceMatcher(None, line, other).ratio() >= NEARLY)
               for other in pool)


def solution_lines(answer: ast.FunctionDef | ast.Assign, source: str) -> list[str]:
    """The lines a learner writes: a function's body (its docstring left out), or the lines
    of a text answered as a value (a template's YAML); bare lines left out."""
    skipped: set[int] = set()
    first = answer.lineno + 1 if isinstance(answer, ast.FunctionDef) else answer.lineno
    if isinstance(answer, ast.FunctionDef) and ast.get_docstring(answer) is not None:
        docstring = answer.body[0]
        skipped = set(range(docstring.lineno, (docstring.end_lineno or docstring.lineno) + 1))
    lines = source.splitlines()
    return [normalized(lines[number - 1])
            for number in range(first, (answer.end_lineno or 0) + 1)
            if number not in skipped and not BARE.match(normalized(lines[number - 1]))]


def answers(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.Assign]:
    """What the solutions file answers, by name: functions, and texts given as values."""
    found: dict[str, ast.FunctionDef | ast.Assign] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found[node.name] = node
        elif (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
              and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            found[node.targets[0].id] = node
    return found


def marker(answer: ast.FunctionDef | ast.Assign, name: str) -> str:
    """What the exercise cell holds that names the answer."""
    return f"def {name}(" if isinstance(answer, ast.FunctionDef) else f"{name} = "


def shown(cell: dict) -> list[str]:
    """What a cell shows: its source, then its outputs' text."""
    texts = ["".join(cell["source"])]
    for output in cell.get("outputs", []):
        texts.append("".join(output.get("text", "")))
        for kind in ("text/plain", "text/markdown"):
            texts.append("".join(output.get("data", {}).get(kind, "")))
    return [normalized(line) for text in texts for line in text.splitlines() if normalized(line)]


def exercises() -> list[tuple[str, str]]:
    return [(path.stem, name) for path in SOLUTIONS for name in answers(ast.parse(
        path.read_text()))]


@pytest.mark.parametrize("stem, name", exercises())
def test_less_than_half_of_an_exercises_answer_stands_above_it(stem, name):
    solutions = (ROOT / "notebooks" / "solutions" / f"{stem}.py").read_text()
    answer = answers(ast.parse(solutions))[name]
    cells = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text())["cells"]
    [at] = [i for i, cell in enumerate(cells) if cell["cell_type"] == "code"
            and marker(answer, name) in "".join(cell["source"])
            and ".check(" in "".join(cell["source"])]
    given = shown({"source": cells[at]["source"]})
    to_write = [line for line in solution_lines(answer, solutions)
                if not nearly_in(line, given)]
    above = [line for cell in cells[:at] for line in shown(cell)]
    copied = [line for line in to_write if nearly_in(line, above)]
    assert to_write, f"{stem}'s {name}: the exercise cell already holds the whole answer"
    assert len(copied) < len(to_write) / 2, (
        f"{stem}'s {name}: {len(copied)} of the {len(to_write)} lines to write stand above "
        "the exercise:\n  " + "\n  ".join(copied))
