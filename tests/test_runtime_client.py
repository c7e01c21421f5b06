"""The pure-Python Runtime API client hands awslambdaric exactly what the native one does.

On macOS awslambdaric has no native ``runtime_client`` (it builds only on Linux), so every
environment runs on :mod:`lambdalab.runtime.runtime_client`. Its contract is the native
module's (awslambdaric 4.2, ``runtime_client.cpp``): ``next()`` returns the body as bytes
and a dict of nine fields; the deadline is an ``int``; empty optional fields are ``None``.
A string deadline once made ``context.get_remaining_time_in_millis()`` raise TypeError.

Both clients run here against one stub Runtime API, in child processes (the native module
reads ``AWS_LAMBDA_RUNTIME_API`` when it loads), and must return and send the same things.
Then a handler reads every field of its ``context`` in both modes, through the cloud.
Source of the fields: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html and
https://docs.aws.amazon.com/lambda/latest/dg/python-context.html
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from conftest import read_json
from lambdalab.invoke.runtime_client_mode import native_available

pytestmark = pytest.mark.both_runtime_clients

EVERY_HEADER = {
    "Lambda-Runtime-Aws-Request-Id": "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
    "Lambda-Runtime-Deadline-Ms": "1542409706888",
    "Lambda-Runtime-Invoked-Function-Arn":
        "arn:aws:lambda:ap-northeast-1:123456789012:function:pricing:live",
    "Lambda-Runtime-Trace-Id":
        "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
    "Lambda-Runtime-Client-Context": '{"custom": {"tenant": "acme"}}',
    "Lambda-Runtime-Cognito-Identity": '{"cognitoIdentityId": "id", '
                                       '"cognitoIdentityPoolId": "pool"}',
    "Lambda-Runtime-Aws-Tenant-Id": "tenant-42",
    "Lambda-Runtime-Invocation-Id": "inv-7",
    "Content-Type": "application/json",
}
EVERY_FIELD = {**EVERY_HEADER, "Lambda-Runtime-Deadline-Ms": 1542409706888}
# Few headers, in lower case as HTTP allows (the native client needs a Content-Type).
MINIMAL_HEADERS = {"lambda-runtime-aws-request-id": "r-1", "lambda-runtime-deadline-ms": "5",
                   "content-type": "application/json"}
MINIMAL_FIELDS = {
    "Lambda-Runtime-Aws-Request-Id": "r-1", "Lambda-Runtime-Deadline-Ms": 5,
    "Lambda-Runtime-Invoked-Function-Arn": "", "Lambda-Runtime-Trace-Id": None,
    "Lambda-Runtime-Client-Context": None, "Content-Type": "application/json",
    "Lambda-Runtime-Cognito-Identity": None, "Lambda-Runtime-Aws-Tenant-Id": None,
    "Lambda-Runtime-Invocation-Id": None,
}

CLIENT_SCRIPT = """
import json, sys
if sys.argv[1] == "python":
    from lambdalab.runtime import runtime_client
    runtime_client.use_secret("s3cr3t")
else:
    import os
    os.environ["AWS_LAMBDA_RUNTIME_API"] = "s3cr3t@" + os.environ["AWS_LAMBDA_RUNTIME_API"]
    import runtime_client
runtime_client.initialize_client("aws-lambda-python/test")
body, fields = runtime_client.next()
print(json.dumps({"body": body.decode(), "fields": fields,
                  "types": {k: type(v).__name__ for k, v in fields.items()}}))
