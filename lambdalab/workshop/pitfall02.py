"""Notebook 02's predictions, helpers and exercises: request-scoped values do not travel.

- ``wrong_tenant``, ``after_giving_up``: predict which tenant the payment function charges,
  and whether a card is charged after the order service gave up.
- ``Ledger``, ``wait_for_invocation``, ``timeline``: what the payment provider recorded,
  when the payment function ended, and a picture of both functions over time.
- ``exercise1``: predict what the invoked function sees (its own time left, a ContextVar in
  a warm environment, a ContextVar read from a worker thread), each situation run.
- ``exercise2``: write ``invoke_with_meta``; the check's audit function logs what arrived.
- ``exercise3``: fix the lab's payment function (the envelope and the caller's deadline);
  the check runs it behind the lab's fixed order service.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import Any

from botocore.exceptions import ClientError

from lambdalab.figure_text import in_notebook_language
from lambdalab.workshop.checks import (
    AnswerError,
    Case,
    Mistake,
    NotebookExercises,
    WrongAnswer,
    expect,
)
from lambdalab.workshop.detectors import failed, said
from lambdalab.workshop.fix_lab import LabFunction
from lambdalab.workshop.functions import ensure_function, ensure_lab_function
from lambdalab.workshop.labs import import_file, lab_path
from lambdalab.workshop.responses import error_summary, invoke_decoded
from lambdalab.workshop.texts import load_texts

LAB = "02_values_do_not_travel"
SOLUTIONS = "notebooks/solutions/02_values_do_not_travel.py"
T = load_texts("pitfall02", solutions=SOLUTIONS)  # topics, hints, mistakes: texts/en/pitfall02.toml
EXERCISES = NotebookExercises("pitfall02", SOLUTIONS, T)
LEDGER = "LEDGER "  # how the lab's payment provider stand-in logs a captured charge

# --- the predictions ---------------------------------------------------------------------

wrong_tenant = EXERCISES.prediction(
    "wrong_tenant",
    question="Which tenant does the payment function charge order A-1001 to?",
    choices={
        "acme": "the order service started the request scope with tenant `acme`, and the "
                "payment function reads the same `request_scope` module. It reads it in "
                "another process, though, where nobody started a scope.",
        "none": "the payment function's `request_scope.get('tenant')` found nothing and "
                "returned its default, None: the charge went to no tenant at all.",
        "error": "nothing failed: `request_scope.get` returns None for a missing value, and "
                 "the payment function charged the order with it.",
    },
    why="The payment function runs in its own execution environment (its own process), "
        "with its own copy of `request_scope` and its ContextVar, which nobody set there. "
        "The call carried the Payload only: order id, amount, card.")

after_giving_up = EXERCISES.prediction(
    "after_giving_up",
    question="The order service stopped waiting after 2 s and answered `failed`. "
             "Is the card charged?",
    choices={
        "charged": "the payment function kept running after the order service gave up, and "
                   "captured the charge a second later.",
        "not charged": "giving up closes the order service's connection and nothing more: "
                       "Lambda does not stop the invocation it started, so the payment "
                       "function ran to its end and captured the charge.",
    },
    why="The read timeout is the order service's own decision to stop waiting. It is not "
        "sent anywhere: the payment function has its own timeout (5 s) and runs until its "
        "handler returns. The customer was told the payment failed, and was charged.")


def tenant_seen(charge: Mapping[str, Any] | None) -> str:
    """The prediction's answer for one ledger entry: "acme", "none" or "error"."""
    if charge is None:
        return "error"
    return "acme" if charge.get("tenant") == "acme" else "none"


# --- helpers for the notebook -------------------------------------------------------------

