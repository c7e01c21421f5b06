"""Notebook 02's checks against a real cloud: the solutions and the lab's fixed payment function
pass, the stored placeholders are not attempted, and a caller's context expected to travel,
ClientContext, merged metadata or a payment function that ignores the caller's deadline each
fail with the message written for them."""

from __future__ import annotations

import base64
import json

import exercise_checks as checks
import pytest
from notebook_material import Material

from lambdalab import LocalCloud
from lambdalab.workshop import Verdict, pitfall02
from lambdalab.workshop.checks import NOT_RUNNING

MATERIAL = Material("02_values_do_not_travel")
EDITABLE = pitfall02.EDITABLE


# --- the solutions, the placeholders, the editable copy ------------------------------------

def test_the_solutions_pass(cloud):
    solutions = MATERIAL.load_solutions()
    exercise1 = checks.passing(pitfall02.exercise1, solutions.answer, cloud)
    checks.passing(pitfall02.exercise2, solutions.invoke_with_meta, cloud)
    checks.passing_fix(MATERIAL, pitfall02.exercise3, EDITABLE, cloud)
    assert [r.description.split(":")[0] for r in exercise1.results] == [
        "remaining_ms", "warm_tenant", "thread_tenant"]


def test_the_labs_own_fixed_payment_function_passes_the_fix_the_lab_exercise(cloud):
    module = EDITABLE.module_source()
    checks.passing(pitfall02.exercise3, module[module.index("def handler_fixed"):], cloud)


def test_the_stored_placeholders_are_not_attempted(cloud):
    stored = MATERIAL.defined("answer = {")["answer"]
    checks.assert_not_attempted(pitfall02.exercise1, stored, cloud,
                                "replace each `...` with your prediction, then run the cell.")
    stored = MATERIAL.defined("def invoke_with_meta")["invoke_with_meta"]
    checks.assert_not_attempted(pitfall02.exercise2, stored, cloud)
    checks.assert_unedited_copy_not_attempted(MATERIAL, pitfall02.exercise3, EDITABLE, cloud)


def test_the_audit_function_shown_in_the_notebook_is_the_one_the_check_deploys():
    cells = json.loads(MATERIAL.notebook.read_text())["cells"]
    markdown = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert f"```python\n{pitfall02.AUDIT_SOURCE}```" in markdown


# --- exercise 1: predictions -------------------------------------------------------------------

def test_predicting_that_the_callers_context_travels_fails_every_case_with_its_reason(cloud):
    report = pitfall02.exercise1.evaluate(
        {"remaining_ms": 1000, "warm_tenant": "-", "thread_tenant": "acme"}, cloud)
    assert report.verdict is Verdict.FAIL
    details = [r.detail for r in report.results]
    assert details[0].startswith("that is the order service's time left. The payment "
                                 "function's context counts down its own timeout (5 s)")
    assert details[1].startswith("you predicted '-', it printed 'acme': Lambda reuses a warm "
                                 "environment")
    assert details[2].startswith("you predicted 'acme', it printed '-': a thread starts "
                                 "with a context of its own")
    assert report.advice == ("You expect request scope to follow the work wherever it goes. "
                             "It ends where its context ends: at the invocation's call (only "
                             "the Payload and, synchronously, ClientContext travel) and even "
                             "at a new thread.",)


def test_a_prediction_left_out_is_named_and_the_others_still_judged(cloud):
    report = pitfall02.exercise1.evaluate(
        {"remaining_ms": 4990, "warm_tenant": ..., "thread_tenant": "-"}, cloud)
    assert [r.passed for r in report.results] == [True, False, True]
    assert report.results[1].detail == "no prediction yet: replace `...`"


@pytest.mark.parametrize("answer, summary", [
    (["acme"], "answer a dict, as the cell shows: "
               '{"remaining_ms": ..., "warm_tenant": ..., "thread_tenant": ...}'),
    ({"remaining_ms": 5000, "tenant": "acme"},
     "unknown key 'tenant': the predictions are 'remaining_ms', 'warm_tenant', "
     "'thread_tenant'"),
])
def test_an_answer_of_the_wrong_shape_says_what_to_change(cloud, answer, summary):
    report = pitfall02.exercise1.evaluate(answer, cloud)
    assert (report.verdict, report.summary) == (Verdict.FAIL, summary)


