"""Invoke a function and turn its failure into an exception, which boto3 does not do.

``invoke()`` raises only when the call itself fails (``botocore`` ``ClientError``: no
such function, no permission, throttled). When the invoked code fails, the call
succeeds: HTTP 200, ``FunctionError: "Unhandled"``, and the error document in
``Payload``. This helper makes both kinds of failure exceptions, and tells apart code
that raised from an invocation that Lambda itself ended (timeout, crash, init failure).
"""

from __future__ import annotations

import json
from typing import Any

# errorType values written by Lambda or the runtime, not by the handler's own code
PLATFORM_ERROR_PREFIXES = ("Sandbox.", "Runtime.", "Function.")


class InvokedFunctionError(Exception):
    """The invoked function ran and raised: carries its errorType, message and stack."""

    def __init__(self, function_name: str, error_type: str, message: str,
                 stack_trace: list[str], request_id: str) -> None:
        super().__init__(f"{function_name} failed with {error_type}: {message}")
        self.function_name = function_name
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace
        self.request_id = request_id


class InvokedFunctionCrashed(InvokedFunctionError):
    """Lambda ended the invocation: it timed out, the process died, or init failed."""


def invoke_checked(client: Any, function_name: str, payload: Any,
                   **kwargs: Any) -> Any:
    """Invoke synchronously: the decoded result, or InvokedFunctionError raised."""
    response = client.invoke(FunctionName=function_name,
                             Payload=json.dumps(payload).encode(), **kwargs)
    body = response["Payload"].read()  # a stream: it can be read only once
    result = json.loads(body) if body else None
    if "FunctionError" not in response:
        return result
    error = result if isinstance(result, dict) else {"errorMessage": str(result)}
    error_type = error.get("errorType", "Unknown")
    kind = (InvokedFunctionCrashed if error_type.startswith(PLATFORM_ERROR_PREFIXES)
            else InvokedFunctionError)
    raise kind(function_name, error_type, error.get("errorMessage", ""),
               error.get("stackTrace", []),
               response["ResponseMetadata"]["RequestId"])
