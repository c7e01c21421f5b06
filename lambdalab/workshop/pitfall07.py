"""Notebook 07's helpers, prediction and exercises: a client that stops waiting calls again.

- ``wrong_caller``: predict how many times the payment function runs for one checkout.
- ``payment_runs``, ``show_captures``, ``overlapping_calls``, ``show_answer``: what ran,
  what was captured, what a call answered.
- ``exercise1``: how many times does the payment function run, for a client ``Config``?
- ``exercise2``: a ``Config`` with which the payment function runs once and the caller
  still learns how it ended; the check invokes stand-ins through a client built from it.
- ``exercise3``: make the lab's refund ``handler`` idempotent with S3 as its only store;
  the check deploys it in the lab's code, sends it the same refund again (after, and
  during, the first run; after the provider failed) and counts the refunds in the bucket.
"""

from __future__ import annotations

import ast
import json
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

from lambdalab.workshop.checks import Case, Mistake, NotebookExercises, WrongAnswer, expect
from lambdalab.workshop.detectors import failed, failed_with, said
from lambdalab.workshop.feedback import say
from lambdalab.workshop.fix_lab import LabFunction
from lambdalab.workshop.functions import ensure_function
from lambdalab.workshop.responses import decoded, invoke_decoded
from lambdalab.workshop.texts import load_texts

LAB = "07_timeouts_and_retries"
SOLUTIONS = "notebooks/solutions/07_timeouts_and_retries.py"
T = load_texts("pitfall07", solutions=SOLUTIONS)  # topics, hints, mistakes: texts/en/pitfall07.toml
EXERCISES = NotebookExercises("pitfall07", SOLUTIONS, T)
COUNTS = {1: "once", 2: "twice", 3: "three_times", 5: "five_times"}

# --- the prediction ----------------------------------------------------------------------

wrong_caller = EXERCISES.prediction(
    "wrong_caller",
    question="How many times does the payment function run for one checkout?",
    choices={
        "once": "the checkout service called `invoke()` once, but its client stopped waiting "
                "after 1 s and boto3 sent the same request again: each request is a new "
                "invocation.",
        "twice": "boto3 does not stop after one retry: in its default mode it makes up to 3 "
                 "attempts in all.",
        "three_times": "the first attempt and two retries, one after each read timeout.",
        "five_times": "5 attempts was boto3's default in legacy mode, before botocore 1.44.0; "
                      "this function runs a newer boto3, whose default mode (standard) makes "
                      "3.",
    },
    why="The client waited 1 s, the payment takes 2 s. At the read timeout botocore closed "
        "the connection and, since a read timeout is a transient error, sent the request "
        "again: Lambda saw a new request and ran the function again, while the first run "
        "went on. boto3's default mode makes 3 attempts, so the payment was captured 3 "
        "times, and the checkout still failed with `ReadTimeoutError`.")

# --- what ran and what was captured ----------------------------------------------------------


def captures(cloud: Any, table: str, order_id: str) -> list[dict[str, Any]]:
    """The items of the captures table recorded for ``order_id``."""
    items = cloud.client("dynamodb").scan(TableName=table)["Items"]
    return [item for item in items if item["order_id"]["S"] == order_id]


def show_captures(cloud: Any, table: str, order_ids: list[str]) -> dict[str, int]:
    """Print how many captures each order has; returns the counts."""
    counts = {order_id: len(captures(cloud, table, order_id)) for order_id in order_ids}
    for order_id, count in counts.items():
        say(f"order {order_id}: captured {count} time(s)")
    return counts


def payment_runs(cloud: Any, function_name: str, since: float) -> list[Any]:
    """The invocations of ``function_name`` that started after ``since`` (time.time())."""
    return [r for r in cloud.invocations(function_name) if r.start >= since]


def wait_until_idle(cloud: Any, function_name: str, timeout: float = 30) -> None:
    """Wait for the runs still going on (the callee runs on after its caller gave up)."""
    deadline = time.monotonic() + timeout
    while cloud.concurrency_in_use(function_name) and time.monotonic() < deadline:
        time.sleep(0.1)


IN_PROGRESS = {"IN_PROGRESS", "INPROGRESS"}  # the lab's status, and Powertools'


