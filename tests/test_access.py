"""Only the cloud's owner gets in: every call must be signed with credentials it issued.

AWS accepts only requests signed (SigV4) with credentials IAM knows, and answers others
with 403: Lambda's "Common Errors" (https://docs.aws.amazon.com/lambda/latest/api/CommonErrors.html)
lists UnrecognizedClientException (unknown access key) and the signature errors; an
unsigned call gets MissingAuthenticationTokenException ("Missing Authentication Token").
Other users of the machine and web pages must not drive the cloud, nor take over an
execution environment's Runtime API; functions still call AWS with the temporary
credentials Lambda gives them.
"""

from __future__ import annotations

import base64
import json
import subprocess
import textwrap
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotocoreCredentials
from botocore.exceptions import ClientError

from conftest import read_json
from lambdalab.access.credentials import Credentials

ECHO = "def handler(event, context):\n    print('ran', event)\n    return event\n"
WHO_AM_I = """
import os, boto3
def handler(event, context):
    sts = boto3.client("sts").get_caller_identity()
    return {"key": os.environ["AWS_ACCESS_KEY_ID"], "secret": os.environ["AWS_SECRET_ACCESS_KEY"],
            "token": os.environ["AWS_SESSION_TOKEN"], "account": sts["Account"],
            "arn": sts["Arn"], "user_id": sts["UserId"],
            "runtime_api": os.environ["AWS_LAMBDA_RUNTIME_API"]}
"""


def http(method: str, url: str, body: bytes = b"", headers: dict[str, str] | None = None
         ) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body or None, method=method,
                                     headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read()


