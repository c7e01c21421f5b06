"""Exercise checks print PASS, FAIL with a hint, or NOT ATTEMPTED, and never raise.

These run without a cloud: the cases are plain functions, so every verdict can be
forced. The checks of each notebook are tested against a real cloud in test_exercises_NN.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from lambdalab.workshop import Case, Verdict, check, evaluate, pitfall01


def expect(argument: int, expected: int) -> Any:
    """A case as the notebooks' checks write them (pytest would rewrite a bare assert here)."""
    def run(fn: Any) -> None:
        answer = fn(argument)
        if answer != expected:
            raise AssertionError(f"expected {expected}, got {answer!r}")
    return run


CASES = [Case("doubling 21", expect(21, 42)), Case("doubling 0", expect(0, 0))]


def placeholder(n):
    raise NotImplementedError("your code here")


def printed(capsys: pytest.CaptureFixture[str], solution: Any, cases: Any = CASES) -> str:
    check("Exercise 9", solution, cases, "multiply by two")
    return capsys.readouterr().out


def test_a_correct_answer_passes(capsys):
    assert printed(capsys, lambda n: n * 2) == \
        "Exercise 9: PASS - all 2 cases behave as expected.\n"


def test_a_wrong_answer_fails_with_the_first_failing_case_and_the_hint(capsys):
    assert printed(capsys, lambda n: n * 2 + 1) == (
        "Exercise 9: FAIL - doubling 21: expected 42, got 43\nHint: multiply by two\n")


def test_a_later_case_can_fail_after_earlier_ones_pass(capsys):
    assert printed(capsys, lambda n: 42).startswith(
        "Exercise 9: FAIL - doubling 0: expected 0, got 42\n")


@pytest.mark.parametrize("untouched, shown", [
    (placeholder, "raise NotImplementedError"), (..., "..."), (None, "None")])
def test_an_untouched_placeholder_is_not_attempted(capsys, untouched, shown):
    assert printed(capsys, untouched) == (
        f"Exercise 9: NOT ATTEMPTED - replace `{shown}` with your code.\n"
        "Hint: multiply by two\n")


@pytest.mark.parametrize("broken, shown", [
    (lambda n: 1 / 0, "ZeroDivisionError: division by zero"),
    (lambda n: sys.exit(3), "SystemExit: 3"),
    (lambda n: {}["sku"], "KeyError: 'sku'"),
])
def test_whatever_the_learners_code_raises_is_reported_as_fail(capsys, broken, shown):
    assert printed(capsys, broken) == (
        f"Exercise 9: FAIL - doubling 21: your code raised {shown}\nHint: multiply by two\n")


def test_something_that_is_not_a_function_fails_instead_of_raising(capsys):
    assert printed(capsys, 42).startswith("Exercise 9: FAIL - expected a function, got int 42.")


def test_a_check_that_cannot_prepare_its_cases_says_so_instead_of_raising(capsys):
    def cloud_is_down() -> list[Case]:
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    out = printed(capsys, lambda n: n * 2, cloud_is_down)
    assert out.startswith("Exercise 9: FAIL - the check could not prepare its cases "
                          "(EndpointConnectionError: ")
    assert "first code cell" in out


def test_an_interrupt_still_stops_the_notebook():
    def interrupted(n):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        evaluate(interrupted, CASES, "")


def test_evaluate_gives_the_verdict_to_tests():
    assert evaluate(lambda n: n * 2, CASES, "")[0] is Verdict.PASS
    assert evaluate(placeholder, CASES, "")[0] is Verdict.NOT_ATTEMPTED
    assert evaluate(lambda n: n, CASES, "")[0] is Verdict.FAIL


def test_a_notebook_check_with_its_cloud_stopped_prints_fail(capsys):
    class StoppedCloud:
        def client(self, service_name: str) -> Any:
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    pitfall01.check_invoke_or_raise(StoppedCloud(), lambda lam, name, payload: None)
    pitfall01.check_failure_kind(StoppedCloud(), lambda lam, name, payload: "ok")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Exercise 1: FAIL - the check could not prepare its cases")
    assert lines[2].startswith("Exercise 2: FAIL - the check could not prepare its cases")
