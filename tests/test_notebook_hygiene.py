"""Every notebook is stored the way readers and nbval need it.

- kernel ``python3``; every code cell executed, with its outputs stored;
- an error stored only in a cell tagged ``raises-exception``, and every such cell both
  asserts (so that a "wrong" cell that stops failing breaks nbval's comparison) and stores
  the error it raised;
- no machine-specific path in any output;
- the sanitize file turns what changes from run to run into placeholders, and nothing else.

The pattern of a cell meant to fail: it runs the wrong code, then asserts what a reader of
that code would expect, so that it raises AssertionError today::

    result = show_invoke(lam.invoke(FunctionName=WRONG, Payload=bad_order))
    assert result["status"] != "accepted", "the caller accepted a rejected order"

nbval runs tagged cells and compares their stored error (name and message) with the new
one; if the wrong code ever stops failing, the assert passes, no error is produced, and the
comparison fails. The stored error is always that AssertionError: when the wrong code
raises by itself (a ClientError, a JSONDecodeError), the cell catches it and asserts on it,
so that a cell failing for an unrelated reason (a NameError) cannot pass for the lesson.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from nbval.plugin import get_sanitize_patterns

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
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
            assert [e["ename"] for e in errors] == ["AssertionError"], \
                f"cell {i} must fail by its own assert, not by {errors[0]['ename']}"
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


def sanitized(text: str) -> str:
    """What nbval compares: ``text`` after every replacement of the sanitize file, in order."""
    patterns = get_sanitize_patterns((NOTEBOOK_DIR / "nbval_sanitize.cfg").read_text())
    for regex, replace in patterns:
        text = re.sub(regex, replace, text)
    return text


@pytest.mark.parametrize("printed, expected", [
    ("START RequestId: 9b6be7b6-c4c0-4594-af60-aa84e5aaae88 Version: $LATEST",
     "START RequestId: REQUEST-ID Version: $LATEST"),
    ("REPORT RequestId: 9b6be7b6-c4c0-4594-af60-aa84e5aaae88\tDuration: 2.28 ms\t"
     "Billed Duration: 124 ms\tMemory Size: 128 MB\tMax Memory Used: 17 MB\t"
     "Init Duration: 120.02 ms",
     "REPORT RequestId: REQUEST-ID\tDuration: N ms\tBilled Duration: N ms\t"
     "Memory Size: 128 MB\tMax Memory Used: N MB\tInit Duration: N ms"),
    ("'RequestId': 'qba3dt5Ic5pEtvkssTmZAKzaEVeLgdaEz3GY7INhTIOeOqqsLdCi'",
     "'RequestId': 'REQUEST-ID'"),
    ("'LogResult': 'U1RBUlQgUmVxdWVzdElkOiA5YjZi+/=='", "'LogResult': 'BASE64-LOG-TAIL'"),
    ('"x-amz-log-result": "U1RBUlQ="', '"x-amz-log-result": "BASE64-LOG-TAIL"'),
    ("local cloud at http://127.0.0.1:39383", "local cloud at http://127.0.0.1:PORT"),
    ("the caller waited 3.02 s", "the caller waited N.NN s"),
    ("Task timed out after 3.00 seconds", "Task timed out after 3.00 seconds"),
    ("LastModified 2026-11-28T16:50:10.123+0000", "LastModified TIMESTAMP"),
    ("'date': 'Sat, 28 Nov 2026 16:50:10 GMT'", "'date': 'HTTP-DATE'"),
    ("datetime.datetime(2026, 11, 28, 16, 50, 10, 123000, tzinfo=tzutc())", "DATETIME"),
    ("2026/11/28/[$LATEST]0123456789abcdef0123456789abcdef", "LOG-STREAM"),
    ("OK    Python 3.12 (3.11 or newer)", "OK    Python 3.X (3.11 or newer)"),
    ("Memory Size: 128 MB, Timeout 3, total_yen 1340, A-1002", None),
])
def test_the_sanitizer_hides_what_varies_and_keeps_what_matters(printed, expected):
    assert sanitized(printed) == (printed if expected is None else expected)
