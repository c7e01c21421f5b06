"""Notebook 01's prediction and exercises: a function error does not raise in the caller.

- ``wrong_caller``: predict what the wrong caller answers for a rejected order.
- ``exercise1``: tell a failed call, a failed function and a function Lambda ended apart,
  including the cases people get wrong (``StatusCode``, an error-looking answer that is
  a normal result, ``Function.ResponseSizeTooLarge``).
- ``exercise2``: fix the lab's ``handler_wrong``; the check deploys the edited caller
  next to the lab's pricing function and stand-ins that hang and crash, and invokes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lambdalab.workshop.checks import Attempt, Case, Mistake, NotebookExercises, WrongAnswer, expect
from lambdalab.workshop.detectors import said
from lambdalab.workshop.fix_lab import LabFunction
from lambdalab.workshop.functions import ensure_function, ensure_lab_function
from lambdalab.workshop.labs import lab_path
from lambdalab.workshop.responses import error_summary, invoke_decoded
from lambdalab.workshop.texts import load_texts

LAB = "01_function_error"
PLATFORM = ("the errorTypes Lambda and its runtime write start with `Sandbox.`, `Runtime.` "
            "or `Function.`")
T = load_texts("pitfall01", platform=PLATFORM)  # topics, hints, mistakes: texts/en/pitfall01.toml
EXERCISES = NotebookExercises("pitfall01", "notebooks/solutions/01_function_error.py", T)

# --- the prediction ----------------------------------------------------------------------

wrong_caller = EXERCISES.prediction(
    "wrong_caller",
    question="What does the wrong caller answer for an order the pricing function rejects?",
    choices={
        "accepted": "the caller's `try` block ran to its end: `invoke()` returned without "
                    "raising, so the caller answered `accepted`.",
        "failed": "the `except` branch runs only when `invoke()` raises, and boto3 raises only "
                  "when the call itself fails (no such function, no permission, throttled). This "
                  "call succeeded.",
        "exception": "nothing was raised in the caller, so nothing reached this notebook: the "
                     "caller's answer is an ordinary response.",
    },
    why="Lambda ran the pricing function, which raised; the call itself succeeded (HTTP 200) "
        "and the error came back as data: the error document in `Payload`, flagged by "
        "`FunctionError`. The wrong caller never looks at either.")

# --- functions the checks call -------------------------------------------------------------

OK, RAISES, LOOKALIKE = "ex01-ok", "ex01-raises", "ex01-error-lookalike"
HANGS, CRASHES, TOO_LARGE = "ex01-hangs", "ex01-crashes", "ex01-answers-7mb"
MISSING = "ex01-no-such-function"
PRICING = "ex01-pricing"  # the lab's own pricing function, deployed for the checks
STAND_INS: dict[str, tuple[str, int]] = {  # name: (source of app.py, timeout in seconds)
    OK: ("def handler(event, context):\n    return {'doubled': event['n'] * 2}\n", 3),
    RAISES: ("def handler(event, context):\n    raise KeyError('no price for sku durian')\n", 3),
    LOOKALIKE: ("def handler(event, context):\n    return {'errorType': 'ValidationError', "
                "'errorMessage': 'n must be even'}\n", 3),
    HANGS: ("import time\n\ndef handler(event, context):\n    time.sleep(3)\n", 1),
    CRASHES: ("import os\n\ndef handler(event, context):\n    os._exit(1)\n", 3),
    TOO_LARGE: ("def handler(event, context):\n    return 'x' * 7_000_000\n", 3),
}


def prepare(cloud: Any) -> Any:
    """Deploy what the checks call (once per cloud); returns a Lambda client."""
    for name, (source, timeout) in STAND_INS.items():
        ensure_function(cloud, name, source, Timeout=timeout)
    ensure_lab_function(cloud, PRICING, LAB, "invoked", "app.handler", timeout=5)
    return cloud.client("lambda")


# --- exercise 1: which kind of failure? -----------------------------------------------------

KINDS = ("ok", "call_failed", "function_error", "platform_error")


def failure_kind_cases(cloud: Any) -> list[Case]:
    lam = prepare(cloud)

    def kind_is(name: str, payload: Any, expected: str, *,
                why: dict[str, str]) -> Callable[[Callable[..., str]], str]:
        def run(failure_kind: Callable[..., str]) -> str:
            kind = failure_kind(lam, name, payload)
            expect(kind in KINDS, f"answer one of {', '.join(map(repr, KINDS))}, not {kind!r}")
            if kind != expected:
                reason = why.get(kind) or why.get("*")
                wrong = f"you answered {kind!r}, it is {expected!r}"
                raise WrongAnswer(f"{wrong}: {reason}" if reason else wrong)
            return f"{kind!r}"
        return run

    return [
        Case("a function that answers {'doubled': 42}", kind_is(OK, {"n": 21}, "ok", why={
            "*": "the call returned and the response has no `FunctionError`."})),
        Case("a function name that does not exist", kind_is(MISSING, {}, "call_failed", why={
            "*": "`invoke()` raised `ClientError` (ResourceNotFoundException): the call "
                 "itself failed."})),
        Case("a function whose code raises KeyError", kind_is(RAISES, {}, "function_error", why={
            "ok": "`invoke()` returned normally, but the response has `FunctionError` "
                  "'Unhandled': the code raised.",
            "platform_error": f"KeyError is the code's own errorType; {PLATFORM}."})),
        Case("a function that returns {'errorType': ..., 'errorMessage': ...} as its answer",
             kind_is(LOOKALIKE, {}, "ok", why={
                 "*": "it returned that dict as its answer: the response has no "
                      "`FunctionError`. Only `FunctionError` says that a function failed, "
                      "not the keys of its answer."})),
        Case("a function that runs past its 1 s timeout", kind_is(HANGS, {}, "platform_error",
             why={"ok": "the response has `FunctionError` 'Unhandled'.",
                  "function_error": "its errorType is `Sandbox.Timedout`: Lambda stopped it, "
                                    "its code raised nothing."})),
        Case("a function whose answer is 7 MB (over the 6 MB limit)",
             kind_is(TOO_LARGE, {}, "platform_error", why={
                 "ok": "the response has `FunctionError` 'Unhandled'.",
                 "function_error": "its code returned normally; Lambda refused the answer "
                                   f"(`Function.ResponseSizeTooLarge`). {PLATFORM}."})),
    ]


def _raised(attempt: Attempt, error: str) -> bool:
    return any(r.detail.startswith(f"your code raised {error}") for r in attempt.results)


STATUS_CODE = Mistake(
    T.mistake("status_code_trusted"),
    lambda attempt: attempt.mentions("StatusCode") and (
        attempt.failed("a function whose code raises")
        or attempt.failed("an order the pricing function rejects")))
STREAM_READ_TWICE = Mistake(T.mistake("stream_read_twice"), said("JSONDecodeError"))

exercise1 = EXERCISES.exercise(1, failure_kind_cases, mistakes=[
    STATUS_CODE, STREAM_READ_TWICE,
    Mistake(T.mistake("call_failure_uncaught"), lambda attempt: _raised(attempt, "ClientError"))])

# --- exercise 2: fix the lab's caller -------------------------------------------------------

EDITABLE = LabFunction(LAB, "caller/app.py", "handler_wrong")
YOUR_CALLERS = {PRICING: "ex01-your-caller", HANGS: "ex01-your-caller-vs-hangs",
                CRASHES: "ex01-your-caller-vs-crashes"}  # callee: your caller, wired to it
GOOD_ORDER = json.loads(lab_path(LAB, "events", "good_order.json").read_text())
BAD_ORDER = json.loads(lab_path(LAB, "events", "bad_order.json").read_text())


def deploy_your_caller(cloud: Any, handler: Any) -> dict[str, str]:
    """Deploy the edited caller three times, wired to the pricing function and stand-ins."""
    EDITABLE.edit(handler)  # NOT ATTEMPTED before deploying anything, when unchanged
    prepare(cloud)
    for callee, caller in YOUR_CALLERS.items():
        EDITABLE.deploy(cloud, handler, caller, environment={"INVOKED_FUNCTION_NAME": callee})
    return dict(YOUR_CALLERS)


def your_caller_cases(cloud: Any) -> list[Case]:
    lam = cloud.client("lambda")

    def priced(callers: dict[str, str]) -> str:
        error, result = invoke_decoded(lam, callers[PRICING], GOOD_ORDER)
        expect(not error, f"your caller failed with {error_summary(result)}")
        status = result.get("status") if isinstance(result, dict) else None
        expect(status == "accepted", f"your caller answered {result!r}; expected status "
                                     f"'accepted' for an order that was priced")
        return "answered 'accepted'"

    def rejected(callers: dict[str, str]) -> str:
        error, result = invoke_decoded(lam, callers[PRICING], BAD_ORDER)
        expect(not error, f"your caller failed with {error_summary(result)}; OrderRejected is "
                          "the pricing code's answer: answer {'status': 'rejected', ...} instead")
        status = result.get("status") if isinstance(result, dict) else None
        expect(status != "accepted", "your caller still answered 'accepted': `invoke()` "
                                     "returned normally, and the rejection is in the response")
        expect(status == "rejected", f"expected status 'rejected', got {result!r}")
        expect(result.get("error_type") == "OrderRejected",
               "answer also 'error_type': the pricing function's errorType, 'OrderRejected'")
        return "answered 'rejected' (OrderRejected)"

    def ended_by_lambda(callee: str, error_type: str) -> Callable[[dict[str, str]], str]:
        def run(callers: dict[str, str]) -> str:
            error, result = invoke_decoded(lam, callers[callee], GOOD_ORDER)
            if not error:
                status = result.get("status") if isinstance(result, dict) else result
                verdict = ("accepted an order that nobody priced" if status == "accepted" else
                           f"answered {status!r}")
                raise WrongAnswer(
                    f"your caller {verdict}. Lambda ended the pricing function ({error_type}): "
                    "that is not the pricing code's answer. Raise, so that whoever invoked "
                    "your caller sees it failed")
            return f"your caller failed with {error_summary(result).split(':')[0]}"
        return run

    return [Case("a priced order (A-1001)", priced),
            Case("an order the pricing function rejects (A-1002, durian)", rejected),
            Case("the pricing function times out", ended_by_lambda(HANGS, "Sandbox.Timedout")),
            Case("the pricing function's process exits",
                 ended_by_lambda(CRASHES, "Runtime.ExitError"))]


exercise2 = EXERCISES.exercise(2, your_caller_cases, answer=deploy_your_caller, mistakes=[
    STATUS_CODE, STREAM_READ_TWICE, Mistake(T.mistake("undefined_name"), said("NameError"))])
