"""Lab 07 deployed from its CloudFormation template behaves as the notebook says.

Sources: https://repost.aws/knowledge-center/lambda-function-retry-timeout-sdk (a client
that times out retries, and the function runs again), https://docs.aws.amazon.com/boto3/latest/guide/retries.html
(legacy 5 attempts, standard 3, read timeouts retried),
https://aws.amazon.com/blogs/developer/announcing-updated-retry-behavior-for-aws-sdks-and-tools/
(standard is the default from botocore 1.44.0),
https://docs.aws.amazon.com/lambda/latest/dg/invocation-retries.html (Lambda itself does not
retry a synchronous invocation),
https://docs.aws.amazon.com/powertools/python/latest/utilities/idempotency/ (Powertools).
"""

from __future__ import annotations

import json
import time

import pytest
from lab_stacks import answer, deployed_lab

from lambdalab.workshop import lab_path, pitfall07

LAB = "07_timeouts_and_retries"
PROVIDER_SECONDS, READ_TIMEOUT = 1, 0.3  # the notebook's 3 s and 1 s, shorter


def payment(order_id: str) -> dict:
    order = json.loads(lab_path(LAB, "events", "order.json").read_text())
    return order | {"order_id": order_id, "idempotency_key": f"capture-{order_id}"}


stack = deployed_lab(LAB, "lab7", {"ProviderSeconds": str(PROVIDER_SECONDS),
                                   "ReadTimeoutSeconds": str(READ_TIMEOUT)})


def checkout(cloud, lam, stack, caller: str, callee: str, order_id: str) -> tuple:
    """Invoke a checkout, wait for the payment runs it caused; (error, body, runs, captures)."""
    started = time.time()
    error, body = answer(lam, stack[caller], payment(order_id))
    pitfall07.wait_until_idle(cloud, stack[callee])
    runs = pitfall07.payment_runs(cloud, stack[callee], started)
    captured = pitfall07.captures(cloud, stack["CapturesTableName"], order_id)
    return error, body, runs, captured


def test_stack_outputs_name_the_functions_and_tables(stack):
    assert [stack[k] for k in ("PaymentFunctionName", "LegacyPaymentFunctionName",
                               "IdempotentPaymentFunctionName",
                               "PowertoolsPaymentFunctionName")] == [
        "lab7-payment", "lab7-payment-legacy", "lab7-payment-idempotent",
        "lab7-payment-powertools"]
    assert [stack[k] for k in ("WrongCallerFunctionName", "LegacyWrongCallerFunctionName",
                               "FixedCallerFunctionName")] == [
        "lab7-checkout-wrong", "lab7-checkout-wrong-legacy", "lab7-checkout-fixed"]
    assert stack["CapturesTableName"] and stack["IdempotencyTableName"]
    assert stack["RefundFunctionName"] == "lab7-refund" and stack["RefundsBucketName"]


def test_the_refund_function_refunds_a_repeated_request_again(cloud, lam, stack):
    """Notebook 07's exercise 3 starts from it: one refund per invocation, each recorded
    in the bucket."""
    request = payment("A-7101")
    for _ in range(2):
        error, body = answer(lam, stack["RefundFunctionName"], request)
        assert error is None and body["refund_id"].startswith("ref_")
    logged = [line for line in cloud.logs(stack["RefundFunctionName"])
              if line.startswith("provider: refunded 4200 JPY to the card of A-7101")]
    s3 = cloud.client("s3")
    stored = s3.list_objects_v2(Bucket=stack["RefundsBucketName"], Prefix="refunds/")
    assert len(logged) == 2 and stored["KeyCount"] == 2


def test_the_notebook_quotes_the_wrong_checkouts_client_as_the_lab_creates_it():
    quoted = 'lambda_client = boto3.client("lambda", config=Config(read_timeout=READ_TIMEOUT))'
    assert quoted in lab_path(LAB, "caller", "app.py").read_text()
    notebook = (lab_path(LAB).parents[1] / "notebooks" / f"{LAB}.ipynb").read_text()
    assert json.dumps(quoted)[1:-1] in notebook


def test_the_wrong_checkout_runs_the_payment_three_times_and_still_fails(cloud, lam, stack):
    error, body, runs, captured = checkout(cloud, lam, stack, "WrongCallerFunctionName",
                                           "PaymentFunctionName", "T-1")
    assert error == "Unhandled" and body["errorType"] == "ReadTimeoutError"
    assert body["errorMessage"] == (  # botocore names the endpoint the client asked for
        'Read timeout on endpoint URL: "https://lambda.ap-northeast-1.amazonaws.com'
        '/2015-03-31/functions/lab7-payment/invocations"')
    assert len(runs) == 3  # standard mode, botocore's default from 1.44.0: 3 attempts
    assert len({r.request_id for r in runs}) == 3  # each attempt is a new invocation
    assert all(r.outcome == "success" for r in runs)  # each ran to its end, unseen
    assert len(captured) == 3
    assert runs[1].start < runs[0].end  # the retry came while the first run went on


def test_with_legacy_retries_the_payment_runs_five_times(cloud, lam, stack):
    error, body, runs, captured = checkout(cloud, lam, stack, "LegacyWrongCallerFunctionName",
                                           "LegacyPaymentFunctionName", "T-2")
    assert body["errorType"] == "ReadTimeoutError"
    assert len(runs) == 5 and len(captured) == 5


