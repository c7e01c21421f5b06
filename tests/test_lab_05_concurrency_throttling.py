"""Lab 05 deployed from its CloudFormation template behaves as the notebook says.

AWS behaviour relied on: a synchronous call beyond reserved concurrency is throttled at
once, 429 TooManyRequestsException
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html); boto3's
standard retry mode makes 3 attempts
(https://docs.aws.amazon.com/boto3/latest/guide/retries.html); Lambda retries throttled
asynchronous events itself and sends records to the on-success destination
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from lab_stacks import deployed_lab, inline_policy

from lambdalab import LocalCloud
from lambdalab.plots import concurrency_steps
from lambdalab.workshop import lab_path, pitfall05

LAB = "05_concurrency_throttling"
BATCH = json.loads(lab_path(LAB, "events", "batch.json").read_text())
SKUS = sorted(item["sku"] for item in BATCH["items"])


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud(time_scale=0.001, idle_timeout=300_000) as running:
        yield running


stack = deployed_lab(LAB, "lab5")


def run(cloud, stack, caller: str, batch: dict | None = None,
        **environment: str) -> tuple[dict, pitfall05.Run]:
    """Invoke a caller of the lab with the batch; its answer and the inventory's records."""
    lam = cloud.client("lambda")
    if environment:
        lam.update_function_configuration(FunctionName=caller, Environment={"Variables": {
            "INVOKED_FUNCTION_NAME": stack["InvokedFunctionName"], **environment}})
    try:
        with pitfall05.watch(cloud, stack["InvokedFunctionName"]) as watched:
            response = lam.invoke(FunctionName=caller, Payload=json.dumps(batch or BATCH))
            assert "FunctionError" not in response, response["Payload"].read()
            answer = json.loads(response["Payload"].read())
    finally:
        if environment:
            lam.update_function_configuration(FunctionName=caller, Environment={
                "Variables": {"INVOKED_FUNCTION_NAME": stack["InvokedFunctionName"]}})
    return answer, watched


def test_stack_outputs_name_the_functions_and_the_results_queue(stack):
    assert stack == {
        "InvokedFunctionName": "lab5-inventory", "WrongCallerFunctionName": "lab5-caller-wrong",
        "FixedCallerFunctionName": "lab5-caller-fixed",
        "ReplacementsCallerFunctionName": "lab5-caller-replacements",
        "AsyncCallerFunctionName": "lab5-caller-async",
        "ResultsQueueUrl": stack["ResultsQueueUrl"]}
    assert stack["ResultsQueueUrl"].endswith("/lab5-stock-results")


def test_the_inventory_function_reserves_2_and_sends_async_results_to_the_queue(cloud, stack):
    lam = cloud.client("lambda")
    inventory = stack["InvokedFunctionName"]
    assert lam.get_function_concurrency(FunctionName=inventory)[
        "ReservedConcurrentExecutions"] == 2
    config = lam.get_function_event_invoke_config(FunctionName=inventory)
    assert config["MaximumRetryAttempts"] == 2
    assert config["DestinationConfig"]["OnSuccess"]["Destination"].endswith(
        ":lab5-stock-results")


def test_callers_may_only_invoke_and_read_the_concurrency_of_the_inventory(cloud, stack):
    document = inline_policy(cloud, stack["FixedCallerFunctionName"])
    statements = [s for s in document["Statement"] if "lambda:InvokeFunction" in s["Action"]]
    assert statements == [{
        "Effect": "Allow", "Action": ["lambda:InvokeFunction", "lambda:GetFunctionConcurrency"],
        "Resource": "arn:aws:lambda:ap-northeast-1:123456789012:function:lab5-inventory"}]


def test_without_retries_the_wrong_caller_gets_two_answers_and_eight_refusals(cloud, stack):
    answer, watched = run(cloud, stack, stack["WrongCallerFunctionName"], AWS_MAX_ATTEMPTS="1")
    assert len(answer["stock"]) == 2
    assert sorted(answer["failed"].values()) == ["TooManyRequestsException"] * 8
    assert watched.refused == 8 and watched.ran == 2


