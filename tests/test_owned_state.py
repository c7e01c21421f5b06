"""What the cloud keeps beside moto (a function's dead-letter queue, its VPC setup, an
endpoint's DNS names) follows the resource's life as AWS's own configuration does.

Source: https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html (a
published version is an immutable snapshot of the function's code and configuration),
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html (DLQ).
"""

from __future__ import annotations

import json

import pytest

from lambdalab.owned_state import STATE, OwnedState

FAILING = "def handler(event, context):\n    raise ValueError('no')\n"


def queue(cloud, name: str) -> tuple[str, str]:
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    return url, arn


def test_a_published_version_keeps_the_dead_letter_queue_it_was_published_with(cloud,
                                                                               deploy, lam):
    _, first = queue(cloud, "dlq-first")
    _, second = queue(cloud, "dlq-second")
    deploy("versioned", FAILING, DeadLetterConfig={"TargetArn": first})
    version = lam.publish_version(FunctionName="versioned")["Version"]
    lam.update_function_configuration(FunctionName="versioned",
                                      DeadLetterConfig={"TargetArn": second})
    published = lam.get_function_configuration(FunctionName="versioned", Qualifier=version)
    latest = lam.get_function_configuration(FunctionName="versioned")
    assert published["DeadLetterConfig"] == {"TargetArn": first}
    assert latest["DeadLetterConfig"] == {"TargetArn": second}


def test_a_function_deleted_and_created_again_starts_without_the_old_dead_letter_queue(
        cloud, deploy, lam):
    _, arn = queue(cloud, "dlq-gone")
    deploy("reborn", FAILING, DeadLetterConfig={"TargetArn": arn})
    lam.delete_function(FunctionName="reborn")
    deploy("reborn", FAILING)
    assert "DeadLetterConfig" not in lam.get_function_configuration(FunctionName="reborn")


def test_a_failed_event_of_a_version_goes_to_that_versions_dead_letter_queue(cloud, deploy,
                                                                            lam):
    url, arn = queue(cloud, "dlq-of-v1")
    _, other = queue(cloud, "dlq-of-latest")
    deploy("retried", FAILING, DeadLetterConfig={"TargetArn": arn})
    version = lam.publish_version(FunctionName="retried")["Version"]
    # a version has event-invoke settings of its own, as on AWS
    lam.put_function_event_invoke_config(FunctionName="retried", Qualifier=version,
                                         MaximumRetryAttempts=0)
    lam.update_function_configuration(FunctionName="retried",
                                      DeadLetterConfig={"TargetArn": other})
    lam.invoke(FunctionName="retried", Qualifier=version, InvocationType="Event",
               Payload=json.dumps({"n": 1}).encode())
    cloud.wait_for_async(30)
    messages = cloud.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    assert [json.loads(m["Body"]) for m in messages.get("Messages", [])] == [{"n": 1}]


def test_the_tables_are_empty_after_a_reset(cloud, deploy):
    _, arn = queue(cloud, "dlq-reset")
    deploy("remembered", FAILING, DeadLetterConfig={"TargetArn": arn})
    assert STATE.dead_letter(f"arn:aws:lambda:{cloud.region}:{cloud.account_id}:function:"
                             "remembered") is not None
    cloud.reset()
    assert STATE == OwnedState(_lock=STATE._lock)


@pytest.mark.parametrize("version", [None, "1"])
def test_forgetting_a_function_or_one_version(version):
    state = OwnedState()
    state.set_dead_letter("arn:f", {"TargetArn": "q"})
    state.publish("arn:f", "1")
    state.start_pending("arn:f", 60)
    state.forget_function("arn:f", version)
    assert state.dead_letter("arn:f", "1") is None
    assert (state.dead_letter("arn:f") is None) == (version is None)
    assert state.is_pending("arn:f") == (version is not None)