def test_the_fixed_checkout_runs_the_payment_once_and_gets_the_capture(cloud, lam, stack):
    error, body, runs, captured = checkout(cloud, lam, stack, "FixedCallerFunctionName",
                                           "PaymentFunctionName", "T-3")
    assert error is None and body["status"] == "paid"
    assert len(runs) == 1 and [c["capture_id"]["S"] for c in captured] == [body["capture_id"]]


def test_the_fixed_checkout_hears_lambdas_timeout_and_runs_the_payment_once(cloud, lam, stack):
    lam.update_function_configuration(FunctionName=stack["PaymentFunctionName"], Timeout=1,
                                      Environment={"Variables": {
                                          "CAPTURES_TABLE": stack["CapturesTableName"],
                                          "IDEMPOTENCY_TABLE": stack["IdempotencyTableName"],
                                          "PROVIDER_SECONDS": "3"}})
    try:
        error, body, runs, captured = checkout(cloud, lam, stack, "FixedCallerFunctionName",
                                               "PaymentFunctionName", "T-4")
    finally:
        lam.update_function_configuration(
            FunctionName=stack["PaymentFunctionName"], Timeout=5,
            Environment={"Variables": {"CAPTURES_TABLE": stack["CapturesTableName"],
                                       "IDEMPOTENCY_TABLE": stack["IdempotencyTableName"],
                                       "PROVIDER_SECONDS": str(PROVIDER_SECONDS)}})
    assert error == "Unhandled" and body["errorType"] == "PaymentFailed"
    assert body["errorMessage"].startswith("Sandbox.Timedout: RequestId: ")
    assert [r.outcome for r in runs] == ["timeout"] and captured == []


@pytest.mark.parametrize(("function", "in_progress"), [
    ("IdempotentPaymentFunctionName", "CaptureInProgress"),
    ("PowertoolsPaymentFunctionName", "IdempotencyAlreadyInProgressError"),
])
def test_an_idempotent_payment_captures_once_per_key(cloud, lam, stack, function, in_progress):
    name, order_id = stack[function], f"T-{function[:4]}"
    # a 3 s capture: the repeat's cold start (Powertools' import included) ends well
    # before the first run, even on a loaded machine
    environment = {"CAPTURES_TABLE": stack["CapturesTableName"],
                   "IDEMPOTENCY_TABLE": stack["IdempotencyTableName"]}
    lam.update_function_configuration(FunctionName=name, Environment={
        "Variables": environment | {"PROVIDER_SECONDS": "3"}})
    try:
        first, repeat = pitfall07.overlapping_calls(cloud, name, payment(order_id),
                                                    stack["IdempotencyTableName"])
    finally:
        lam.update_function_configuration(FunctionName=name, Environment={
            "Variables": environment | {"PROVIDER_SECONDS": str(PROVIDER_SECONDS)}})
    first_body = json.loads(first["Payload"].read())
    repeat_body = json.loads(repeat["Payload"].read())
    assert "FunctionError" not in first, first_body
    assert repeat.get("FunctionError") == "Unhandled" and repeat_body["errorType"] == in_progress
    error, again = answer(lam, name, payment(order_id))
    assert error is None and again == first_body  # the first capture's result, stored
    error, other = answer(lam, name, payment(f"{order_id}-b"))
    assert error is None and other["capture_id"] != first_body["capture_id"]
    table = stack["CapturesTableName"]
    assert len(pitfall07.captures(cloud, table, order_id)) == 1
    assert len(pitfall07.captures(cloud, table, f"{order_id}-b")) == 1


def test_a_declined_charge_frees_its_key_for_a_retry(cloud, lam, stack):
    name = stack["IdempotentPaymentFunctionName"]
    error, body = answer(lam, name, payment("T-5") | {"amount": 0})  # nothing is charged
    assert error == "Unhandled" and body["errorType"] == "CardDeclined"
    error, body = answer(lam, name, payment("T-5"))
    assert error is None and body["order_id"] == "T-5"
    assert len(pitfall07.captures(cloud, stack["CapturesTableName"], "T-5")) == 1


def test_a_charge_whose_capture_cannot_be_stored_is_never_charged_again(cloud, lam, stack):
    """The card is charged, then storing the capture fails: the key stays claimed, and the
    retry answers CaptureInProgress without charging (a freed key would charge twice)."""
    name = stack["IdempotentPaymentFunctionName"]
    unstorable = payment("T-6")
    del unstorable["currency"]  # charge_card does not need it; storing the capture does
    error, body = answer(lam, name, unstorable)
    assert error == "Unhandled" and body["errorType"] == "KeyError"
    error, body = answer(lam, name, payment("T-6"))  # its claim failed: no charge
    assert error == "Unhandled" and body["errorType"] == "CaptureInProgress"
    assert pitfall07.captures(cloud, stack["CapturesTableName"], "T-6") == []


def test_the_botocore_installed_is_one_whose_default_retry_mode_the_notebooks_state():
    """The notebooks say: standard mode, 3 attempts, from botocore 1.44.0 on (its
    configprovider's default; 1.43.x defaulted to legacy). A lock that moves botocore
    across that line makes them wrong: this fails first."""
    import botocore

    from lambdalab.workshop import pitfall05

    major, minor = (int(part) for part in botocore.__version__.split(".")[:2])
    assert (major, minor) >= (1, 44), botocore.__version__
    assert pitfall05.plain_client_retries() == ("standard", 3)
