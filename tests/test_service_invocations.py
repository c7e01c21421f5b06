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


def let_invoke(cloud, function: str, principal: str, source: str) -> None:
    """The function's resource-based policy lets ``principal`` invoke it from ``source``."""
    cloud.client("lambda").add_permission(
        FunctionName=function, StatementId=f"from-{source.rsplit(':', 1)[1]}",
        Action="lambda:InvokeFunction", Principal=principal, SourceArn=source)


def published(cloud, deploy, name: str, message: str, permission: str | None) -> list[str]:
    """What a fresh function logged after an SNS topic published ``message`` to it, its
    policy letting the topic named ``permission`` in (None: no permission at all)."""
    deploy(name, RECORDER)
    sns = cloud.client("sns")
    topic = sns.create_topic(Name=f"{name}-topic")["TopicArn"]
    if permission is not None:
        let_invoke(cloud, name, "sns.amazonaws.com", topic.rsplit(":", 1)[0] + ":" + permission)
    sns.subscribe(TopicArn=topic, Protocol="lambda",
                  Endpoint=cloud.client("lambda").get_function(
                      FunctionName=name)["Configuration"]["FunctionArn"])
    sns.publish(TopicArn=topic, Message=message)
    cloud.wait_for_async()
    return cloud.logs(name)


def test_sns_cannot_invoke_a_function_whose_policy_does_not_let_it(cloud, deploy):
    """A service principal has no identity-based policy: only the function's own resource-
    based policy lets it in (developer guide, "Working with resource-based IAM policies
    in Lambda"; with-sns.html: add-permission with the topic as source-arn)."""
    assert "got unseen" not in published(cloud, deploy, "no-permission", "unseen", None)
    assert cloud.invocations("no-permission") == []


def test_a_permission_for_another_topic_does_not_let_this_one_in(cloud, deploy):
    assert "got unseen" not in published(cloud, deploy, "other-topic", "unseen", "elsewhere")


def test_a_permission_for_the_topic_lets_it_in(cloud, deploy):
    assert "got seen" in published(cloud, deploy, "its-topic", "seen", "its-topic-topic")


def test_an_sns_subscription_invokes_the_handler_asynchronously(cloud, recorder, capfd):
    sns = cloud.client("sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    let_invoke(cloud, "recorder", "sns.amazonaws.com", topic)
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


EVENT_PRINTER = """
import json

def handler(event, context):
    print("EVENT " + json.dumps(event))
"""


def test_the_sns_event_names_the_topic_the_subscription_and_the_message(cloud, deploy):
    """As AWS's example event (developer guide, "Invoking Lambda functions with Amazon SNS
    notifications"): the real topic, subscription, message id and attributes, where moto
    sends a fixed sample (``arn:aws:sns:EXAMPLE``, one MessageId for all)."""
    deploy("sns-event", EVENT_PRINTER)
    sns = cloud.client("sns")
    topic = sns.create_topic(Name="sns-event-topic")["TopicArn"]
    let_invoke(cloud, "sns-event", "sns.amazonaws.com", topic)
    subscription = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=cloud.client(
        "lambda").get_function(FunctionName="sns-event")["Configuration"]["FunctionArn"])[
        "SubscriptionArn"]
    ids = [sns.publish(TopicArn=topic, Message=f"order {n}", MessageAttributes={
        "colour": {"DataType": "String", "StringValue": "blue"}})["MessageId"]
        for n in (1, 2)]
    cloud.wait_for_async()
    events = [json.loads(line.split("EVENT ", 1)[1]) for line in cloud.logs("sns-event")
              if "EVENT " in line]
    records = sorted((event["Records"][0] for event in events),
                     key=lambda record: record["Sns"]["Message"])
    assert [record["Sns"]["MessageId"] for record in records] == ids
    for record in records:
        assert record["EventSource"] == "aws:sns"
        assert record["EventSubscriptionArn"] == subscription
        assert record["Sns"]["TopicArn"] == topic
        assert record["Sns"]["MessageAttributes"] == {"colour": {"Type": "String",
                                                                 "Value": "blue"}}
        assert record["Sns"]["Subject"] is None
        assert record["Sns"]["Timestamp"].endswith(".000Z")
