"""Notebook 05's checks, against a real cloud: the solutions pass, the stored placeholders are
not attempted, and the known wrong answers fail with the message written for them."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError
from notebook_material import Material

from lambdalab import LocalCloud
from lambdalab.workshop import Verdict, pitfall05

MATERIAL = Material("05_concurrency_throttling")
load_solutions, exercise_cell, solution_source = (
    MATERIAL.load_solutions, MATERIAL.exercise_cell, MATERIAL.solution_source)


def edited(old: str, new: str) -> str:
    source = pitfall05.EDITABLE.original()
    assert old in source
    return source.replace(old, new)


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud() as running:
        yield running


def test_the_solutions_pass(cloud):
    exercise1 = pitfall05.exercise1.evaluate(load_solutions().invoke_patiently, cloud)
    assert exercise1.verdict is Verdict.PASS, exercise1.text()
    exercise2 = pitfall05.exercise2.evaluate(solution_source("invoke_all"), cloud)
    assert exercise2.verdict is Verdict.PASS, exercise2.text()
    assert [r.description for r in exercise2.results] == [
        "the lab's inventory function (reserved concurrency 2), 10 items",
        "an inventory function that may run 3 at once, 9 items",
        "an inventory function without reserved concurrency, 10 items",
        "an inventory function switched off (reserved concurrency 0), 3 items"]


def test_the_stored_placeholders_are_not_attempted(cloud):
    namespace: dict = {}
    exec(exercise_cell("def invoke_patiently"), namespace)  # noqa: S102 - our own notebook
    assert pitfall05.exercise1.evaluate(namespace["invoke_patiently"], cloud).verdict \
        is Verdict.NOT_ATTEMPTED
    report = pitfall05.exercise2.evaluate(exercise_cell("def invoke_all"), cloud)
    assert (report.verdict, report.summary) == (
        Verdict.NOT_ATTEMPTED, "edit `invoke_all` in this cell, then run it.")


def test_the_editable_copy_in_the_notebook_is_the_labs_fan_out():
    assert exercise_cell("def invoke_all").strip() == pitfall05.EDITABLE.original().strip()


def test_the_labs_own_fan_out_is_refused_and_told_to_bound_the_calls(cloud):
    unchanged_but_for_a_comment = edited("    def invoke(payload):",
                                         "    def invoke(payload):  # one item")
    assert pitfall05.EDITABLE.unchanged(unchanged_but_for_a_comment)
    report = pitfall05.exercise2.evaluate(edited("max_workers=THREADS", "max_workers=10"),
                                          cloud)
    assert report.verdict is Verdict.FAIL
    assert report.results[0].detail.startswith("Lambda refused calls of your caller")
    assert report.results[3].passed  # a switched-off function: each item reported failed
    assert any(a.startswith("Retrying hides refusals") for a in report.advice)


def test_a_hard_coded_limit_fails_where_the_function_allows_more(cloud):
    report = pitfall05.exercise2.evaluate(edited("max_workers=THREADS", "max_workers=2"),
                                          cloud)
    assert [r.passed for r in report.results] == [True, False, True, True]
    assert report.results[1].detail == (
        "your caller ran at most 2 at once where the function allows 3: read its limit with "
        "get_function_concurrency instead of assuming one")


def test_a_missing_key_and_a_pool_of_zero_threads_get_their_messages(cloud):
    strict = edited("    with ThreadPoolExecutor(max_workers=THREADS)",
                    "    limit = client.get_function_concurrency(\n"
                    "        FunctionName=function_name)['ReservedConcurrentExecutions']\n"
                    "    with ThreadPoolExecutor(max_workers=limit)")
    report = pitfall05.exercise2.evaluate(strict, cloud)
    assert [r.passed for r in report.results] == [True, True, False, False]
    assert "KeyError: 'ReservedConcurrentExecutions'" in report.results[2].detail
    assert "max_workers must be greater than 0" in report.results[3].detail
    assert any(a.startswith("A function without reserved concurrency has no") for a in
               report.advice)
    assert any(a.startswith("`ThreadPoolExecutor(max_workers=0)` raises ValueError") for a in
               report.advice)


# --- exercise 1's known wrong answers --------------------------------------------------------

def gives_up_at_once(lam, function_name, payload, seconds):
    response = lam.invoke(FunctionName=function_name, Payload=json.dumps(payload))
    return json.loads(response["Payload"].read())


def waits_without_jitter(lam, function_name, payload, seconds):
    deadline = time.monotonic() + seconds
    refusals = 0
    while True:
        try:
            response = lam.invoke(FunctionName=function_name, Payload=json.dumps(payload))
            return json.loads(response["Payload"].read())
        except ClientError as error:
            if error.response["Error"]["Code"] != "TooManyRequestsException":
                raise
            refusals += 1
            wait = min(1, 0.05 * 2 ** refusals)  # the ceiling itself: everyone alike
            if time.monotonic() + wait > deadline:
                raise
        time.sleep(wait)


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


def test_giving_up_at_the_first_refusal_is_told_to_retry(cloud):
    report = pitfall05.exercise1.evaluate(gives_up_at_once, cloud)
    assert [r.passed for r in report.results] == [False, False, True, False]
    assert report.results[0].detail.startswith(
        "a caller gave up with TooManyRequestsException although it had 8 s")
    assert report.results[1].detail.startswith("it gave up at the first refusal")
    assert not any(a.startswith("The deadline") for a in report.advice)


def test_waits_without_jitter_are_named(cloud):
    report = pitfall05.exercise1.evaluate(waits_without_jitter, cloud)
    assert [r.passed for r in report.results][2:] == [True, False]
    assert report.results[3].detail.startswith("the callers waited the same times")
    assert any("full jitter" in a for a in report.advice)


def test_retrying_an_error_that_stays_is_named(cloud):
    report = pitfall05.exercise1.evaluate(retries_everything, cloud)
    assert not report.results[2].passed
    assert report.results[2].detail.startswith("it waited and tried again")
    assert any(a.startswith("Only a refusal (TooManyRequestsException)") for a in report.advice)


def test_waiting_past_the_deadline_is_named(cloud):
    report = pitfall05.exercise1.evaluate(ignores_the_deadline, cloud)
    assert not report.results[1].passed
    assert report.results[1].detail.startswith("it was still trying after the 1.5 s")
    assert any(a.startswith("The deadline is the caller's own budget") for a in report.advice)


def test_a_crashing_answer_is_reported_not_raised(cloud, capsys):
    pitfall05.exercise1.check(lambda lam, function_name, payload, seconds: 1 / 0, cloud)
    printed = capsys.readouterr().out
    assert printed.startswith("Exercise 1 · back off with full jitter, within a deadline: "
                              "FAIL - 0 of 4 cases right.")
    assert "a caller raised ZeroDivisionError: division by zero" in printed


def test_the_lab_files_are_not_changed_by_a_check(cloud):
    before = pitfall05.EDITABLE.module_source()
    pitfall05.exercise2.evaluate(solution_source("invoke_all"), cloud)
    assert pitfall05.EDITABLE.module_source() == before
