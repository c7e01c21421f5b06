"""Lab 02 deployed from its CloudFormation template behaves as the notebook says."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime
from decimal import Decimal

import pytest
from lab_stacks import deployed_lab, inline_policy

from lambdalab.workshop import lab_path, pitfall02

LAB = "02_values_do_not_travel"
ORDER = json.loads(lab_path(LAB, "events", "order.json").read_text())
SLOW_ORDER = json.loads(lab_path(LAB, "events", "slow_bank_order.json").read_text())
stack = deployed_lab(LAB, "lab2")


@pytest.fixture(scope="module")
def ledger(cloud, stack) -> pitfall02.Ledger:
    return pitfall02.Ledger(cloud, [stack["InvokedWrongFunctionName"],
                                    stack["InvokedFixedFunctionName"]])


def order(template: dict, **changes) -> dict:
    """A copy of an event with its own order id, so that each test finds its charges."""
    return {**template, "order_id": f"T-{uuid.uuid4().hex[:8]}", **changes}


def answer(lam, name: str, payload: dict) -> tuple[str | None, object, str]:
    response = lam.invoke(FunctionName=name, Payload=json.dumps(payload))
    return (response.get("FunctionError"), json.loads(response["Payload"].read()),
            response["ResponseMetadata"]["RequestId"])


def charges_for(ledger: pitfall02.Ledger, order_id: str, seen: list) -> list[dict]:
    seen.extend(ledger.new_charges())
    return [c for c in seen if c["order_id"] == order_id]


def test_stack_outputs_name_the_four_functions(stack):
    assert stack == {"WrongCallerFunctionName": "lab2-caller-wrong",
                     "FixedCallerFunctionName": "lab2-caller-fixed",
                     "InvokedWrongFunctionName": "lab2-invoked-wrong",
                     "InvokedFixedFunctionName": "lab2-invoked-fixed"}


@pytest.mark.parametrize("caller, callee", [("caller-wrong", "invoked-wrong"),
                                            ("caller-fixed", "invoked-fixed")])
def test_each_caller_may_invoke_only_its_own_payment_function(cloud, stack, caller, callee):
    document = inline_policy(cloud, f"lab2-{caller}")
    invoke = [s for s in document["Statement"] if s["Action"] == "lambda:InvokeFunction"]
    assert invoke == [{"Effect": "Allow", "Action": "lambda:InvokeFunction",
                       "Resource": "arn:aws:lambda:ap-northeast-1:123456789012:function:"
                                   f"lab2-{callee}"}]


@pytest.mark.parametrize("module", ["request_scope.py", "envelope.py"])
def test_the_shared_modules_are_the_same_in_both_code_folders(module):
    assert lab_path(LAB, "caller", module).read_text() == \
        lab_path(LAB, "invoked", module).read_text()


def test_wrong_pair_charges_no_tenant_though_the_caller_set_one(cloud, stack, ledger):
    lam, seen = cloud.client("lambda"), []
    paid = order(ORDER)
    error, result, _ = answer(lam, stack["WrongCallerFunctionName"], paid)
    assert error is None
    assert result["status"] == "paid"
    [charge] = charges_for(ledger, paid["order_id"], seen)
    assert (charge["tenant"], charge["user_id"], charge["amount_yen"]) == (None, None, 1340)
    logs = cloud.logs(stack["InvokedWrongFunctionName"])
    assert f"charging 1340 yen for order {paid['order_id']}: tenant None, user None" in logs
    assert "correlation id: None" in logs


def test_wrong_caller_gives_up_and_the_payment_function_charges_afterwards(cloud, stack,
                                                                           ledger):
    lam, seen = cloud.client("lambda"), []
    slow = order(SLOW_ORDER)
    started = time.time()
    error, result, _ = answer(lam, stack["WrongCallerFunctionName"], slow)
    gave_up = time.time()
    assert error is None
    assert result["status"] == "failed"
    assert result["reason"] == ('Read timeout on endpoint URL: "https://lambda.ap-northeast-1'
                                '.amazonaws.com/2015-03-31/functions/lab2-invoked-wrong/'
                                'invocations"')
    assert gave_up - started >= 2.0  # its 2 s read timeout...
    payment = pitfall02.wait_for_invocation(cloud, stack["InvokedWrongFunctionName"], started)
    assert payment.outcome == "success"  # ...not the 3 s payment, which ran on
    [charge] = charges_for(ledger, slow["order_id"], seen)
    # the cloud's own records, not this test's clock (it hears the caller late when loaded):
    # money moved after the order service had answered "failed"
    caller = cloud.invocations(stack["WrongCallerFunctionName"])[-1]
    assert caller.end < charge["captured_at"] <= payment.end


def test_fixed_pair_charges_the_tenant_and_logs_one_correlation_id(cloud, stack, ledger):
    lam, seen = cloud.client("lambda"), []
    paid = order(ORDER)
    error, result, caller_request_id = answer(lam, stack["FixedCallerFunctionName"], paid)
    assert error is None
    assert result == {"status": "paid", "order_id": paid["order_id"],
                      "payment": {"status": "charged", "order_id": paid["order_id"],
                                  "tenant": "acme"}}
    [charge] = charges_for(ledger, paid["order_id"], seen)
    assert (charge["tenant"], charge["user_id"]) == ("acme", "u-42")
    assert f"correlation id: {caller_request_id}" in cloud.logs(
        stack["FixedCallerFunctionName"])
    assert f"correlation id: {caller_request_id}" in cloud.logs(
        stack["InvokedFixedFunctionName"])
    payment = cloud.invocations(stack["InvokedFixedFunctionName"])[-1]
    assert payment.request_id != caller_request_id


def test_fixed_pair_moves_no_money_once_the_caller_stopped_waiting(cloud, stack, ledger):
    lam, seen = cloud.client("lambda"), []
    slow = order(SLOW_ORDER)
    started = time.time()
    error, result, _ = answer(lam, stack["FixedCallerFunctionName"], slow)
    assert error is None
    assert result["status"] == "pending"  # a timeout is an unknown outcome, not "failed"
    payment = pitfall02.wait_for_invocation(cloud, stack["InvokedFixedFunctionName"], started)
    assert payment.outcome == "success"
    assert charges_for(ledger, slow["order_id"], seen) == []
    assert (f"the caller stopped waiting: order {slow['order_id']} voided, not captured"
            in cloud.logs(stack["InvokedFixedFunctionName"]))


def envelope(order_fields: dict, **meta) -> dict:
    body = {k: order_fields[k] for k in ("order_id", "amount_yen", "card")}
    return {"meta": {"correlation_id": "test", "tenant": "acme", "user_id": "u-42", **meta},
            "body": body}


def test_fixed_payment_refuses_an_order_that_arrives_after_the_deadline(cloud, stack, ledger):
    lam, seen = cloud.client("lambda"), []
    late = order(ORDER)
    error, result, _ = answer(lam, stack["InvokedFixedFunctionName"],
                              envelope(late, deadline_ms=int((time.time() - 60) * 1000)))
    assert (error, result) == (None, {"status": "abandoned", "order_id": late["order_id"]})
    assert charges_for(ledger, late["order_id"], seen) == []


def test_fixed_payment_charges_an_envelope_without_a_deadline(cloud, stack, ledger):
    lam, seen = cloud.client("lambda"), []
    unhurried = order(ORDER)
    error, result, _ = answer(lam, stack["InvokedFixedFunctionName"], envelope(unhurried))
    assert (error, result["status"]) == (None, "charged")
    assert [c["tenant"] for c in charges_for(ledger, unhurried["order_id"], seen)] == ["acme"]


def test_fixed_payment_rejects_a_payload_that_is_not_an_envelope(cloud, stack):
    error, result, _ = answer(cloud.client("lambda"), stack["InvokedFixedFunctionName"],
                              order(ORDER))
    assert error == "Unhandled"
    assert (result["errorType"], result["errorMessage"]) == (
        "ValueError", 'expected an envelope: {"meta": {...}, "body": ...}')


def test_the_callers_own_timeout_ends_the_caller_not_the_payment(cloud, stack, ledger):
    """The optional section: Lambda ends the order service (Sandbox.Timedout) while it
    waits; the payment function runs on and charges."""
    lam, seen = cloud.client("lambda"), []
    name = stack["WrongCallerFunctionName"]
    variables = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    lam.update_function_configuration(
        FunctionName=name, Timeout=2,
        Environment={"Variables": {**variables, "PAYMENT_TIMEOUT_SECONDS": "60"}})
    try:
        slow = order(SLOW_ORDER)
        started = time.time()
        error, result, _ = answer(lam, name, slow)
        assert (error, result["errorType"]) == ("Unhandled", "Sandbox.Timedout")
        pitfall02.wait_for_invocation(cloud, stack["InvokedWrongFunctionName"], started)
        assert len(charges_for(ledger, slow["order_id"], seen)) == 1
    finally:
        lam.update_function_configuration(FunctionName=name, Timeout=10,
                                          Environment={"Variables": variables})


def test_wrap_accepts_json_only_and_unwrap_reads_it_back():
    envelope_module = pitfall02.lab_module("caller", "envelope")
    meta = envelope_module.Meta(correlation_id="c", tenant="acme", user_id="u-42",
                                deadline_ms=123)
    for not_json in (Decimal("1340.5"), datetime(2026, 1, 5, 10, 30)):
        with pytest.raises(TypeError, match="is not JSON serializable"):
            envelope_module.wrap({"value": not_json}, meta)
    assert envelope_module.unwrap(json.loads(envelope_module.wrap(["A-1"], meta))) == \
        (meta, ["A-1"])
    with pytest.raises(ValueError, match="expected an envelope"):
        envelope_module.unwrap({"order_id": "A-1"})
    assert envelope_module.Meta("c", "t", "u").time_left_ms() == float("inf")
