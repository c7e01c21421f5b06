"""Notebook 04's predictions, evidence and exercises: invoke() waits by default.

- ``wrong_caller``, ``thread_caller``: predict what the waiting caller answers for three
  orders, and what becomes of an invoice requested from a background thread.
- ``invoices``, ``show_invoices``: the invoices stored per order; the notebook also calls
  the generic helpers imported here (``show_bill`` from :mod:`billing`; ``show_attempts``,
  ``process_states``, ``wait_until_reclaimed``, ``receive_records`` from :mod:`evidence`).
- ``exercise1``: predict the caller's duration; the check runs the real callers.
- ``exercise2``: fix the lab's caller so that it answers within 1 s and every order still
  gets one invoice; the check deploys it and counts the invoices.
- ``exercise3``: send a failing event's record to a queue (an on-failure destination).
- ``exercise4``: make the invoice function idempotent; the check counts S3 objects.
- ``exercise5``: billed GB-seconds from REPORT lines.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from lambdalab.workshop.billing import duration_seconds, report_value, request_ids_since, show_bill
from lambdalab.workshop.checks import Case, Mistake, NotebookExercises, WrongAnswer, expect
from lambdalab.workshop.detectors import failed, mentions, said
from lambdalab.workshop.evidence import (
    log_blocks,
    process_states,
    receive_records,
    show_attempts,
    wait_until_idle,
    wait_until_reclaimed,
)
from lambdalab.workshop.feedback import say
from lambdalab.workshop.fix_lab import LabFunction
from lambdalab.workshop.functions import ensure_function, ensure_lab_function
from lambdalab.workshop.responses import decoded
from lambdalab.workshop.texts import load_texts

__all__ = ["wrong_caller", "thread_caller", "invoices", "show_invoices", "exercise1",
           "exercise2", "exercise3", "exercise4", "exercise5",
           # the generic helpers the notebook calls from here
           "duration_seconds", "request_ids_since", "show_bill", "process_states",
           "receive_records", "show_attempts", "wait_until_idle", "wait_until_reclaimed"]

LAB = "04_sync_by_default"
T = load_texts("pitfall04")  # topics, hints, mistakes: texts/en/pitfall04.toml
EXERCISES = NotebookExercises("pitfall04", "notebooks/solutions/04_sync_by_default.py", T)

# --- the predictions --------------------------------------------------------------------

wrong_caller = EXERCISES.prediction(
    "wrong_caller",
    question="What does the order service answer for three orders?",
    choices={
        "at_once": "the caller answers at once: `invoke()` only starts the invoice.",
        "after_the_invoices": "the caller answers once the three invoices are done, about "
                              "3 seconds later.",
        "timed_out": "the caller never answers: Lambda stops it at its 3-second timeout.",
    },
    why="`invoke()` without `InvocationType` is `RequestResponse`: it returns when the "
        "invoice function has finished, and the loop waits for each invoice in turn. Three "
        "invoices of about a second each need more than the caller's 3 seconds, so Lambda "
        "ended the caller (`Sandbox.Timedout`) while it was still waiting for the third.")

thread_caller = EXERCISES.prediction(
    "thread_caller",
    question="What becomes of the invoice for order A-2005, requested from a thread?",
    choices={
        "stored": "the thread runs on after the handler has answered, and the invoice is "
                  "stored a second or two later.",
        "never_stored": "the thread never gets its request out, and the invoice is never "
                        "stored.",
    },
    why="When the handler returns, Lambda freezes the whole execution environment, threads "
        "included. The thread was still creating its boto3 session: frozen, it sent nothing. "
        "It would move on only while a later invocation of this environment runs; none came "
        "before the environment was retired, and the thread died with it.")


# --- evidence for the notebook ------------------------------------------------------------

def invoices(cloud: Any, bucket: str, order_ids: Iterable[str]) -> dict[str, list[str]]:
    """The invoice PDFs stored for each order: ``{order_id: [key, ...]}``."""
    s3 = cloud.client("s3")
    found = {}
    for order_id in order_ids:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"invoices/{order_id}/")
        found[order_id] = [item["Key"] for item in listed.get("Contents", [])]
    return found


def show_invoices(cloud: Any, bucket: str, order_ids: Iterable[str]) -> dict[str, list[str]]:
    """Print the invoices stored for each order, one per line; returns them."""
    found = invoices(cloud, bucket, order_ids)
    for order_id, keys in found.items():
        for number, key in enumerate(keys or ["(none)"]):
            say(f"{order_id if number == 0 else '':8}{key}")
    return found


# --- what the checks deploy -------------------------------------------------------------

INVOICE = "ex04-invoice"  # the lab's invoice function, rendering for INVOICE_SECONDS
INVOICE_SECONDS = 0.5
INVOICE_BUCKET = "ex04-invoices"
WAITING, QUEUEING = "ex04-caller-wrong", "ex04-caller-fixed"  # the lab's two callers
CALLER_TIMEOUT = 2
CALLER = LabFunction(LAB, "caller/app.py", "handler_wrong")
INVOICE_CODE = LabFunction(LAB, "invoked/app.py", "handler")


def _ensure_bucket(cloud: Any, bucket: str) -> None:
    s3 = cloud.client("s3")
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={
            "LocationConstraint": cloud.region})


def prepare_invoicing(cloud: Any) -> Any:
    """Deploy the lab's invoice function and both lab callers for the checks (once per
    cloud); returns a Lambda client."""
    _ensure_bucket(cloud, INVOICE_BUCKET)
    ensure_lab_function(cloud, INVOICE, LAB, "invoked", "app.handler", timeout=10, memory=512,
                        environment={"INVOICE_BUCKET": INVOICE_BUCKET,
                                     "INVOICE_SECONDS": str(INVOICE_SECONDS)})
    for name, handler in ((WAITING, "app.handler_wrong"), (QUEUEING, "app.handler_fixed")):
        ensure_lab_function(cloud, name, LAB, "caller", handler, timeout=CALLER_TIMEOUT,
                            environment={"INVOICE_FUNCTION_NAME": INVOICE})
    return cloud.client("lambda")


def new_orders(count: int, prefix: str = "X") -> list[dict[str, Any]]:
    """Orders with fresh ids (every check run has its own invoices) and good addresses."""
    batch = uuid.uuid4().hex[:6].upper()
    return [{"order_id": f"{prefix}-{batch}-{n}", "email": f"customer{n}@example.com",
             "total_yen": 100 * n} for n in range(1, count + 1)]


# --- exercise 1: how long does the caller run? --------------------------------------------

SYNC, EVENT = "RequestResponse", "Event"
TOLERANCE_S = 0.3  # how far a prediction may be from what Lambda does


def warm_up(lam: Any, calls: dict[str, Any]) -> None:
    """Invoke each function once, all at the same time, so that the cases meet warm
    environments (as a function in steady use does), not cold starts."""
    def call(name: str) -> None:
        lam.invoke(FunctionName=name, Payload=json.dumps(calls[name]))["Payload"].read()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        list(pool.map(call, calls))


def caller_seconds_cases(cloud: Any) -> list[Case]:
    lam = prepare_invoicing(cloud)
    warm_up(lam, {INVOICE: new_orders(1)[0], WAITING: {"orders": []},
                  QUEUEING: {"orders": []}})

    def runs_about(orders: int, invocation_type: str, model: float, *,
                   why: Callable[[float], str | None]) -> Callable[[Callable[..., float]], str]:
        def run(caller_seconds: Callable[..., float]) -> str:
            predicted = caller_seconds(orders, INVOICE_SECONDS, CALLER_TIMEOUT, invocation_type)
            if not isinstance(predicted, int | float) or isinstance(predicted, bool):
                raise WrongAnswer(f"answer a number of seconds, not {predicted!r}")
            caller = WAITING if invocation_type == SYNC else QUEUEING
            response = lam.invoke(FunctionName=caller,
                                  Payload=json.dumps({"orders": new_orders(orders)}))
            response["Payload"].read()
            measured = duration_seconds(cloud, caller, response["ResponseMetadata"]["RequestId"])
            # judged against what Lambda does (the model); the run is the evidence, and a
            # busy laptop may stretch it by more than the tolerance
            if abs(predicted - model) > TOLERANCE_S:
                reason = why(predicted)
                wrong = f"you predicted {predicted:g} s; the caller ran about {model:g} s"
                raise WrongAnswer(f"{wrong}: {reason}" if reason else wrong)
            return f"predicted {predicted:g} s: right (this run: {measured:.2f} s)"
        return run

    def sync_reasons(orders: int) -> Callable[[float], str | None]:
        def why(predicted: float) -> str | None:
            if math.isclose(predicted, INVOICE_SECONDS):
                return ("the invocations do not overlap: `invoke()` returns only when an "
                        f"invoice is done, so {orders} invoices take {orders} times as long")
            if predicted < 0.1:
                return ("without `InvocationType`, `invoke()` waits for the invoice "
                        "function to finish")
            if predicted > CALLER_TIMEOUT:
                return (f"Lambda stops the caller at its {CALLER_TIMEOUT} s timeout "
                        "(`Sandbox.Timedout`): it never runs longer")
            return None
        return why

    def event_reason(predicted: float) -> str:
        return ("with `InvocationType='Event'` Lambda answers 202 as soon as the event is "
                "queued: the caller does not wait for any invoice")

    return [
        Case("1 order, invoked the default way", runs_about(1, SYNC, INVOICE_SECONDS,
                                                            why=sync_reasons(1))),
        Case("3 orders, invoked the default way", runs_about(3, SYNC, 3 * INVOICE_SECONDS,
                                                             why=sync_reasons(3))),
        Case("3 orders, with InvocationType='Event'",
             runs_about(3, EVENT, 0.0, why=event_reason)),
        Case(f"6 orders, invoked the default way, caller timeout {CALLER_TIMEOUT} s",
             runs_about(6, SYNC, float(CALLER_TIMEOUT), why=sync_reasons(6))),
    ]


exercise1 = EXERCISES.exercise(1, caller_seconds_cases, mistakes=[
    Mistake(T.mistake("waits_add_up"), said("invocations do not overlap")),
    Mistake(T.mistake("timeout_ends_the_caller"), said("stops the caller at its"))])


# --- exercise 2: fix the lab's caller -------------------------------------------------------

YOUR_CALLER = "ex04-your-caller"
FAST_ENOUGH_S = 1.0
INVOICE_WAIT_S = 4.0  # after the queue is empty: long enough for a thread to have sent
ASYNC_LIMIT = 1_048_576


def deploy_your_caller(cloud: Any, handler: Any) -> str:
    """Deploy the edited caller, wired to the lab's invoice function."""
    CALLER.edit(handler)  # NOT ATTEMPTED, before deploying anything, while unchanged
    prepare_invoicing(cloud)
    CALLER.deploy(cloud, handler, YOUR_CALLER, environment={"INVOICE_FUNCTION_NAME": INVOICE},
                  timeout=5)
    return YOUR_CALLER