runtime_client.post_invocation_result("r-1", b'{"ok": 1}', "application/json", None)
runtime_client.post_invocation_result("r-1", b"plain", "text/plain", "inv-7")
runtime_client.post_error("r-1", '{"errorType": "E"}', '{"cause": 1}', None)
"""


class StubRuntimeApi(ThreadingHTTPServer):
    """Serves one ``/next`` with given headers and records what the client posts back."""

    daemon_threads = True

    def __init__(self, headers: dict[str, str]) -> None:
        self.next_headers = headers
        self.posts: list[dict[str, Any]] = []
        self.authorizations: list[str | None] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                stub.authorizations.append(self.headers.get("Authorization"))
                self._reply(200, b'{"event": 1}', stub.next_headers)

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stub.authorizations.append(self.headers.get("Authorization"))
                stub.posts.append({
                    "path": self.path, "body": body.decode(),
                    "content-type": self.headers.get("Content-Type"),
                    "xray-cause": self.headers.get("Lambda-Runtime-Function-XRay-Error-Cause"),
                    "invocation-id": self.headers.get("Lambda-Runtime-Invocation-Id"),
                    "user-agent": self.headers.get("User-Agent")})
                self._reply(202, b'{"status":"OK"}', {"Content-Type": "application/json"})

        super().__init__(("127.0.0.1", 0), Handler)


def run_client(mode: str, headers: dict[str, str],
               authorizations: list[str | None] | None = None) -> tuple[dict[str, Any], list]:
    """Run one client in a child process against a stub; what it returned, what it posted
    (and, into ``authorizations``, the credentials each of its four requests carried)."""
    stub = StubRuntimeApi(headers)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    try:
        env = {**os.environ, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{stub.server_address[1]}"}
        done = subprocess.run([sys.executable, "-c", CLIENT_SCRIPT, mode], env=env,
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        if authorizations is not None:
            authorizations.extend(stub.authorizations)
        return json.loads(done.stdout), stub.posts
    finally:
        stub.shutdown()
        stub.server_close()


@pytest.fixture(scope="module")
def client_mode(runtime_client: str) -> str:
    return runtime_client


@pytest.mark.parametrize("headers, fields", [(EVERY_HEADER, EVERY_FIELD),
                                             (MINIMAL_HEADERS, MINIMAL_FIELDS)],
                         ids=["every header", "minimal lower-case headers"])
def test_next_returns_the_native_clients_fields_with_their_types(client_mode, headers, fields):
    returned, _ = run_client(client_mode, headers)
    assert returned["body"] == '{"event": 1}'
    assert returned["fields"] == fields
    assert returned["types"]["Lambda-Runtime-Deadline-Ms"] == "int"


def test_responses_and_errors_are_posted_alike(client_mode):
    _, posts = run_client(client_mode, EVERY_HEADER)
    assert posts == [
        {"path": "/2018-06-01/runtime/invocation/r-1/response", "body": '{"ok": 1}',
         "content-type": "application/json", "xray-cause": None, "invocation-id": None,
         "user-agent": "aws-lambda-python/test"},
        {"path": "/2018-06-01/runtime/invocation/r-1/response", "body": "plain",
         "content-type": "text/plain", "xray-cause": None, "invocation-id": "inv-7",
         "user-agent": "aws-lambda-python/test"},
        {"path": "/2018-06-01/runtime/invocation/r-1/error", "body": '{"errorType": "E"}',
         "content-type": "application/json", "xray-cause": '{"cause": 1}',
         "invocation-id": None, "user-agent": "aws-lambda-python/test"},
    ]


def test_every_request_carries_the_environments_runtime_api_secret(client_mode):
    """The Runtime API refuses requests without it: curl's Basic credentials for
    ``secret@host:port``, which the pure-Python client sends alike."""
    sent: list[str | None] = []
    run_client(client_mode, EVERY_HEADER, sent)
    assert sent == ["Basic " + base64.b64encode(b"s3cr3t:").decode()] * 4


@pytest.mark.skipif(not native_available(), reason="the native client builds only on Linux")
def test_both_clients_agree_on_every_field():
    for headers in (EVERY_HEADER, MINIMAL_HEADERS):
        assert run_client("native", headers) == run_client("python", headers)


CONTEXT_HANDLER = """
import os, sys
def handler(event, context):
    identity = context.identity
    return {
        "runtime_client": sys.modules["runtime_client"].__name__,
        "native": hasattr(sys.modules["runtime_client"], "__file__")
                  and sys.modules["runtime_client"].__file__.endswith(".so"),
        "remaining_ms": context.get_remaining_time_in_millis(),
        "remaining_type": type(context.get_remaining_time_in_millis()).__name__,
        "request_id": context.aws_request_id,
        "invoked_function_arn": context.invoked_function_arn,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "client_custom": context.client_context.custom if context.client_context else None,
        "cognito_identity_id": identity.cognito_identity_id,
        "tenant_id": context.tenant_id,
        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
    }
"""


@pytest.fixture(scope="module")
def context_function(deploy, lam) -> str:
    deploy("ctx", CONTEXT_HANDLER, Timeout=7, MemorySize=256)
    version = lam.publish_version(FunctionName="ctx")["Version"]
    lam.create_alias(FunctionName="ctx", Name="live", FunctionVersion=version)
    return "ctx"


def test_remaining_time_is_an_int_below_the_timeout_in_both_modes(cloud, lam, context_function):
    """Regression: a string deadline made get_remaining_time_in_millis raise TypeError."""
    started = time.time()
    response = lam.invoke(FunctionName=context_function)
    assert "FunctionError" not in response, read_json(response)
    fields = read_json(response)
    assert fields["remaining_type"] == "int"
    elapsed_ms = (time.time() - started) * 1000
    assert 7000 - elapsed_ms - 1000 < fields["remaining_ms"] <= 7000


def test_every_context_field_reaches_the_handler_in_both_modes(cloud, lam, context_function,
                                                              runtime_client):
    client_context = base64.b64encode(b'{"custom": {"tenant": "acme"}}').decode()
    response = lam.invoke(FunctionName=context_function, Qualifier="live",
                          ClientContext=client_context)
    fields = read_json(response)
    arn = f"arn:aws:lambda:{cloud.region}:{cloud.account_id}:function:ctx"
    assert fields["native"] is (runtime_client == "native")
    assert fields["request_id"] == response["ResponseMetadata"]["RequestId"]
    assert fields["invoked_function_arn"] == f"{arn}:live"
    assert (fields["function_name"], fields["function_version"]) == ("ctx", "1")
    assert fields["memory_limit_in_mb"] == "256"  # a string, as on AWS
    assert fields["log_group_name"] == "/aws/lambda/ctx"
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[1\][0-9a-f]{32}", fields["log_stream_name"])
    assert fields["client_custom"] == {"tenant": "acme"}
    assert fields["cognito_identity_id"] is None  # only mobile SDK calls carry one
    assert fields["tenant_id"] is None  # only functions in tenant isolation mode get one
    assert fields["trace_id"].startswith("Root=1-")
