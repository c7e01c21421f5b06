"""Lab 04 deployed from its CloudFormation template behaves as the notebook says.

Sources: https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html (InvocationType),
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html (retries, duplicates),
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html (records),
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html (freezing).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from lab_stacks import deployed_lab, inline_policy

from conftest import wait_until
from lambdalab import LocalCloud
from lambdalab.workshop import deploy_lab, lab_path, pitfall04

LAB = "04_sync_by_default"
INVOICE_SECONDS, CALLER_TIMEOUT = 1.0, 2.5  # two invoices fit in the caller's time, three do
# not: the third is still rendering when Lambda ends the caller


def event(name: str) -> str:
    return lab_path(LAB, "events", f"{name}.json").read_text()


def orders_of(name: str) -> list[str]:
    return [order["order_id"] for order in json.loads(event(name))["orders"]]


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud(time_scale=0.01, idle_timeout=3000) as running:  # as the notebook
        yield running


stack = deployed_lab(LAB, "lab4", {"InvoiceSeconds": str(INVOICE_SECONDS),
                                   "CallerTimeout": str(CALLER_TIMEOUT)})


def invoke(lam, name: str, payload: str) -> tuple[dict, object]:
    response = lam.invoke(FunctionName=name, Payload=payload)
    return response, json.loads(response["Payload"].read() or b"null")


def test_stack_outputs_name_the_functions_the_bucket_and_the_queue(stack):
    assert stack["InvoiceFunctionName"] == "lab4-invoice"
    assert [stack[k] for k in ("WrongCallerFunctionName", "ThreadCallerFunctionName",
                               "FixedCallerFunctionName")] == [
        "lab4-caller-wrong", "lab4-caller-thread", "lab4-caller-fixed"]
    assert stack["InvoiceBucketName"] == "lab4-invoices-123456789012-ap-northeast-1"
    assert stack["FailedInvoicesQueueArn"] == (
        "arn:aws:sqs:ap-northeast-1:123456789012:lab4-failed-invoices")
    assert stack["FailedInvoicesQueueUrl"].endswith("/123456789012/lab4-failed-invoices")


def test_each_role_grants_only_what_its_function_does(cloud, stack):
    caller = inline_policy(cloud, stack["FixedCallerFunctionName"])
    assert [s for s in caller["Statement"] if s["Action"] == "lambda:InvokeFunction"] == [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction",
         "Resource": "arn:aws:lambda:ap-northeast-1:123456789012:function:lab4-invoice"}]
    invoice = {json.dumps(s["Action"]): s["Resource"]
               for s in inline_policy(cloud, stack["InvoiceFunctionName"])["Statement"]}
    bucket = "arn:aws:s3:::lab4-invoices-123456789012-ap-northeast-1"
    assert invoice['["s3:PutObject", "s3:GetObject"]'] == f"{bucket}/invoices/*"
    assert invoice['"s3:ListBucket"'] == bucket
    assert invoice['"sqs:SendMessage"'] == stack["FailedInvoicesQueueArn"]


def test_the_template_configures_retries_and_the_on_failure_destination(lam, stack):
    config = lam.get_function_event_invoke_config(FunctionName=stack["InvoiceFunctionName"])
    assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (2, 21600)
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == \
        stack["FailedInvoicesQueueArn"]


def test_the_templates_defaults_are_the_real_account_timings(cloud, lam):
    defaults = deploy_lab(cloud, LAB, "lab4defaults")
    invoice = lam.get_function_configuration(FunctionName=defaults["InvoiceFunctionName"])
    caller = lam.get_function_configuration(FunctionName=defaults["WrongCallerFunctionName"])
    assert invoice["Environment"]["Variables"]["INVOICE_SECONDS"] == "3"
    assert (invoice["MemorySize"], caller["MemorySize"], caller["Timeout"]) == (512, 128, 8)


def warm(lam, stack) -> None:
    """One invoice first, so that the timings below meet a warm environment (steady use)."""
    lam.invoke(FunctionName=stack["InvoiceFunctionName"],
               Payload=json.dumps(json.loads(event("one_order"))["orders"][0]))


def test_the_waiting_caller_runs_as_long_as_its_invoice(cloud, lam, stack):
    warm(lam, stack)
    response, answer = invoke(lam, stack["WrongCallerFunctionName"], event("one_order"))
    assert answer == {"status": "accepted", "orders": ["A-2001"]}
    ran = pitfall04.duration_seconds(cloud, stack["WrongCallerFunctionName"],
                                     response["ResponseMetadata"]["RequestId"])
    assert INVOICE_SECONDS <= ran < CALLER_TIMEOUT


def test_three_waits_outlast_the_callers_timeout_while_the_invoices_go_on(cloud, lam, stack):
    """Three invoices of 1 s do not fit the caller's 2.5 s: Lambda ends the caller, and
    every invoice it had asked for, the one it was waiting for included, still runs to its
    end and is stored. How many it asked for in its second depends on the machine's pace
    (two, on an idle one), so the check counts what Lambda received."""
    warm(lam, stack)
    started = time.time()
    response, answer = invoke(lam, stack["WrongCallerFunctionName"], event("three_orders"))
    assert response["FunctionError"] == "Unhandled"
    assert answer["errorType"] == "Sandbox.Timedout"
    pitfall04.wait_until_idle(cloud, stack["InvoiceFunctionName"])
    [caller] = [r for r in cloud.invocations(stack["WrongCallerFunctionName"])
                if r.start >= started]
    asked = [r for r in cloud.invocations(stack["InvoiceFunctionName"]) if r.start >= started]
    assert caller.outcome == "timeout" and 1 <= len(asked) <= 3
    stored = pitfall04.invoices(cloud, stack["InvoiceBucketName"], orders_of("three_orders"))
    assert [len(keys) for keys in stored.values()] == [1] * len(asked) + [0] * (3 - len(asked))


def test_a_threads_invoice_is_frozen_and_lost_with_its_environment(cloud, lam, stack):
    thread = stack["ThreadCallerFunctionName"]
    since = time.time()  # the invoices of earlier tests may have ended a moment ago
    response, answer = invoke(lam, thread, event("next_order"))
    assert answer == {"status": "accepted", "orders": ["A-2005"]}
    assert wait_until(lambda: pitfall04.process_states(cloud, thread) == ["stopped"], 30)
    assert pitfall04.invoices(cloud, stack["InvoiceBucketName"], ["A-2005"])["A-2005"] == []
    lam.update_function_configuration(FunctionName=thread, Description="new deployment")
    pitfall04.wait_until_reclaimed(cloud, thread)
    time.sleep(1)
    assert pitfall04.invoices(cloud, stack["InvoiceBucketName"], ["A-2005"])["A-2005"] == []
    assert not [r for r in cloud.invocations(stack["InvoiceFunctionName"]) if r.start >= since]


@pytest.mark.slow
def test_a_frozen_threads_request_leaves_late_during_later_invocations(cloud, lam, stack):
    """The thread moves only while its environment runs an invocation: under traffic its
    invoice comes, late, during some later order's invocation."""
    thread = stack["ThreadCallerFunctionName"]
    first = json.dumps({"orders": [{"order_id": "T-0", "email": "t0@example.com"}]})
    since = time.time()
    invoke(lam, thread, first)
    time.sleep(0.5)
    assert pitfall04.invoices(cloud, stack["InvoiceBucketName"], ["T-0"])["T-0"] == []
    # later invocations start no thread of their own: T-0's thread gets every thawed
    # moment; it needs a few hundred of these 2 ms invocations to build its boto3 session
    later, deadline = 0, time.monotonic() + 60
    while not [r for r in cloud.invocations(stack["InvoiceFunctionName"]) if r.start > since]:
        later += 1
        assert time.monotonic() < deadline, \
            f"the frozen thread never got its request out in {later} later invocations"
        invoke(lam, thread, json.dumps({"orders": []}))
    pitfall04.wait_until_idle(cloud, stack["InvoiceFunctionName"])
    assert later >= 1  # not before a later invocation thawed the environment
    lam.update_function_configuration(FunctionName=thread, Description="retire the threads")
    pitfall04.wait_until_reclaimed(cloud, thread)


