"""Lambda's error responses, shaped as AWS sends them so that SDKs parse them alike.

Lambda speaks REST-JSON: the error code travels in the ``x-amzn-ErrorType`` header and
the body carries ``Type`` and a message (``Message`` for some codes, ``message`` for
others, as AWS does); botocore reads both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LambdaError(Exception):
    """An API error the Invoke endpoint answers with instead of running anything."""

    status: int
    code: str
    message: str
    extra: dict[str, Any] = field(default_factory=dict)
    message_key: str = "message"

    def body(self) -> bytes:
        return json.dumps({**self.extra, "Type": "User", self.message_key: self.message}).encode()

    def headers(self, request_id: str) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "x-amzn-ErrorType": self.code,
            "x-amzn-RequestId": request_id,
        }


def function_not_found(arn: str) -> LambdaError:
    return LambdaError(404, "ResourceNotFoundException", f"Function not found: {arn}",
                       message_key="Message")


def invalid_request_content(message: str) -> LambdaError:
    return LambdaError(400, "InvalidRequestContentException", message)


def invalid_parameter(message: str) -> LambdaError:
    return LambdaError(400, "InvalidParameterValueException", message)


def payload_too_large(size: int, invocation_type: str, limit: int) -> LambdaError:
    return LambdaError(
        413, "RequestEntityTooLargeException",
        f"{size} byte payload is too large for the {invocation_type} invocation type "
        f"(limit {limit} bytes)")


def function_not_active(state: str) -> LambdaError:
    return LambdaError(409, "ResourceConflictException",
                       "The operation cannot be performed at this time. The function is "
                       f"currently in the following state: {state}")


def too_many_requests(reason: str) -> LambdaError:
    return LambdaError(429, "TooManyRequestsException", "Rate Exceeded.", {"Reason": reason})


def service_error(message: str) -> LambdaError:
    return LambdaError(500, "ServiceException", message)
