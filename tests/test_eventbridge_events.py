"""The event EventBridge hands a rule's target carries AWS's fields in AWS's order, the
account included (EventBridge user guide, "Amazon EventBridge events"; the destination
events recorded on AWS in tests/parity/recorded/lambda_destinations.json)."""

from __future__ import annotations

import json

AWS_FIELDS = ["version", "id", "detail-type", "source", "account", "time", "region",
              "resources", "detail"]


def test_a_rules_sqs_target_gets_the_event_as_aws_sends_it(cloud):
    events, sqs = cloud.client("events"), cloud.client("sqs")
    url = sqs.create_queue(QueueName="routed")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    events.put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(Rule="orders", Targets=[{"Id": "queue", "Arn": arn}])
    events.put_events(Entries=[{"Source": "shop", "DetailType": "Order placed",
                                "Detail": json.dumps({"order": "A-1"})}])
    [message] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    event = json.loads(message["Body"])
    assert list(event) == AWS_FIELDS
    assert event["account"] == arn.split(":")[4]
    assert event["detail"] == {"order": "A-1"} and event["detail-type"] == "Order placed"
