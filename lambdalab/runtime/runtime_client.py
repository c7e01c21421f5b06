"""A pure-Python client for the Lambda Runtime API.

awslambdaric talks to the Runtime API through a native module (``runtime_client``)
that only builds on Linux. This module offers the same four functions, with the same
arguments and the same return values, so that the real bootstrap runs unchanged where
the native module is missing (macOS), or when a cloud asks for it explicitly.

The contract is awslambdaric's ``runtime_client.cpp`` (4.2): ``next()`` returns the
event body as bytes and a dict with exactly the keys below. The deadline is an ``int``
of epoch milliseconds; the request id and the function ARN are strings (empty when
absent); every other field is a string or ``None`` when absent or empty. Header names
are matched without regard to case, as libcurl does for the native client.
"""

from __future__ import annotations

import base64
import http.client
import os

_API_PREFIX = "/2018-06-01/runtime/invocation"

REQUEST_ID = "Lambda-Runtime-Aws-Request-Id"
TRACE_ID = "Lambda-Runtime-Trace-Id"
FUNCTION_ARN = "Lambda-Runtime-Invoked-Function-Arn"
DEADLINE_MS = "Lambda-Runtime-Deadline-Ms"
CLIENT_CONTEXT = "Lambda-Runtime-Client-Context"
CONTENT_TYPE = "Content-Type"
COGNITO_IDENTITY = "Lambda-Runtime-Cognito-Identity"
TENANT_ID = "Lambda-Runtime-Aws-Tenant-Id"
INVOCATION_ID = "Lambda-Runtime-Invocation-Id"

# Fields the native client always returns as strings, and those it returns as None if empty.
_ALWAYS_TEXT = (REQUEST_ID, FUNCTION_ARN)
_NONE_IF_EMPTY = (TRACE_ID, CLIENT_CONTEXT, CONTENT_TYPE, COGNITO_IDENTITY, TENANT_ID,
                  INVOCATION_ID)

_connection: http.client.HTTPConnection | None = None
_user_agent = "aws-lambda-python"
_authorization: str | None = None


def basic_authorization(secret: str) -> str:
    """What libcurl sends for a ``<secret>@host:port`` endpoint: Basic, empty password."""
    return "Basic " + base64.b64encode(f"{secret}:".encode()).decode()


def use_secret(secret: str) -> None:
    """Authenticate to the environment's Runtime API, as the native client does."""
    global _authorization
    _authorization = basic_authorization(secret)


def initialize_client(user_agent: str) -> None:
    global _user_agent
    _user_agent = user_agent


def _request(method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    """Send one request on a kept-alive connection, reconnecting once if it dropped."""
    global _connection
    all_headers = {"User-Agent": _user_agent, **(headers or {})}
    if _authorization:
        all_headers["Authorization"] = _authorization
    for attempt in (1, 2):
        if _connection is None:
            _connection = http.client.HTTPConnection(os.environ["AWS_LAMBDA_RUNTIME_API"])
        try:
            _connection.request(method, path, body=body, headers=all_headers)
            return _connection.getresponse()
        except (ConnectionError, http.client.HTTPException):
            _connection.close()
            _connection = None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def invocation_fields(headers: http.client.HTTPMessage) -> dict[str, str | int | None]:
    """The header dict the native client builds from a ``/next`` response."""
    fields: dict[str, str | int | None] = {name: headers.get(name) or "" for name in _ALWAYS_TEXT}
    for name in _NONE_IF_EMPTY:
        fields[name] = headers.get(name) or None
    fields[DEADLINE_MS] = _deadline_ms(headers.get(DEADLINE_MS))
    return fields


def _deadline_ms(value: str | None) -> int:
    """Epoch milliseconds as an ``int``; 0 when the header is absent, as natively."""
    try:
        return int(value or 0)
    except ValueError:
        return 0


def next() -> tuple[bytes, dict[str, str | int | None]]:  # noqa: A001 - name fixed by awslambdaric
    response = _request("GET", f"{_API_PREFIX}/next")
    body = response.read()
    if not 200 <= response.status < 300 or not response.headers.get(REQUEST_ID):
        raise RuntimeError("Failed to get next")
    return body, invocation_fields(response.headers)


def _post(path: str, body: bytes, headers: dict[str, str], failure: str) -> None:
    response = _request("POST", path, body=body, headers=headers)
    response.read()
    if not 200 <= response.status < 300:
        raise RuntimeError(failure)


def _post_headers(content_type: str, xray_cause: str,
                  invocation_id: str | None) -> dict[str, str]:
    headers = {"Content-Type": content_type or "text/html"}
    if xray_cause:  # libcurl drops a header with an empty value, so the native client does too
        headers["Lambda-Runtime-Function-XRay-Error-Cause"] = xray_cause
    if invocation_id:
        headers[INVOCATION_ID] = invocation_id
    return headers


def post_invocation_result(invoke_id: str, result_data: bytes, content_type: str,
                           invocation_id: str | None = None) -> None:
    _post(f"{_API_PREFIX}/{invoke_id}/response", result_data,
          _post_headers(content_type, "", invocation_id), "Failed to post invocation response")


def post_error(invoke_id: str, error_response_data: str, xray_fault: str,
               invocation_id: str | None = None) -> None:
    _post(f"{_API_PREFIX}/{invoke_id}/error", error_response_data.encode("utf-8"),
          _post_headers("application/json", xray_fault, invocation_id),
          "Failed to post invocation error")
