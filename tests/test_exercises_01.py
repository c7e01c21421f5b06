"""Notebook 01's checks, against a real cloud: the solutions pass, the stored placeholders are
not attempted, and the known wrong answers fail with the message written for them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from notebook_material import Material

from lambdalab import LocalCloud
from lambdalab.workshop import Verdict, pitfall01

MATERIAL = Material("01_function_error")
load_solutions, exercise_cell, solution_source = (
    MATERIAL.load_solutions, MATERIAL.exercise_cell, MATERIAL.solution_source)


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud() as running:
        yield running


def test_the_solutions_pass(cloud):
    exercise1 = pitfall01.exercise1.evaluate(load_solutions().failure_kind, cloud)
    assert exercise1.verdict is Verdict.PASS, exercise1.text()
    exercise2 = pitfall01.exercise2.evaluate(solution_source("handler_wrong"), cloud)
    assert exercise2.verdict is Verdict.PASS, exercise2.text()
    assert [r.description for r in exercise2.results] == [
        "a priced order (A-1001)", "an order the pricing function rejects (A-1002, durian)",
        "the pricing function times out", "the pricing function's process exits"]


def test_the_labs_own_fixed_caller_passes_the_fix_the_lab_exercise(cloud):
    fixed = pitfall01.EDITABLE.module_source()
    start = fixed.index("def handler_fixed")
    report = pitfall01.exercise2.evaluate(fixed[start:], cloud)
    assert report.verdict is Verdict.PASS, report.text()


def test_the_stored_placeholders_are_not_attempted(cloud):
    namespace: dict = {}
    exec(exercise_cell("def failure_kind"), namespace)  # noqa: S102 - our own notebook
    assert pitfall01.exercise1.evaluate(namespace["failure_kind"], cloud).verdict \
        is Verdict.NOT_ATTEMPTED
    stored_handler = exercise_cell("def handler_wrong")
    report = pitfall01.exercise2.evaluate(stored_handler, cloud)
    assert (report.verdict, report.summary) == (
        Verdict.NOT_ATTEMPTED, "edit `handler_wrong` in this cell, then run it.")


def test_the_editable_copy_in_the_notebook_is_the_labs_wrong_handler():
    assert exercise_cell("def handler_wrong").strip() == pitfall01.EDITABLE.original().strip()


def test_trusting_status_code_fails_every_failure_case_and_is_named(cloud):
    def trusting(lam, function_name, payload):
        response = lam.invoke(FunctionName=function_name, Payload=json.dumps(payload))
        return "ok" if response["StatusCode"] == 200 else "function_error"

    report = pitfall01.exercise1.evaluate(trusting, cloud)
    assert [r.passed for r in report.results] == [True, False, False, True, False, False]
    assert report.results[2].detail == (
        "you answered 'ok', it is 'function_error': `invoke()` returned normally, but the "
        "response has `FunctionError` 'Unhandled': the code raised.")
    assert report.advice[0].startswith("`StatusCode` is 200 whenever Lambda ran the function")
    assert any(a.startswith("A failed call is the one failure where `invoke()` raises")
               for a in report.advice)  # the missing function raised ClientError


def test_an_error_looking_answer_and_lambdas_own_errors_get_their_messages(cloud):
    def by_payload_keys(lam, function_name, payload):  # looks at the answer, not the response
        response = lam.invoke(FunctionName=function_name, Payload=json.dumps(payload))
        answer = json.loads(response["Payload"].read())
        return "function_error" if "errorType" in answer else "ok"

    details = {r.description: r.detail for r in
               pitfall01.exercise1.evaluate(by_payload_keys, cloud).results}
    assert "Only `FunctionError` says that a function failed, not the keys of its answer." in \
        details["a function that returns {'errorType': ..., 'errorMessage': ...} as its answer"]
    assert "Lambda refused the answer (`Function.ResponseSizeTooLarge`)" in \
        details["a function whose answer is 7 MB (over the 6 MB limit)"]
    assert "its errorType is `Sandbox.Timedout`" in \
        details["a function that runs past its 1 s timeout"]


def test_reading_the_payload_twice_is_named(cloud):
    def reads_twice(lam, function_name, payload):
        response = lam.invoke(FunctionName=function_name, Payload=json.dumps(payload))
        response["Payload"].read()
        return "ok" if "errorType" not in json.loads(response["Payload"].read()) else "x"

    report = pitfall01.exercise1.evaluate(reads_twice, cloud)
    assert any(a.startswith("`Payload` is a stream") for a in report.advice), report.text()


def edited(old: str, new: str) -> str:
    source = pitfall01.EDITABLE.original()
    assert old in source
    return source.replace(old, new)


def test_a_caller_that_checks_status_code_still_accepts_and_is_named(cloud):
    report = pitfall01.exercise2.evaluate(edited(
        '    return {"status": "accepted"',
        '    if response["StatusCode"] != 200:\n        return {"status": "rejected"}\n'
        '    return {"status": "accepted"'), cloud)
    assert [r.passed for r in report.results] == [True, False, False, False]
    assert report.results[1].detail.startswith("your caller still answered 'accepted'")
    assert report.results[2].detail.startswith("your caller accepted an order that nobody "
                                               "priced. Lambda ended the pricing function "
                                               "(Sandbox.Timedout)")
    assert report.advice[0].startswith("`StatusCode` is 200")


def test_a_caller_that_rejects_when_lambda_ended_the_callee_is_told_to_fail(cloud):
    rejects_everything = edited(
        '    return {"status": "accepted", "pricing": json.loads(response["Payload"].read())}',
        '    pricing = json.loads(response["Payload"].read())\n'
        '    if "FunctionError" in response:\n'
        '        return {"status": "rejected", "error_type": pricing["errorType"]}\n'
        '    return {"status": "accepted", "pricing": pricing}')
    report = pitfall01.exercise2.evaluate(rejects_everything, cloud)
    assert [r.passed for r in report.results] == [True, True, False, False]
    assert report.results[3].detail == (
        "your caller answered 'rejected'. Lambda ended the pricing function "
        "(Runtime.ExitError): that is not the pricing code's answer. Raise, so that whoever "
        "invoked your caller sees it failed")


def test_a_name_the_caller_module_lacks_gets_the_import_advice(cloud):
    report = pitfall01.exercise2.evaluate(edited(
        "    return {\"status\": \"accepted\"",
        "    if 'FunctionError' in response:\n        raise Boom()\n"
        "    return {\"status\": \"accepted\""), cloud)
    assert report.results[1].detail.startswith("your caller failed with NameError: name "
                                               "'Boom' is not defined")
    assert report.advice[-1].startswith("Your function runs inside the lab's `caller/app.py`")


def test_a_crashing_answer_is_reported_not_raised(cloud, capsys):
    pitfall01.exercise1.check(lambda lam, function_name, payload: 1 / 0, cloud)
    printed = capsys.readouterr().out
    assert printed.startswith("Exercise 1 · which kind of failure?: FAIL - 0 of 6 cases right.")
    assert "  ✗ a function that answers {'doubled': 42}: your code raised ZeroDivisionError" \
        in printed


def test_the_lab_files_are_not_changed_by_a_check(cloud):
    before = pitfall01.EDITABLE.module_source()
    pitfall01.exercise2.evaluate(solution_source("handler_wrong"), cloud)
    assert pitfall01.EDITABLE.module_source() == before
