"""Other services invoke functions through the same data plane: the real handler runs.

AWS: services that push events (SNS, S3, EventBridge) invoke asynchronously; an event
source mapping (SQS) invokes synchronously and sees the function's error
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-services.html,
https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html,
https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html). moto alone needs Docker for
these and wrote Docker errors to stderr and to the function's log instead.
"""

from __future__ import annotations

import json

import pytest

from lambdalab.control.service_invocations import invocation_type

RECORDER = """
def handler(event, context):
    record = event["Records"][0]
    print("got", record.get("Sns", {}).get("Message") or record.get("body"))
    if "fail" in (record.get("body") or ""):
        raise ValueError("cannot process")
    return "ok"
"""


@pytest.fixture(scope="module")
def recorder(deploy) -> str:
    return deploy("recorder", RECORDER)["FunctionArn"]


def test_an_sns_subscription_invokes_the_handler_asynchronously(cloud, recorder, capfd):
    sns = cloud.client("sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=recorder)
    sns.publish(TopicArn=topic, Message="order A-1001 placed")
    cloud.wait_for_async()
    assert any(line == "got order A-1001 placed" for line in cloud.logs("recorder"))
    [record] = [r for r in cloud.invocations("recorder") if r.invocation_type == "Event"]
    assert record.outcome == "success"
    assert "docker" not in capfd.readouterr().err.lower()


def test_an_sqs_event_source_mapping_invokes_synchronously_and_sees_errors(cloud, recorder):
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    cloud.client("lambda").create_event_source_mapping(EventSourceArn=arn,
                                                       FunctionName="recorder", BatchSize=1)
    sqs.send_message(QueueUrl=url, MessageBody="job 1")
    sqs.send_message(QueueUrl=url, MessageBody="job 2 will fail")
    runs = [r for r in cloud.invocations("recorder") if r.invocation_type == "RequestResponse"]
    assert [r.outcome for r in runs] == ["success", "error"]
    assert "got job 1" in cloud.logs("recorder")


@pytest.mark.parametrize("event, expected", [
    ({"Records": [{"EventSource": "aws:sns"}]}, "Event"),
    ({"Records": [{"eventSource": "aws:s3"}]}, "Event"),
    ({"detail-type": "OrderPlaced", "detail": {}}, "Event"),
    ({"awslogs": {"data": "H4sI"}}, "Event"),
    ({"Records": [{"eventSource": "aws:sqs"}]}, "RequestResponse"),
    ({"Records": [{"eventSource": "aws:dynamodb"}]}, "RequestResponse"),
    ({"Records": [{"eventSource": "aws:kinesis"}]}, "RequestResponse"),
])
def test_pushed_events_are_asynchronous_and_polled_batches_synchronous(event, expected):
    assert invocation_type(json.loads(json.dumps(event))) == expected
