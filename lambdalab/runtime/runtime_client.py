"""A pure-Python client for the Lambda Runtime API.

awslambdaric talks to the Runtime API through a native module (``runtime_client``)
that only builds on Linux. This module offers the same four functions so that the
real bootstrap runs unchanged where the native module is missing (macOS), or when a
cloud asks for it explicitly.
"""

from __future__ import annotations

import http.client
import os

_API_PREFIX = "/2018-06-01/runtime/invocation"
_connection: http.client.HTTPConnection | None = None
_user_agent = "aws-lambda-python"


def initialize_client(user_agent: str) -> None:
    global _user_agent
    _user_agent = user_agent


def _request(method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    """Send one request on a kept-alive connection, reconnecting once if it dropped."""
    global _connection
    all_headers = {"User-Agent": _user_agent, **(headers or {})}
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


def next() -> tuple[bytes, dict[str, str]]:  # noqa: A001 - name fixed by awslambdaric
    response = _request("GET", f"{_API_PREFIX}/next")
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"Runtime API /next answered {response.status}: {body!r}")
    return body, {key: value for key, value in response.getheaders()}


def _post(path: str, body: bytes, headers: dict[str, str]) -> None:
    response = _request("POST", path, body=body, headers=headers)
    data = response.read()
    if response.status >= 300:
        raise RuntimeError(f"Runtime API {path} answered {response.status}: {data!r}")


def post_invocation_result(invoke_id: str, result_data: bytes, content_type: str,
                           invocation_id: str | None = None) -> None:
    _post(f"{_API_PREFIX}/{invoke_id}/response", result_data,
          {"Content-Type": content_type or "application/json"})


def post_error(invoke_id: str, error_response_data: str, xray_fault: str,
               invocation_id: str | None = None) -> None:
    body = error_response_data.encode("utf-8")
    _post(f"{_API_PREFIX}/{invoke_id}/error", body,
          {"Content-Type": "application/json",
           "Lambda-Runtime-Function-Error-Type": "Unhandled",
           "Lambda-Runtime-Function-XRay-Error-Cause": xray_fault})