# --- exercise 2: invoke_with_meta ---------------------------------------------------------------

def via_client_context(lam, function_name, body, meta, invocation_type="RequestResponse"):
    custom = base64.b64encode(json.dumps({"custom": meta}, default=str).encode()).decode()
    return lam.invoke(FunctionName=function_name, InvocationType=invocation_type,
                      ClientContext=custom, Payload=json.dumps(body, default=str))


def merged_into_the_body(lam, function_name, body, meta, invocation_type="RequestResponse"):
    return lam.invoke(FunctionName=function_name, InvocationType=invocation_type,
                      Payload=json.dumps({**body, "meta": meta}, default=str))


def plain_json(lam, function_name, body, meta, invocation_type="RequestResponse"):
    return lam.invoke(FunctionName=function_name, InvocationType=invocation_type,
                      Payload=json.dumps({"meta": meta, "body": body}))


def test_client_context_fails_the_asynchronous_and_the_large_call_and_is_named(cloud):
    report = pitfall02.exercise2.evaluate(via_client_context, cloud)
    assert [r.passed for r in report.results] == [True, False, True, False, True]
    assert report.results[1].detail == (
        "the audit function got no metadata: Lambda passes ClientContext to synchronous "
        "invocations only, and drops it from an Event call")
    assert report.results[3].detail.startswith(
        "your code raised ClientError (InvalidRequestContentException)")
    assert report.advice[0].startswith("ClientContext reaches the function only on a "
                                       "synchronous call")
    assert report.advice[1].startswith("ClientContext holds at most 3583 bytes")


def test_merging_the_metadata_into_the_body_is_named(cloud):
    report = pitfall02.exercise2.evaluate(merged_into_the_body, cloud)
    assert not report.results[4].passed
    assert report.results[4].detail.startswith("your code raised TypeError")
    assert report.advice[-1].startswith("Merging the metadata into the body breaks")


def test_forgetting_that_json_has_no_datetime_is_named(cloud):
    report = pitfall02.exercise2.evaluate(plain_json, cloud)
    assert [r.passed for r in report.results] == [True, True, False, True, True]
    assert report.results[2].detail == (
        "your code raised TypeError: Object of type datetime is not JSON serializable")
    assert report.advice == ("JSON has no datetime or Decimal: convert them before "
                             "`json.dumps` (or give it a `default=` function), or the call "
                             "never leaves the caller.",)


# --- exercise 3: fix the lab's payment function ------------------------------------------------

UNWRAPPED = '''def handler_wrong(event, context):
    meta, order = unwrap(event)
    order_id, amount = order["order_id"], order["amount_yen"]
    print(f"correlation id: {{meta.correlation_id}}")
    {arrival}authorization = payment_provider.authorize(order["card"], amount)
    {before_capture}payment_provider.capture(authorization, order_id=order_id,
                             tenant={tenant}, user_id=meta.user_id,
                             amount_yen=amount)
    return {{"status": "charged", "order_id": order_id}}
'''
STOP = "if {late}:\n        return {{'status': 'abandoned'}}\n    "


def payment(tenant: str = "meta.tenant", arrival: str = "", before_capture: str = "") -> str:
    late = {"ms": "meta.time_left_ms() <= 0",
            "own": "context.get_remaining_time_in_millis() <= 0",
            "own_margin": "context.get_remaining_time_in_millis() < 3000",
            "seconds": "time.time() > meta.deadline_ms",
            "missing": "meta.deadline_ms is None or meta.time_left_ms() <= 0"}
    return UNWRAPPED.format(
        tenant=tenant,
        arrival=STOP.format(late=late[arrival]) if arrival else "",
        before_capture=STOP.format(late=late[before_capture]) if before_capture else "")


