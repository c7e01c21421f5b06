"""Networks built with plain EC2 calls (``lambdalab.workshop.vpc``), and a probe function.

The probe runs inside a function and calls one AWS API per entry of its event with a
short connect timeout, reporting how each call ended and how long it took: the way a
test sees what the function's network lets through.
"""

from __future__ import annotations

import json
from typing import Any

from conftest import ROLE_NAME, read_json
from lambdalab.workshop.vpc import (  # noqa: F401 - the tests import them from here
    VPC_ACCESS_POLICY,
    Network,
    https_from_cidr,
    https_from_group,
)

REGION = "ap-northeast-1"

PROBE = """
import json
import time

import boto3
from botocore.config import Config


def call(service, client):
    if service == "lambda":
        return client.invoke(FunctionName="net-callee", Payload=b"{}")["StatusCode"]
    if service == "s3":
        return client.head_bucket(Bucket="net-bucket")["ResponseMetadata"]["HTTPStatusCode"]
    if service == "dynamodb":
        return client.describe_table(TableName="net-table")["Table"]["TableStatus"]
    if service == "sqs":
        return client.get_queue_url(QueueName="net-queue")["QueueUrl"].rsplit("/", 1)[1]
    return client.get_caller_identity()["Account"]


def handler(event, context):
    time.sleep(event.get("sleep", 0))
    results = []
    for probe in event["probes"]:
        attempts = []
        options = {}
        if probe.get("config", True):
            options["config"] = Config(connect_timeout=probe.get("connect_timeout", 1),
                                       retries=probe.get("retries", {"total_max_attempts": 1}))
        if probe.get("endpoint_url"):
            options["endpoint_url"] = probe["endpoint_url"]
        client = boto3.client(probe["service"], **options)
        client.meta.events.register("before-send", lambda **kwargs: attempts.append(1))
        started = time.monotonic()
        try:
            outcome = {"ok": call(probe["service"], client)}
        except Exception as error:
            outcome = {"error": type(error).__name__, "message": str(error)}
        outcome["seconds"] = time.monotonic() - started
        outcome["attempts"] = len(attempts)
        results.append(outcome)
    return results
"""

CALLEE = "def handler(event, context):\n    return 'callee answered'\n"


def probe(lam: Any, function: str, *probes: dict[str, Any]) -> list[dict[str, Any]]:
    """Run the probe function: one result per ``{"service": ...}`` asked for."""
    response = lam.invoke(FunctionName=function, Payload=json.dumps({"probes": list(probes)}))
    assert "FunctionError" not in response, read_json(response)
    return read_json(response)


def wait_active(lam: Any, name: str) -> None:
    lam.get_waiter("function_active_v2").wait(FunctionName=name,
                                              WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})


def allow_vpc_access(cloud: Any) -> None:
    """Let the tests' execution role manage network interfaces, as a VPC function needs."""
    cloud.client("iam").attach_role_policy(RoleName=ROLE_NAME, PolicyArn=VPC_ACCESS_POLICY)


def create_probe_targets(cloud: Any, deploy: Any) -> None:
    """What the probe calls, so that a reachable call succeeds: the callee function, the
    bucket and the queue (STS needs nothing; a DynamoDB table only where a test probes it)."""
    deploy("net-callee", CALLEE)
    cloud.client("s3").create_bucket(Bucket="net-bucket",
                                     CreateBucketConfiguration={"LocationConstraint": REGION})
    cloud.client("sqs").create_queue(QueueName="net-queue")


def deploy_in_vpc(deploy: Any, lam: Any, name: str, subnets: list[str], groups: list[str],
                  **config: Any) -> str:
    """Deploy the probe into the subnets with the security groups; return its name once
    it is Active."""
    config.setdefault("Timeout", 10)
    deploy(name, PROBE, VpcConfig={"SubnetIds": subnets, "SecurityGroupIds": groups}, **config)
    wait_active(lam, name)
    return name
