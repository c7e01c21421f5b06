"""Every notebook is stored the way readers and nbval need it.

- kernel ``python3``; every code cell executed, with its outputs stored;
- an error stored only in a cell tagged ``raises-exception``, and every such cell both
  asserts (so that a "wrong" cell that stops failing breaks nbval's comparison) and stores
  the error it raised;
- no machine-specific path in any output.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MACHINE_PATH = re.compile(r"(/root/|/tmp/|/work/|/home/[^/\s]+/|/Users/[^/\s]+/|site-packages"
                          r"|[A-Za-z]:\\\\Users)")


def code_cells(path: Path) -> list[tuple[int, dict]]:
    cells = json.loads(path.read_text())["cells"]
    return [(i, c) for i, c in enumerate(cells) if c["cell_type"] == "code"]


def test_there_are_notebooks_to_check():
    names = [nb.name for nb in NOTEBOOKS]
    assert "00_setup.ipynb" in names and "01_function_error.ipynb" in names


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_kernel_is_python3(notebook):
    assert json.loads(notebook.read_text())["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_code_cell_was_executed(notebook):
    unexecuted = [i for i, cell in code_cells(notebook)
                  if "".join(cell["source"]).strip() and cell["execution_count"] is None]
    assert unexecuted == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_errors_are_stored_only_in_cells_meant_to_fail_and_those_assert(notebook):
    for i, cell in code_cells(notebook):
        tagged = "raises-exception" in cell.get("metadata", {}).get("tags", [])
        errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
        if tagged:
            assert errors, f"cell {i} is tagged raises-exception but stores no error"
            assert re.search(r"^\s*assert\b", "".join(cell["source"]), re.M), \
                f"cell {i} is meant to fail but does not assert its own failure"
        else:
            assert not errors, f"cell {i} stores {errors[0]['ename']} but is not tagged"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_no_output_shows_a_machine_specific_path(notebook):
    for i, cell in code_cells(notebook):
        for output in cell["outputs"]:
            text = "".join(output.get("text", "")) + json.dumps(output.get("data", {})) + \
                "".join(output.get("traceback", []))
            found = MACHINE_PATH.search(text)
            assert found is None, f"cell {i} output shows {found.group(0)!r}"


def test_the_pattern_catches_machine_paths():
    assert MACHINE_PATH.search('File "/home/alice/lab/app.py"')
    assert MACHINE_PATH.search("/tmp/lambdalab-1-x/code/app.py")
    assert not MACHINE_PATH.search('File "/var/task/app.py"')
