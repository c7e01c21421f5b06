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


def solution_lines(function: ast.FunctionDef, source: str) -> list[str]:
    """The body's lines, its docstring and bare lines left out."""
    skipped: set[int] = set()
    if ast.get_docstring(function) is not None:
        docstring = function.body[0]
        skipped = set(range(docstring.lineno, (docstring.end_lineno or docstring.lineno) + 1))
    lines = source.splitlines()
    return [normalized(lines[number - 1])
            for number in range(function.lineno + 1, (function.end_lineno or 0) + 1)
            if number not in skipped and not BARE.match(normalized(lines[number - 1]))]


def shown(cell: dict) -> list[str]:
    """What a cell shows: its source, then its outputs' text."""
    texts = ["".join(cell["source"])]
    for output in cell.get("outputs", []):
        texts.append("".join(output.get("text", "")))
        for kind in ("text/plain", "text/markdown"):
            texts.append("".join(output.get("data", {}).get(kind, "")))
    return [normalized(line) for text in texts for line in text.splitlines() if normalized(line)]


def exercises() -> list[tuple[str, str]]:
    return [(path.stem, node.name) for path in SOLUTIONS
            for node in ast.parse(path.read_text()).body if isinstance(node, ast.FunctionDef)]


@pytest.mark.parametrize("stem, name", exercises())
def test_less_than_half_of_an_exercises_answer_stands_above_it(stem, name):
    solutions = (ROOT / "notebooks" / "solutions" / f"{stem}.py").read_text()
    [function] = [node for node in ast.parse(solutions).body
                  if isinstance(node, ast.FunctionDef) and node.name == name]
    cells = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text())["cells"]
    [at] = [i for i, cell in enumerate(cells) if cell["cell_type"] == "code"
            and f"def {name}(" in "".join(cell["source"]) and ".check(" in "".join(cell["source"])]
    given = shown({"source": cells[at]["source"]})
    to_write = [line for line in solution_lines(function, solutions) if not nearly_in(line, given)]
    above = [line for cell in cells[:at] for line in shown(cell)]
    copied = [line for line in to_write if nearly_in(line, above)]
    assert to_write, f"{stem}'s {name}: the exercise cell already holds the whole answer"
    assert len(copied) < len(to_write) / 2, (
        f"{stem}'s {name}: {len(copied)} of the {len(to_write)} lines to write stand above "
        "the exercise:\n  " + "\n  ".join(copied))
