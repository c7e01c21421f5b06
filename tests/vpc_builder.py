"""Networks built with plain EC2 calls (``lambdalab.workshop.vpc``), and a probe function.

The probe runs inside a function and calls one AWS API per entry of its event with a
short connect timeout, reporting how each call ended and how long it took: the way a
test sees what the function's network lets through.
"""

from __future__ import annotations

import json
from typing import Any

from conftest import read_json
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
