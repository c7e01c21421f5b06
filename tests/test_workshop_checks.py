"""Exercise checks list every case, name known mistakes, stage their hints, and never raise.

These run without a cloud: the cases are plain functions, so every verdict can be forced.
The checks of each notebook are tested against a real cloud in test_exercises_NN; one of them
runs here too, under `python -O`, which strips assert statements but must not change a verdict.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from notebook_material import Material

from lambdalab import LocalCloud
from lambdalab.workshop import Case, Exercise, Mistake, Verdict, pitfall01
from lambdalab.workshop import checks as checks_module
from lambdalab.workshop.checks import NOT_RUNNING
from lambdalab.workshop.feedback import COLOURS, Tone

ROOT = Path(__file__).resolve().parents[1]


def expect(argument: int, expected: int) -> Any:
    """A case as the notebooks' checks write them (pytest would rewrite a bare assert here)."""
    def run(fn: Any) -> str:
        answer = fn(argument)
        if answer != expected:
            raise AssertionError(f"expected {expected}, got {answer!r}")
        return f"{answer}"
    return run


CASES = [Case("doubling 21", expect(21, 42)), Case("doubling 0", expect(0, 0)),
         Case("doubling -4", expect(-4, -8))]
HINTS = ["what does 'double' mean?", "multiply, don't add", "n * 2 is twice n... almost there"]
ADDS_ONE = Mistake("adding 1 is not doubling", lambda attempt: attempt.mentions("+ 1"))


def exercise(cases: Any = CASES, **options: Any) -> Exercise:
    options.setdefault("needs_cloud", False)
    options.setdefault("handle", "nb.exercise9")
    return Exercise(title="Exercise 9 · double it",
                    cases=cases if callable(cases) else (lambda cloud: cases), hints=HINTS,
                    mistakes=[ADDS_ONE], solution_at="solutions/99.py", **options)


def placeholder(n):
    """Double n."""
    raise NotImplementedError("your code here")


def adds_one(n):
    return n + 1


def verdict_text(solution: Any, **options: Any) -> str:
    return exercise(**options).evaluate(solution).text()


def test_a_correct_answer_passes_and_lists_every_case():
    assert verdict_text(lambda n: n * 2) == (
        "Exercise 9 · double it: PASS - all 3 cases right.\n"
        "  ✓ doubling 21: 42\n  ✓ doubling 0: 0\n  ✓ doubling -4: -8")


def test_a_wrong_answer_lists_every_case_not_only_the_first_failure():
    assert verdict_text(lambda n: 42) == (
        "Exercise 9 · double it: FAIL - 1 of 3 cases right.\n"
        "  ✓ doubling 21: 42\n"
        "  ✗ doubling 0: expected 0, got 42\n"
        "  ✗ doubling -4: expected -8, got 42\n"
        "  Hint 1: what does 'double' mean?\n"
        "  More help: nb.exercise9.hint(2)")


def test_a_known_mistake_gets_its_targeted_message():
    report = exercise().evaluate(adds_one)
    assert report.verdict is Verdict.FAIL
    assert report.advice == ("adding 1 is not doubling",)
    assert report.text().endswith("  → adding 1 is not doubling\n"
                                  "  More help: nb.exercise9.hint(1)")  # no hint: the message fits


def test_a_mistake_is_not_named_when_the_code_does_not_make_it():
    assert exercise().evaluate(lambda n: n * 3).advice == ()


def test_a_mistake_detector_that_breaks_does_not_hide_the_verdict():
    broken = Mistake("never shown", lambda attempt: 1 / 0)
    check = Exercise("Exercise 9", "nb.exercise9", lambda cloud: CASES, HINTS, [broken],
                     needs_cloud=False)
    assert check.evaluate(adds_one).verdict is Verdict.FAIL


@pytest.mark.parametrize("untouched, summary", [
    (placeholder, "replace `raise NotImplementedError` with your code, then run the cell."),
    (..., "replace `...` with your answer, then run the cell."),
    (None, "replace `None` with your answer, then run the cell.")])
def test_an_untouched_placeholder_is_not_attempted_and_gets_the_first_hint(untouched, summary):
    assert verdict_text(untouched) == (
        f"Exercise 9 · double it: NOT ATTEMPTED - {summary}\n"
        "  Hint 1: what does 'double' mean?\n  More help: nb.exercise9.hint(2)")


def test_a_placeholder_is_recognised_without_running_the_cases():
    def cases_that_must_not_be_prepared(cloud: Any) -> list[Case]:
        raise AssertionError("prepared")

    report = exercise(cases_that_must_not_be_prepared).evaluate(placeholder)
    assert report.verdict is Verdict.NOT_ATTEMPTED