def test_with_boto3s_defaults_the_wrong_caller_still_loses_items_and_hides_retries(cloud,
                                                                                  stack):
    answer, watched = run(cloud, stack, stack["WrongCallerFunctionName"])
    log = pitfall05.last_invocation_log(cloud, stack["WrongCallerFunctionName"])
    failures = log.containing("TooManyRequestsException")
    assert answer["failed"], "standard mode's 3 attempts are not enough for 8 waiting calls"
    assert len(answer["stock"]) + len(answer["failed"]) == 10
    assert len(failures) == len(answer["failed"])
    assert all("(reached max retries: 2): Rate Exceeded." in line for _, line in failures)
    assert watched.refused > len(failures)  # the refusals boto3 retried: logged nowhere
    assert watched.ran == len(answer["stock"])


def test_the_fixed_caller_alone_gets_every_item_without_a_refusal(cloud, stack):
    answer, watched = run(cloud, stack, stack["FixedCallerFunctionName"])
    assert sorted(answer["stock"]) == SKUS and answer["failed"] == {}
    assert watched.refused == 0
    assert max(concurrency_steps(watched.records)[1]) == 2


def both_fixed_callers(cloud, stack, halves: list[list[dict]]) -> list[dict]:
    """Invoke the fixed caller twice at the same moment, one half of the items each."""
    lam = cloud.client("lambda")
    answers: list[dict] = [{}, {}]

    def call(i: int) -> None:
        response = lam.invoke(FunctionName=stack["FixedCallerFunctionName"],
                              Payload=json.dumps({"items": halves[i]}))
        answers[i] = json.loads(response["Payload"].read())

    threads = [threading.Thread(target=call, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_two_fixed_callers_sharing_the_limit_back_off_and_get_every_item(cloud, stack):
    both_fixed_callers(cloud, stack, [BATCH["items"][:1], BATCH["items"][1:2]])  # both warm
    with pitfall05.watch(cloud, stack["InvokedFunctionName"]) as watched:
        answers = both_fixed_callers(cloud, stack, [BATCH["items"][:5], BATCH["items"][5:]])
    assert sorted([*answers[0]["stock"], *answers[1]["stock"]]) == SKUS
    assert answers[0]["failed"] == answers[1]["failed"] == {}
    assert watched.refused > 0  # 4 calls for 2 units: the backoff absorbed the refusals


def test_two_bounded_lists_side_by_side_are_refused_yet_answer_every_item(cloud, stack):
    """The starting point of notebook 05's exercise 2: each list keeps to the limit of 2,
    together they make 4 calls at once, and the backoff hides the refusals."""
    order = json.loads(lab_path(LAB, "events", "order_with_replacements.json").read_text())
    answer, watched = run(cloud, stack, stack["ReplacementsCallerFunctionName"], order)
    assert sorted([*answer["items"]["stock"], *answer["replacements"]["stock"]]) == SKUS
    assert answer["items"]["failed"] == answer["replacements"]["failed"] == {}
    assert watched.refused > 0
    assert pitfall05.most_at_once(watched.records) == 2


def test_the_fixed_caller_reports_every_item_of_a_switched_off_function(cloud, stack):
    lam = cloud.client("lambda")
    inventory = stack["InvokedFunctionName"]
    lam.put_function_concurrency(FunctionName=inventory, ReservedConcurrentExecutions=0)
    try:
        answer, watched = run(cloud, stack, stack["FixedCallerFunctionName"],
                              {"items": BATCH["items"][:1]})
    finally:
        lam.put_function_concurrency(FunctionName=inventory, ReservedConcurrentExecutions=2)
    assert answer == {"stock": {}, "failed": {"apple": "TooManyRequestsException"}}
    assert watched.refused == 12  # every attempt of the backoff, then the refusal reported


def test_the_async_caller_answers_at_once_and_every_result_reaches_the_queue(cloud, stack):
    answer, watched = run(cloud, stack, stack["AsyncCallerFunctionName"])
    assert answer == {"queued": 10}
    cloud.wait_for_async(timeout=60)
    results = pitfall05.results_in_queue(cloud, stack["ResultsQueueUrl"])
    assert sorted(r["responsePayload"]["sku"] for r in results) == SKUS
    assert {r["requestContext"]["condition"] for r in results} == {"Success"}
    queued = [r for r in cloud.invocations(stack["InvokedFunctionName"])
              if r.start >= watched.started and r.outcome == "throttled"]
    assert queued and {r.invocation_type for r in queued} == {"Event"}