def overlapping_calls(cloud: Any, function_name: str, payload: dict[str, Any],
                      claims_table: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Invoke twice with the same payload: the second call as soon as the first run has
    claimed its key in ``claims_table`` (while it is still charging, as a client's retry
    would come); returns both responses."""
    lam, dynamodb = cloud.client("lambda"), cloud.client("dynamodb")
    responses: dict[int, dict[str, Any]] = {}

    def call(number: int) -> None:
        responses[number] = lam.invoke(FunctionName=function_name,
                                       Payload=json.dumps(payload))

    def claimed() -> bool:
        items = dynamodb.scan(TableName=claims_table)["Items"]
        return any(item.get("status", {}).get("S") in IN_PROGRESS for item in items)

    first = threading.Thread(target=call, args=(1,))
    first.start()
    deadline = time.monotonic() + 15
    while not claimed() and first.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    call(2)
    first.join()
    return responses[1], responses[2]


def show_answer(label: str, response: dict[str, Any]) -> Any:
    """Print what a call answered, in one or two lines: the result, or the function's
    error type and message (without the stack trace); returns the decoded payload."""
    body = json.loads(response["Payload"].read() or b"null")
    if "FunctionError" in response and isinstance(body, dict):
        text = f"{label}: FunctionError, {body.get('errorType')}: {body.get('errorMessage')}"
    else:
        text = f"{label}: {json.dumps(body)}"
    # a token too long for a line (Powertools' idempotency key) may break before a "#"
    words = [word.replace("#", " #") if len(word) > 80 else word for word in text.split(" ")]
    lines = textwrap.wrap(" ".join(words), width=86, subsequent_indent="    ",
                          break_on_hyphens=False)
    say("\n".join(line.rstrip() for line in lines))
    return body


def show_claims(cloud: Any, table: str) -> list[dict[str, Any]]:
    """Print every claim of the idempotency table: its key, then each attribute (times
    as seconds from now, rounded to minutes, so that they read the same on every run)."""
    items = sorted(cloud.client("dynamodb").scan(TableName=table)["Items"],
                   key=lambda item: item["id"]["S"])
    now = time.time()
    for item in items:
        say(item["id"]["S"])
        for name in sorted(set(item) - {"id"}):
            [(kind, value)] = item[name].items()
            if kind == "N":  # Powertools' expiries: epoch seconds, or milliseconds
                seconds = float(value) / (1000 if name == "in_progress_expiration" else 1)
                value = f"N, a time: in about {round((seconds - now) / 60)} min"
            else:
                value = f"{kind} {value}"
            say(f"    {name:24}{value}")
    return items


# --- exercise 1: how many runs? ---------------------------------------------------------------

DEFAULT_ATTEMPTS = {"legacy": 5, "standard": 3, "adaptive": 3}  # boto3's retries guide


def exercise1_cases(cloud: Any) -> list[Case]:
    def runs_times(config: Config, payment_seconds: float, runs: int, why: str,
                   wrong: dict[int, str] | None = None) -> Callable[[Any], str]:
        def run(payment_runs: Callable[[Config, float], int]) -> str:
            answer = payment_runs(config, payment_seconds)
            if answer != runs:
                reason = (wrong or {}).get(answer, why)
                raise WrongAnswer(f"you answered {answer!r}, it runs {runs} time(s): {reason}")
            return f"{runs}"
        return run

    standard_default = ("with boto3 1.44 and later the default mode is standard: 3 attempts "
                        "in all, and a read timeout is retried.")
    return [
        Case("Config(read_timeout=1), a 3 s payment", runs_times(
            Config(read_timeout=1), 3, 3, standard_default,
            {5: "5 was legacy mode's default; " + standard_default})),
        Case("Config(read_timeout=1, retries={'mode': 'legacy'}), a 3 s payment", runs_times(
            Config(read_timeout=1, retries={"mode": "legacy"}), 3, 5,
            "legacy mode makes 5 attempts in all, and retries a read timeout.")),
        Case("Config() (boto3's defaults), a 3 s payment", runs_times(
            Config(), 3, 1, "the default read_timeout is 60 s: the answer comes first, "
            "and an answer is never retried.")),
        Case("Config() (boto3's defaults), a 90 s payment", runs_times(
            Config(), 90, 3, "the default read_timeout, 60 s, is shorter than 90 s: each "
            "attempt times out, and standard mode makes 3.")),
        Case("Config(read_timeout=1, retries={'total_max_attempts': 2}), a 3 s payment",
             runs_times(Config(read_timeout=1, retries={"total_max_attempts": 2}), 3, 2,
                    "`total_max_attempts` counts every attempt, the first one included.",
                    {3: "`total_max_attempts` counts the first attempt too: 2 in all."})),
        Case("Config(read_timeout=1, retries={'max_attempts': 0}), a 3 s payment",
             runs_times(Config(read_timeout=1, retries={"max_attempts": 0}), 3, 1,
                    "`max_attempts` counts retries only, without the first attempt: 0 "
                    "retries, one run.")),
    ]


exercise1 = EXERCISES.exercise(1, exercise1_cases, needs_cloud=False, mistakes=[
    Mistake(T.mistake("max_attempts_miscounted"),
            lambda attempt: attempt.failed("Config(read_timeout=1, retries={'total_max")
            or attempt.failed("Config(read_timeout=1, retries={'max_attempts")),
    Mistake(T.mistake("answer_in_time_not_retried"), failed("Config() (boto3's defaults), a 3 s"))])

# --- exercise 2: one run, and the caller learns the outcome ---------------------------------

QUICK, SLOW = "ex07-payment-quick", "ex07-payment-times-out"
PAYMENT_TIMEOUT = 2  # the stand-ins' Timeout, in seconds
# Lambda's limit on a cold start's Init phase, in seconds: Init comes before the function's
# timeout starts, and an Init that runs out is retried within it (Lambda developer guide,
# "Understanding the Lambda execution environment lifecycle", Init phase)
INIT_LIMIT = 10
STAND_INS = {  # name: source; both have a 2 s timeout
    QUICK: "import time\n\ndef handler(event, context):\n    time.sleep(1.5)\n"
           "    return {'capture_id': 'cap_quick'}\n",
    SLOW: "import time\n\ndef handler(event, context):\n    time.sleep(10)\n",
}


def _stand_ins(cloud: Any) -> None:
    for name, source in STAND_INS.items():
        ensure_function(cloud, name, source, Timeout=PAYMENT_TIMEOUT)


def exercise2_cases(cloud: Any) -> list[Case]:
    _stand_ins(cloud)

    def client_from(safe_config: Callable[[int], Any]) -> Any:
        config = safe_config(PAYMENT_TIMEOUT)
        expect(isinstance(config, Config),
               f"return a botocore.config.Config, not {type(config).__name__}")
        return cloud.client("lambda", config=config)

    def once(name: str, expected_error: str | None) -> Callable[[Any], str]:
        def run(safe_config: Callable[[int], Any]) -> str:
            lam = client_from(safe_config)
            since = time.time()
            try:
                response = lam.invoke(FunctionName=name, Payload=b"{}")
                error = response.get("FunctionError")
                body = decoded(response)
            except ReadTimeoutError:
                wait_until_idle(cloud, name)
                runs = len(payment_runs(cloud, name, since))
                raise WrongAnswer(
                    f"your client gave up waiting (ReadTimeoutError) and the payment ran "
                    f"{runs} time(s): it never learned how the payment ended. Wait longer "
                    f"than the payment function's own {PAYMENT_TIMEOUT} s timeout") from None
            wait_until_idle(cloud, name)
            runs = len(payment_runs(cloud, name, since))
            expect(runs == 1, f"the payment ran {runs} times")
            if expected_error:
                kind = body.get("errorType") if isinstance(body, dict) else None
                expect(error and kind == expected_error, f"expected {expected_error}, got {body!r}")
                return f"ran once; the caller got FunctionError ({expected_error})"
            expect(not error, f"the payment failed: {body!r}")
            return "ran once; the caller got the capture"
        return run

    def not_repeated(safe_config: Callable[[int], Any]) -> str:
        lam = client_from(safe_config)
        attempts = _total_attempts(lam.meta.config.retries or {})
        expect(attempts == 1,
               f"your client makes up to {attempts} attempts: if a connection breaks after "
               "Lambda got the request (Lambda is running the payment), boto3 sends it again "
               "and the card is charged again. Allow one attempt")
        return "one attempt: a sent capture is never sent again by boto3"

    def covers_a_cold_start(safe_config: Callable[[int], Any]) -> str:
        read_timeout = client_from(safe_config).meta.config.read_timeout
        longest = PAYMENT_TIMEOUT + INIT_LIMIT
        expect(read_timeout >= longest,
               f"read_timeout={read_timeout:g} s: after a cold start Lambda may answer "
               f"{longest} s after the call (up to {INIT_LIMIT} s of Init before the payment's "
               f"own {PAYMENT_TIMEOUT} s), and your client would give up first")
        return f"read_timeout={read_timeout:g} s: longer than Init's {INIT_LIMIT} s and the " \
               f"payment's {PAYMENT_TIMEOUT} s together"

    return [Case("a payment that takes 1.5 s (its timeout: 2 s)", once(QUICK, None)),
            Case("a payment that Lambda ends at its 2 s timeout",
                 once(SLOW, "Sandbox.Timedout")),
            Case("your client's retries, if a connection breaks after Lambda got the call",
                 not_repeated),
            Case("a cold start before the payment: your read_timeout, read", covers_a_cold_start)]


def _total_attempts(retries: dict[str, Any]) -> int:
    if "total_max_attempts" in retries:
        return int(retries["total_max_attempts"])
    if "max_attempts" in retries:
        return int(retries["max_attempts"]) + 1
    return DEFAULT_ATTEMPTS[retries.get("mode", "standard")]


exercise2 = EXERCISES.exercise(2, exercise2_cases, mistakes=[
    Mistake(T.mistake("read_timeout_too_short"), said("ReadTimeoutError")),
    Mistake(T.mistake("cold_start_not_covered"), failed("a cold start before the payment"))])

# --- exercise 3: refund once, with S3 as the only store ----------------------------------------

EDITABLE = LabFunction(LAB, "invoked/refunds.py", "handler")
YOUR_REFUND = "ex07-your-refund"
REFUNDS_BUCKET = "ex07-refunds"
ENVIRONMENT = {"REFUNDS_BUCKET": REFUNDS_BUCKET, "PROVIDER_SECONDS": "1"}


def _empty_bucket(cloud: Any) -> None:
    """The refunds bucket, created or emptied: every check starts from nothing."""
    s3 = cloud.client("s3")
    try:
        s3.create_bucket(Bucket=REFUNDS_BUCKET, CreateBucketConfiguration={
            "LocationConstraint": s3.meta.region_name})
    except ClientError as error:
        if error.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
            raise
    for listed in s3.list_objects_v2(Bucket=REFUNDS_BUCKET).get("Contents", []):
        s3.delete_object(Bucket=REFUNDS_BUCKET, Key=listed["Key"])


@dataclass(frozen=True)
class YourRefund:
    """The learner's refund function as deployed: its name, its source for the case that
    reads the code, and how many log lines it had before this check."""

    name: str
    source: str
    logged_before: int


def deploy_your_refund(cloud: Any, handler: Any) -> YourRefund:
    """Deploy the edited refund handler in the lab's code, with an empty bucket."""
    source = EDITABLE.edit(handler)  # NOT ATTEMPTED before deploying anything, when unchanged
    _empty_bucket(cloud)
    logged = len(cloud.logs(YOUR_REFUND))
    return YourRefund(EDITABLE.deploy(cloud, handler, YOUR_REFUND, timeout=5,
                                      environment=ENVIRONMENT), source, logged)


def refunds(cloud: Any, yours: YourRefund, order_id: str) -> int:
    """How many times the provider refunded ``order_id`` during this check: the provider
    stand-in logs each refund it makes, whatever the handler records afterwards."""
    said = f"to the card of {order_id} ("
    return sum(line.startswith("provider: refunded") and said in line
               for line in cloud.logs(YOUR_REFUND)[yours.logged_before:])


def refund_request(order_id: str) -> dict[str, Any]:
    return {"order_id": order_id, "amount": 1000, "currency": "JPY",
            "idempotency_key": f"refund-{order_id}"}


def _claims_with_a_condition(source: str) -> bool:
    """Whether the code writes an object only if none has its key (``IfNoneMatch``)."""
    return any(isinstance(node, ast.keyword) and node.arg == "IfNoneMatch"
               for node in ast.walk(ast.parse(source)))


def exercise3_cases(cloud: Any) -> list[Case]:
    lam = cloud.client("lambda")

    def send(order_id: str) -> tuple[str | None, Any]:
        return invoke_decoded(lam, YOUR_REFUND, refund_request(order_id))

    def failure(body: Any) -> str:
        return f"{body.get('errorType')}: {body.get('errorMessage')}" \
            if isinstance(body, dict) else repr(body)

    def refunded_once(yours: YourRefund, order_id: str, why: str) -> None:
        count = refunds(cloud, yours, order_id)
        expect(count == 1, f"the card was refunded {count} times for one request{why}")

    def after_the_first(yours: YourRefund) -> str:
        error, first = send("R-1")
        expect(not error, f"the first refund failed: {failure(first)}")
        error, second = send("R-1")
        refunded_once(yours, "R-1", "")
        expect(not error, f"the repeat failed ({failure(second)}); once the first refund is "
                          "done, answer its result")
        expect(second == first, f"the repeat answered {second!r}, the first {first!r}")
        return "refunded once; the repeat got the first refund's result"

    def during_the_first(yours: YourRefund) -> str:
        answers: list[tuple[str | None, Any]] = []
        first = threading.Thread(target=lambda: answers.append(send("R-2")))
        first.start()
        time.sleep(0.5)  # the first run is waiting for the provider
        answers.append(send("R-2"))
        first.join()
        refunded_once(yours, "R-2",
                      ": the second call came while the first was still refunding")
        expect(any(not error for error, _ in answers), "neither call answered a refund")
        return "refunded once"

    def different_orders(yours: YourRefund) -> str:
        for order_id in ("R-3", "R-4"):
            error, body = send(order_id)
            expect(not error, f"the refund of {order_id} failed: {failure(body)}")
        counts = [refunds(cloud, yours, "R-3"), refunds(cloud, yours, "R-4")]
        expect(counts == [1, 1], f"refunds of two different orders: {counts}, expected [1, 1]")
        return "one refund each"

    def provider_down_then_up(yours: YourRefund) -> str:
        def provider(down: bool) -> None:
            variables = {**ENVIRONMENT, **({"PROVIDER_DOWN": "1"} if down else {})}
            lam.update_function_configuration(FunctionName=yours.name,
                                              Environment={"Variables": variables})

        provider(down=True)
        try:
            error, body = send("R-5")
        finally:
            provider(down=False)
        expect(bool(error), f"the provider was down, yet the refund answered {body!r}: let "
                            "its error reach the caller")
        error, body = send("R-5")
        expect(not error, f"the provider was down on the first try, which refunded nothing; "
                          f"the retry failed with {failure(body)}")
        refunded_once(yours, "R-5", "")
        return "the retry refunded"

    def condition_in_the_code(yours: YourRefund) -> str:
        expect(_claims_with_a_condition(yours.source),
               "your handler takes its claim without a condition: two runs that start "
               "together can both find no claim, and both refund")
        return "put_object(..., IfNoneMatch=...) takes the claim"

    return [Case("the same refund sent again after the first one ended", after_the_first),
            Case("the same refund sent again while the first one runs (a client's retry)",
                 during_the_first),
            Case("two different refunds", different_orders),
            Case("a refund first tried while the provider was down, then again",
                 provider_down_then_up),
            Case("two runs that start at the same moment: the claim is checked and written "
                 "in one step", condition_in_the_code)]


exercise3 = EXERCISES.exercise(3, exercise3_cases, answer=deploy_your_refund, mistakes=[
    Mistake(T.mistake("read_then_write"), failed("two runs that start at the same moment")),
    Mistake(T.mistake("claim_kept_when_nothing_was_refunded"),
            failed_with("which refunded nothing")),
    Mistake(T.mistake("claim_named_per_run"),
            failed_with("refunded 2 times for one request")),
    Mistake(T.mistake("undefined_name"), said("NameError"))])
