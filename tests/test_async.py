"""Asynchronous invocation: 202 at once, queue, retries, destinations, DLQ, event age.

Source: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html,
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html.
Lambda's clock runs 100x fast here (time_scale=0.01): a 1-minute retry waits 0.6 s.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from conftest import wait_until
from lambdalab import LocalCloud

SCALE = 0.01
HANDLER = """
import time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    if event.get("fail"):
        raise ValueError(f"cannot process {event.get('id')}")
    return {"processed": event.get("id")}
"""


@pytest.fixture(scope="module")
def cloud(runtime_client) -> Iterator[LocalCloud]:
    with LocalCloud(time_scale=SCALE, runtime_client=runtime_client) as running:
        yield running


@pytest.fixture(scope="module")
def sqs(cloud):
    return cloud.client("sqs")


def new_queue(sqs, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"]
    return url, arn


def receive_all(sqs, url: str, expected: int, timeout: float = 10) -> list[dict]:
    messages: list[dict] = []
    deadline = time.monotonic() + timeout
    while len(messages) < expected and time.monotonic() < deadline:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                    MessageAttributeNames=["All"]).get("Messages", [])
        messages += batch
        if not batch:
            time.sleep(0.05)
    return messages


def sqs_trace_header(sqs, url: str, message: dict) -> str:
    """The AWSTraceHeader system attribute of a message received before (received again,
    once it is visible, with its system attributes)."""
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                  VisibilityTimeout=0)
    [again] = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["All"])[
        "Messages"]
    return again["Attributes"]["AWSTraceHeader"]


def send_event(lam, name: str, payload: dict) -> str:
    response = lam.invoke(FunctionName=name, InvocationType="Event",
                          Payload=json.dumps(payload).encode())
    assert response["StatusCode"] == 202
    return response["ResponseMetadata"]["RequestId"]


def test_event_answers_202_with_an_empty_body_before_the_handler_finishes(cloud, deploy, lam):
    deploy("later", HANDLER)
    sent = time.time()
    response = lam.invoke(FunctionName="later", InvocationType="Event", Payload=b'{"sleep": 1}')
    answered = time.time()
    assert response["StatusCode"] == 202
    assert response["Payload"].read() == b""
    assert "FunctionError" not in response
    cloud.wait_for_async(10)
    [record] = cloud.invocations("later")
    assert record.invocation_type == "Event" and record.outcome == "success"
    assert sent <= answered < record.end  # the caller was answered while the code still ran
    assert record.end - record.start >= 1.0


def test_event_checks_the_function_and_the_1_mb_limit_up_front(deploy, lam):
    deploy("limits", HANDLER)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="missing", InvocationType="Event")
    payload = json.dumps({"blob": "x" * (1024 * 1024)}).encode()
    with pytest.raises(ClientError) as caught:
        lam.invoke(FunctionName="limits", InvocationType="Event", Payload=payload)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert caught.value.response["Error"]["Message"] == (
        f"{len(payload)} byte payload is too large for the Event invocation type "
        "(limit 1048576 bytes)")
    with pytest.raises(lam.exceptions.InvalidRequestContentException):
        lam.invoke(FunctionName="limits", InvocationType="Event", Payload=b"{not json")


def test_function_error_is_retried_twice_after_1_then_2_minutes(cloud, deploy, lam, sqs):
    deploy("flaky", HANDLER)
    url, arn = new_queue(sqs, "flaky-failures")
    lam.put_function_event_invoke_config(
        FunctionName="flaky", DestinationConfig={"OnFailure": {"Destination": arn}})
    request_id = send_event(lam, "flaky", {"fail": True, "id": 7})
    cloud.wait_for_async(15)
    attempts = [r for r in cloud.invocations("flaky") if r.outcome != "throttled"]
    assert [(r.request_id, r.attempt, r.outcome) for r in attempts] == [
        (request_id, 1, "error"), (request_id, 2, "error"), (request_id, 3, "error")]
    first_gap = attempts[1].start - attempts[0].end
    second_gap = attempts[2].start - attempts[1].end
    # never sooner than Lambda's waits (on the cloud's clock); later only by the machine's
    # own delays, which wait_for_async's deadline bounds
    assert first_gap >= 60 * SCALE * 0.9
    assert second_gap >= 120 * SCALE * 0.9
    [message] = receive_all(sqs, url, 1)
    record = json.loads(message["Body"])
    assert record["version"] == "1.0"
    assert record["requestContext"] == {
        "requestId": request_id, "condition": "RetriesExhausted", "approximateInvokeCount": 3,
        "functionArn": "arn:aws:lambda:ap-northeast-1:123456789012:function:flaky:$LATEST"}
    assert record["requestPayload"] == {"fail": True, "id": 7}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST",
                                         "functionError": "Unhandled"}
    assert record["responsePayload"]["errorType"] == "ValueError"
    assert record["responsePayload"]["errorMessage"] == "cannot process 7"
    [result] = cloud.async_results("flaky")
    assert (result.condition, result.attempts, result.delivered_to) == (
        "RetriesExhausted", 3, (arn,))


def test_maximum_retry_attempts_zero_runs_once(cloud, deploy, lam):
    deploy("once", HANDLER)
    lam.put_function_event_invoke_config(FunctionName="once", MaximumRetryAttempts=0)
    send_event(lam, "once", {"fail": True})
    cloud.wait_for_async(10)
    assert [r.outcome for r in cloud.invocations("once")] == ["error"]
    assert cloud.async_results("once")[0].condition == "RetriesExhausted"


def test_success_goes_to_the_on_success_destination(cloud, deploy, lam, sqs):
    deploy("happy", HANDLER)
    url, arn = new_queue(sqs, "happy-results")
    lam.put_function_event_invoke_config(
        FunctionName="happy", DestinationConfig={"OnSuccess": {"Destination": arn}})
    request_id = send_event(lam, "happy", {"id": 1})
    cloud.wait_for_async(10)
    [message] = receive_all(sqs, url, 1)
    record = json.loads(message["Body"])
    assert record["requestContext"]["requestId"] == request_id
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"processed": 1}


def test_a_lambda_destination_receives_the_record_as_its_event(cloud, deploy, lam):
    deploy("source", HANDLER)
    deploy("auditor", "import json\ndef handler(event, context):\n"
                      "    print('AUDIT', json.dumps(event['requestContext']))\n")
    auditor_arn = lam.get_function(FunctionName="auditor")["Configuration"]["FunctionArn"]
    lam.put_function_event_invoke_config(
        FunctionName="source", MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": auditor_arn}})
    request_id = send_event(lam, "source", {"fail": True})
    cloud.wait_for_async(10)
    audit = [line for line in cloud.logs("auditor") if line.startswith("AUDIT")]
    assert len(audit) == 1
    context = json.loads(audit[0].split(" ", 1)[1])
    assert context["requestId"] == request_id
    assert context["condition"] == "RetriesExhausted"


def test_dead_letter_queue_gets_the_original_event_with_error_attributes(cloud, deploy, lam,
                                                                          sqs):
    url, arn = new_queue(sqs, "dlq")
    deploy("dead", HANDLER, DeadLetterConfig={"TargetArn": arn})
    assert lam.get_function_configuration(FunctionName="dead")["DeadLetterConfig"] == {
        "TargetArn": arn}
    lam.put_function_event_invoke_config(FunctionName="dead", MaximumRetryAttempts=1)
    request_id = send_event(lam, "dead", {"fail": True, "id": 9})
    cloud.wait_for_async(10)
    [message] = receive_all(sqs, url, 1)
    assert json.loads(message["Body"]) == {"fail": True, "id": 9}
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes == {"RequestID": request_id, "ErrorCode": "200",
                          "ErrorMessage": "cannot process 9"}


def test_throttled_event_backs_off_and_expires_after_its_maximum_age(cloud, deploy, lam, sqs):
    """A reserved concurrency of 1, held by a long synchronous call: the event is refused,
    backs off (1, 2, 4, ... s) and expires."""
    url, arn = new_queue(sqs, "expired")
    deploy("blocked", HANDLER)
    lam.put_function_concurrency(FunctionName="blocked", ReservedConcurrentExecutions=1)
    lam.put_function_event_invoke_config(
        FunctionName="blocked", MaximumEventAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": arn}})
    holder = threading.Thread(target=lam.invoke, kwargs={
        "FunctionName": "blocked", "Payload": json.dumps({"sleep": 2})})
    holder.start()
    assert wait_until(lambda: cloud.concurrency_in_use("blocked") == 1, 10)
    request_id = send_event(lam, "blocked", {"id": 3})
    cloud.wait_for_async(10)
    holder.join()
    throttled = [r for r in cloud.invocations("blocked") if r.outcome == "throttled"]
    assert len(throttled) >= 5  # 1, 2, 4, 8, 16, 32 s of backoff fit in 60 s
    delays = [b.start - a.start for a, b in zip(throttled, throttled[1:], strict=False)]
    # the backoff doubles, 1, 2, 4 … s of Lambda's clock: a wait is never shorter than its
    # step (a busy machine may make it longer, so only the lower bound is asserted)
    assert all(delay >= 0.95 * SCALE * 2 ** step for step, delay in enumerate(delays))
    [message] = receive_all(sqs, url, 1)
    record = json.loads(message["Body"])
    assert record["requestContext"]["requestId"] == request_id
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert "responseContext" not in record
    assert [r.condition for r in cloud.async_results("blocked")] == ["EventAgeExceeded"]


def test_zero_reserved_concurrency_sends_the_event_to_failure_at_once_untried(
        cloud, deploy, lam, sqs):
    """As recorded on AWS (../shared/aws-recorded/lambda/test_lambda.json, case
    reserved_concurrency_zero): no attempt, no retry, the record at once, condition
    ZeroReservedConcurrency, approximateInvokeCount 0, no responseContext. The dead-letter
    queue gets the event too."""
    url, arn = new_queue(sqs, "switched-off")
    dlq_url, dlq_arn = new_queue(sqs, "switched-off-dlq")
    deploy("switched-off", HANDLER, DeadLetterConfig={"TargetArn": dlq_arn})
    lam.put_function_concurrency(FunctionName="switched-off", ReservedConcurrentExecutions=0)
    lam.put_function_event_invoke_config(
        FunctionName="switched-off", MaximumEventAgeInSeconds=21600, MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": arn}})
    request_id = send_event(lam, "switched-off", {"id": 4})
    [message] = receive_all(sqs, url, 1)  # at once: not after six hours of Lambda's clock
    record = json.loads(message["Body"])
    assert set(record) == {"version", "timestamp", "requestContext", "requestPayload"}
    assert record["requestContext"] == {
        "requestId": request_id, "condition": "ZeroReservedConcurrency",
        "approximateInvokeCount": 0,
        "functionArn": lam.get_function(FunctionName="switched-off")["Configuration"][
            "FunctionArn"] + ":$LATEST"}
    assert record["requestPayload"] == {"id": 4}
    [dead] = receive_all(sqs, dlq_url, 1)
    assert json.loads(dead["Body"]) == {"id": 4}
    for sent in (message, dead):  # as on AWS, a trace header on every message Lambda sends
        trace = sqs_trace_header(sqs, url if sent is message else dlq_url, sent)
        assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0",
                            trace), trace
    assert cloud.invocations("switched-off") == []  # never tried, never throttled
    [result] = cloud.async_results("switched-off")
    assert (result.condition, result.attempts, result.throttles) == (
        "ZeroReservedConcurrency", 0, 0)


def test_deprecated_invoke_async_answers_202_and_queues(cloud, deploy, lam):
    deploy("legacy", HANDLER)
    response = lam.invoke_async(FunctionName="legacy", InvokeArgs=b'{"id": 5}')
    assert response["Status"] == 202
    cloud.wait_for_async(10)
    assert [r.outcome for r in cloud.invocations("legacy")] == ["success"]


def test_dry_run_checks_existence_and_runs_nothing(cloud, deploy, lam):
    deploy("dry-async", HANDLER)
    assert lam.invoke(FunctionName="dry-async", InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="dry-missing", InvocationType="DryRun")
    cloud.wait_for_async(5)
    assert cloud.invocations("dry-async") == []