class Ledger:
    """The payment provider's ledger: the ``LEDGER`` lines in the payment functions' logs.

    The lab's provider stand-in records each captured charge as one such line, so the
    ledger is read from CloudWatch Logs, as ``aws logs filter-log-events`` would.
    """

    def __init__(self, cloud: Any, functions: Sequence[str]) -> None:
        self._logs = cloud.client("logs")
        self.functions = list(functions)
        self._seen: set[tuple[str, str]] = set()

    def new_charges(self) -> list[dict[str, Any]]:
        """The charges recorded since the last look, oldest first.

        Each has ``captured_at``: when the payment function logged it (epoch seconds).
        """
        charges = []
        for function in self.functions:
            for event in self._ledger_events(f"/aws/lambda/{function}"):
                key = (function, event["eventId"])
                if key in self._seen or not event["message"].startswith(LEDGER):
                    continue
                self._seen.add(key)
                charge = json.loads(event["message"][len(LEDGER):])
                charge["captured_at"] = event["timestamp"] / 1000
                charges.append(charge)
        return sorted(charges, key=lambda charge: charge["captured_at"])

    def _ledger_events(self, group: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        request = {"logGroupName": group, "filterPattern": LEDGER.strip()}
        while True:
            try:
                page = self._logs.filter_log_events(**request)
            except ClientError as error:
                if error.response["Error"]["Code"] == "ResourceNotFoundException":
                    return events  # the function has not run yet
                raise
            events += page["events"]
            if not page.get("nextToken"):
                return events
            request["nextToken"] = page["nextToken"]


def lab_module(folder: str, module: str) -> ModuleType:
    """A module of the lab's code (``lab_module("caller", "envelope")``), imported from its
    file, to try it in the notebook as the deployed function uses it."""
    return import_file(lab_path(LAB, folder, f"{module}.py"), f"lab02_{folder}_{module}")


def describe(charges: Sequence[Mapping[str, Any]]) -> str:
    """One line per charge (order, amount, tenant, user), or "no charge"."""
    if not charges:
        return "no charge"
    return "\n".join(f"{c['order_id']}: {c['amount_yen']} yen charged to tenant "
                     f"{c['tenant']!r}, user {c['user_id']!r}" for c in charges)


def wait_for_invocation(cloud: Any, function_name: str, since: float,
                        timeout: float = 15.0) -> Any:
    """The record of the function's first invocation that started after ``since``, once
    it has ended (records are written at the end); TimeoutError if none ends in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ended = [r for r in cloud.invocations(function_name) if r.start >= since]
        if ended:
            return ended[0]
        time.sleep(0.05)
    raise TimeoutError(f"{function_name} ran no invocation that ended within {timeout} s")


def timeline(cloud: Any, since: float, functions: Sequence[str], title: str, *,
             marks: Mapping[str, float] | None = None) -> Any:
    """The invocations of ``functions`` that started after ``since``, one row per
    function, with vertical lines at ``marks`` (label: epoch seconds).

    A :func:`lambdalab.plots.invocation_timeline` whose rows are named after the function
    that each execution environment ran, instead of "env 1", "env 2".
    """
    import matplotlib.pyplot as plt

    from lambdalab.plots import invocation_timeline

    records = [r for r in cloud.invocations() if r.function in functions and r.start >= since]
    fig = invocation_timeline(records, title)
    if records:
        gantt = fig.axes[0]
        origin = min(r.start for r in records)
        rows = sorted({r.environment for r in records if r.environment},
                      key=lambda env: min(r.start for r in records if r.environment == env))
        names = {r.environment: r.function for r in records}
        gantt.set_yticks(range(len(rows)))
        gantt.set_yticklabels([names[env] for env in rows])
        gantt.set_ylabel("")
        span = max(max(r.end for r in records), *(marks or {}).values()) - origin
        styles = ["#37474f", "#c62828", "#1565c0"]
        for row, ((label, moment), colour) in enumerate(zip((marks or {}).items(), styles,
                                                            strict=False)):
            at = moment - origin
            for axis in fig.axes:
                axis.axvline(at, color=colour, linestyle="--", linewidth=1.2)
            late = at > 0.7 * span  # near the right edge: the label goes to its left
            gantt.annotate(label, (at, 1.0), xycoords=("data", "axes fraction"),
                           xytext=(-4 if late else 4, -12 - 12 * row),
                           textcoords="offset points", ha="right" if late else "left",
                           color=colour, fontsize="small")
        fig.tight_layout()
    plt.close(fig)  # shown once, as the cell's result
    return in_notebook_language(fig)


# --- exercise 1: what does the invoked function see? --------------------------------------

CLOCK, LATE_CALLER = "ex02-clock", "ex02-order-late"
WARM_SCOPE, THREADED = "ex02-warm-scope", "ex02-threaded"
PREDICTIONS = ("remaining_ms", "warm_tenant", "thread_tenant")
EX1_FUNCTIONS: dict[str, tuple[str, int]] = {  # name: (source of app.py, timeout in seconds)
    CLOCK: ("def handler(event, context):\n"
            "    return {'remaining_ms': context.get_remaining_time_in_millis()}\n", 5),
    LATE_CALLER: (
        "import json\nimport time\n\nimport boto3\n\nlam = boto3.client('lambda')\n\n\n"
        "def handler(event, context):\n"
        "    time.sleep(max(0, context.get_remaining_time_in_millis() - 1000) / 1000)\n"
        "    left = context.get_remaining_time_in_millis()\n"
        f"    answer = lam.invoke(FunctionName='{CLOCK}', Payload='{{}}')\n"
        "    return {'caller_remaining_ms': left, **json.loads(answer['Payload'].read())}\n",
        2),
    WARM_SCOPE: (
        "from contextvars import ContextVar\n\n"
        "TENANT = ContextVar('tenant', default='-')\n\n\n"
        "def handler(event, context):\n"
        "    if 'tenant' in event:\n"
        "        TENANT.set(event['tenant'])\n"
        "    print(f'tenant: {TENANT.get()!r}')\n"
        "    return TENANT.get()\n", 3),
    THREADED: (
        "from concurrent.futures import ThreadPoolExecutor\n"
        "from contextvars import ContextVar\n\n"
        "TENANT = ContextVar('tenant', default='-')\n"
        "pool = ThreadPoolExecutor(max_workers=1)\n\n\n"
        "def handler(event, context):\n"
        "    TENANT.set(event['tenant'])\n"
        "    print(f'tenant: {pool.submit(TENANT.get).result()!r}')\n"
        "    return pool.submit(TENANT.get).result()\n", 3),
}


def prepare_exercise1(cloud: Any) -> Any:
    """Deploy the situations' functions (once per cloud); the clock warm, so that the late
    caller's one remaining second is not spent on the clock's cold start."""
    for name, (source, timeout) in EX1_FUNCTIONS.items():
        ensure_function(cloud, name, source, Timeout=timeout)
    lam = cloud.client("lambda")
    lam.invoke(FunctionName=CLOCK, Payload=b"{}")["Payload"].read()
    return lam


def your_predictions(cloud: Any, answer: Any) -> dict[str, Any]:
    if not isinstance(answer, dict):
        raise AnswerError("answer a dict, as the cell shows: "
                          "{\"remaining_ms\": ..., \"warm_tenant\": ..., \"thread_tenant\": ...}")
    if all(answer.get(key, ...) is ... for key in PREDICTIONS):
        raise NotImplementedError("replace each `...` with your prediction, then run the cell.")
    unknown = sorted(set(answer) - set(PREDICTIONS), key=str)
    if unknown:
        raise AnswerError(f"unknown key {unknown[0]!r}: the predictions are "
                          f"{', '.join(map(repr, PREDICTIONS))}")
    return answer


def _predicted(answer: Mapping[str, Any], key: str) -> Any:
    value = answer.get(key, ...)
    if value is ...:
        raise WrongAnswer("no prediction yet: replace `...`")
    return value


def prediction_cases(cloud: Any) -> list[Case]:
    lam = prepare_exercise1(cloud)

    def remaining(answer: Mapping[str, Any]) -> str:
        predicted = _predicted(answer, "remaining_ms")
        seen = json.loads(lam.invoke(FunctionName=LATE_CALLER, Payload=b"{}")["Payload"].read())
        if not isinstance(predicted, int | float) or isinstance(predicted, bool):
            raise WrongAnswer(f"predict a number of milliseconds, not {predicted!r}")
        if abs(predicted - seen["remaining_ms"]) <= 300:
            return "about 5000 ms: its own 5 s timeout, counted from its own start"
        if abs(predicted - seen["caller_remaining_ms"]) <= 300:
            raise WrongAnswer(
                "that is the order service's time left. The payment function's context "
                "counts down its own timeout (5 s) from its own start, about 5000 ms: the "
                "caller's deadline does not travel with the call")
        raise WrongAnswer("it was about 5000 ms: the payment function's own 5 s timeout, "
                          "counted from its own start, whatever the caller had left")

    def warm(answer: Mapping[str, Any]) -> str:
        predicted = _predicted(answer, "warm_tenant")
        first = json.dumps({"tenant": "acme"})
        lam.invoke(FunctionName=WARM_SCOPE, Payload=first)["Payload"].read()
        seen = json.loads(lam.invoke(FunctionName=WARM_SCOPE, Payload=b"{}")["Payload"].read())
        if predicted != seen:
            raise WrongAnswer(
                f"you predicted {predicted!r}, it printed {seen!r}: Lambda reuses a warm "
                "environment, and the process, its module globals and the ContextVars of "
                "its main thread survive from one invocation to the next. Start each "
                "request's scope afresh")
        return f"it printed {seen!r}: the first request's value, still set"

    def threaded(answer: Mapping[str, Any]) -> str:
        predicted = _predicted(answer, "thread_tenant")
        seen = json.loads(lam.invoke(FunctionName=THREADED,
                                     Payload=json.dumps({"tenant": "acme"}))["Payload"].read())
        if predicted != seen:
            raise WrongAnswer(
                f"you predicted {predicted!r}, it printed {seen!r}: a thread starts with a "
                "context of its own, and a pool's worker thread does not get the submitting "
                "thread's ContextVars. Request scope ends at the thread, let alone at the "
                "process: pass the values along (`contextvars.copy_context().run`)")
        return f"it printed {seen!r}: the worker thread has a context of its own"

    return [
        Case("remaining_ms: the payment function (timeout 5 s), invoked by an order service "
             "that has 1 s left", remaining),
        Case("warm_tenant: the second invocation of a warm environment whose first set the "
             "ContextVar", warm),
        Case("thread_tenant: a ContextVar set by the handler, read in a worker thread",
             threaded),
    ]


exercise1 = EXERCISES.exercise(1, prediction_cases, answer=your_predictions, mistakes=[
    Mistake(T.mistake("scope_expected_to_travel"),
            lambda attempt: attempt.failed("remaining_ms") and attempt.failed("thread"))])

# --- exercise 2: invoke_with_meta ----------------------------------------------------------

AUDIT = "ex02-audit"
AUDIT_SOURCE = '''import json


def handler(event, context):
    if isinstance(event, dict) and set(event) == {"meta", "body"}:  # an envelope
        meta, body = event["meta"], event["body"]
    elif context.client_context is not None:  # the metadata in ClientContext
        meta, body = context.client_context.custom, event
    else:
        meta, body = None, event
    print("AUDIT " + json.dumps({"meta": meta, "body": body}))
'''
JST = timezone(timedelta(hours=9))
REQUESTED_AT = datetime(2026, 1, 5, 10, 30, tzinfo=JST)
CLAIMS = {"groups": [f"shop-{n:03d}-staff" for n in range(250)]}  # about 4 KB of JSON


def _meta(case: str, **extra: Any) -> dict[str, Any]:
    return {"tenant": "acme", "user_id": "u-42", "correlation_id": f"{case}-{uuid.uuid4()}",
            **extra}


def invoke_with_meta_cases(cloud: Any) -> list[Case]:
    ensure_function(cloud, AUDIT, AUDIT_SOURCE, Timeout=3)
    lam = cloud.client("lambda")

    def audited(invoke_with_meta: Callable[..., Any], body: Any, meta: dict[str, Any],
                invocation_type: str = "RequestResponse") -> dict[str, Any]:
        before = len(cloud.logs(AUDIT))
        invoke_with_meta(lam, AUDIT, body, meta, invocation_type=invocation_type)
        if invocation_type == "Event":
            cloud.wait_for_async()
        lines = [line for line in cloud.logs(AUDIT)[before:] if line.startswith("AUDIT ")]
        if not lines:
            raise WrongAnswer("the audit function did not run: did your function invoke "
                              "`function_name`?")
        if len(lines) > 1:
            raise WrongAnswer(f"the audit function ran {len(lines)} times for one call")
        return json.loads(lines[0][len("AUDIT "):])

    def received_meta(seen: dict[str, Any], meta: dict[str, Any], channel_note: str) -> None:
        got = seen["meta"]
        if got is None:
            raise WrongAnswer(f"the audit function got no metadata{channel_note}")
        if not isinstance(got, dict) or any(got.get(k) != meta[k] for k in
                                            ("tenant", "user_id", "correlation_id")):
            raise WrongAnswer(f"the audit function got metadata {got!r}")

    def synchronous(invoke_with_meta: Callable[..., Any]) -> str:
        meta, body = _meta("sync"), {"order_id": "A-2001", "action": "refund"}
        seen = audited(invoke_with_meta, body, meta)
        received_meta(seen, meta, "")
        expect(seen["body"] == body, f"the body arrived as {seen['body']!r}, not {body!r}")
        return "tenant, user and correlation id arrived, the body intact"

    def asynchronous(invoke_with_meta: Callable[..., Any]) -> str:
        meta, body = _meta("async"), {"order_id": "A-2002", "action": "refund"}
        seen = audited(invoke_with_meta, body, meta, "Event")
        received_meta(seen, meta, ": Lambda passes ClientContext to synchronous "
                                  "invocations only, and drops it from an Event call")
        expect(seen["body"] == body, f"the body arrived as {seen['body']!r}, not {body!r}")
        return "the metadata arrived with the asynchronous call too"

    def json_types(invoke_with_meta: Callable[..., Any]) -> str:
        meta = _meta("types", requested_at=REQUESTED_AT)
        body = {"order_id": "A-2003", "amount": Decimal("1340.5")}
        seen = audited(invoke_with_meta, body, meta)
        received_meta(seen, meta, "")
        when = seen["meta"].get("requested_at")
        try:
            same_moment = datetime.fromisoformat(when) == REQUESTED_AT
        except (TypeError, ValueError):
            same_moment = False
        expect(same_moment, f"requested_at arrived as {when!r}: send it as ISO 8601 text "
                            "(`isoformat()`), which the audit function can read back")
        amount = seen["body"].get("amount") if isinstance(seen["body"], dict) else None
        try:
            same_amount = Decimal(str(amount)) == Decimal("1340.5")
        except InvalidOperation:
            same_amount = False
        expect(same_amount and not isinstance(amount, bool),
               f"the amount arrived as {amount!r}, not 1340.5")
        return "requested_at as ISO 8601 text, the amount as 1340.5"

    def large(invoke_with_meta: Callable[..., Any]) -> str:
        meta, body = _meta("large", claims=CLAIMS), {"order_id": "A-2004", "action": "refund"}
        seen = audited(invoke_with_meta, body, meta)
        received_meta(seen, meta, "")
        expect(seen["meta"].get("claims") == CLAIMS, "the claims did not arrive intact")
        return "4 KB of metadata arrived"

    def list_body(invoke_with_meta: Callable[..., Any]) -> str:
        meta, body = _meta("list"), ["A-2005", "A-2006"]
        seen = audited(invoke_with_meta, body, meta)
        received_meta(seen, meta, "")
        expect(seen["body"] == body, f"the body arrived as {seen['body']!r}, not the list {body!r}")
        return "the list arrived as it was sent"

    return [Case("a synchronous call", synchronous),
            Case("an asynchronous call (InvocationType Event)", asynchronous),
            Case("metadata with a datetime, a body with a Decimal amount (as DynamoDB "
                 "returns numbers)", json_types),
            Case("metadata with a 4 KB `claims` entry", large),
            Case("a body that is a list of order ids", list_body)]


exercise2 = EXERCISES.exercise(2, invoke_with_meta_cases, mistakes=[
    Mistake(T.mistake("client_context_dropped_from_event"),
            lambda attempt: attempt.mentions("ClientContext")
            and attempt.failed("an asynchronous call")),
    Mistake(T.mistake("client_context_too_large"), said("InvalidRequestContentException")),
    Mistake(T.mistake("json_without_datetime"), said("is not JSON serializable")),
    Mistake(T.mistake("meta_merged_into_body"), failed("a body that is a list"))])

# --- exercise 3: fix the lab's payment function ---------------------------------------------

EDITABLE = LabFunction(LAB, "invoked/app.py", "handler_wrong")
YOUR_PAYMENT, ORDER_SERVICE = "ex02-your-payment", "ex02-order-service"
TENANT, USER = "globex", "u-7"


def _order(order_id: str, card: str, amount: int = 1340) -> dict[str, Any]:
    return {"order_id": order_id, "tenant": TENANT, "user_id": USER, "amount_yen": amount,
            "card": card}


def deploy_your_payment(cloud: Any, handler: Any) -> Ledger:
    """Deploy the edited payment function behind the lab's fixed order service; returns
    the ledger of its charges."""
    EDITABLE.edit(handler)  # NOT ATTEMPTED before deploying anything, when unchanged
    EDITABLE.deploy(cloud, handler, YOUR_PAYMENT, timeout=5)
    ensure_lab_function(cloud, ORDER_SERVICE, LAB, "caller", "app.handler_fixed", timeout=10,
                        environment={"INVOKED_FUNCTION_NAME": YOUR_PAYMENT,
                                     "PAYMENT_TIMEOUT_SECONDS": "2"})
    ledger = Ledger(cloud, [YOUR_PAYMENT])
    ledger.new_charges()  # what earlier checks charged is not this check's business
    return ledger


def your_payment_cases(cloud: Any) -> list[Case]:
    lam = cloud.client("lambda")
    seen: list[dict[str, Any]] = []

    def charges_of(ledger: Ledger, order_id: str) -> list[dict[str, Any]]:
        seen.extend(ledger.new_charges())
        return [c for c in seen if c.get("order_id") == order_id]

    def direct(meta: dict[str, Any], order: dict[str, Any]) -> tuple[str | None, Any]:
        body = {k: order[k] for k in ("order_id", "amount_yen", "card")}
        return invoke_decoded(lam, YOUR_PAYMENT, {"meta": meta, "body": body})

    def fast(ledger: Ledger) -> str:
        order = _order(f"E-{uuid.uuid4().hex[:6]}", "tok_visa")
        before = len(cloud.logs(YOUR_PAYMENT))
        response = lam.invoke(FunctionName=ORDER_SERVICE, Payload=json.dumps(order))
        answer = json.loads(response["Payload"].read())
        correlation_id = response["ResponseMetadata"]["RequestId"]
        if answer.get("status") != "paid":
            raise WrongAnswer(f"the order service answered {answer.get('status')!r}: "
                              f"{answer.get('reason', answer)}")
        charges = charges_of(ledger, order["order_id"])
        expect(len(charges) == 1, "expected one charge in the ledger")
        charge = charges[0]
        if (charge.get("tenant"), charge.get("user_id")) != (TENANT, USER):
            raise WrongAnswer(
                f"the charge went to tenant {charge.get('tenant')!r}, user "
                f"{charge.get('user_id')!r}, not {TENANT!r}, {USER!r}: read them from the "
                "envelope's meta, not from the payment function's own request scope")
        logged = "\n".join(cloud.logs(YOUR_PAYMENT)[before:])
        expect(correlation_id in logged,
               "charged to the right tenant, but the payment function's log does not show the "
               "correlation id (the order service's request id): print `meta.correlation_id`")
        return f"charged to tenant {TENANT!r}, user {USER!r}; the log shows the correlation id"

    def slow(ledger: Ledger) -> str:
        order = _order(f"E-{uuid.uuid4().hex[:6]}", "tok_slow_bank", 2980)
        started = time.time()
        answer = json.loads(lam.invoke(FunctionName=ORDER_SERVICE,
                                       Payload=json.dumps(order))["Payload"].read())
        record = wait_for_invocation(cloud, YOUR_PAYMENT, started)
        if record.outcome != "success":
            raise WrongAnswer(f"your payment function failed ({record.error_type}); its "
                              "log says why")
        if charges_of(ledger, order["order_id"]):
            raise WrongAnswer(
                f"the order service answered {answer.get('status')!r} after 2 s, and the "
                "charge was captured a second later anyway: look at the caller's deadline "
                "after `authorize`, just before moving money")
        return "nothing captured after the order service stopped waiting"

    def expired(ledger: Ledger) -> str:
        order = _order(f"E-{uuid.uuid4().hex[:6]}", "tok_visa")
        meta = {"correlation_id": f"expired-{uuid.uuid4()}", "tenant": TENANT,
                "user_id": USER, "deadline_ms": int((time.time() - 60) * 1000)}
        error, answer = direct(meta, order)
        if error:
            raise WrongAnswer(f"your payment function failed with {error_summary(answer)}; "
                              "answer without charging instead (a status other than "
                              "'charged')")
        if charges_of(ledger, order["order_id"]):
            raise WrongAnswer("charged, although the caller had stopped waiting a minute "
                              "before the order arrived (an event can wait in a queue or "
                              "for an asynchronous retry)")
        status = answer.get("status") if isinstance(answer, dict) else answer
        expect(status != "charged", "nothing was captured, yet it answered 'charged'")
        return f"answered {status!r}, nothing captured"

    def no_deadline(ledger: Ledger) -> str:
        order = _order(f"E-{uuid.uuid4().hex[:6]}", "tok_visa")
        meta = {"correlation_id": f"no-deadline-{uuid.uuid4()}", "tenant": TENANT,
                "user_id": USER}
        error, answer = direct(meta, order)
        if error:
            raise WrongAnswer(f"your payment function failed with {error_summary(answer)}")
        charges = charges_of(ledger, order["order_id"])
        expect(charges, "nothing was charged: without a deadline, nobody set one; charge")
        expect(charges[0].get("tenant") == TENANT,
               f"the charge went to tenant {charges[0].get('tenant')!r}, not {TENANT!r}")
        return "charged: no deadline, nobody set one"

    return [Case("an order paid with tok_visa through the fixed order service", fast),
            Case("an order paid with tok_slow_bank (the order service stops waiting after "
                 "2 s)", slow),
            Case("an envelope whose deadline passed a minute before it arrived", expired),
            Case("an envelope without a deadline (a back-office script's call)", no_deadline)]


exercise3 = EXERCISES.exercise(3, your_payment_cases, answer=deploy_your_payment, mistakes=[
    Mistake(T.mistake("own_time_left_read"),
            lambda attempt: attempt.mentions("get_remaining_time_in_millis")
            and (attempt.failed("an order paid with tok_slow_bank")
                 or attempt.failed("an envelope whose deadline passed"))),
    Mistake(T.mistake("deadline_compared_in_seconds"),
            lambda attempt: attempt.mentions("time.time()")
            and not attempt.mentions("1000") and not attempt.mentions("time_left_ms")
            and attempt.failed("an order paid with tok_slow_bank")),
    Mistake(T.mistake("deadline_checked_on_arrival_only"),
            lambda attempt: attempt.failed("an order paid with tok_slow_bank")
            and not attempt.failed("an envelope whose deadline passed")
            and not attempt.mentions("get_remaining_time_in_millis")),
    Mistake(T.mistake("undefined_name"), said("NameError"))])
