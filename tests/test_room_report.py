"""The instructor's room report, on progress files made by running notebook 08 for real with
right and wrong answers, two attendees' kernels at once: per exercise who tried, who
passed, the median attempts and the failures most attendees met; a missing path, a corrupt
file and a cut-short line are named and skipped; ``--png`` draws the room."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from notebook_material import ROOT, Material

from lambdalab import room_report
from lambdalab.__main__ import main
from lambdalab.progress import FILE_NAME, Record

NOTEBOOK = ROOT / "notebooks" / "08_access_denied.ipynb"
WRONG = {  # what an attendee who has not got it yet types into each cell
    "prediction = ...": 'prediction = "priced"',
    "def diagnose(": 'def diagnose(message):\n    return {"role": message.split()[1]}',
    "def shipping_policy(": (
        "def shipping_policy(region, account):\n"
        '    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",\n'
        '            "Action": ["lambda:InvokeFunction", "sqs:SendMessage", "logs:*"],\n'
        '            "Resource": "*"}]}'),
}


def right_answers() -> dict[str, str]:
    solutions = Material("08_access_denied").solutions.read_text()
    answers = {"prediction = ...": 'prediction = "error, no log"'}
    for marker, name in (("def diagnose(", "def diagnose("),
                         ("def shipping_policy(", "def shipping_policy("),
                         ("bare_role_policies = ", "bare_role_policies = ")):
        start = solutions.index(name)
        end = solutions.find("\n\n\n", start)
        answers[marker] = solutions[start:end if end > 0 else None].strip()
    return answers


def attend(home: Path, answers: dict[str, str]) -> None:
    """Run All of notebook 08 with ``answers`` typed in, as an attendee in ``home``."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        for marker, answer in answers.items():
            if cell.cell_type == "code" and cell.source.startswith(marker):
                check = cell.source[cell.source.rfind("\n\n\n"):] if ".check(" in \
                    cell.source else ""
                cell.source = answer + check
    progress = home / "workshop" / FILE_NAME
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute(
        env={**os.environ, "LAMBDALAB_PROGRESS": str(progress),
             "JUPYTERHUB_USER": home.name})


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    homes = tmp_path_factory.mktemp("home")
    runs = [threading.Thread(target=attend, args=(homes / "alice", right_answers())),
            threading.Thread(target=attend, args=(homes / "bob", WRONG))]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    return homes


def row(table: list[room_report.Row], item: str) -> room_report.Row:
    return next(r for r in table if (r.notebook, r.item) == ("08_access_denied", item))


def test_two_attendees_right_and_wrong_are_counted_per_exercise(homes):
    files, problems = room_report.progress_files([homes])
    assert problems == [] and [f.parent.parent.name for f in files] == ["alice", "bob"]
    room = room_report.attendees(files)
    assert [a.label for a in room] == ["alice", "bob"]
    table = room_report.rows(room)
    guess = row(table, "predict bare_role")
    assert (guess.reached, guess.tried, guess.passed) == (2, 2, 1)
    for item in ("exercise 1", "exercise 2"):
        found = row(table, item)
        assert (found.reached, found.tried, found.passed, found.median_attempts) == (
            2, 2, 1, 1)
    third = row(table, "exercise 3")  # bob left it as it was
    assert (third.reached, third.tried, third.passed) == (2, 1, 1)
    assert row(table, "exercise 2").top_failures()[0][1] == 1
    assert "may not invoke rates-admin" in row(table, "exercise 2").failures
    assert any(text.startswith("`\"Resource\": \"*\"` lets") for text, _ in row(
        table, "exercise 2").top_failures())  # the mistake named, in the top three
    untouched = next(r for r in table if r.notebook == "01_function_error")
    assert (untouched.reached, untouched.tried) == (0, 0)


def test_the_command_prints_the_report_names_bad_input_and_draws_the_room(homes, tmp_path,
                                                                        capsys):
    odd = tmp_path / "carol" / "workshop"
    odd.mkdir(parents=True)
    good = Record("08_access_denied", "exercise 1", "FAIL", 1, "2026-12-07T10:00:00+00:00",
                  "carol", ("sqs: sqs:SendMessage on shipping-failures",))
    (odd / FILE_NAME).write_bytes(good.to_json().encode() + b"\n\x00\x01binary\n"
                                  + good.to_json()[:30].encode())
    png = tmp_path / "room.png"
    assert main(["room", str(homes), str(odd / FILE_NAME), str(tmp_path / "nobody"),
                 "--png", str(png)]) == 0
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert lines[0] == "Room: 3 attendees (alice, bob, carol)"
    assert f"  skipped {tmp_path / 'nobody'}: no such file or folder" in lines
    assert any(line.startswith(f"  {odd / FILE_NAME}: line 2: not a progress record")
               for line in lines)
    assert any(line.startswith(f"  {odd / FILE_NAME}: line 3: not a progress record")
               for line in lines)
    at = lines.index("08_access_denied")
    assert lines[at + 2].split() == ["exercise", "1", "reached", "3", "tried", "3", "passed",
                                     "1", "median", "attempts", "1"]
    assert any(line.strip().startswith("2× ") for line in lines[at + 3:at + 6])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert "drawn in" in out.err


def test_the_report_as_json(homes, capsys):
    assert main(["room", str(homes), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [a["label"] for a in report["attendees"]] == ["alice", "bob"]
    [third] = [i for i in report["items"]
               if (i["notebook"], i["item"]) == ("08_access_denied", "exercise 3")]
    assert third == {"notebook": "08_access_denied", "item": "exercise 3", "reached": 2,
                     "tried": 1, "passed": 1, "median_attempts": 1, "top_failures": []}


def test_two_files_of_one_attendee_count_once(tmp_path):
    for copy, verdict in (("workshop", "FAIL"), (".lambdalab", "PASS")):
        (tmp_path / "dan" / copy).mkdir(parents=True)
        (tmp_path / "dan" / copy / FILE_NAME).write_text(Record(
            "08_access_denied", "exercise 1", verdict, 1,
            f"2026-12-07T10:0{int(verdict == 'PASS')}:00+00:00", "dan").to_json() + "\n")
    room = room_report.attendees(room_report.progress_files([tmp_path])[0])
    assert [(a.label, len(a.files)) for a in room] == [("dan", 2)]
    found = row(room_report.rows(room), "exercise 1")
    assert (found.tried, found.passed, found.attempts) == (1, 1, [2])


def test_no_progress_file_found_is_said_and_fails_the_command(tmp_path, capsys):
    assert main(["room", str(tmp_path)]) == 1
    assert capsys.readouterr().out.startswith("Room: 0 attendees (no progress file found)")


def test_the_search_skips_environments_and_finds_a_home_folders_hidden_file(tmp_path):
    for folder in ("ann/.lambdalab", "ann/workshop/.venv/lib", "ben/node_modules/x",
                   "ben/a/b/c/d/e/f/g"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / FILE_NAME).write_text("")
    files, _ = room_report.progress_files([tmp_path])
    assert files == [tmp_path / "ann" / ".lambdalab" / FILE_NAME]
