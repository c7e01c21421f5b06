"""Bad input gets AWS's error (status, code, message) and leaves the cloud serving.

Sources: https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html (Errors),
https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html (reserved keys,
4 KB limit), https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html.
"""

from __future__ import annotations

import base64
import json
import socket
import time

import pytest
from botocore.exceptions import ClientError

from conftest import read_json


@pytest.fixture(scope="module", autouse=True)
def healthy(deploy):
    deploy("healthy", "def handler(event, context):\n    return 'still serving'\n")


def assert_still_serving(lam):
    assert read_json(lam.invoke(FunctionName="healthy")) == "still serving"


def error_of(call) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value


def assert_refused(error: ClientError, status: int, code: str, message: str | None = None) -> None:
    """AWS's answer to bad input: the HTTP status, the error code and, when given, the exact
    message."""
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error.response["Error"]["Code"] == code
    if message is not None:
        assert error.response["Error"]["Message"] == message


def test_unknown_function_is_404_resource_not_found(lam):
    error = error_of(lambda: lam.invoke(FunctionName="nope"))
    assert_refused(error, 404, "ResourceNotFoundException",
                   "Function not found: arn:aws:lambda:ap-northeast-1:123456789012:function:nope:"
                   "$LATEST")  # qualified, as AWS names it (tests/parity/recorded/lambda.json)
    assert_still_serving(lam)


def test_unknown_qualifier_names_the_qualified_arn(lam):
    error = error_of(lambda: lam.invoke(FunctionName="healthy", Qualifier="7"))
    assert error.response["Error"]["Message"] == (
        "Function not found: arn:aws:lambda:ap-northeast-1:123456789012:function:healthy:7")


def test_payload_that_is_not_json_is_400_invalid_request_content(lam):
    error = error_of(lambda: lam.invoke(FunctionName="healthy", Payload=b"not json"))
    assert_refused(error, 400, "InvalidRequestContentException")
    assert error.response["Error"]["Message"].startswith("Could not parse request body into json")
    assert_still_serving(lam)


def test_request_over_6_mb_is_413_with_awss_message(lam):
    payload = json.dumps("x" * (6 * 1024 * 1024)).encode()
    error = error_of(lambda: lam.invoke(FunctionName="healthy", Payload=payload))
    assert_refused(error, 413, "RequestEntityTooLargeException",
                   f"{len(payload)} byte payload is too large for the RequestResponse "
                   "invocation type (limit 6291456 bytes)")
    assert_still_serving(lam)


def test_client_context_that_is_not_base64_json_is_400(lam):
    for bad in ("not base64!", base64.b64encode(b"[1, 2]").decode()):
        error = error_of(lambda bad=bad: lam.invoke(FunctionName="healthy", ClientContext=bad))
        assert_refused(error, 400, "InvalidRequestContentException",
                       "Client context must be a valid Base64-encoded JSON object.")
    assert_still_serving(lam)


def test_client_context_over_3583_bytes_is_400(lam):
    big = base64.b64encode(json.dumps({"custom": {"k": "v" * 3000}}).encode()).decode()
    assert len(big) > 3583
    error = error_of(lambda: lam.invoke(FunctionName="healthy", ClientContext=big))
    assert_refused(error, 400, "InvalidRequestContentException")
    assert_still_serving(lam)


RESERVED_MESSAGE = (
    "Lambda was unable to configure your environment variables because the environment "
    "variables you have provided contains reserved keys that are currently not supported for "
    "modification. Reserved keys used in this request: AWS_REGION")


def test_reserved_environment_keys_are_rejected_at_create(deploy, lam):
    error = error_of(lambda: deploy("reserved", "def handler(e, c):\n    pass\n",
                                    Environment={"Variables": {"AWS_REGION": "us-east-1"}}))
    assert_refused(error, 400, "InvalidParameterValueException", RESERVED_MESSAGE)
    assert error_of(lambda: lam.get_function(FunctionName="reserved")).response[
        "Error"]["Code"] == "ResourceNotFoundException"
    assert_still_serving(lam)


