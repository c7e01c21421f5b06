"""Asynchronous events by the hundred against reserved concurrency 5, one in five failing:
every accepted event ends exactly once, where its configuration says.

300 events under ``make test``, 1000 with ``--full-size`` (``make test-all``). Lambda's
clock runs 200x fast: retries after 0.3 s and 0.6 s, and events expire after 108 s, well
beyond the test's 30 s. Only failures go to an SQS destination: moto's SQS slows down with
queue depth (each send scans the queue), which would measure moto rather than the cloud's
queue.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from lambdalab import LocalCloud

EVENTS, FULL_SIZE_EVENTS = 300, 1000  # multiples of 5: one in five fails
RESERVED = 5
HANDLER = """
def handler(event, context):
    if event["n"] % 5 == 0:
        raise ValueError(f"event {event['n']} is poisoned")
    return event["n"]
"""


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    # Environments stay warm for the whole run (a 5-minute idle timeout would be 1.5 s
    # here), so that the count of distinct environments shows reuse.
    with LocalCloud(time_scale=0.005, idle_timeout=6 * 3600) as running:
        yield running


def drain(sqs, url: str) -> list[dict]:
    """Receive and delete every message (deleting keeps moto's receive fast)."""
    bodies = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        bodies += [json.loads(m["Body"]) for m in batch]
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
    return bodies


def message_count(sqs, url: str) -> int:
    return int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])


def test_every_accepted_event_ends_exactly_once(cloud, deploy, lam, full_size):
    events = FULL_SIZE_EVENTS if full_size else EVENTS
    failing = events // 5
    sqs = cloud.client("sqs")
    failed_url = sqs.create_queue(QueueName="load-failed")["QueueUrl"]
    failed_arn = sqs.get_queue_attributes(
        QueueUrl=failed_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    deploy("worker", HANDLER)
    lam.put_function_concurrency(FunctionName="worker", ReservedConcurrentExecutions=RESERVED)
    lam.put_function_event_invoke_config(FunctionName="worker", DestinationConfig={
        "OnFailure": {"Destination": failed_arn}})

    def send(n: int) -> str:
        response = lam.invoke(FunctionName="worker", InvocationType="Event",
                              Payload=json.dumps({"n": n}).encode())
        assert response["StatusCode"] == 202
        return response["ResponseMetadata"]["RequestId"]

    with ThreadPoolExecutor(8) as pool:
        accepted = list(pool.map(send, range(events)))
    assert len(set(accepted)) == events
    cloud.wait_for_async(240)

    results = cloud.async_results("worker")
    assert sorted(r.request_id for r in results) == sorted(accepted)  # each exactly once
    assert Counter(r.condition for r in results) == {"Success": events - failing,
                                                      "RetriesExhausted": failing}
    assert {r.attempts for r in results if r.condition == "RetriesExhausted"} == {3}
    assert all(r.delivery_error is None for r in results)

    assert {r.delivered_to for r in results} == {(), (failed_arn,)}
    assert message_count(sqs, failed_url) == failing
    failed = drain(sqs, failed_url)
    assert len(failed) == failing
    assert {r["requestPayload"]["n"] % 5 for r in failed} == {0}
    assert {r["requestContext"]["approximateInvokeCount"] for r in failed} == {3}
    assert sorted(r["requestContext"]["requestId"] for r in failed) == sorted(
        r.request_id for r in results if r.condition == "RetriesExhausted")

    runs = [r for r in cloud.invocations("worker") if r.outcome != "throttled"]
    unexpected = "\n".join(
        f"{r.outcome} {r.error_type} in {r.environment}: {line}"
        for r in runs if r.outcome not in ("success", "error")
        for line in cloud.logs("worker") if r.request_id in line and "RequestId:" in line)
    assert Counter(r.outcome for r in runs) == {"success": events - failing,
                                                "error": 3 * failing}, unexpected
    assert max(concurrency_over_time(runs)) <= RESERVED
    assert len({r.environment for r in runs}) <= RESERVED


def concurrency_over_time(runs) -> list[int]:
    events = sorted([(r.start, 1) for r in runs] + [(r.end, -1) for r in runs])
    level, levels = 0, []
    for _, step in events:
        level += step
        levels.append(level)
    return levels
