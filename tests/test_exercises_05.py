"""Notebook 05's checks against a real cloud: the solutions pass, the stored placeholders are
not attempted, and retries without jitter or deadline, and fan-outs that ignore the invoked
function's reserved concurrency, each fail with the message written for them."""

from __future__ import annotations

import inspect
import json
import random
import time
from types import SimpleNamespace

import exercise_checks as checks
from botocore.exceptions import ClientError
from notebook_material import Material

from lambdalab.workshop import Verdict, pitfall05

MATERIAL = Material("05_concurrency_throttling")
EDITABLE = pitfall05.EDITABLE


def test_the_solutions_pass(cloud):
    checks.passing(pitfall05.exercise1, MATERIAL.load_solutions().invoke_patiently, cloud)
    checks.passing_fix(MATERIAL, pitfall05.exercise2, EDITABLE, cloud, cases=[
        "the lab's inventory function (reserved concurrency 2), 10 items",
        "an inventory function that may run 3 at once, 9 items",
        "an inventory function without reserved concurrency, 10 items",
        "an inventory function switched off (reserved concurrency 0), 3 items"])


def test_the_stored_placeholders_are_not_attempted(cloud):
    stored = MATERIAL.defined("def invoke_patiently")["invoke_patiently"]
    checks.assert_not_attempted(pitfall05.exercise1, stored, cloud)
    checks.assert_unedited_copy_not_attempted(MATERIAL, pitfall05.exercise2, EDITABLE, cloud)


def test_the_labs_own_fan_out_is_refused_and_told_to_bound_the_calls(cloud):
    unchanged_but_for_a_comment = checks.edited(EDITABLE, "    def invoke(payload):",
                                                "    def invoke(payload):  # one item")
    assert EDITABLE.unchanged(unchanged_but_for_a_comment)
    report = pitfall05.exercise2.evaluate(
        checks.edited(EDITABLE, "max_workers=THREADS", "max_workers=10"), cloud)
    assert report.verdict is Verdict.FAIL
    assert report.results[0].detail.startswith("Lambda refused calls of your caller")
    assert report.results[3].passed  # a switched-off function: each item reported failed
    assert checks.advised(report, "Retrying hides refusals")


def test_a_hard_coded_limit_fails_where_the_function_allows_more(cloud):
    report = pitfall05.exercise2.evaluate(
        checks.edited(EDITABLE, "max_workers=THREADS", "max_workers=2"), cloud)
    passed = [r.passed for r in report.results]
    assert (passed[0], passed[1], passed[3]) == (True, False, True)
    # without a limit, two at a time may or may not fit the time budget of one wave: that
    # depends on the machine's pace, and only the span may be what fails
    assert passed[2] or report.results[2].detail.startswith("the batch took far longer")
    assert report.results[1].detail == (
        "your caller ran at most 2 at once where the function allows 3: read its limit with "
        "get_function_concurrency instead of assuming one")


def test_a_missing_key_and_a_pool_of_zero_threads_get_their_messages(cloud):
    strict = checks.edited(EDITABLE, "    with ThreadPoolExecutor(max_workers=THREADS)",
                           "    limit = client.get_function_concurrency(\n"
                           "        FunctionName=function_name)['ReservedConcurrentExecutions']\n"
                           "    with ThreadPoolExecutor(max_workers=limit)")
    report = pitfall05.exercise2.evaluate(strict, cloud)
    assert [r.passed for r in report.results] == [True, True, False, False]
    assert "KeyError: 'ReservedConcurrentExecutions'" in report.results[2].detail
    assert "max_workers must be greater than 0" in report.results[3].detail
    assert checks.advised(report, "A function without reserved concurrency has no")
    assert checks.advised(report, "`ThreadPoolExecutor(max_workers=0)` raises ValueError")


# --- exercise 1's known wrong answers --------------------------------------------------------

def gives_up_at_once(lam, function_name, payload, seconds):
    response = lam.invoke(FunctionName=function_name, Payload=json.dumps(payload))
    return json.loads(response["Payload"].read())


def without_jitter():
    """The solution with its random wait pinned to the ceiling: every caller waits alike."""
    solutions = MATERIAL.load_solutions()
    solutions.random = SimpleNamespace(uniform=lambda low, high: high)
    return solutions.invoke_patiently


waits_without_jitter = without_jitter()


def retries_everything(lam, function_name, payload, seconds):
    deadline = time.monotonic() + seconds
    while True:
        try:
            response = lam.invoke(FunctionName=function_name, Payload=json.dumps(payload))
            return json.loads(response["Payload"].read())
        except ClientError:
            if time.monotonic() + 0.2 > deadline:
                raise
        time.sleep(random.uniform(0, 0.2))


