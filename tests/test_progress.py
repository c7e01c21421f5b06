"""The attendee's progress file: every reveal and check records its verdict (never the
learner's code or answers), with attempt numbers; ``python -m lambdalab progress`` and
each notebook's last cell show it; a file that is partly unreadable is read for the rest."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from lambdalab import progress
from lambdalab.__main__ import main
from lambdalab.progress import Record
from lambdalab.workshop import pitfall08

SECRET = "my-own-answer-7f3a"  # a value only the learner's answer holds


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_check_records_its_verdict_and_the_attempt_number(progress_file, capsys):
    def wrong(message):
        return {"role": SECRET}

    def diagnose(message):
        raise NotImplementedError("your code here")

    pitfall08.exercise1.check(diagnose)
    pitfall08.exercise1.check(wrong)
    pitfall08.exercise1.check(wrong)
    assert [(r["notebook"], r["item"], r["verdict"], r["attempt"])
            for r in records(progress_file)] == [
        ("08_access_denied", "exercise 1", "NOT ATTEMPTED", 0),
        ("08_access_denied", "exercise 1", "FAIL", 1),
        ("08_access_denied", "exercise 1", "FAIL", 2)]
    assert records(progress_file)[1]["failures"][:2] == [
        "dynamodb: dynamodb:PutItem on table/orders",
        "sqs: sqs:SendMessage on shipping-failures"]
    assert stat.S_IMODE(progress_file.stat().st_mode) == 0o600
    assert SECRET not in progress_file.read_text()  # the failed cases' details hold it
    assert SECRET in capsys.readouterr().out  # (the learner sees them, of course)


def test_a_pass_after_failures_counts_every_judged_attempt(progress_file, capsys):
    from notebook_material import Material

    solutions = Material("08_access_denied").load_solutions()
    pitfall08.exercise2.check(lambda region, account: {"Statement": []})
    pitfall08.exercise2.check(solutions.shipping_policy)
    last = records(progress_file)[-1]
    assert (last["verdict"], last["attempt"], last["failures"]) == ("PASS", 2, [])


def test_an_unusable_answer_records_the_summarys_opening_words_only(cloud, progress_file,
                                                                     capsys):
    pitfall08.exercise3.check(f"- PolicyName: {SECRET}\n\tPolicyDocument: {{}}\n", cloud)
    pitfall08.exercise1.check(SECRET)  # not a function: the summary quotes it
    assert [entry["failures"] for entry in records(progress_file)] == [
        ["your YAML does not parse"], ["expected a function, got str"]]
    assert SECRET not in progress_file.read_text()


@pytest.mark.parametrize("guess, verdict", [(..., "NOT ATTEMPTED"), ("error, no log", "PASS"),
                                            ("priced", "FAIL"), (SECRET, "FAIL")])
def test_a_reveal_records_right_wrong_or_no_guess_but_never_the_guess(progress_file, capsys,
                                                                      guess, verdict):
    pitfall08.bare_role.reveal(guess, observed="error, no log")
    [entry] = records(progress_file)
    assert (entry["item"], entry["verdict"]) == ("predict bare_role", verdict)
    assert "priced" not in progress_file.read_text() and SECRET not in progress_file.read_text()


def test_a_file_that_cannot_be_written_never_breaks_a_check(tmp_path, monkeypatch, capsys):
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv(progress.PROGRESS_ENV, str(blocked / "progress.jsonl"))
    pitfall08.exercise1.check(lambda message: {})
    assert "Exercise 1 · read an AccessDenied message: FAIL" in capsys.readouterr().out
    assert progress.record("08_access_denied", "exercise 1", "FAIL") is None


def test_where_the_file_is(monkeypatch, tmp_path):
    monkeypatch.setenv(progress.PROGRESS_ENV, "~/elsewhere.jsonl")
    assert progress.progress_path() == Path.home() / "elsewhere.jsonl"
    monkeypatch.delenv(progress.PROGRESS_ENV)
    assert progress.progress_path() == progress.REPOSITORY / progress.FILE_NAME
    monkeypatch.setattr(progress.os, "access", lambda path, mode: False)  # a shared install
    assert progress.progress_path() == Path.home() / ".lambdalab" / progress.FILE_NAME


def test_partial_and_corrupt_lines_are_named_and_the_rest_is_read(tmp_path):
    good = Record("01_function_error", "exercise 1", "PASS", 1, "2026-12-07T10:00:00+00:00")
    path = tmp_path / "progress.jsonl"
    path.write_bytes(good.to_json().encode() + b"\n\xff\xfe garbage\n[1, 2]\n"
                     + json.dumps({"notebook": "x"}).encode() + b"\n"
                     + good.to_json().replace("PASS", "MAYBE").encode() + b"\n"
                     + good.to_json()[:40].encode())  # a write cut short
    loaded = progress.read(path)
    assert loaded.records == [good]
    assert [problem.split(":")[0] for problem in loaded.problems] == [
        "line 2", "line 3", "line 4", "line 5", "line 6"]
    assert "unknown verdict 'MAYBE'" in loaded.problems[3]
    assert progress.read(tmp_path / "missing.jsonl").records == []


def _append_many(path: str, who: int) -> None:
    os.environ[progress.PROGRESS_ENV] = path
    for n in range(150):
        progress.record("01_function_error", f"exercise {who}", "FAIL", [f"case {n}" * 20])


def test_two_kernels_appending_at_once_never_interleave(tmp_path):
    path = tmp_path / "progress.jsonl"
    workers = [multiprocessing.get_context("spawn").Process(target=_append_many,
                                                            args=(str(path), who))
               for who in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    loaded = progress.read(path)
    assert loaded.problems == [] and len(loaded.records) == 300
    for item in ("exercise 1", "exercise 2"):
        assert [r.attempt for r in loaded.records if r.item == item] == list(range(1, 151))


def test_every_notebook_lists_its_predictions_and_exercises_in_order():
    items = progress.notebook_items()
    assert list(items) == [f"0{n}_{name}" for n, name in enumerate([
        "function_error", "values_do_not_travel", "vpc_reachability", "sync_by_default",
        "concurrency_throttling", "own_environment", "timeouts_and_retries",
        "access_denied"], start=1)]
    assert items["08_access_denied"] == ["predict bare_role", "exercise 1", "exercise 2",
                                         "exercise 3"]
    assert items["02_values_do_not_travel"][:2] == ["predict wrong_tenant",
                                                   "predict after_giving_up"]


def test_the_notebooks_last_line_and_the_progress_command(progress_file, capsys):
    for verdict in ("NOT ATTEMPTED", "FAIL", "PASS"):
        progress.record("08_access_denied", "exercise 2", verdict)
    progress.record("08_access_denied", "predict bare_role", "PASS")
    progress.record("01_function_error", "exercise 1", "FAIL")
    assert progress.notebook_lines("08_access_denied") == [
        "Your progress in 08_access_denied: 1 of 3 exercises passed",
        "  predict bare_role  PASS (1 attempt)",
        "  exercise 1         not run",
        "  exercise 2         PASS (2 attempts)",
        "  exercise 3         not run",
        "Every notebook: python -m lambdalab progress"]
    assert main(["progress"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0] == f"Your progress, from {progress_file}"
    assert shown[1].split() == ["notebook", "predictions", "ex", "1", "ex", "2", "ex", "3",
                                "ex", "4", "ex", "5"]
    assert shown[2].split() == ["01_function_error", "0", "of", "1", "right", "FAIL", "1", "-"]
    assert shown[9].split() == ["08_access_denied", "1", "of", "1", "right", "-", "PASS", "2",
                                "-"]
    assert main(["progress", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert table["notebooks"]["08_access_denied"]["exercise 2"] == {"verdict": "PASS",
                                                                    "attempts": 2}


def test_the_progress_command_before_anything_was_recorded(progress_file, capsys):
    assert main(["progress"]) == 0
    assert capsys.readouterr().out.startswith(
        f"Your progress, from {progress_file} (nothing recorded yet)\n")


def test_passed_once_stays_passed_and_a_prediction_counts_its_first_guess(progress_file):
    for verdict in ("FAIL", "PASS", "NOT ATTEMPTED", "FAIL"):  # then a later experiment
        progress.record("08_access_denied", "exercise 1", verdict)
    for verdict in ("FAIL", "PASS"):  # the guess changed after the reveal
        progress.record("08_access_denied", "predict bare_role", verdict)
    progress.record("08_access_denied", "exercise 2", "FAIL")
    progress.record("08_access_denied", "exercise 2", "NOT CHECKED")
    table = progress.standings(progress.read(progress_file).records,
                               {"08_access_denied": ["predict bare_role", "exercise 1",
                                                     "exercise 2", "exercise 3"]})
    assert {name: (s.verdict, s.attempts) for name, s in table["08_access_denied"].items()} == {
        "predict bare_role": ("FAIL", 1), "exercise 1": ("PASS", 2),
        "exercise 2": ("FAIL", 1), "exercise 3": (None, 0)}


def test_a_line_cut_short_by_a_kill_stays_alone_and_the_next_record_is_read(progress_file):
    progress.record("01_function_error", "exercise 1", "FAIL")
    with progress_file.open("a") as cut:
        cut.write('{"notebook": "01_function_error", "item": "exer')
    progress.record("01_function_error", "exercise 1", "PASS")
    loaded = progress.read(progress_file)
    assert [r.verdict for r in loaded.records] == ["FAIL", "PASS"]
    assert len(loaded.problems) == 1 and loaded.problems[0].startswith("line 2:")
