"""Lab 01 deployed from its CloudFormation template behaves as the notebook says."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError
from lab_stacks import answer, deployed_lab, inline_policy

from lambdalab.packaging import zip_files
from lambdalab.workshop import lab_path

LAB = "01_function_error"
GOOD = lab_path(LAB, "events", "good_order.json").read_text()
BAD = lab_path(LAB, "events", "bad_order.json").read_text()
stack = deployed_lab(LAB, "lab1")


def test_stack_outputs_name_the_three_functions(stack):
    assert stack == {"InvokedFunctionName": "lab1-invoked",
                     "WrongCallerFunctionName": "lab1-caller-wrong",
                     "FixedCallerFunctionName": "lab1-caller-fixed"}


def test_caller_role_may_invoke_only_the_pricing_function(cloud, stack):
    document = inline_policy(cloud, stack["WrongCallerFunctionName"])
    invoke = [s for s in document["Statement"] if s["Action"] == "lambda:InvokeFunction"]
    assert invoke == [{"Effect": "Allow", "Action": "lambda:InvokeFunction",
                       "Resource": "arn:aws:lambda:ap-northeast-1:123456789012:function:"
                                   "lab1-invoked"}]


def test_wrong_caller_reports_success_while_the_invoked_function_raised(cloud, stack):
    lam = cloud.client("lambda")
    function_error, result = answer(lam, stack["WrongCallerFunctionName"], BAD)
    assert function_error is None
    assert result["status"] == "accepted"
    assert result["pricing"]["errorType"] == "OrderRejected"
    assert any("[ERROR] OrderRejected: order A-1002: unknown sku durian" in line
               for line in cloud.logs(stack["InvokedFunctionName"]))


def test_fixed_caller_reports_the_rejection_with_the_remote_error_type(cloud, stack):
    lam = cloud.client("lambda")
    assert answer(lam, stack["FixedCallerFunctionName"], BAD) == (None, {
        "status": "rejected", "error_type": "OrderRejected",
        "reason": "order A-1002: unknown sku durian"})


def test_both_callers_accept_a_good_order(cloud, stack):
    lam = cloud.client("lambda")
    expected = {"status": "accepted", "pricing": {"order_id": "A-1001", "total_yen": 1340}}
    for caller in (stack["WrongCallerFunctionName"], stack["FixedCallerFunctionName"]):
        assert answer(lam, caller, GOOD) == (None, expected)


@contextlib.contextmanager
def callee_starting_with(lam, stack, statement: str) -> Iterator[None]:
    """Deploy the pricing function with ``statement`` first in its handler, then restore it."""
    code = lab_path(LAB, "invoked", "app.py").read_text()
    header = "def handler(event, context):"
    lam.update_function_code(FunctionName=stack["InvokedFunctionName"], ZipFile=zip_files(
        code.replace(header, f"{header}\n    {statement}")))
    try:
        yield
    finally:
        lam.update_function_code(FunctionName=stack["InvokedFunctionName"],
                                 ZipFile=zip_files(code))


def test_fixed_caller_lets_a_timeout_of_the_callee_through(cloud, stack):
    """Lambda's own failures are not business answers: the fixed caller fails with them."""
    lam = cloud.client("lambda")
    lam.update_function_configuration(FunctionName=stack["InvokedFunctionName"], Timeout=1,
                                      Environment={"Variables": {}})
    try:
        with callee_starting_with(lam, stack, "import time; time.sleep(3)"):
            function_error, result = answer(lam, stack["FixedCallerFunctionName"], GOOD)
        assert function_error == "Unhandled"
        assert result["errorType"] == "InvokedFunctionCrashed"
        assert "Sandbox.Timedout" in result["errorMessage"]
    finally:
        lam.update_function_configuration(FunctionName=stack["InvokedFunctionName"], Timeout=5)


def test_fixed_caller_lets_a_crash_of_the_callee_through(cloud, stack):
    """A callee whose process exits is ended by Lambda: Runtime.ExitError, not a rejection."""
    lam = cloud.client("lambda")
    with callee_starting_with(lam, stack, "import os; os._exit(1)"):
        function_error, result = answer(lam, stack["FixedCallerFunctionName"], GOOD)
        assert function_error == "Unhandled"
        assert result["errorType"] == "InvokedFunctionCrashed"
        assert "Runtime.ExitError" in result["errorMessage"]
        assert "exit status 1" in result["errorMessage"]
        function_error, result = answer(lam, stack["WrongCallerFunctionName"], GOOD)
        assert (function_error, result["status"]) == (None, "accepted")
        assert result["pricing"]["errorType"] == "Runtime.ExitError"


def test_checked_invoke_raises_client_error_when_the_call_itself_fails(cloud):
    sys.path.insert(0, str(lab_path(LAB, "caller")))
    try:
        from checked_invoke import invoke_checked
    finally:
        sys.path.pop(0)
    with pytest.raises(ClientError) as caught:
        invoke_checked(cloud.client("lambda"), "no-such-function", {})
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