def _wait_for_invoices(cloud: Any, order_ids: Sequence[str]) -> dict[str, list[str]]:
    cloud.wait_for_async(timeout=30)
    deadline = time.monotonic() + INVOICE_WAIT_S
    while True:
        found = invoices(cloud, INVOICE_BUCKET, order_ids)
        if all(found.values()) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def your_caller_cases(cloud: Any) -> list[Case]:
    lam = cloud.client("lambda")
    batch = {"orders": new_orders(3)}
    started = time.time()

    def fast(caller: str) -> str:
        response = lam.invoke(FunctionName=caller, Payload=json.dumps(batch))
        answer = decoded(response)
        if "FunctionError" in response:
            error = answer if isinstance(answer, dict) else {}
            raise WrongAnswer(f"your caller failed with {error.get('errorType')}: "
                              f"{error.get('errorMessage')}")
        seconds = duration_seconds(cloud, caller, response["ResponseMetadata"]["RequestId"])
        status = answer.get("status") if isinstance(answer, dict) else None
        expect(status == "accepted", f"your caller answered {answer!r}; expected status "
                                     "'accepted'")
        expect(seconds <= FAST_ENOUGH_S,
               f"your caller ran longer than {FAST_ENOUGH_S:g} s: it still waits for the "
               f"invoices ({INVOICE_SECONDS:g} s each)")
        return f"answered 'accepted' within {FAST_ENOUGH_S:g} s"

    def invoiced(caller: str) -> str:
        found = _wait_for_invoices(cloud, [o["order_id"] for o in batch["orders"]])
        counts = [len(keys) for keys in found.values()]
        missing = counts.count(0)
        if missing:
            raise WrongAnswer(
                f"{missing} of the 3 orders never got an invoice: the request did not reach "
                "the invoice function (work left in a thread is frozen with the environment "
                "when the handler returns)")
        if any(count > 1 for count in counts):
            raise WrongAnswer("an order got more than one invoice: the invoice function "
                              "ran more than once for it (a client-side timeout does not "
                              "cancel an invocation, and boto3 retries it)")
        kinds = {r.invocation_type for r in cloud.invocations(INVOICE) if r.start >= started}
        if kinds != {EVENT}:
            raise WrongAnswer(
                "the invoices were made, but your caller's request waited for them "
                "(RequestResponse): from a thread that is a race your request won this "
                "time; frozen a moment earlier, it would never have been sent")
        return "3 invoices, one per order, each queued by Lambda"

    def refused(caller: str) -> str:
        too_big = new_orders(2)
        too_big[1]["logo_png_base64"] = "A" * (ASYNC_LIMIT + 10_000)
        response = lam.invoke(FunctionName=caller, Payload=json.dumps({"orders": too_big}))
        answer = decoded(response)
        if "FunctionError" in response:
            return "your caller failed, so its invoker sees that the batch was not accepted"
        status = answer.get("status") if isinstance(answer, dict) else answer
        expect(status != "accepted",
               "your caller answered 'accepted', yet Lambda refused to queue an order: "
               "`invoke()` raised (RequestEntityTooLargeException, over the 1 MB asynchronous "
               "limit) and the error was lost. Let a refused call fail the caller")
        return f"answered {status!r}, not 'accepted'"

    return [Case("a batch of 3 orders: your caller answers", fast),
            Case("each order of that batch gets its invoice", invoiced),
            Case("a batch with an order over Lambda's 1 MB limit for queued events", refused)]


