"""Notebook 05's prediction, run helpers and exercises: calls beyond reserved concurrency.

- ``when_all_answered``: predict when a caller has heard back from 10 simultaneous calls
  to a function whose reserved concurrency is 2.
- ``watch(cloud, function)``: what one run did to a function (its invocation records
  since the run started, refusals, time) and its timeline plot.
- ``last_invocation_log``: when each line of a function's last invocation reached its
  CloudWatch log, counted from its START line (the article's log shows the same gap).
- ``exercise1``: a retry loop with full jitter that stops at a deadline; the check runs it
  from several threads against functions that refuse calls, and spies on its waits.
- ``exercise2``: fix the lab's ``handler_with_replacements``, whose two bounded lists
  together exceed the limit; the check deploys it inside the lab's caller, wired to
  inventory functions with different limits, and reads their records.
"""

from __future__ import annotations

import json
import math
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest.mock import patch

from botocore.exceptions import ClientError

from lambdalab.invoke.records import InvocationRecord
from lambdalab.translation import translate
from lambdalab.workshop.checks import Case, Mistake, NotebookExercises, WrongAnswer, expect
from lambdalab.workshop.detectors import failed, failed_with, said, unless
from lambdalab.workshop.feedback import say
from lambdalab.workshop.fix_lab import LabFunction
from lambdalab.workshop.functions import ensure_function, ensure_lab_function
from lambdalab.workshop.labs import lab_path
from lambdalab.workshop.responses import decoded, error_summary
from lambdalab.workshop.texts import load_texts

LAB = "05_concurrency_throttling"
T = load_texts("pitfall05")  # topics, hints, mistakes: texts/en/pitfall05.toml
EXERCISES = NotebookExercises("pitfall05", "notebooks/solutions/05_concurrency_throttling.py", T)
THROTTLED = "TooManyRequestsException"
TIMELINE_SECONDS = 8.0  # every run's timeline at one scale, unless the run took longer

# --- the prediction ----------------------------------------------------------------------

when_all_answered = EXERCISES.prediction(
    "when_all_answered",
    question="Ten calls at the same moment, retries off, to a function that may run 2 at once "
             "and takes 0.6 s: when has the caller heard back from all ten?",
    choices={
        "at once": "the eight refusals came back at once, but the two calls that ran took "
                   "their 0.6 s (and a cold start): the caller heard from those last.",
        "1 s": "the eight refusals came back at once, while the two calls that ran were still "
               "running; those two answered after their 0.6 s and a cold start. Then the "
               "caller had all ten answers: two stock levels and eight refusals.",
        "3 s": "Lambda does not keep a refused call until a unit frees up (only asynchronous "
               "`Event` invocations wait in a queue): the calls did not run two at a time, "
               "one round after another.",
    },
    why="Reserved concurrency is a ceiling on invocations in flight. A synchronous call "
        "beyond it is throttled on arrival: HTTP 429 `TooManyRequestsException`, `Reason: "
        "ReservedFunctionConcurrentInvocationLimitExceeded`. Nothing waits in line, so the "
        "batch is over as soon as the calls that ran are, with most of it refused: trying "
        "again is the caller's business.")


# --- what one run did ----------------------------------------------------------------------