def stranger(cloud, service: str, **credentials: str) -> Any:
    return boto3.session.Session().client(
        service, region_name=cloud.region, endpoint_url=cloud.endpoint_url,
        aws_access_key_id=credentials.get("key", "AKIAIOSFODNN7EXAMPLE"),
        aws_secret_access_key=credentials.get("secret", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        aws_session_token=credentials.get("token"))


def error_of(call) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as refused:
        call()
    response = refused.value.response
    return (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"],
            response["Error"].get("Message", ""))


@pytest.fixture(scope="module")
def echo(deploy) -> str:
    deploy("echo", ECHO)
    return "echo"


def test_each_cloud_issues_its_own_random_credentials(cloud):
    assert cloud.credentials.access_key_id.startswith("AKIA")
    assert len(cloud.credentials.access_key_id) == 20
    assert cloud.credentials.secret_access_key not in repr(cloud.credentials)
    assert Credentials("a", "b") != cloud.credentials


def test_an_unsigned_invoke_as_a_web_page_sends_it_is_refused_and_runs_nothing(cloud, echo):
    status, headers, body = http("POST", f"{cloud.endpoint_url}/2015-03-31/functions/echo/"
                                 "invocations", b'{"from": "a web page"}',
                                 {"Content-Type": "text/plain", "Origin": "https://evil.test"})
    assert status == 403
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert json.loads(body) == {"message": "Missing Authentication Token"}
    assert "Access-Control-Allow-Origin" not in headers
    assert not any("a web page" in line for line in cloud.logs("echo"))


def test_an_unknown_access_key_gets_unrecognized_client_exception(cloud, echo):
    assert error_of(lambda: stranger(cloud, "lambda").invoke(FunctionName="echo")) == (
        403, "UnrecognizedClientException", "The security token included in the request is "
                                            "invalid.")


def test_a_wrong_secret_gets_invalid_signature_exception(cloud, echo):
    status, code, message = error_of(lambda: stranger(
        cloud, "lambda", key=cloud.credentials.access_key_id, secret="wrong").invoke(
        FunctionName="echo"))
    assert (status, code) == (403, "InvalidSignatureException")
    assert message.startswith("The request signature we calculated does not match")


@pytest.mark.parametrize("service, call, expected", [
    ("iam", lambda c: c.list_roles(), (403, "InvalidClientTokenId")),
    ("s3", lambda c: c.list_buckets(), (403, "InvalidAccessKeyId")),
    ("ec2", lambda c: c.describe_vpcs(), (401, "AuthFailure")),
    ("sqs", lambda c: c.list_queues(), (400, "UnrecognizedClientException")),
], ids=["query (IAM)", "S3", "EC2", "JSON (SQS)"])
def test_every_service_refuses_an_unknown_key_in_its_own_protocol(cloud, service, call,
                                                                  expected):
    status, code, _ = error_of(lambda: call(stranger(cloud, service)))
    assert (status, code) == expected


def test_the_owners_signed_calls_all_work(cloud):
    assert cloud.client("iam").list_roles()["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert cloud.client("s3").list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert cloud.client("ec2").describe_vpcs()["Vpcs"]
    assert cloud.client("sqs").list_queues()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_the_moto_admin_api_is_closed(cloud, echo):
    status, _, _ = http("POST", f"{cloud.endpoint_url}/moto-api/reset")
    assert status == 404
    assert cloud.client("lambda").get_function(FunctionName="echo")  # nothing was wiped


def test_no_answer_allows_cross_origin_reads(cloud):
    status, headers, _ = http("OPTIONS", f"{cloud.endpoint_url}/2015-03-31/functions", b"", {
        "Origin": "https://evil.test", "Access-Control-Request-Method": "POST"})
    assert status == 403
    assert not any(k.lower().startswith("access-control-") for k in headers)


def test_an_unsigned_name_with_a_slash_gets_json_not_an_html_error(cloud):
    status, headers, body = http("POST", f"{cloud.endpoint_url}/2015-03-31/functions/a/b/"
                                 "invocations", b"{}")
    assert status == 403
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["message"] == "Missing Authentication Token"


def test_functions_call_aws_with_the_temporary_credentials_lambda_gives_them(cloud, deploy):
    deploy("whoami", WHO_AM_I)
    lam = cloud.client("lambda")
    mine = read_json(lam.invoke(FunctionName="whoami"))
    assert mine["key"].startswith("ASIA") and mine["token"]
    assert mine["account"] == cloud.account_id  # the function's own STS call went through
    # a session of its execution role, named after the function, as Lambda assumes it
    role = deploy.role_arn.split("/")[-1]
    assert mine["arn"] == f"arn:aws:sts::{cloud.account_id}:assumed-role/{role}/whoami"
    assert mine["user_id"].startswith("AROA") and mine["user_id"].endswith(":whoami")
    assert "@" not in mine["runtime_api"]  # Lambda's form: host:port, no secret
    assert stranger(cloud, "sts", key=mine["key"], secret=mine["secret"],
                    token=mine["token"]).get_caller_identity()
    lam.update_function_configuration(FunctionName="whoami", Description="new environments")
    lam.get_waiter("function_updated_v2").wait(FunctionName="whoami")
    lam.invoke(FunctionName="whoami")  # a new environment, new credentials
    assert error_of(lambda: stranger(cloud, "sts", key=mine["key"], secret=mine["secret"],
                                     token=mine["token"]).get_caller_identity())[1] == (
        "InvalidClientTokenId")  # the retired environment's credentials are revoked


def test_the_runtime_api_answers_only_its_own_environment(cloud, deploy):
    deploy("sleeper", "import time\ndef handler(event, context):\n    time.sleep(1)\n"
                      "    return 'mine'\n")
    lam = cloud.client("lambda")
    lam.invoke(FunctionName="sleeper")  # an idle environment, waiting for its next event
    [env] = [e for e in cloud._pool.environments() if e.spec.name == "sleeper"]
    runtime_api = f"http://{env._runtime_api.address}/2018-06-01/runtime/invocation"
    status, _, _ = http("GET", f"{runtime_api}/next")
    assert status == 403
    wrong = {"Authorization": "Basic " + base64.b64encode(b"guess:").decode()}
    assert http("POST", f"{runtime_api}/any-id/response", b'"hijacked"', wrong)[0] == 403
    assert read_json(lam.invoke(FunctionName="sleeper")) == "mine"


PROBE = textwrap.dedent("""
    import json, os, sys, urllib.request, urllib.error
    args = json.loads(sys.argv[1])
    def status(method, url, body=None, headers=None):
        try:
            return urllib.request.urlopen(urllib.request.Request(
                url, data=body, method=method, headers=headers or {}), timeout=10).status
        except urllib.error.HTTPError as e:
            return e.code
        except (urllib.error.URLError, ConnectionError) as e:
            return "closed"  # not served at all
    results = {
        "unsigned invoke": status("POST", args["invoke"], b"{}"),
        "forged signature": status("POST", args["invoke"], b"{}", args["forged"]),
        "runtime next": status("GET", args["runtime"] + "/next"),
        "runtime response": status("POST", args["runtime"] + "/x/response", b"1"),
        "moto reset": status("POST", args["reset"]),
    }
    try:
        open(f"/proc/{args['pid']}/environ", "rb").read()
        results["environ"] = "readable"
    except OSError:
        results["environ"] = "refused"
    results["secret on cmdline"] = args["secret"].encode() in open(
        f"/proc/{args['pid']}/cmdline", "rb").read()
    print(json.dumps(results))
""")
def test_another_user_of_the_machine_gets_nothing(cloud, deploy, other_user):
    deploy("target", ECHO)
    cloud.client("lambda").invoke(FunctionName="target")
    [env] = [e for e in cloud._pool.environments() if e.spec.name == "target"]
    invoke_url = f"{cloud.endpoint_url}/2015-03-31/functions/target/invocations"
    forged = AWSRequest("POST", invoke_url, data=b"{}")
    SigV4Auth(BotocoreCredentials("AKIAFORGEDFORGED0000", "guess"), "lambda",
              cloud.region).add_auth(forged)
    args = {"invoke": invoke_url, "forged": dict(forged.headers.items()),
            "runtime": f"http://{env._runtime_api.address}/2018-06-01/runtime/invocation",
            "reset": f"{cloud.endpoint_url}/moto-api/reset", "pid": env.pid,
            "secret": env._runtime_api.secret}
    probe = subprocess.run(["runuser", "-u", other_user, "--", "/usr/bin/python3", "-c", PROBE,
                            json.dumps(args)], capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout) == {
        "unsigned invoke": 403, "forged signature": 403, "runtime next": "closed",
        "runtime response": "closed", "moto reset": 404, "environ": "refused",
        "secret on cmdline": False}
    assert [r.outcome for r in cloud.invocations("target")] == ["success"]  # nothing else ran