exercise2 = EXERCISES.exercise(2, your_caller_cases, answer=deploy_your_caller, mistakes=[
    Mistake(T.mistake("thread_frozen_with_the_environment"),
            lambda attempt: attempt.failed("each order") and any(
                attempt.mentions(name) for name in ("Thread", "Executor", "submit("))),
    Mistake(T.mistake("refusal_swallowed"), failed("a batch with an order over")),
    Mistake(T.mistake("caller_undefined_name"), said("NameError"))])


# --- exercise 3: an on-failure destination ------------------------------------------------

SENDER = "ex04-invoice-sender"
FAILURES_QUEUE = "ex04-failed-invoices"
SENDER_SOURCE = """\
class InvoiceNotSent(Exception):
    pass


def handler(event, context):
    if "@" not in event.get("email", ""):
        raise InvoiceNotSent(f"order {event['order_id']}: cannot send to {event.get('email')!r}")
    return {"sent": event["order_id"]}
"""


@dataclass(frozen=True)
class DestinationSetup:
    function_name: str
    queue_url: str
    queue_arn: str


def prepare_destination(cloud: Any) -> DestinationSetup:
    """The function that fails for a bad address, with no asynchronous configuration yet,
    and an empty queue for its failures."""
    ensure_function(cloud, SENDER, SENDER_SOURCE, Timeout=3)
    lam, sqs = cloud.client("lambda"), cloud.client("sqs")
    try:
        lam.delete_function_event_invoke_config(FunctionName=SENDER)
    except ClientError:
        pass
    if lam.get_function_configuration(FunctionName=SENDER).get("DeadLetterConfig"):
        lam.update_function_configuration(FunctionName=SENDER, DeadLetterConfig={})
    url = sqs.create_queue(QueueName=FAILURES_QUEUE)["QueueUrl"]
    receive_records(cloud, url)  # empty it
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    return DestinationSetup(SENDER, url, arn)


