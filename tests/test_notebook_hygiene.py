"""Every notebook is stored the way readers and nbval need it.

- kernel ``python3``; every code cell executed, with its outputs stored;
- an error stored only in a cell tagged ``raises-exception``, and every such cell both
  asserts (so that a "wrong" cell that stops failing breaks nbval's comparison) and stores
  the error it raised;
- no machine-specific path in any output;
- every Markdown image and relative link resolves to a file of the repository (JupyterLab,
  as ``make lab`` serves it, and GitHub resolve them alike);
- output lines and code blocks fit a default-width JupyterLab, which would break them
  mid-word; no output embeds a stylesheet;
- the pitfall notebooks follow the pattern of notebooks/README.md: the first code cell
  starts the cloud with ``start_cloud()``, no cell stops it (exercises work after Run
  All), a prediction comes before the failure it predicts;
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
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest
from nbval.plugin import get_sanitize_patterns

REPOSITORY = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPOSITORY / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb")) + sorted(
    (NOTEBOOK_DIR / "ja").glob("[0-9][0-9]_*.ipynb"))  # the Japanese edition, held alike
PITFALLS = [nb for nb in NOTEBOOKS if not nb.name.startswith("00_")]
WIDTH = 86  # characters a default-width JupyterLab shows on one line (lambdalab.workshop.display)
TARGET = re.compile(r"""!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)"""
                    r"""|<(?:img|a)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""")
MACHINE_PATH = re.compile(r"(/root/|/tmp/|/work/|/home/[^/\s]+/|/Users/[^/\s]+/|site-packages"
                          r"|[A-Za-z]:\\\\Users)")


def code_cells(path: Path) -> list[tuple[int, dict]]:
    cells = json.loads(path.read_text())["cells"]
    return [(i, c) for i, c in enumerate(cells) if c["cell_type"] == "code"]


def test_there_are_notebooks_to_check():
    names = [nb.name for nb in NOTEBOOKS]
    assert "00_setup.ipynb" in names and "01_function_error.ipynb" in names


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(NOTEBOOK_DIR)))
def test_kernel_is_python3(notebook):
    assert json.loads(notebook.read_text())["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(NOTEBOOK_DIR)))
def test_every_code_cell_was_executed(notebook):
    unexecuted = [i for i, cell in code_cells(notebook)
                  if "".join(cell["source"]).strip() and cell["execution_count"] is None]
    assert unexecuted == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(NOTEBOOK_DIR)))
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


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(NOTEBOOK_DIR)))
def test_no_output_shows_a_machine_specific_path(notebook):
    for i, cell in code_cells(notebook):
        for output in cell["outputs"]:
            text = "".join(output.get("text", "")) + json.dumps(output.get("data", {})) + \
                "".join(output.get("traceback", []))
            found = MACHINE_PATH.search(text)
            assert found is None, f"cell {i} output shows {found.group(0)!r}"


def markdown_targets(notebook: Path) -> list[tuple[int, str]]:
    """Where each Markdown image and link of the notebook points, outside URLs left out."""
    found = []
    for i, cell in enumerate(json.loads(notebook.read_text())["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for match in TARGET.finditer("".join(cell["source"])):
            target = match.group(1) or match.group(2)
            if not re.match(r"^(https?:|mailto:|#)", target):
                found.append((i, target))
    return found


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(NOTEBOOK_DIR)))
def test_every_image_and_relative_link_resolves_to_a_file_of_the_repository(notebook):
    targets = markdown_targets(notebook)
    assert targets, "each notebook links to its lab, a diagram or the next notebook"
    for i, target in targets:
        path = (notebook.parent / unquote(target.split("#")[0])).resolve()
        assert path.exists(), f"cell {i}: {target} does not exist"
        assert REPOSITORY in path.parents, f"cell {i}: {target} is outside the repository"


def test_the_link_pattern_finds_images_links_and_html_tags():
    text = ('![a diagram](../images/x.png) see [the lab](../labs/x/README.md "title") and '
            '[docs](https://docs.aws.amazon.com/x) <img src="../images/y.png"> '
            '<a href="solutions/z.py">z</a> [top](#Title)')
    assert [m.group(1) or m.group(2) for m in TARGET.finditer(text)] == [
        "../images/x.png", "../labs/x/README.md", "https://docs.aws.amazon.com/x",
        "../images/y.png", "solutions/z.py", "#Title"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(NOTEBOOK_DIR)))
def test_outputs_and_code_blocks_fit_a_default_width_notebook(notebook):
    for i, cell in enumerate(json.loads(notebook.read_text())["cells"]):
        shown = ["".join(o["text"]) for o in cell.get("outputs", []) if "text" in o]
        shown += [_code_blocks("".join(o["data"]["text/markdown"]))
                  for o in cell.get("outputs", []) if "text/markdown" in o.get("data", {})]
        if cell["cell_type"] == "markdown":
            shown.append(_code_blocks("".join(cell["source"])))
        for text in shown:
            for line in text.splitlines():
                assert columns(line.expandtabs()) <= WIDTH, \
                    f"cell {i}: JupyterLab breaks this line mid-word: {line!r}"
        for output in cell.get("outputs", []):
            assert "<style" not in json.dumps(output.get("data", {})), \
                f"cell {i} stores a stylesheet in its output"


def columns(line: str) -> int:
    """The columns a line takes in a monospaced font: two for a wide (CJK) character."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)


