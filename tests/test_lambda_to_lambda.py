"""A caller deployed as a function invokes another function through the same cloud.

Code inside a function uses a plain ``boto3.client("lambda")``, no endpoint, exactly as
it would on AWS; the function error of the callee reaches the caller as on AWS.
"""

from __future__ import annotations

from conftest import read_json

CALLER = """
import json
import boto3

lambda_client = boto3.client("lambda")

def handler(event, context):
    response = lambda_client.invoke(FunctionName=event["target"],
                                    Payload=json.dumps(event.get("payload", {})))
    return {"StatusCode": response["StatusCode"],
            "FunctionError": response.get("FunctionError"),
            "Payload": json.loads(response["Payload"].read())}
"""

CALLEE = """
def handler(event, context):
    if event.get("fail"):
        raise RuntimeError("callee failed")
    return {"doubled": event["n"] * 2}
"""


def test_caller_function_reaches_the_callee_without_any_endpoint_in_its_code(deploy, lam):
    deploy("l2l-caller", CALLER, Timeout=30)
    deploy("l2l-callee", CALLEE)
    result = read_json(lam.invoke(FunctionName="l2l-caller",
                                  Payload=b'{"target": "l2l-callee", "payload": {"n": 21}}'))
    assert result == {"StatusCode": 200, "FunctionError": None, "Payload": {"doubled": 42}}


def test_callee_error_reaches_the_caller_as_status_200_unhandled(cloud, deploy, lam):
    deploy("l2l-caller-2", CALLER, Timeout=30)
    deploy("l2l-callee-2", CALLEE)
    result = read_json(lam.invoke(
        FunctionName="l2l-caller-2",
        Payload=b'{"target": "l2l-callee-2", "payload": {"fail": true}}'))
    assert result["StatusCode"] == 200
    assert result["FunctionError"] == "Unhandled"
    assert result["Payload"]["errorType"] == "RuntimeError"
    assert result["Payload"]["errorMessage"] == "callee failed"
    callee_log = "\n".join(cloud.logs("l2l-callee-2"))
    assert "[ERROR] RuntimeError: callee failed" in callee_log
