"""Failure records after Lambda's retries and after the event's maximum age, replayed.

The recorded tests (LocalStack's ``TestLambdaDestinationSqs::test_retries`` and
``::test_maxeventage``) waited Lambda's real retry delays, one and two minutes; this
module's cloud runs Lambda's clock 1/0.03 times faster (``time_scale``), handler code in
real time. The messages are received as the recorded tests received them: the retries
case twice without deleting (``ApproximateReceiveCount`` 2), the event-age case once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from replay import Replay, cases, queue, received

from conftest import Deployer
from lambdalab import LocalCloud

pytestmark = pytest.mark.both_runtime_clients  # each recording, on either client

# lambda_echofail.py as recorded: it prints the event with its request id, and fails on line 7
ECHO_FAIL = '''import json


def handler(event, context):
    # print the event for the logs, then fail
    print(json.dumps({"event": event, "aws_request_id": context.aws_request_id}))
    raise Exception("intentional failure")
'''
TIME_SCALE = 0.03


@pytest.fixture(scope="module")
def cloud(runtime_client: str | None) -> Iterator[LocalCloud]:
    with LocalCloud(runtime_client=runtime_client, time_scale=TIME_SCALE) as running:
        yield running


def deployed(cloud: LocalCloud, deploy: Deployer, name: str, **config: Any) -> str:
    url, arn = queue(cloud, name)
    deploy(name, {"handler.py": ECHO_FAIL}, handler="handler.handler")
    cloud.client("lambda").put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": arn}}, **config)
    return url


def fail_once(cloud: LocalCloud, name: str) -> None:
    cloud.client("lambda").invoke(FunctionName=name, InvocationType="Event",
                                  Payload=json.dumps({"message": "retry-msg-1"}))


@pytest.fixture(scope="module")
def after_retries(cloud: LocalCloud, deploy: Deployer) -> Replay:
    url = deployed(cloud, deploy, "parity-retries", MaximumRetryAttempts=2)
    fail_once(cloud, "parity-retries")
    assert received(cloud, url, AttributeNames=["All"], VisibilityTimeout=0).get("Messages")
    replay = Replay("lambda_destinations", "destination_after_retries")
    replay.keep("queue_destination_payload",
                cloud.client("sqs").receive_message(QueueUrl=url, AttributeNames=["All"],
                                                    VisibilityTimeout=1))
    return replay


@pytest.fixture(scope="module")
def event_age(cloud: LocalCloud, deploy: Deployer) -> Replay:
    lam, sqs = cloud.client("lambda"), cloud.client("sqs")
    url = deployed(cloud, deploy, "parity-event-age", MaximumRetryAttempts=2,
                   MaximumEventAgeInSeconds=60)
    replay = Replay("lambda_destinations", "destination_event_age")
    for key, age in (("no_retry_failure_message", None), ("single_retry_failure_message", 90)):
        if age is not None:  # room for one retry (after 60 s), not for a second (180 s)
            lam.update_function_event_invoke_config(FunctionName="parity-event-age",
                                                    MaximumEventAgeInSeconds=age)
        fail_once(cloud, "parity-event-age")
        answer = received(cloud, url, AttributeNames=["All"], VisibilityTimeout=3,
                          MaxNumberOfMessages=1)
        message = answer["Messages"][0]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        replay.keep(key, message)
    return replay


@pytest.mark.parametrize("key", cases("lambda_destinations", "destination_after_retries"))
def test_after_retries(after_retries: Replay, key: str) -> None:
    after_retries.compare(key)


@pytest.mark.parametrize("key", cases("lambda_destinations", "destination_event_age"))
def test_event_age(event_age: Replay, key: str) -> None:
    event_age.compare(key)
