"""Destination records and dead-letter messages replayed against AWS's recorded ones
(recorded/lambda_destinations.json). The handler raises on the line the recorded one did:
a record's stack trace names it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from handlers import CONTEXT_OF, with_line_at
from replay import Replay, cases, queue, received, without_report

from lambdalab import LocalCloud

pytestmark = pytest.mark.both_runtime_clients  # each recording, on either client

# handler.py, laid out so that its raise is on line 55, as in the recorded function
HANDLER = with_line_at("import logging\n" + CONTEXT_OF + '''

def handler(event, context):
    """Echo the event and the context; raise when asked to."""
    print("Lambda log message - print function")
    logging.getLogger().setLevel(logging.INFO)
    logging.info("Lambda log message - logging module")
    if not event.get("raise_error"):
        return {"event": event, "context": context_of(context)}
    raise Exception("Test exception (this is intentional)")
''', "raise Exception", 55)
KNOWN: dict[str, dict[str, str]] = {}


@pytest.fixture(scope="module")
def replays(cloud: LocalCloud, deploy: Any, lam: Any) -> dict[str, Replay]:
    done: dict[str, Replay] = {}
    for case, payload in (("destination_success_record", {}),
                          ("destination_failure_record", {"raise_error": 1})):
        name = f"parity-{case.replace('_', '-')}"
        url, arn = queue(cloud, name)
        deploy(name, {"handler.py": HANDLER}, handler="handler.handler")
        replay = Replay("lambda_destinations", case)
        replay.call("put_function_event_invoke_config", lam.put_function_event_invoke_config,
                    FunctionName=name, MaximumRetryAttempts=0, DestinationConfig={
                        "OnSuccess": {"Destination": arn}, "OnFailure": {"Destination": arn}})
        lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps(payload))
        replay.keep("receive_message_result", received(cloud, url))
        done[case] = replay

    url, arn = queue(cloud, "parity-dlq")
    deploy("parity-dlq", {"handler.py": HANDLER}, handler="handler.handler",
           DeadLetterConfig={"TargetArn": arn})
    lam.put_function_event_invoke_config(FunctionName="parity-dlq", MaximumRetryAttempts=0)
    dead = Replay("lambda_destinations", "dead_letter_queue")
    lam.invoke(FunctionName="parity-dlq", InvocationType="Event",
               Payload=json.dumps({"raise_error": 1}))
    dead.keep("receive_result", received(cloud, url, MessageAttributeNames=["All"]))
    answer = dead.call("invoke_result", lam.invoke, FunctionName="parity-dlq", LogType="Tail",
                       Payload=json.dumps({"raise_error": 1}))
    dead.keep("log_result", {"result": without_report(answer["LogResult"])})
    done["dead_letter_queue"] = dead
    return done


PARAMETERS = [pytest.param(case, key, id=f"{case}-{key}",
                           marks=pytest.mark.xfail(reason=KNOWN[case][key], strict=True)
                           if key in KNOWN.get(case, {}) else ())
              for case, keys in (
                  ("destination_success_record", None), ("destination_failure_record", None),
                  ("dead_letter_queue", ["receive_result", "invoke_result", "log_result"]))
              for key in (keys or [p if isinstance(p, str) else p.values[0]
                                   for p in cases("lambda_destinations", case)])]


@pytest.mark.parametrize("case, key", PARAMETERS)
def test_replayed(replays: dict[str, Replay], case: str, key: str) -> None:
    replays[case].compare(key)


# index.py of the recorded EventBridge case: the raise on line 4
EVENTBRIDGE_HANDLER = '''\
def handler(event, context):
    if event.get("mode") == "failure":
        # the recorded function's raise is on this file's line 4
        raise Exception("intentional failure!")
    return {"hello": "world", "test": "abc", "val": 5, "success": True}
'''
@pytest.fixture(scope="module")
def eventbridge(cloud: LocalCloud, deploy: Any, lam: Any) -> Replay:
    events = cloud.client("events")
    bus = events.create_event_bus(Name="parity-destinations")["EventBusArn"]
    url, arn = queue(cloud, "parity-eventbridge-results")
    events.put_rule(Name="parity-results", EventBusName="parity-destinations",
                    EventPattern=json.dumps({"source": ["lambda"]}))
    events.put_targets(Rule="parity-results", EventBusName="parity-destinations",
                       Targets=[{"Id": "queue", "Arn": arn}])
    deploy("parity-eventbridge", {"index.py": EVENTBRIDGE_HANDLER}, handler="index.handler")
    lam.put_function_event_invoke_config(
        FunctionName="parity-eventbridge", MaximumRetryAttempts=0, DestinationConfig={
            "OnSuccess": {"Destination": bus}, "OnFailure": {"Destination": bus}})
    replay = Replay("lambda_destinations", "destination_eventbridge")
    sqs = cloud.client("sqs")
    for key, mode in (("lambda_destination_event_bus_success", "success"),
                      ("lambda_destination_event_bus_failure", "failure")):
        lam.invoke(FunctionName="parity-eventbridge", InvocationType="Event",
                   Payload=json.dumps({"mode": mode}))
        [message] = received(cloud, url)["Messages"]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        replay.keep(key, json.loads(message["Body"]))
    return replay


@pytest.mark.parametrize("key", cases("lambda_destinations", "destination_eventbridge"))
def test_eventbridge(eventbridge: Replay, key: str) -> None:
    eventbridge.compare(key)


@pytest.fixture(scope="module")
def switched_off(cloud: LocalCloud, deploy: Any, lam: Any) -> Replay:
    """Reserved concurrency 0: a synchronous call refused, an Event sent to failure."""
    replay = Replay("lambda", "reserved_concurrency_zero")
    url, arn = queue(cloud, "parity-switched-off")
    deploy("parity-switched-off", "def handler(event, context):\n    return event\n")
    replay.call("put_reserved", lam.put_function_concurrency,
                FunctionName="parity-switched-off", ReservedConcurrentExecutions=0)
    replay.call("exc_no_cap_requestresponse", lam.invoke, FunctionName="parity-switched-off",
                Payload=b"{}")
    replay.call("put_event_invoke_conf", lam.put_function_event_invoke_config,
                FunctionName="parity-switched-off", MaximumRetryAttempts=0,
                DestinationConfig={"OnFailure": {"Destination": arn}})
    replay.call("invoke_result", lam.invoke, FunctionName="parity-switched-off",
                InvocationType="Event", Payload=b"{}")
    [message] = received(cloud, url, MessageSystemAttributeNames=["All"])["Messages"]
    replay.keep("msg", message)
    return replay


@pytest.mark.parametrize("key", cases("lambda", "reserved_concurrency_zero"))
def test_reserved_concurrency_zero(switched_off: Replay, key: str) -> None:
    switched_off.compare(key)