@dataclass
class Run:
    """A function's invocation records during a run, and the run's length."""

    cloud: Any
    function: str
    limit: int | None
    started: float = field(default_factory=time.time)
    ended: float | None = None  # set when the run's ``with`` block ends

    @property
    def seconds(self) -> float:
        return (self.ended if self.ended is not None else time.time()) - self.started

    @property
    def records(self) -> list[InvocationRecord]:
        """The function's records that started during the run."""
        ended = self.ended if self.ended is not None else float("inf")
        return [r for r in self.cloud.invocations(self.function)
                if self.started <= r.start <= ended]

    @property
    def refused(self) -> int:
        """Calls Lambda throttled, synchronous or queued (each attempt counts)."""
        return sum(r.outcome == "throttled" for r in self.records)

    @property
    def ran(self) -> int:
        return sum(r.outcome != "throttled" for r in self.records)

    @property
    def first_refusal_at(self) -> float | None:
        """When Lambda refused a call first during the run (``time.time()``), if it did."""
        return min((r.start for r in self.records if r.outcome == "throttled"), default=None)

    @property
    def last_end(self) -> float | None:
        """When the last invocation of the run ended (``time.time()``), if one ran."""
        return max((r.end for r in self.records if r.outcome != "throttled"), default=None)

    def refusals_summary(self) -> str:
        """When Lambda refused the run's calls, against when the calls that ran ended, both
        from the first call it received (the caller's own start-up left out); printed by
        the notebook, so in its language."""
        first = min((r.start for r in self.records), default=None)
        refused = [r.start for r in self.records if r.outcome == "throttled"]
        ran = [r.end for r in self.records if r.outcome != "throttled"]
        if first is None or not refused or not ran:
            return translate("no refusal in this run")
        last_refusal, first_end = (max(refused) - first) * 1000, (min(ran) - first) * 1000
        return translate(f"Lambda refused all {len(refused)} calls within {last_refusal:.0f} ms "
                         f"of the first call it received;\nthe first call that ran ended after "
                         f"{first_end:.0f} ms")

    def timeline(self, title: str) -> None:
        """Show the run's timeline: environments, concurrency against the limit, refusals."""
        import matplotlib.pyplot as plt
        from IPython.display import display

        from lambdalab.plots import invocation_timeline

        label = None if self.limit is None else f"reserved concurrency: {self.limit}"
        figure = invocation_timeline(self.records, title, limit=self.limit,
                                     limit_label=label,
                                     until=max(TIMELINE_SECONDS, self.seconds + 0.5))
        display(figure)
        plt.close(figure)


def reserved_concurrency(lam: Any, function: str) -> int | None:
    return lam.get_function_concurrency(FunctionName=function).get(
        "ReservedConcurrentExecutions")


@contextmanager
def watch(cloud: Any, function: str) -> Iterator[Run]:
    """Record what happens to ``function`` inside the ``with`` block (records, time)."""
    run = Run(cloud, function, reserved_concurrency(cloud.client("lambda"), function))
    try:
        yield run
    finally:
        run.ended = time.time()


def heard_after(run: Run) -> str:
    """When the caller had every answer, as the prediction's answers name it, from what
    Lambda did (the clock of a busy laptop would say more about the laptop): nothing ran,
    one round of calls ran while the rest were refused, or the calls ran round after round."""
    ran = run.ran
    if ran == 0:
        return "at once"
    return "1 s" if run.limit is None or ran <= run.limit else "3 s"


@dataclass(frozen=True)
class InvocationLog:
    """One invocation's CloudWatch log lines, each with the seconds since its START line."""

    started: float  # when the START line was written (``time.time()``)
    lines: list[tuple[float, str]]

    def containing(self, text: str) -> list[tuple[float, str]]:
        return [(seconds, line) for seconds, line in self.lines if text in line]

    @property
    def seconds(self) -> float | None:
        """How long the handler ran: the REPORT line's ``Duration`` (init not counted)."""
        for _, line in self.lines:
            found = re.match(r"REPORT .*?\bDuration: ([\d.]+) ms", line)
            if found:
                return float(found.group(1)) / 1000
        return None


def last_invocation_log(cloud: Any, function: str) -> InvocationLog:
    """The log of the function's last invocation, as CloudWatch Logs stamped it (the
    article compares the same two moments: the caller's start and its error)."""
    logs = cloud.client("logs")
    events = [e for page in logs.get_paginator("filter_log_events").paginate(
        logGroupName=f"/aws/lambda/{function}") for e in page["events"]]
    events.sort(key=lambda e: (e["timestamp"], e["eventId"]))
    starts = [i for i, e in enumerate(events) if e["message"].startswith("START ")]
    if not starts:
        return InvocationLog(0.0, [])
    last = events[starts[-1]:]
    origin = last[0]["timestamp"]
    return InvocationLog(origin / 1000, [((e["timestamp"] - origin) / 1000,
                                          e["message"].rstrip("\n")) for e in last])