def ignores_the_deadline(lam, function_name, payload, seconds):
    for attempt in range(1, 9):  # counts attempts, whatever the time: waits of 4.5 s in all
        try:
            response = lam.invoke(FunctionName=function_name, Payload=json.dumps(payload))
            return json.loads(response["Payload"].read())
        except ClientError as error:
            if error.response["Error"]["Code"] != "TooManyRequestsException" or attempt == 8:
                raise
        time.sleep(min(1, 0.05 * 2 ** attempt))


def solution_with(old: str, new: str):
    """The solution's invoke_patiently with one line of its source changed."""
    source = inspect.getsource(MATERIAL.load_solutions().invoke_patiently)
    assert old in source
    names = {"json": json, "random": random, "time": time, "ClientError": ClientError}
    exec(source.replace(old, new), names)  # noqa: S102 - a test's own variant of the solution
    return names["invoke_patiently"]


def test_waits_counted_from_the_zeroth_refusal_are_named(cloud):
    from_zero = solution_with("0.05 * 2 ** refusals", "0.05 * 2 ** (refusals - 1)")
    report = pitfall05.exercise1.evaluate(from_zero, cloud)
    assert report.verdict is Verdict.FAIL
    assert [r.passed for r in report.results] == [True, True, True, True, False]
    assert report.results[4].detail.startswith(
        "your waits' ceilings were 0.05, 0.1, 0.2, 0.4 s: the first, 0.05 s, is the one for "
        "n = 0.")
    assert checks.advised(report, "Count refusals from 1")


def test_a_constant_random_window_that_never_grows_is_named(cloud):
    constant = solution_with("min(1, 0.05 * 2 ** refusals)", "0.05")
    report = pitfall05.exercise1.evaluate(constant, cloud)
    assert report.verdict is Verdict.FAIL
    assert report.results[4].detail.startswith("your waits' ceilings were 0.05, 0.05, 0.05")
    assert "they do not grow" in report.results[4].detail
    assert checks.advised(report, "Exponential backoff: the ceiling doubles")


def test_from_random_import_uniform_is_read_at_its_ceiling_too(cloud):
    names = {"json": json, "time": time, "ClientError": ClientError}
    source = inspect.getsource(MATERIAL.load_solutions().invoke_patiently)
    exec("from random import uniform\n" + source.replace("random.uniform", "uniform"),  # noqa: S102
         names)
    report = pitfall05.exercise1.evaluate(names["invoke_patiently"], cloud)
    assert report.results[4].passed, report.results[4].detail
    assert report.results[4].detail == "waits at their ceilings: 0.1, 0.2, 0.4 s"


def test_a_name_the_notebook_never_defined_gets_advice_about_names(cloud):
    undefined = solution_with("min(1, 0.05 * 2 ** refusals)", "min(CAP, BASE * 2 ** refusals)")
    report = pitfall05.exercise1.evaluate(undefined, cloud)
    assert report.verdict is Verdict.FAIL
    assert "NameError" in report.results[0].detail
    assert report.advice[0].startswith("Your function runs here, in the notebook's kernel")


def test_giving_up_at_the_first_refusal_is_told_to_retry(cloud):
    report = pitfall05.exercise1.evaluate(gives_up_at_once, cloud)
    assert [r.passed for r in report.results] == [False, False, True, False, False]
    assert report.results[0].detail.startswith(
        "a caller gave up with TooManyRequestsException although it had 8 s")
    assert report.results[1].detail.startswith("it gave up at the first refusal")
    assert not checks.advised(report, "The deadline")


def test_waits_without_jitter_are_named(cloud):
    report = pitfall05.exercise1.evaluate(waits_without_jitter, cloud)
    assert [r.passed for r in report.results][2:] == [True, False, True]
    assert report.results[3].detail.startswith("the callers waited the same times")
    assert any("full jitter" in a for a in report.advice)


def test_retrying_an_error_that_stays_is_named(cloud):
    report = pitfall05.exercise1.evaluate(retries_everything, cloud)
    assert not report.results[2].passed
    assert report.results[2].detail.startswith("it waited and tried again")
    assert checks.advised(report, "Only a refusal (TooManyRequestsException)")


def test_waiting_past_the_deadline_is_named(cloud):
    report = pitfall05.exercise1.evaluate(ignores_the_deadline, cloud)
    assert not report.results[1].passed
    assert report.results[1].detail.startswith("it was still trying after the 1.5 s")
    assert checks.advised(report, "The deadline is the caller's own budget")


def test_a_crashing_answer_is_reported_not_raised(cloud, capsys):
    checks.assert_crash_reported(pitfall05.exercise1, cloud, capsys, cases=5,
                                 detail="a caller raised ZeroDivisionError: division by zero")
