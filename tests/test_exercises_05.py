"""Notebook 05's checks against a real cloud: the solutions pass, the stored placeholders are
not attempted, and retries without jitter or deadline, and fan-outs whose calls together exceed
the invoked function's reserved concurrency, each fail with the message written for them."""

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


CASES = ["the lab's inventory function (reserved concurrency 2): 5 items and 5 replacements",
         "an inventory function that may run 3 at once: 4 items and 3 replacements",
         "an inventory function that runs one at a time: 2 items and 2 replacements",
         "an inventory function without reserved concurrency: 3 items and 3 replacements"]


def test_the_solutions_pass(cloud):
    checks.passing(pitfall05.exercise1, MATERIAL.load_solutions().invoke_patiently, cloud)
    checks.passing_fix(MATERIAL, pitfall05.exercise2, EDITABLE, cloud, cases=CASES)


def test_the_stored_placeholders_are_not_attempted(cloud):
    stored = MATERIAL.defined("def invoke_patiently")["invoke_patiently"]
    checks.assert_not_attempted(pitfall05.exercise1, stored, cloud)
    checks.assert_unedited_copy_not_attempted(MATERIAL, pitfall05.exercise2, EDITABLE, cloud)


ONE_LIST_AFTER_THE_OTHER = """\
def handler_with_replacements(event, context):
    items, replacements = event["items"], event["replacements"]
    ordered = invoke_all_bounded(single_attempt_client, INVENTORY_FUNCTION, items)
    offered = invoke_all_bounded(single_attempt_client, INVENTORY_FUNCTION, replacements)
    return {"items": stock_report(items, ordered),
            "replacements": stock_report(replacements, offered)}
"""


def test_lists_that_take_turns_pass_too(cloud):
    checks.passing(pitfall05.exercise2, ONE_LIST_AFTER_THE_OTHER, cloud)


def test_the_labs_two_lists_side_by_side_are_refused_and_told_to_count_the_calls(cloud):
    unchanged_but_for_a_comment = checks.edited(
        EDITABLE, "with ThreadPoolExecutor(max_workers=2) as lists:",
        "with ThreadPoolExecutor(max_workers=2) as lists:  # both at once")
    assert EDITABLE.unchanged(unchanged_but_for_a_comment)
    both_unbounded = checks.edited(EDITABLE, "invoke_all_bounded, single", "invoke_all, single")
    for answer in (checks.edited(EDITABLE, "max_workers=2) as lists", "max_workers=3) as lists"),
                   both_unbounded):
        report = pitfall05.exercise2.evaluate(answer, cloud)
        assert report.verdict is Verdict.FAIL
        assert report.results[0].detail.startswith("Lambda refused "), report.text()
        assert report.results[3].passed  # no limit: side by side is right there
        assert checks.advised(report, "More of your handler's calls were in flight")


TWO_AT_A_TIME = """\
def handler_with_replacements(event, context):
    items, replacements = event["items"], event["replacements"]
    everything, answers = items + replacements, []
    for start in range(0, len(everything), 2):
        answers += invoke_all_bounded(single_attempt_client, INVENTORY_FUNCTION,
                                      everything[start:start + 2])
    return {"items": stock_report(items, answers[:len(items)]),
            "replacements": stock_report(replacements, answers[len(items):])}
"""


def test_fewer_calls_at_once_than_allowed_is_named(cloud):
    report = pitfall05.exercise2.evaluate(TWO_AT_A_TIME, cloud)
    assert report.verdict is Verdict.FAIL
    assert report.results[1].detail == (
        "your handler ran at most 2 call(s) at once where the function allows 3"), report.text()
    assert report.results[0].passed and report.results[2].passed  # limits 2 and 1
    assert checks.advised(report, "Fewer calls at once than the function allows")


def test_answers_given_to_the_wrong_list_are_named(cloud):
    swapped = checks.edited(EDITABLE,
                            '"replacements": stock_report(replacements, offered.result())',
                            '"replacements": stock_report(items, ordered.result())')
    swapped = swapped.replace('max_workers=2) as lists', 'max_workers=1) as lists')
    report = pitfall05.exercise2.evaluate(swapped, cloud)
    assert report.verdict is Verdict.FAIL
    assert report.results[0].detail.startswith("the stock levels under 'replacements' are for"), \
        report.text()
    assert checks.advised(report, "Each list must get back the answers to its own items")


def test_a_name_the_caller_never_defined_is_named(cloud):
    report = pitfall05.exercise2.evaluate(
        checks.edited(EDITABLE, "invoke_all_bounded, single_attempt_client,\n"
                      "                               INVENTORY_FUNCTION, items)",
                      "calls_allowed_at_once, single_attempt_client,\n"
                      "                               INVENTORY_FUNCTION, items)"), cloud)
    assert report.verdict is Verdict.FAIL
    assert checks.advised(report, "Your handler runs inside the lab's `caller/app.py`"), \
        report.text()


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