def test_the_fixed_caller_answers_at_once_and_lambda_makes_each_invoice(cloud, lam, stack):
    since = time.time()
    _, answer = invoke(lam, stack["FixedCallerFunctionName"], event("three_more_orders"))
    assert answer == {"status": "accepted", "orders": orders_of("three_more_orders")}
    cloud.wait_for_async()
    # it waited for none of them: it ended before any invoice did (Lambda's own records, so
    # whatever the machine's pace)
    [caller] = [r for r in cloud.invocations(stack["FixedCallerFunctionName"])
                if r.start >= since]
    invoices = [r for r in cloud.invocations(stack["InvoiceFunctionName"]) if r.start >= since]
    assert len(invoices) == 3 and caller.end < min(r.end for r in invoices)
    stored = pitfall04.invoices(cloud, stack["InvoiceBucketName"], orders_of("three_more_orders"))
    assert [len(keys) for keys in stored.values()] == [1, 1, 1]


def test_a_failing_event_runs_three_times_and_its_record_reaches_the_queue(cloud, lam, stack):
    _, answer = invoke(lam, stack["FixedCallerFunctionName"], event("bad_address"))
    assert answer == {"status": "accepted", "orders": ["A-2009"]}  # the caller never knows
    cloud.wait_for_async()
    result = cloud.async_results(stack["InvoiceFunctionName"])[-1]
    assert (result.condition, result.attempts) == ("RetriesExhausted", 3)
    stored = pitfall04.invoices(cloud, stack["InvoiceBucketName"], ["A-2009"])["A-2009"]
    assert len(stored) == 3  # one per attempt: the lab's invoice function is not idempotent
    [record] = pitfall04.receive_records(cloud, stack["FailedInvoicesQueueUrl"], wait=2)
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == json.loads(event("bad_address"))["orders"][0]
    assert record["responsePayload"]["errorType"] == "InvoiceNotSent"


def test_a_call_lambda_refuses_to_queue_still_fails_the_fixed_caller(lam, stack):
    too_big = {"orders": [{"order_id": "A-2010", "email": "x@example.com",
                           "logo_png_base64": "A" * 1_100_000}]}
    response, answer = invoke(lam, stack["FixedCallerFunctionName"], json.dumps(too_big))
    assert response["FunctionError"] == "Unhandled"
    assert answer["errorType"] == "ClientError"  # botocore models no class for this code
    assert "(RequestEntityTooLargeException) when calling the Invoke operation" in \
        answer["errorMessage"]
    assert "too large for the Event invocation type (limit 1048576 bytes)" in \
        answer["errorMessage"]