def test_not_implemented_raised_later_still_means_not_attempted():
    def half_done(n):
        if n:
            raise NotImplementedError
        return 0

    assert exercise().evaluate(half_done).verdict is Verdict.NOT_ATTEMPTED


@pytest.mark.parametrize("broken, shown", [
    (lambda n: 1 / 0, "ZeroDivisionError: division by zero"),
    (lambda n: sys.exit(3), "SystemExit: 3"),
    (lambda n: {}["sku"], "KeyError: 'sku'"),
    (lambda n: (_ for _ in ()).throw(ClientError(
        {"Error": {"Code": "ResourceNotFoundException", "Message": "Function not found"}},
        "Invoke")), "ClientError (ResourceNotFoundException): Function not found"),
])
def test_whatever_the_learners_code_raises_is_reported_per_case(broken, shown):
    report = exercise().evaluate(broken)
    assert report.verdict is Verdict.FAIL
    assert [r.detail for r in report.results] == [f"your code raised {shown}"] * 3


def test_something_that_is_not_a_function_fails_instead_of_raising():
    class Unprintable:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    assert exercise().evaluate(42).summary == "expected a function, got int 42."
    assert exercise().evaluate(Unprintable()).verdict is Verdict.FAIL


def test_an_interrupt_still_stops_the_notebook():
    def interrupted(n):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        exercise().evaluate(interrupted)


# --- staged hints ------------------------------------------------------------------------

def test_hints_come_one_at_a_time_and_point_to_the_next():
    assert exercise().hint_feedback(2).text() == (
        "Exercise 9 · double it: hint 2 of 3\n"
        "  multiply, don't add\n  More help: nb.exercise9.hint(3)")


def test_the_last_hint_says_where_the_solution_is_instead_of_giving_it():
    assert exercise().hint_feedback(3).text().endswith(
        "that was the last hint; the solution is in solutions/99.py.")


@pytest.mark.parametrize("asked", [0, 4, "2", None, 2.0, True])
def test_a_hint_that_does_not_exist_says_which_do(asked, capsys):
    exercise().hint(asked)
    assert capsys.readouterr().out == (
        "Exercise 9 · double it: there are 3 hints, nb.exercise9.hint(1) to "
        "nb.exercise9.hint(3).\n")


def test_a_check_that_takes_long_says_what_it_is_doing_and_a_quick_one_says_nothing(
        capsys, monkeypatch):
    monkeypatch.setattr(checks_module, "SLOW_CHECK_SECONDS", 0.05)
    slow = [Case("a slow case", lambda answer: time.sleep(0.5) or "done")]
    exercise(slow, takes="it waits for a slow function.").check(lambda n: n)
    assert capsys.readouterr().out.splitlines()[:2] == [
        "Exercise 9 · double it: checking... it waits for a slow function.",
        "Exercise 9 · double it: PASS - all 1 cases right."]
    exercise().check(lambda n: n * 2)
    assert "checking" not in capsys.readouterr().out


def test_each_failed_check_brings_the_next_hint_but_never_the_last(capsys):
    """Hints follow progress: the nudge first, then more after every failed check, up to the
    one before the solution; a right answer or a named mistake shows none."""
    staged = exercise(handle="nb.exercise_staged")  # its own count of failed checks
    shown = []
    for answer in (lambda n: 42, lambda n: 0, lambda n: n * 3, lambda n: n * 2):
        staged.check(answer)
        shown.append([line.strip() for line in capsys.readouterr().out.splitlines()
                      if "Hint" in line or "More help" in line])
    assert shown == [["Hint 1: what does 'double' mean?", "More help: nb.exercise_staged.hint(2)"],
                     ["Hint 2: multiply, don't add", "More help: nb.exercise_staged.hint(3)"],
                     ["Hint 2: multiply, don't add", "More help: nb.exercise_staged.hint(3)"],
                     []]


@pytest.mark.parametrize("check", [pitfall01.exercise1, pitfall01.exercise2])
def test_the_workshops_hints_are_staged_and_never_give_the_answer(check):
    solutions = (ROOT / "notebooks" / "solutions" / "01_function_error.py").read_text()
    solution_lines = [line.strip() for line in solutions.splitlines()
                      if len(line.strip()) > 25 and not line.strip().startswith("#")]
    assert len(check.hints) >= 3
    for hint in check.hints:
        assert not any(line in hint for line in solution_lines), hint
    assert "?" in check.hints[0], "the first hint is a question that nudges"


# --- the cloud: NOT CHECKED, never FAIL ----------------------------------------------------