def results(report) -> list[bool]:
    return [r.passed for r in report.results]


def test_the_labs_wrong_handler_edited_to_read_the_envelope_only_is_told_about_the_deadline(
        cloud):
    report = pitfall02.exercise3.evaluate(payment(), cloud)
    assert results(report) == [True, False, False, True]
    assert report.results[1].detail == (
        "the order service answered 'pending' after 2 s, and the charge was captured a "
        "second later anyway: look at the caller's deadline after `authorize`, just before "
        "moving money")
    assert report.results[2].detail.startswith("charged, although the caller had stopped "
                                               "waiting a minute before the order arrived")


def test_a_tenant_still_read_from_the_request_scope_is_named(cloud):
    report = pitfall02.exercise3.evaluate(
        payment(tenant='request_scope.get("tenant")', before_capture="ms"), cloud)
    assert not report.results[0].passed
    assert report.results[0].detail.startswith(
        "the charge went to tenant None, user 'u-7', not 'globex', 'u-7': read them from "
        "the envelope's meta")


def test_checking_the_deadline_on_arrival_only_is_named(cloud):
    report = pitfall02.exercise3.evaluate(payment(arrival="ms"), cloud)
    assert results(report) == [True, False, True, True]
    assert checks.advised(report, "Checking the deadline when the order arrives is not enough")


@pytest.mark.parametrize("own_time, failed", [("own", 1), ("own_margin", 2)])
def test_the_payment_functions_own_remaining_time_is_named(cloud, own_time, failed):
    """Its own time left says nothing of the caller's: never zero while it runs, and
    plenty left for an order whose caller gave up long ago."""
    report = pitfall02.exercise3.evaluate(payment(before_capture=own_time), cloud)
    assert not report.results[failed].passed
    assert report.advice[0].startswith("`context.get_remaining_time_in_millis()` is the "
                                       "payment function's own time left")


def test_comparing_seconds_with_milliseconds_is_named(cloud):
    report = pitfall02.exercise3.evaluate(
        "import time\n\n" + payment(before_capture="seconds"), cloud)
    assert not report.results[1].passed
    assert checks.advised(report, "`deadline_ms` is in epoch milliseconds")


def test_treating_a_missing_deadline_as_passed_fails_the_back_office_order(cloud):
    report = pitfall02.exercise3.evaluate(payment(before_capture="missing"), cloud)
    assert results(report) == [True, True, True, False]
    assert report.results[3].detail == (
        "nothing was charged: without a deadline, nobody set one; charge")


def test_a_name_the_payment_module_lacks_gets_the_import_advice(cloud):
    report = pitfall02.exercise3.evaluate(payment().replace("unwrap(event)",
                                                            "open_envelope(event)"), cloud)
    assert not any(results(report))
    assert report.advice[-1].startswith("Your function runs inside the lab's "
                                        "`invoked/app.py`")


# --- never raises, never FAIL without a cloud, hints that do not give the answer --------------

def test_a_crashing_answer_is_reported_not_raised(cloud, capsys):
    checks.assert_crash_reported(pitfall02.exercise2, cloud, capsys, cases=5,
                                 detail="  ✗ a synchronous call: your code raised "
                                        "ZeroDivisionError")


def test_the_checks_with_their_cloud_stopped_say_not_running(capsys):
    stopped = LocalCloud()  # never started: what a cell sees after the kernel lost its cloud
    pitfall02.exercise1.check({"remaining_ms": 5000}, stopped)
    pitfall02.exercise2.check(MATERIAL.load_solutions().invoke_with_meta, stopped)
    pitfall02.exercise3.check(MATERIAL.solution_source("handler_wrong"), stopped)
    assert capsys.readouterr().out.splitlines() == [
        f"Exercise 1 · what does the payment function see?: NOT CHECKED - {NOT_RUNNING}",
        f"Exercise 2 · carry the request's metadata: NOT CHECKED - {NOT_RUNNING}",
        f"Exercise 3 · fix the lab's payment function: NOT CHECKED - {NOT_RUNNING}"]