def _is_record(message: Any) -> bool:
    return isinstance(message, dict) and "requestContext" in message


def destination_cases(cloud: Any) -> list[Case]:
    lam = cloud.client("lambda")
    setup = prepare_destination(cloud)
    failing = {"order_id": f"F-{uuid.uuid4().hex[:6].upper()}", "email": "kato(at)example.com"}
    succeeding = {"order_id": f"S-{uuid.uuid4().hex[:6].upper()}", "email": "ito@example.com"}
    outcome: dict[str, Any] = {}

    def messages(send_failures_to: Callable[..., Any]) -> list[Any]:
        """Configure with the learner's function (once), send both events, read the queue."""
        if "messages" not in outcome:
            send_failures_to(lam, setup.function_name, setup.queue_arn)
            for event in (failing, succeeding):
                lam.invoke(FunctionName=setup.function_name, InvocationType="Event",
                           Payload=json.dumps(event))
            cloud.wait_for_async(timeout=30)
            outcome["messages"] = receive_records(cloud, setup.queue_url, wait=1.0)
        return outcome["messages"]

    def about(event: dict[str, Any], send_failures_to: Callable[..., Any]) -> list[Any]:
        return [m for m in messages(send_failures_to)
                if (m.get("requestPayload") if _is_record(m) else m) == event]

    def failure_recorded(setup_by_learner: Callable[..., Any]) -> str:
        found = about(failing, setup_by_learner)
        if not found:
            raise WrongAnswer("nothing about the failing event reached the queue")
        if not any(_is_record(m) for m in found):
            raise WrongAnswer("the event itself reached the queue, not an invocation "
                              "record: that is what a dead-letter queue receives (no "
                              "condition, no error, no response)")
        record = next(m for m in found if _is_record(m))
        condition = record["requestContext"].get("condition")
        expect(condition == "RetriesExhausted", f"the record's condition is {condition!r}")
        error = (record.get("responsePayload") or {}).get("errorType")
        return f"a record arrived: condition RetriesExhausted, errorType {error}"

    def retried(setup_by_learner: Callable[..., Any]) -> str:
        records = [m for m in about(failing, setup_by_learner) if _is_record(m)]
        if not records:
            raise WrongAnswer("no record to read the attempts from")
        attempts = records[0]["requestContext"].get("approximateInvokeCount")
        expect(attempts == 3, f"Lambda tried the event {attempts} time(s), not 3: keep its two "
                              "retries (MaximumRetryAttempts 2, the default)")
        return "approximateInvokeCount 3"

    def quiet_on_success(setup_by_learner: Callable[..., Any]) -> str:
        found = about(succeeding, setup_by_learner)
        expect(not found, "a message about the event that succeeded reached the queue too: "
                          "only failures go there (`OnFailure`, not `OnSuccess`)")
        return "no message"

    return [Case("an event that fails on every attempt: its record reaches the queue",
                 failure_recorded),
            Case("that event is still tried three times", retried),
            Case("an event that succeeds", quiet_on_success)]


