"""Solutions to the exercises of notebook 01 (try them yourself first)."""

import json

from botocore.exceptions import ClientError


class RemoteFunctionError(Exception):
    def __init__(self, error_type, message):
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type


def invoke_or_raise(lam, function_name, payload):
    response = lam.invoke(FunctionName=function_name, Payload=json.dumps(payload))
    result = json.loads(response["Payload"].read())  # read the stream once
    if "FunctionError" in response:
        raise RemoteFunctionError(result.get("errorType"), result.get("errorMessage"))
    return result


def failure_kind(lam, function_name, payload):
    try:
        response = lam.invoke(FunctionName=function_name, Payload=json.dumps(payload))
    except ClientError:
        return "call_failed"
    result = json.loads(response["Payload"].read())
    if "FunctionError" not in response:
        return "ok"
    if result.get("errorType", "").startswith(("Sandbox.", "Runtime.")):
        return "platform_error"
    return "function_error"