def _code_blocks(markdown: str) -> str:
    return "\n".join(re.findall(r"```[a-z]*\n(.*?)```", markdown, re.S))


@pytest.mark.parametrize("notebook", PITFALLS, ids=lambda p: str(p.relative_to(NOTEBOOK_DIR)))
def test_a_pitfall_notebook_follows_the_pattern(notebook):
    cells = [(i, "".join(c["source"])) for i, c in code_cells(notebook)]
    assert "start_cloud(" in cells[0][1], "the first code cell starts the cloud: start_cloud()"
    for i, source in cells:
        assert not re.search(r"\bcloud\.stop\(|stop_cloud\(", source), \
            f"cell {i} stops the cloud: exercises must still work after Run All"
    predictions = [i for i, source in cells if re.match(r"prediction = \.\.\.", source)]
    reveals = [i for i, source in cells if ".reveal(prediction" in source]
    failures = [i for i, c in code_cells(notebook)
                if "raises-exception" in c.get("metadata", {}).get("tags", [])]
    assert predictions and reveals and failures, "predict, reveal, then the failure asserted"
    assert predictions[0] < reveals[0] <= failures[0]
    checks = [source for _, source in cells if re.search(r"\.check\(", source)]
    assert len(checks) >= 2, "two exercises or more"
    for source in checks:
        assert re.search(r"\.check\([^\n]*\)\s*$", source), "the check is the cell's last line"


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
    ("OK    Runtime API client of the functions: python",
     "OK    Runtime API client of the functions: MODE"),
    ("Memory Size: 128 MB, Timeout 3, total_yen 1340, A-1002", None),
    ("subnet subnet-6074725334948c138 uses route table rtb-a2d0691269dbcc884 of "
     "vpc-4cf4d8cd8122ca506, sg-918f099d3a2e6e5f5 to nat-f8c149b1a19b93c46",
     "subnet subnet-ID uses route table rtb-ID of vpc-ID, sg-ID to nat-ID"),
    ("vpce-6e29796ca0698cdfd-3erfke8h.lambda.ap-northeast-1.vpce.amazonaws.com",
     "vpce-ID-SUFFIX.lambda.ap-northeast-1.vpce.amazonaws.com"),
    ("a NAT gateway in a public subnet, sg 443, lambda.ap-northeast-1.amazonaws.com", None),
    ("stored invoices/A-2001/INV-E5ED7555.pdf", "stored invoices/A-2001/INV-NUMBER.pdf"),
    ("pitfall4-invoice  3  512 MB  3078 ms  1.5390 GB-s  $0.0000257",
     "pitfall4-invoice  3  512 MB  N ms  N GB-s  $N"),
    ("a million such batches: $26.45 (free tier aside)",
     "a million such batches: $N (free tier aside)"),
    ("  stock levels:   6* of 10; Lambda refused 19* calls",
     "  stock levels:   N* of 10; Lambda refused N* calls"),
    ("2 ran, 8 refused at once, reserved concurrency 2", None),
    ("Exercise 2 · two lists, one limit: checking... your code runs against the local cloud.\n"
     "Exercise 2 · two lists, one limit: PASS - all 4 cases right.",
     "Exercise 2 · two lists, one limit: PASS - all 4 cases right."),
    ("演習 2 · 上限: チェック中... ローカルクラウドで実行します。\n演習 2 · 上限: PASS",
     "演習 2 · 上限: PASS"),
    ("OK    使用可能なメモリ: 22.6 GB", "STATUS    使用可能なメモリ ..."),
    ("呼び出しは 5.68 秒後に戻りました（タイムアウトは 3 秒）",
     "呼び出しは N.NN 秒後に戻りました（タイムアウトは 3 秒）"),
])
def test_the_sanitizer_hides_what_varies_and_keeps_what_matters(printed, expected):
    assert sanitized(printed) == (printed if expected is None else expected)
