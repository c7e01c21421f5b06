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

pytestmark = pytest.mark.both_runtime_clients


@pytest.fixture(scope="module", autouse=True)
def healthy(deploy):
    deploy("healthy", "def handler(event, context):\n    return 'still serving'\n")


def assert_still_serving(lam):
    assert read_json(lam.invoke(FunctionName="healthy")) == "still serving"


def error_of(call) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value


def test_unknown_function_is_404_resource_not_found(lam):
    error = error_of(lambda: lam.invoke(FunctionName="nope"))
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert error.response["Error"]["Code"] == "ResourceNotFoundException"
    assert error.response["Error"]["Message"] == (
        "Function not found: arn:aws:lambda:ap-northeast-1:123456789012:function:nope")
    assert_still_serving(lam)


def test_unknown_qualifier_names_the_qualified_arn(lam):
    error = error_of(lambda: lam.invoke(FunctionName="healthy", Qualifier="7"))
    assert error.response["Error"]["Message"] == (
        "Function not found: arn:aws:lambda:ap-northeast-1:123456789012:function:healthy:7")


def test_payload_that_is_not_json_is_400_invalid_request_content(lam):
    error = error_of(lambda: lam.invoke(FunctionName="healthy", Payload=b"not json"))
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.response["Error"]["Code"] == "InvalidRequestContentException"
    assert error.response["Error"]["Message"].startswith("Could not parse request body into json")
    assert_still_serving(lam)


def test_request_over_6_mb_is_413_with_awss_message(lam):
    payload = json.dumps("x" * (6 * 1024 * 1024)).encode()
    error = error_of(lambda: lam.invoke(FunctionName="healthy", Payload=payload))
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert error.response["Error"]["Code"] == "RequestEntityTooLargeException"
    assert error.response["Error"]["Message"] == (
        f"{len(payload)} byte payload is too large for the RequestResponse invocation type "
        "(limit 6291456 bytes)")
    assert_still_serving(lam)


def test_client_context_that_is_not_base64_json_is_400(lam):
    for bad in ("not base64!", base64.b64encode(b"[1, 2]").decode()):
        error = error_of(lambda bad=bad: lam.invoke(FunctionName="healthy", ClientContext=bad))
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert error.response["Error"]["Code"] == "InvalidRequestContentException"
        assert error.response["Error"]["Message"] == (
            "Client context must be a valid Base64-encoded JSON object.")
    assert_still_serving(lam)


def test_client_context_over_3583_bytes_is_400(lam):
    big = base64.b64encode(json.dumps({"custom": {"k": "v" * 3000}}).encode()).decode()
    assert len(big) > 3583
    error = error_of(lambda: lam.invoke(FunctionName="healthy", ClientContext=big))
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.response["Error"]["Code"] == "InvalidRequestContentException"
    assert_still_serving(lam)


RESERVED_MESSAGE = (
    "Lambda was unable to configure your environment variables because the environment "
    "variables you have provided contains reserved keys that are currently not supported for "
    "modification. Reserved keys used in this request: AWS_REGION")


def test_reserved_environment_keys_are_rejected_at_create(deploy, lam):
    error = error_of(lambda: deploy("reserved", "def handler(e, c):\n    pass\n",
                                    Environment={"Variables": {"AWS_REGION": "us-east-1"}}))
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.response["Error"]["Code"] == "InvalidParameterValueException"
    assert error.response["Error"]["Message"] == RESERVED_MESSAGE
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


def test_a_client_that_disconnects_mid_request_is_dropped_quietly(cloud, lam, caplog):
    """An environment killed while its thread was sending an invoke (a frozen
    environment that Lambda reclaims) leaves a half-sent request: no answer is owed, and
    nothing inside the cloud failed, so nothing is logged as an error."""
    with socket.create_connection(("127.0.0.1", cloud.port), timeout=5) as raw:
        raw.sendall(b"POST /2015-03-31/functions/healthy/invocations HTTP/1.1\r\n"
                    b"Host: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{\"half\": ")
    time.sleep(0.3)  # the server thread reads the body and finds the client gone
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert_still_serving(lam)
