"""A function calls Lambda as its execution role, and IAM decides, as on AWS.

AWS's words, Lambda's AccessDeniedException (403): "User: arn:aws:sts::ACCOUNT:assumed-
role/ROLE/FUNCTION is not authorized to perform: lambda:InvokeFunction on resource: ARN
because no identity-based policy allows the lambda:InvokeFunction action", or "… with an
explicit deny in an identity-based policy" (IAM's troubleshooting guide, "Access denied
error messages"). A qualified invoke needs the qualified ARN or a wildcard that covers it
(Lambda developer guide, "Fine-tuning the Resources and Conditions sections of policies").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import Deployer
from lambdalab import LocalCloud

pytestmark = pytest.mark.both_runtime_clients

CALLER = """
import boto3
from botocore.exceptions import ClientError

def handler(event, context):
    options = {"Qualifier": event["qualifier"]} if event.get("qualifier") else {}
    try:
        answer = boto3.client("lambda").invoke(
            FunctionName=event["target"], InvocationType=event.get("type", "RequestResponse"),
            Payload=b'{}', **options)
    except ClientError as error:
        return {"status": error.response["ResponseMetadata"]["HTTPStatusCode"],
                "code": error.response["Error"]["Code"],
                "message": error.response["Error"]["Message"]}
    return {"status": answer["StatusCode"]}
"""
TARGET = "def handler(event, context):\n    return 'reached'\n"


@pytest.fixture(scope="module")
def cloud(runtime_client: str | None) -> Iterator[LocalCloud]:
    with LocalCloud(runtime_client=runtime_client, iam=True) as running:
        yield running


@pytest.fixture(scope="module")
def functions(cloud: LocalCloud) -> dict[str, str]:
    iam = cloud.client("iam")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole"}]})
    role = iam.create_role(RoleName="caller-role", AssumeRolePolicyDocument=trust)["Role"]
    deploy = Deployer(cloud)
    deploy.role_arn = role["Arn"]
    deploy("caller", CALLER, Timeout=30)
    Deployer(cloud)("target", TARGET)
    cloud.client("lambda").publish_version(FunctionName="target")
    return {"role": "caller-role", "target": f"arn:aws:lambda:{cloud.region}:"
                                                f"{cloud.account_id}:function:target"}


def call(cloud: LocalCloud, **event: Any) -> dict[str, Any]:
    answer = cloud.client("lambda").invoke(FunctionName="caller", Payload=json.dumps(event))
    return json.loads(answer["Payload"].read())


def allow(cloud: LocalCloud, role: str, effect: str, resource: str | list[str]) -> None:
    cloud.client("iam").put_role_policy(
        RoleName=role, PolicyName=f"{effect}-invoke", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": effect, "Action": "lambda:InvokeFunction", "Resource": resource}]}))


def forget(cloud: LocalCloud, role: str) -> None:
    iam = cloud.client("iam")
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        iam.delete_role_policy(RoleName=role, PolicyName=name)


@pytest.fixture
def bare(cloud: LocalCloud, functions: dict[str, str]) -> Iterator[dict[str, str]]:
    forget(cloud, functions["role"])
    yield functions
    forget(cloud, functions["role"])


def principal(cloud: LocalCloud) -> str:
    return f"arn:aws:sts::{cloud.account_id}:assumed-role/caller-role/caller"


def test_a_role_without_the_permission_is_denied_in_lambdas_words(cloud, bare):
    ran = len(cloud.invocations("target"))
    assert call(cloud, target="target") == {
        "status": 403, "code": "AccessDeniedException",
        "message": f"User: {principal(cloud)} is not authorized to perform: "
                   f"lambda:InvokeFunction on resource: {bare['target']} because no "
                   "identity-based policy allows the lambda:InvokeFunction action"}
    assert len(cloud.invocations("target")) == ran  # nothing ran


def test_the_permission_on_the_callees_arn_lets_it_through_at_once(cloud, bare):
    assert call(cloud, target="target")["status"] == 403  # a warm environment, denied
    allow(cloud, bare["role"], "Allow", bare["target"])
    assert call(cloud, target="target") == {"status": 200}  # the same environment, allowed


def test_an_explicit_deny_wins(cloud, bare):
    allow(cloud, bare["role"], "Allow", "*")
    allow(cloud, bare["role"], "Deny", bare["target"])
    answer = call(cloud, target="target")
    assert answer["code"] == "AccessDeniedException"
    assert answer["message"].endswith("with an explicit deny in an identity-based policy")


def test_a_qualified_call_needs_the_qualified_arn(cloud, bare):
    allow(cloud, bare["role"], "Allow", bare["target"])
    denied = call(cloud, target="target", qualifier="1")
    assert denied["code"] == "AccessDeniedException"
    assert f"on resource: {bare['target']}:1 because" in denied["message"]
    allow(cloud, bare["role"], "Allow", [bare["target"], bare["target"] + ":*"])
    assert call(cloud, target="target", qualifier="1") == {"status": 200}


def test_dry_run_asks_iam_too(cloud, bare):
    assert call(cloud, target="target", type="DryRun")["code"] == "AccessDeniedException"
    allow(cloud, bare["role"], "Allow", bare["target"])
    assert call(cloud, target="target", type="DryRun") == {"status": 204}


def test_a_function_that_does_not_exist_is_denied_first(cloud, bare):
    answer = call(cloud, target="no-such-function")
    assert answer["code"] == "AccessDeniedException"  # nothing learnt of what exists


def test_the_owner_keeps_full_access(cloud, bare):
    answer = cloud.client("lambda").invoke(FunctionName="target")
    assert answer["Payload"].read() == b'"reached"'


def test_iam_is_on_unless_turned_off_by_argument_or_environment(monkeypatch):
    monkeypatch.delenv("LAMBDALAB_IAM", raising=False)
    assert LocalCloud().iam is True  # as on AWS
    assert LocalCloud(iam=False).iam is False
    monkeypatch.setenv("LAMBDALAB_IAM", "0")
    assert LocalCloud().iam is False
    assert LocalCloud(iam=True).iam is True
