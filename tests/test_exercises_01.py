"""Notebook 01's checks against a real cloud: the solutions and the lab's fixed caller pass,
the stored placeholders are not attempted, and trusting `StatusCode`, reading `Payload` twice or
rejecting what Lambda ended each fail with the message written for them."""

from __future__ import annotations

import json

import exercise_checks as checks
from notebook_material import Material

from lambdalab.workshop import pitfall01

MATERIAL = Material("01_function_error")
EDITABLE = pitfall01.EDITABLE


def test_the_solutions_pass(cloud):
    checks.passing(pitfall01.exercise1, MATERIAL.load_solutions().failure_kind, cloud)
    checks.passing_fix(MATERIAL, pitfall01.exercise2, EDITABLE, cloud, cases=[
        "a priced order (A-1001)", "an order the pricing function rejects (A-1002, durian)",
        "the pricing function times out", "the pricing function's process exits"])


def test_the_labs_own_fixed_caller_passes_the_fix_the_lab_exercise(cloud):
    fixed = EDITABLE.module_source()
    checks.passing(pitfall01.exercise2, fixed[fixed.index("def handler_fixed"):], cloud)


def test_the_stored_placeholders_are_not_attempted(cloud):
    stored = MATERIAL.defined("def failure_kind")["failure_kind"]
    checks.assert_not_attempted(pitfall01.exercise1, stored, cloud)
    checks.assert_unedited_copy_not_attempted(MATERIAL, pitfall01.exercise2, EDITABLE, cloud)


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
    # the missing function raised ClientError
    assert checks.advised(report, "A failed call is the one failure where `invoke()` raises")


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
    assert checks.advised(report, "`Payload` is a stream"), report.text()


def test_a_caller_that_checks_status_code_still_accepts_and_is_named(cloud):
    report = pitfall01.exercise2.evaluate(checks.edited(
        EDITABLE,
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
    rejects_everything = checks.edited(
        EDITABLE,
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
    report = pitfall01.exercise2.evaluate(checks.edited(
        EDITABLE,
        "    return {\"status\": \"accepted\"",
        "    if 'FunctionError' in response:\n        raise Boom()\n"
        "    return {\"status\": \"accepted\""), cloud)
    assert report.results[1].detail.startswith("your caller failed with NameError: name "
                                               "'Boom' is not defined")
    assert report.advice[-1].startswith("Your function runs inside the lab's `caller/app.py`")


def test_a_crashing_answer_is_reported_not_raised(cloud, capsys):
    checks.assert_crash_reported(pitfall01.exercise1, cloud, capsys, cases=6,
                                 detail="  ✗ a function that answers {'doubled': 42}: your code "
                                        "raised ZeroDivisionError")