def test_reserved_environment_keys_are_rejected_at_update(lam):
    error = error_of(lambda: lam.update_function_configuration(
        FunctionName="healthy", Environment={"Variables": {"AWS_REGION": "us-east-1"}}))
    assert error.response["Error"]["Code"] == "InvalidParameterValueException"
    assert error.response["Error"]["Message"] == RESERVED_MESSAGE
    assert "Environment" not in lam.get_function_configuration(FunctionName="healthy")
    assert_still_serving(lam)


def test_environment_over_4_kb_is_rejected_with_the_measured_string(deploy, lam):
    variables = {"BIG": "v" * 4100}
    error = error_of(lambda: lam.update_function_configuration(
        FunctionName="healthy", Environment={"Variables": variables}))
    assert error.response["Error"]["Code"] == "InvalidParameterValueException"
    assert error.response["Error"]["Message"] == (
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided exceeded the 4KB limit. String measured: "
        + json.dumps(variables, separators=(",", ":")))
    assert_still_serving(lam)


def test_zip_file_that_is_not_a_zip_is_rejected_at_create(deploy, lam):
    error = error_of(lambda: lam.create_function(
        FunctionName="notzip", Runtime="python3.11", Role=deploy.role_arn, Handler="app.handler",
        Code={"ZipFile": b"definitely not a zip"}))
    assert error.response["Error"]["Code"] == "InvalidParameterValueException"
    assert error.response["Error"]["Message"] == (
        "Could not unzip uploaded file. Please check your file, then try to upload again.")
    assert_still_serving(lam)


def test_unknown_invocation_type_is_rejected(lam):
    error = error_of(lambda: lam.invoke(FunctionName="healthy", InvocationType="Sometimes"))
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert_still_serving(lam)