def test_without_a_running_cloud_the_check_says_so_instead_of_failing():
    report = exercise(needs_cloud=True).evaluate(lambda n: n * 2, cloud=None)
    assert report.text() == \
        "Exercise 9 · double it: NOT CHECKED - " + NOT_RUNNING
    assert NOT_RUNNING == ("the local cloud is not running: run the first code cell, then "
                           "this one.")
    assert exercise(needs_cloud=True).evaluate(lambda n: n * 2, cloud=LocalCloud()).summary \
        == NOT_RUNNING  # created, never started


def test_cases_that_cannot_be_prepared_on_a_running_cloud_are_not_the_learners_fault():
    def cloud_is_broken(cloud: Any) -> list[Case]:
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    with LocalCloud() as cloud:
        report = exercise(cloud_is_broken, needs_cloud=True).evaluate(lambda n: n * 2, cloud)
    assert report.verdict is Verdict.NOT_CHECKED
    assert report.summary.startswith("the check could not prepare its cases "
                                     "(EndpointConnectionError: ")
    assert report.summary.endswith("run the first code cell again, then this one.")


def test_a_cloud_that_stops_during_the_check_is_reported_as_not_running():
    cloud = LocalCloud().start()
    try:
        def stops_the_cloud(n):
            cloud.stop()
            return n * 2

        report = exercise(needs_cloud=True).evaluate(stops_the_cloud, cloud)
    finally:
        cloud.stop()
    assert (report.verdict, report.summary) == (Verdict.NOT_CHECKED, NOT_RUNNING)


def test_the_notebooks_checks_with_their_cloud_stopped_say_not_running(capsys):
    stopped = LocalCloud()  # never started: what a cell sees after the kernel lost its cloud
    pitfall01.exercise1.check(lambda lam, name, payload: "ok", stopped)
    edited = pitfall01.EDITABLE.original().replace("tell the client", "tell them")
    pitfall01.exercise2.check(edited.replace('"failed"', '"refused"'), stopped)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"Exercise 1 · which kind of failure?: NOT CHECKED - {NOT_RUNNING}",
                     f"Exercise 2 · fix the lab's caller: NOT CHECKED - {NOT_RUNNING}"]


# --- how a verdict looks ----------------------------------------------------------------------

@pytest.mark.parametrize("solution, tone", [
    (lambda n: n * 2, Tone.GOOD), (adds_one, Tone.BAD), (placeholder, Tone.NEUTRAL)])
def test_verdicts_are_coloured_green_red_grey_in_html_with_the_same_words_as_text(solution,
                                                                                 tone):
    feedback = exercise().evaluate(solution).feedback()
    bundle = feedback._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/plain"] == feedback.text()
    colour = COLOURS[tone][0]
    assert bundle["text/html"].startswith(f'<div style="border-left: 4px solid {colour}')
    shown_words = html.unescape(re.sub(r"<[^>]+>", " ", bundle["text/html"])).split()
    assert shown_words == feedback.text().replace("`", "").split()
    assert {"#2e7d32": Tone.GOOD, "#c62828": Tone.BAD,
            "#757575": Tone.NEUTRAL}[colour] is tone


def test_html_escapes_what_the_learners_code_produced():
    report = exercise().evaluate(lambda n: "<script>alert(1)</script>")
    html = report.feedback().html()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_check_prints_the_text_outside_a_notebook(capsys):
    assert exercise().check(lambda n: n * 2) is None
    assert capsys.readouterr().out.startswith("Exercise 9 · double it: PASS")


# --- python -O: the checks' own verdicts are not assert statements -------------------------

UNDER_O = """
import json, sys

from lambdalab.workshop import pitfall07
from lambdalab.workshop.session import start_cloud, stop_cloud


def asserts_run():
    try:
        assert False
    except AssertionError:
        return True
    return False


start_cloud()  # as a notebook's first cell does; the check finds the cloud itself
try:
    report = pitfall07.exercise3.evaluate(sys.stdin.read())
finally:
    stop_cloud()
print(json.dumps({"asserts_run": asserts_run(), "verdict": report.verdict.value,
                  "details": [r.detail for r in report.results]}))
"""


def test_a_wrong_answer_still_fails_under_python_o():
    """`python -O` strips every assert statement: a check that decided with them would pass
    any answer there. A refund claimed under the request id refunds the card twice."""
    per_request = Material("07_timeouts_and_retries").solution_source("handler").replace(
        "claim = f\"claims/{event['idempotency_key']}\"",
        'claim = f"claims/{context.aws_request_id}"')
    run = subprocess.run([sys.executable, "-O", "-c", UNDER_O], input=per_request, cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout.splitlines()[-1])
    assert found["asserts_run"] is False, "the subprocess did not run with -O"
    assert found["verdict"] == "FAIL"
    assert found["details"][:2] == ["the card was refunded 2 times for one request",
                                    "the card was refunded 2 times for one request: the second "
                                    "call came while the first was still refunding"]
