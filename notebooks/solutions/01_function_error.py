"""Solutions to the exercises of notebook 01 (try them yourself first)."""

import json

from botocore.exceptions import ClientError


# Exercise 1: which kind of failure?
def failure_kind(lam, function_name, payload):
    try:
        response = lam.invoke(FunctionName=function_name, Payload=json.dumps(payload))
    except ClientError:
        return "call_failed"  # the call itself failed: the only case where invoke() raises
    if "FunctionError" not in response:
        return "ok"  # whatever the answer looks like, the function succeeded
    error = json.loads(response["Payload"].read())  # a stream: read it once
    if error.get("errorType", "").startswith(("Sandbox.", "Runtime.", "Function.")):
        return "platform_error"  # an errorType that Lambda wrote, not the function's code
    return "function_error"


# Exercise 2: the lab's handler_wrong, fixed. It runs inside labs/01_function_error/caller/app.py,
# which defines json, lambda_client and INVOKED_FUNCTION.
def handler_wrong(event, context):
    try:
        response = lambda_client.invoke(FunctionName=INVOKED_FUNCTION,  # noqa: F821
                                        Payload=json.dumps(event))
    except Exception as error:  # the pricing call failed: tell the client
        return {"status": "failed", "reason": str(error)}
    pricing = json.loads(response["Payload"].read())
    if "FunctionError" in response:
        if pricing["errorType"].startswith(("Sandbox.", "Runtime.", "Function.")):
            raise RuntimeError(f"pricing ended by Lambda: {pricing['errorType']}")
        return {"status": "rejected", "error_type": pricing["errorType"],
                "reason": pricing["errorMessage"]}
    return {"status": "accepted", "pricing": pricing}