exercise3 = EXERCISES.exercise(3, destination_cases, mistakes=[
    Mistake(T.mistake("destination_named_by_url"), said("ValidationException", "destination")),
    Mistake(T.mistake("dead_letter_queue_instead"), mentions("DeadLetterConfig")),
    Mistake(T.mistake("destination_not_a_dict"), said("ParamValidationError"))])


# --- exercise 4: an idempotent invoice function -------------------------------------------

YOUR_INVOICE = "ex04-your-invoice"
YOUR_BUCKET = "ex04-your-invoices"


def deploy_your_invoice(cloud: Any, handler: Any) -> str:
    """Deploy the edited invoice function with Lambda's default retries."""
    INVOICE_CODE.edit(handler)
    _ensure_bucket(cloud, YOUR_BUCKET)
    INVOICE_CODE.deploy(cloud, handler, YOUR_INVOICE, timeout=5,
                        environment={"INVOICE_BUCKET": YOUR_BUCKET, "INVOICE_SECONDS": "0.05"})
    lam = cloud.client("lambda")
    try:
        lam.delete_function_event_invoke_config(FunctionName=YOUR_INVOICE)
    except ClientError:
        pass
    return YOUR_INVOICE


def error_of(cloud: Any, function_name: str, request_id: str) -> str | None:
    """``ErrorType: message`` of the last failed attempt of a request, from its log."""
    for block in reversed(log_blocks(cloud.logs(function_name), request_id)):
        for line in block:
            if line.startswith("[ERROR] "):
                return line[len("[ERROR] "):].split("\n")[0].strip()
    return None