def signed(cloud, method: str, path: str, body: bytes = b"",
           headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """A request signed with the cloud's credentials, sent without botocore's checks."""
    import urllib.error
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method, cloud.endpoint_url + path, data=body, headers=headers or {})
    SigV4Auth(Credentials(cloud.credentials.access_key_id,
                          cloud.credentials.secret_access_key), "lambda",
              cloud.region).add_auth(request)
    prepared = request.prepare()
    try:
        with urllib.request.urlopen(urllib.request.Request(
                prepared.url, data=body or None, method=method,
                headers=dict(prepared.headers.items())), timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read()


def test_a_partial_arn_names_the_function(cloud, lam):
    partial = f"{cloud.account_id}:function:healthy"
    assert read_json(lam.invoke(FunctionName=partial)) == "still serving"
    assert lam.get_function(FunctionName=partial)["Configuration"]["FunctionName"] == "healthy"


def test_name_with_latest_qualifier_works_for_get_function(lam):
    config = lam.get_function(FunctionName="healthy:$LATEST")["Configuration"]
    assert config["Version"] == "$LATEST"


# Invoke's FunctionName and Qualifier constraints, as the API reference gives them
PATTERN = ("(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-"
           "\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)"
           "(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?")
QUALIFIER_PATTERN = "\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+"


@pytest.mark.parametrize("name, constraint", [
    ("good:1:x", f"Member must satisfy regular expression pattern: {PATTERN}"),
    ("bad name", f"Member must satisfy regular expression pattern: {PATTERN}"),
    ("f" * 257, "Member must have length less than or equal to 256"),
])
def test_a_malformed_function_name_is_400_validation_exception(cloud, lam, name, constraint):
    """The constraints are the API's: https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html"""
    ran = len(cloud.invocations())
    for call in (lambda: lam.invoke(FunctionName=name),
                 lambda: lam.get_function(FunctionName=name)):
        assert_refused(error_of(call), 400, "ValidationException",
                       f"1 validation error detected: Value '{name}' at 'functionName' failed "
                       f"to satisfy constraint: {constraint}")
    assert len(cloud.invocations()) == ran
    assert_still_serving(lam)


@pytest.mark.parametrize("qualifier, constraint", [
    ("bad!q", f"Member must satisfy regular expression pattern: {QUALIFIER_PATTERN}"),
    ("", "Member must have length greater than or equal to 1"),
    ("q" * 200, "Member must have length less than or equal to 128"),
])
def test_a_malformed_qualifier_is_400_validation_exception(cloud, lam, qualifier, constraint):
    status, headers, body = signed(cloud, "POST", "/2015-03-31/functions/healthy/invocations"
                                   f"?Qualifier={qualifier}", b"{}")
    assert (status, headers["x-amzn-ErrorType"]) == (400, "ValidationException")
    assert json.loads(body)["message"] == (
        f"1 validation error detected: Value '{qualifier}' at 'qualifier' failed to satisfy "
        f"constraint: {constraint}")
    assert_still_serving(lam)


def test_a_log_type_other_than_none_or_tail_is_400_validation_exception(cloud, lam):
    status, headers, body = signed(cloud, "POST", "/2015-03-31/functions/healthy/invocations",
                                   b"{}", {"X-Amz-Log-Type": "Everything"})
    assert (status, headers["x-amzn-ErrorType"]) == (400, "ValidationException")
    assert json.loads(body)["message"].endswith("Member must satisfy enum value set: "
                                                "[None, Tail]")


def test_an_arn_of_another_region_is_not_run_here(cloud, lam):
    """AWS: "Functions from 'us-east-1' are not reachable in this region ('us-west-1')"
    (ResourceNotFoundException, as logged in
    https://github.com/alexcasalboni/aws-lambda-power-tuning/issues/18)."""
    ran = len(cloud.invocations())
    error = error_of(lambda: lam.invoke(
        FunctionName=f"arn:aws:lambda:us-east-1:{cloud.account_id}:function:healthy"))
    assert_refused(error, 404, "ResourceNotFoundException",
                   "Functions from 'us-east-1' are not reachable in this region "
                   f"('{cloud.region}')")
    assert len(cloud.invocations()) == ran


def test_an_arn_of_another_account_is_access_denied_and_not_run(cloud, lam):
    """Another account's function needs its resource-based policy to allow the caller:
    https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-cross-account.html"""
    ran = len(cloud.invocations())
    error = error_of(lambda: lam.invoke(
        FunctionName=f"arn:aws:lambda:{cloud.region}:210987654321:function:healthy"))
    assert_refused(error, 403, "AccessDeniedException")
    assert "is not authorized to perform: lambda:InvokeFunction" in (
        error.response["Error"]["Message"])
    assert len(cloud.invocations()) == ran


def test_a_qualifier_in_the_name_and_a_different_qualifier_parameter_is_refused(lam):
    version = lam.publish_version(FunctionName="healthy")["Version"]
    error = error_of(lambda: lam.invoke(FunctionName=f"healthy:{version}", Qualifier="$LATEST"))
    assert_refused(error, 400, "InvalidParameterValueException",
                   "The derived qualifier from the function name does not match the specified "
                   "qualifier.")
    assert read_json(lam.invoke(FunctionName=f"healthy:{version}", Qualifier=version)) == (
        "still serving")


def raw_request(cloud, data: bytes, half_close: bool) -> None:
    """Send ``data`` and leave: at once, or after half-closing and reading the answer."""
    with socket.create_connection(("127.0.0.1", cloud.port), timeout=5) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
            try:
                sock.recv(4096)
            except OSError:
                pass


def test_a_client_that_leaves_mid_request_runs_nothing(cloud, lam, capfd, caplog):
    """A half-sent request (an environment reclaimed while its thread was sending an
    invoke) is owed no answer, runs nothing and is no error of the cloud."""
    ran = len(cloud.invocations())
    headers_cut = (b"POST /2015-03-31/functions/healthy/invocations HTTP/1.1\r\n"
                   b"Host: 127.0.0.1\r\nContent-Length: 2\r\n")
    body_cut = (b"POST /2015-03-31/functions/healthy/invocations HTTP/1.1\r\n"
                b"Host: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"a\": 1")
    for _ in range(10):
        raw_request(cloud, headers_cut, half_close=False)
        raw_request(cloud, body_cut, half_close=True)
    time.sleep(0.5)  # let the server finish with the last connections
    assert len(cloud.invocations()) == ran
    assert len(cloud.environment_pids()) <= 2  # no environment started for them
    assert "Traceback" not in capfd.readouterr().err
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert_still_serving(lam)