def plain_client_retries() -> tuple[str, int]:
    """The retry mode and attempts of a boto3 client that nothing configures (no
    ``AWS_RETRY_MODE``, no config file, no ``Config``): what the lab's functions get."""
    from botocore.configprovider import BOTOCORE_DEFAUT_SESSION_VARIABLES as variables
    from botocore.retries.standard import DEFAULT_MAX_ATTEMPTS

    mode = variables["retry_mode"][2]
    return mode, LEGACY_MAX_ATTEMPTS if mode == "legacy" else DEFAULT_MAX_ATTEMPTS


LEGACY_MAX_ATTEMPTS = 5  # botocore/data/_retry.json


def results_in_queue(cloud: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every destination record waiting in the queue, decoded (the queue is emptied)."""
    sqs = cloud.client("sqs")
    records: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                       WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return records
        for message in messages:
            records.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


@dataclass(frozen=True)
class Row:
    """One approach in the comparison table; ``varies`` marks counts that change per run."""

    approach: str
    seconds: float
    refused: int
    lost: int
    answer: str
    varies: bool = True


def comparison(rows: list[Row]) -> None:
    """Print the approaches side by side; counts that vary from run to run get a *.

    What varies stays at the end of each line, so that the columns before it line up the
    same in every run (the stored output is compared with a fresh one)."""
    def count(value: int, varies: bool) -> str:
        return f"{value}*" if varies else str(value)

    say(f"{'approach':31}{'answer in the caller':21}measured")
    for row in rows:
        say(f"{row.approach:31}{row.answer:21}{row.seconds:.2f} s, "
              f"{count(row.refused, row.varies)} refused, {count(row.lost, row.varies)} lost")
    say("* varies from run to run")


# --- exercise 1: back off with full jitter, within a deadline ---------------------------

ONE_AT_A_TIME, SWITCHED_OFF = "ex05-one-at-a-time", "ex05-switched-off"
MISSING = "ex05-no-such-function"
SLOW_ECHO = ("import time\n\ndef handler(event, context):\n    time.sleep(0.3)\n"
             "    return {'n': event.get('n')}\n")
CEILING = 1.0  # seconds: the longest wait the exercise allows
GROWTH_SECONDS = 1.5  # room for the waits 0.1, 0.2 and 0.4 s, not for the next, 0.8 s
PATIENCE = 8.0  # seconds each caller of case one may take
SLACK = 0.4  # seconds for the calls themselves around a deadline


def prepare_backoff(cloud: Any) -> Any:
    """The functions exercise 1 calls (created once per cloud); returns a Lambda client."""
    lam = cloud.client("lambda")
    for name, reserved in ((ONE_AT_A_TIME, 1), (SWITCHED_OFF, 0)):
        ensure_function(cloud, name, SLOW_ECHO, Timeout=3)
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)
    return lam


class SleepSpy:
    """Sees every ``time.sleep`` of the threads it is told about, and still sleeps."""

    def __init__(self) -> None:
        self.waits: dict[int, list[float]] = {}
        self._threads: set[int] = set()
        self._lock = threading.Lock()
        self._real = time.sleep

    def follow(self) -> None:
        with self._lock:
            self._threads.add(threading.get_ident())
            self.waits.setdefault(threading.get_ident(), [])

    def sleep(self, seconds: float) -> None:
        ident = threading.get_ident()
        if ident in self._threads:
            with self._lock:
                self.waits[ident].append(float(seconds))
        self._real(seconds)

    @contextmanager
    def installed(self, answer: Callable[..., Any]) -> Iterator[SleepSpy]:
        """Replace ``time.sleep`` (and a ``sleep`` imported into the answer's module)."""
        names = getattr(answer, "__globals__", {})
        imported = names.get("sleep") is self._real
        if imported:
            names["sleep"] = self.sleep
        try:
            with patch.object(time, "sleep", self.sleep):
                yield self
        finally:
            if imported:
                names["sleep"] = self._real

    def all_waits(self) -> list[float]:
        return [w for waits in self.waits.values() for w in waits]


@contextmanager
def draws_at_the_top(answer: Callable[..., Any]) -> Iterator[None]:
    """Every draw of Python's ``random`` (``random.random``, and ``uniform`` through it)
    returns its largest value, so that a full-jitter wait equals its ceiling and the check
    can read how the ceilings grow."""
    top = math.nextafter(1.0, 0.0)
    names = getattr(answer, "__globals__", {})
    original = random.random
    imported = names.get("random") is original  # ``from random import random``

    def highest() -> float:
        return top

    if imported:
        names["random"] = highest
    try:
        with patch.object(random, "random", highest), \
                patch.object(random._inst, "random", highest, create=True):
            yield
    finally:
        if imported:
            names["random"] = original


def ceilings(count: int) -> list[float]:
    """The exercise's ceilings after the 1st, 2nd, ... refusal: min(1, 0.05 * 2**n)."""
    return [min(CEILING, 0.05 * 2 ** n) for n in range(1, count + 1)]


@dataclass
class Outcome:
    """What one caller's ``invoke_patiently`` returned or raised, and how long it took."""

    value: Any = None
    error: BaseException | None = None
    seconds: float = 0.0
    finished: bool = False


def run_callers(answer: Callable[..., Any], lam: Any, function: str, count: int,
                seconds: float, spy: SleepSpy) -> list[Outcome]:
    """``count`` threads call ``answer`` at the same moment, each with its own payload."""
    outcomes = [Outcome() for _ in range(count)]
    barrier = threading.Barrier(count)

    def call(i: int) -> None:
        spy.follow()
        barrier.wait()
        started = time.monotonic()
        try:
            outcomes[i].value = answer(lam, function, {"n": i}, seconds)
        except BaseException as error:  # noqa: BLE001 - reported as the case's outcome
            outcomes[i].error = error
        outcomes[i].seconds = time.monotonic() - started
        outcomes[i].finished = True

    threads = [threading.Thread(target=call, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    if any(isinstance(o.error, NotImplementedError) for o in outcomes):
        raise NotImplementedError("the placeholder is still there")  # NOT ATTEMPTED
    if not all(o.finished for o in outcomes):
        raise WrongAnswer(f"a caller was still trying 30 s after its {seconds:g} s: "
                          "stop at the deadline")
    return outcomes


def _code(error: BaseException | None) -> str | None:
    return error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) \
        else None


def _described(error: BaseException | None) -> str:
    code = _code(error)
    return f"ClientError ({code})" if code else f"{type(error).__name__}: {error}"


def patient_cases(cloud: Any) -> list[Case]:
    lam = prepare_backoff(cloud)

    def since(started: float, function: str) -> list[InvocationRecord]:
        return [r for r in cloud.invocations(function) if r.start >= started]

    def six_callers(answer: Callable[..., Any]) -> str:
        started = time.time()
        spy = SleepSpy()
        with spy.installed(answer):
            outcomes = run_callers(answer, lam, ONE_AT_A_TIME, 6, PATIENCE, spy)
        raised = [o for o in outcomes if o.error is not None]
        if any(_code(o.error) == THROTTLED for o in raised):
            raise WrongAnswer("a caller gave up with TooManyRequestsException although it "
                              "had 8 s: after a refusal, wait and try again")
        if raised:
            raise WrongAnswer(f"a caller raised {_described(raised[0].error)}")
        wrong = [o.value for i, o in enumerate(outcomes) if o.value != {"n": i}]
        if wrong:
            raise WrongAnswer(f"expected each caller's own answer, {{'n': i}}; got {wrong[0]!r}")
        refused = sum(r.outcome == "throttled" for r in since(started, ONE_AT_A_TIME))
        expect(refused < 150, "your callers tried again without waiting: Lambda refused the "
                              "same calls hundreds of times. Sleep between attempts")
        expect(max(o.seconds for o in outcomes) <= PATIENCE + SLACK,
               "a caller was still trying after its 8 s")
        return "all 6 answered"

    def switched_off(answer: Callable[..., Any]) -> str:
        started = time.time()
        spy = SleepSpy()
        with spy.installed(answer):
            [outcome] = run_callers(answer, lam, SWITCHED_OFF, 1, 1.5, spy)
        attempts = sum(r.outcome == "throttled" for r in since(started, SWITCHED_OFF))
        if outcome.error is None:
            raise WrongAnswer(f"your function returned {outcome.value!r}; every call was "
                              "refused: raise the last refusal")
        if _code(outcome.error) != THROTTLED:
            raise WrongAnswer(f"expected the refusal (TooManyRequestsException) raised, "
                              f"got {_described(outcome.error)}")
        expect(attempts > 1, "it gave up at the first refusal: with 1.5 s to go, wait and "
                             "try again")
        expect(outcome.seconds <= 1.5 + SLACK,
               "it was still trying after the 1.5 s: stop before a wait would pass the deadline")
        return "raised TooManyRequestsException after several attempts, within 1.5 s"

    def missing(answer: Callable[..., Any]) -> str:
        spy = SleepSpy()
        with spy.installed(answer):
            [outcome] = run_callers(answer, lam, MISSING, 1, 3.0, spy)
        if outcome.error is None:
            raise WrongAnswer(f"your function returned {outcome.value!r} for a function "
                              "that does not exist: raise the error")
        expect(_code(outcome.error) == "ResourceNotFoundException",
               f"expected ResourceNotFoundException raised, got {_described(outcome.error)}")
        expect(not spy.all_waits(), "it waited and tried again: a missing function stays "
                                    "missing; retry only TooManyRequestsException")
        return "raised ResourceNotFoundException at once"

    def random_waits(answer: Callable[..., Any]) -> str:
        spy = SleepSpy()
        with spy.installed(answer):
            outcomes = run_callers(answer, lam, ONE_AT_A_TIME, 4, 4.0, spy)
        waits = spy.all_waits()
        if not waits:
            raised = [o for o in outcomes if o.error is not None]
            raise WrongAnswer("no caller waited (time.sleep) before trying again" + (
                f"; one raised {_described(raised[0].error)}" if raised else ""))
        expect(max(waits) <= CEILING + 1e-6,
               "a wait was longer than the ceiling, min(1, 0.05 * 2**n) seconds")
        # alike across callers, or each exactly a ceiling (which a random draw never is:
        # this holds however few callers a busy machine lets collide)
        exact = {round(min(CEILING, 0.05 * 2 ** n), 9) for n in range(16)}
        expect(len({round(w, 6) for w in waits}) > len(waits) // 2
               and not all(round(w, 9) in exact for w in waits),
               "the callers waited the same times, so they come back together and collide "
               "again: make each wait random, between 0 and the ceiling (full jitter)")
        return "random waits, none over 1 s"

    def growing_ceilings(answer: Callable[..., Any]) -> str:
        spy = SleepSpy()
        with spy.installed(answer), draws_at_the_top(answer):
            [outcome] = run_callers(answer, lam, SWITCHED_OFF, 1, GROWTH_SECONDS, spy)
        waits = spy.all_waits()
        if not waits:
            raise WrongAnswer("it never waited (time.sleep) between refusals" + (
                f"; it raised {_described(outcome.error)}" if outcome.error else ""))
        expected = ceilings(len(waits))
        shown = ", ".join(f"{w:.3g}" for w in waits[:5]) + (", ..." if len(waits) > 5 else "")
        if all(math.isclose(w, c, rel_tol=1e-6) for w, c in zip(waits, expected, strict=True)):
            return f"waits at their ceilings: {shown} s"
        if len(waits) > 1 and len({round(w, 6) for w in waits}) == 1:
            raise WrongAnswer(
                f"your waits' ceilings were {shown} s: they do not grow. After each refusal "
                "the ceiling doubles, min(1, 0.05 * 2**n), so that callers refused again "
                "spread out further")
        if math.isclose(waits[0], 0.05, rel_tol=1e-6):
            raise WrongAnswer(
                f"your waits' ceilings were {shown} s: the first, 0.05 s, is the one for "
                "n = 0. After the first refusal n is 1: min(1, 0.05 * 2**1) = 0.1 s")
        raise WrongAnswer(
            f"your waits' ceilings were {shown} s, expected "
            f"{', '.join(f'{c:.3g}' for c in expected)} s: min(1, 0.05 * 2**n) after the n-th "
            "refusal (the check made Python's random draw its largest value)")

    return [Case("six callers at once, a function that runs one call at a time (0.3 s), "
                 "8 s each", six_callers),
            Case("a function that refuses every call (reserved concurrency 0), 1.5 s",
                 switched_off),
            Case("a function name that does not exist", missing),
            Case("four callers at once: their waits", random_waits),
            Case("one caller, every call refused, 1.5 s, each random draw at its largest: "
                 "how the waits grow", growing_ceilings)]


undefined = failed_with("NameError")  # a crash: advice on backoff would answer another question
exercise1 = EXERCISES.exercise(1, patient_cases, mistakes=[
    Mistake(T.mistake("name_not_defined"), failed_with("NameError")),
    Mistake(T.mistake("waits_without_jitter"), unless(failed("four callers at once"), undefined)),
    Mistake(T.mistake("waits_counted_from_zero"),
            unless(failed_with("is the one for n = 0"), undefined)),
    Mistake(T.mistake("waits_do_not_grow"), unless(failed_with("they do not grow"), undefined)),
    Mistake(T.mistake("lasting_error_retried"),
            unless(failed("a function name that does not exist"), undefined)),
    Mistake(T.mistake("wait_past_the_deadline"), unless(failed_with("still trying"), undefined))])

# --- exercise 2: two bounded lists that share one limit --------------------------------------

EDITABLE = LabFunction(LAB, "caller/app.py", "handler_with_replacements")
QUERY_SECONDS = "0.1"
INVENTORIES = {  # stand-in inventory function: its reserved concurrency (None: unreserved)
    "ex05-inventory": 2, "ex05-inventory-3": 3, "ex05-inventory-1": 1,
    "ex05-inventory-open": None}
YOUR_CALLERS = {inventory: inventory.replace("inventory", "your-caller")
                for inventory in INVENTORIES}  # inventory: your caller, wired to it
SKUS = [item["sku"] for item in
        json.loads(lab_path(LAB, "events", "batch.json").read_text())["items"]]


def prepare_inventories(cloud: Any) -> Any:
    """The lab's inventory function, deployed with each limit the cases need."""
    lam = cloud.client("lambda")
    for name, reserved in INVENTORIES.items():
        ensure_lab_function(cloud, name, LAB, "invoked", "app.handler", timeout=5,
                            environment={"QUERY_SECONDS": QUERY_SECONDS})
        if reserved is None:
            lam.delete_function_concurrency(FunctionName=name)
        else:
            lam.put_function_concurrency(FunctionName=name,
                                         ReservedConcurrentExecutions=reserved)
    return lam


def deploy_your_caller(cloud: Any, handler: Any) -> dict[str, str]:
    """Deploy the lab's caller with the edited handler, once per inventory."""
    EDITABLE.edit(handler)  # NOT ATTEMPTED before deploying anything, when unchanged
    prepare_inventories(cloud)
    for inventory, caller in YOUR_CALLERS.items():
        EDITABLE.deploy(cloud, handler, caller,
                        environment={"INVOKED_FUNCTION_NAME": inventory})
    return dict(YOUR_CALLERS)


def most_at_once(records: list[InvocationRecord]) -> int:
    from lambdalab.plots import concurrency_steps

    return max(concurrency_steps(records)[1], default=0)


def span_within_budget(records: list[InvocationRecord], count: int, at_once: int) -> bool:
    """Whether the calls took at most twice their waves (``count`` calls, ``at_once`` at a
    time), with a second to spare. A wave lasts as long as the slowest call measured, cold
    start included, so that a busy machine does not count against the answer."""
    waves = -(-count // max(at_once, 1))
    span = max(r.end for r in records) - min(r.start for r in records)
    return span <= 2 * waves * max(r.end - r.start for r in records) + 1.0


def _stock_of(report: Any, part: str) -> dict[str, Any]:
    """The stock levels the handler reported for one list ("items" or "replacements")."""
    listed = report.get(part) if isinstance(report, dict) else None
    stock = listed.get("stock") if isinstance(listed, dict) else None
    if not isinstance(stock, dict):
        raise WrongAnswer(f"expected the lab's answer, {{'items': {{'stock': ..., 'failed': "
                          f"...}}, 'replacements': {{...}}}}, got {report!r}")
    return stock


def fan_out_cases(cloud: Any) -> list[Case]:
    lam = cloud.client("lambda")

    def order(items: int, replacements: int) -> dict[str, Any]:
        skus = [{"sku": sku} for sku in SKUS[:items + replacements]]
        return {"items": skus[:items], "replacements": skus[items:]}

    def every_item(inventory: str, items: int, replacements: int) -> Callable[[Any], str]:
        limit = INVENTORIES[inventory]
        sent = order(items, replacements)

        def run(callers: dict[str, str]) -> str:
            started = time.time()
            response = lam.invoke(FunctionName=callers[inventory], Payload=json.dumps(sent))
            report = decoded(response)
            if "FunctionError" in response:
                raise WrongAnswer(f"your handler failed with {error_summary(report)}")
            records = [r for r in cloud.invocations(inventory) if r.start >= started]
            refused = sum(r.outcome == "throttled" for r in records)
            expect(not refused,
                   f"Lambda refused {refused} calls of your handler (the inventory function's "
                   "records show them; the backoff retried them, hidden)")
            for part in ("items", "replacements"):
                want = sorted(item["sku"] for item in sent[part])
                got = sorted(_stock_of(report, part))
                expect(got == want, f"the stock levels under {part!r} are for {got}, "
                                    f"expected {want}")
            at_once = most_at_once(records)
            if limit is not None:
                expect(at_once == limit,
                       f"your handler ran at most {at_once} call(s) at once where the "
                       f"function allows {limit}")
            else:
                expect(at_once > 1, "your handler made the calls one by one: with no "
                                    "reserved concurrency, calls may run in parallel")
            expect(span_within_budget(records, items + replacements, limit or 10),
                   "the calls took far longer than they need, even one wave after another")
            return f"every item answered, no refusal, {at_once} at once"
        return run

    return [Case("the lab's inventory function (reserved concurrency 2): 5 items and 5 "
                 "replacements", every_item("ex05-inventory", 5, 5)),
            Case("an inventory function that may run 3 at once: 4 items and 3 replacements",
                 every_item("ex05-inventory-3", 4, 3)),
            Case("an inventory function that runs one at a time: 2 items and 2 replacements",
                 every_item("ex05-inventory-1", 2, 2)),
            Case("an inventory function without reserved concurrency: 3 items and 3 "
                 "replacements", every_item("ex05-inventory-open", 3, 3))]


exercise2 = EXERCISES.exercise(2, fan_out_cases, answer=deploy_your_caller, mistakes=[
    Mistake(T.mistake("lists_share_the_limit"), failed_with("Lambda refused")),
    Mistake(T.mistake("one_by_one"), failed_with("call(s) at once where")),
    Mistake(T.mistake("answers_to_the_wrong_list"), failed_with("the stock levels under")),
    Mistake(T.mistake("undefined_name"), said("NameError"))])