def idempotent_cases(cloud: Any) -> list[Case]:
    lam = cloud.client("lambda")
    good, twice = new_orders(2, prefix="G")
    bad = {**new_orders(1, prefix="B")[0], "email": "kato(at)example.com"}
    ended: dict[str, Any] = {}

    def run_all(function: str) -> None:
        """Send the events once: the duplicate after the first delivery has ended."""
        if ended:
            return
        ids = {}
        for batch in ((("good", good), ("twice-1", twice), ("bad", bad)),
                      (("twice-2", twice),)):
            for label, order in batch:
                response = lam.invoke(FunctionName=function, InvocationType="Event",
                                      Payload=json.dumps(order))
                ids[label] = response["ResponseMetadata"]["RequestId"]
            cloud.wait_for_async(timeout=40)
        results = {r.request_id: r for r in cloud.async_results(function)}
        ended.update({label: results.get(request_id) for label, request_id in ids.items()})
        ended["ids"] = ids

    def stored(order: dict[str, Any]) -> int:
        listed = cloud.client("s3").list_objects_v2(Bucket=YOUR_BUCKET)
        return sum(order["order_id"] in item["Key"] for item in listed.get("Contents", []))

    def good_order(function: str) -> str:
        run_all(function)
        result = ended["good"]
        if result is None or result.condition != "Success":
            raised = error_of(cloud, function, ended["ids"]["good"])
            raise WrongAnswer(f"the event ended with {getattr(result, 'condition', None)!r}, "
                              "not 'Success'" + (f" (your function raised {raised})"
                                                 if raised else ""))
        count = stored(good)
        expect(count == 1, f"{count} invoices were stored for the order, not 1")
        return "one invoice, sent"

    def delivered_twice(function: str) -> str:
        run_all(function)
        count = stored(twice)
        expect(count, "no invoice was stored for the order")
        expect(count == 1,
               f"{count} invoices for one order: each delivery (a new request id) stored its "
               "own. Decide from the order, not from the invocation, whether its invoice exists")
        return "still one invoice"

    def retried(function: str) -> str:
        run_all(function)
        result = ended["bad"]
        condition = getattr(result, "condition", None)
        attempts = getattr(result, "attempts", None)
        if condition == "Success":
            raise WrongAnswer(
                f"the event ended as a success after {attempts} attempt(s): the invoice was "
                "never sent, yet Lambda was told all went well (no more retries, no record for "
                "the on-failure destination). Let the failure raise")
        expect(condition == "RetriesExhausted" and attempts == 3,
               f"the event ended with {condition!r} after {attempts} attempt(s)")
        count = stored(bad)
        expect(count, "no invoice was stored for the order")
        expect(count == 1, f"{count} invoices for one order after Lambda's 3 attempts: "
                           "each attempt stored a new one")
        return "3 attempts, one invoice"

    return [Case("a good order", good_order),
            Case("the same order delivered twice (Lambda delivers at least once)",
                 delivered_twice),
            Case("an order whose address is invalid, retried by Lambda", retried)]


exercise4 = EXERCISES.exercise(4, idempotent_cases, answer=deploy_your_invoice, mistakes=[
    Mistake(T.mistake("failure_caught"), said("ended as a success")),
    Mistake(T.mistake("keyed_on_request_id"), mentions("aws_request_id")),
    Mistake(T.mistake("invoice_undefined_name"), said("NameError"))])


# --- exercise 5: billed GB-seconds ----------------------------------------------------------

SMALL, LARGE, SLOW = "ex04-report-128", "ex04-report-512", "ex04-report-timeout"
PRINTS = ("import time\n\ndef handler(event, context):\n"
          "    print('rendered page 1 in 42 ms')\n    time.sleep(event.get('sleep', 0.05))\n")


def _expected_gb_seconds(lines: Sequence[str], *, field: str = "Billed Duration",
                         mb_per_gb: int = 1024, ms_per_s: int = 1000,
                         add_init: bool = False) -> float:
    """What the REPORT lines bill; the keywords compute the known wrong readings."""
    total = 0.0
    for line in lines:
        if not line.startswith("REPORT "):
            continue
        duration = report_value(line, field)
        if add_init and "\tInit Duration: " in line:
            duration += report_value(line, "Init Duration")
        memory = int(report_value(line, "Memory Size", "MB"))
        total += duration / ms_per_s * memory / mb_per_gb
    return total


def _log_of(cloud: Any, function_name: str, request_ids: Sequence[str]) -> list[str]:
    lines = cloud.logs(function_name)
    return [line for request_id in request_ids for block in log_blocks(lines, request_id)
            for line in block]


def billing_logs(cloud: Any) -> dict[str, list[str]]:
    """Real log lines of the situations the cases describe."""
    lam = cloud.client("lambda")
    for name, memory, timeout in ((SMALL, 128, 3), (LARGE, 512, 3), (SLOW, 128, 1)):
        ensure_function(cloud, name, PRINTS, MemorySize=memory, Timeout=timeout)
        lam.update_function_configuration(FunctionName=name, Description=uuid.uuid4().hex)

    def run(name: str, event: dict[str, Any] | None = None) -> str:
        response = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}))
        response["Payload"].read()
        return response["ResponseMetadata"]["RequestId"]

    cold, warm = run(SMALL), run(SMALL)
    large = [run(LARGE) for _ in range(3)]
    slow = run(SLOW, {"sleep": 1.5})
    time.sleep(0.2)  # the timed-out environment's REPORT line
    return {"warm": _log_of(cloud, SMALL, [warm]), "cold": _log_of(cloud, SMALL, [cold]),
            "large": _log_of(cloud, LARGE, large), "slow": _log_of(cloud, SLOW, [slow])}


VARIANTS: dict[str, dict[str, Any]] = {  # each misreading, as _expected_gb_seconds computes it
    "the value `Duration` gives: Lambda bills `Billed Duration` (rounded up, init included)":
        {"field": "Duration"},
    "1000 MB per GB: Lambda counts 1024 (512 MB is 0.5 GB)": {"mb_per_gb": 1000},
    "milliseconds times GB: divide the milliseconds by 1000 first": {"ms_per_s": 1},
    "`Init Duration` added, which `Billed Duration` already includes": {"add_init": True},
}


def gb_seconds_cases(cloud: Any) -> list[Case]:
    logs = billing_logs(cloud)

    def bills(key: str) -> Callable[[Callable[[list[str]], float]], str]:
        def run(billed_gb_seconds: Callable[[list[str]], float]) -> str:
            lines = list(logs[key])
            answer = billed_gb_seconds(lines)
            if not isinstance(answer, int | float) or isinstance(answer, bool):
                raise WrongAnswer(f"answer a number of GB-seconds, not {answer!r}")
            expected = _expected_gb_seconds(lines)
            if math.isclose(answer, expected, rel_tol=1e-6, abs_tol=1e-9):
                return "right"
            for explanation, variant in VARIANTS.items():
                wrong = _expected_gb_seconds(lines, **variant)
                if wrong != expected and math.isclose(answer, wrong, rel_tol=1e-6):
                    raise WrongAnswer(f"you answered {explanation}")
            raise WrongAnswer("that is not what these lines bill")
        return run

    return [Case("one warm invocation of a 128 MB function", bills("warm")),
            Case("its first, cold invocation (a REPORT with Init Duration)", bills("cold")),
            Case("three invocations of a 512 MB function, with what the function printed",
                 bills("large")),
            Case("an invocation that ran into its 1 s timeout", bills("slow"))]


exercise5 = EXERCISES.exercise(5, gb_seconds_cases, mistakes=[
    Mistake(T.mistake("duration_instead_of_billed_duration"),
            said("the value `Duration` gives"))])
