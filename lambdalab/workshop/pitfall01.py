"""Exercise checks for notebook 01: function errors do not raise in the caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from lambdalab.workshop.checks import Case, check
from lambdalab.workshop.functions import ensure_function

OK, RAISES, SLOW, MISSING = "ex01-ok", "ex01-raises", "ex01-slow", "ex01-no-such-function"


def prepare(cloud: Any) -> Any:
    """Deploy the functions the checks call; returns a Lambda client for the learner."""
    ensure_function(cloud, OK, "def handler(event, context):\n    return {'doubled': "
                               "event['n'] * 2}\n")
    ensure_function(cloud, RAISES, "def handler(event, context):\n"
                                   "    raise KeyError('no price for sku durian')\n")
    ensure_function(cloud, SLOW, "import time\ndef handler(event, context):\n"
                                 "    time.sleep(3)\n", Timeout=1)
    return cloud.client("lambda")


def _raises(call: Callable[[], Any]) -> BaseException | None:
    try:
        call()
    except NotImplementedError:
        raise
    except Exception as error:
        return error
    return None


INVOKE_OR_RAISE_HINT = (
    "call lam.invoke(...), read response['Payload'] once, and look for 'FunctionError' in "
    "the response; the errorType is in the decoded payload.")
FAILURE_KIND_HINT = (
    "catch ClientError around invoke() for 'call_failed'; with FunctionError set, errorTypes "
    "that start with 'Sandbox.' or 'Runtime.' come from Lambda itself.")


def invoke_or_raise_cases(cloud: Any) -> list[Case]:
    """Exercise 1: return the result, raise with ``.error_type`` on a function error."""
    lam = prepare(cloud)

    def success(fn: Callable[..., Any]) -> None:
        result = fn(lam, OK, {"n": 21})
        assert result == {"doubled": 42}, f"expected the decoded payload {{'doubled': 42}}, " \
                                          f"got {result!r}"

    def function_error(fn: Callable[..., Any]) -> None:
        error = _raises(lambda: fn(lam, RAISES, {}))
        assert error is not None, "the invoked function raised KeyError, but your function " \
                                  "returned normally"
        assert getattr(error, "error_type", None) == "KeyError", \
            f"the exception should carry error_type='KeyError', got {error!r}"

    def call_error(fn: Callable[..., Any]) -> None:
        error = _raises(lambda: fn(lam, MISSING, {}))
        assert isinstance(error, ClientError), \
            f"a missing function must still raise botocore's ClientError, got {error!r}"

    return [Case("a function that succeeds", success),
            Case("a function that raises KeyError", function_error),
            Case("a function that does not exist", call_error)]


def check_invoke_or_raise(cloud: Any, invoke_or_raise: Callable[..., Any]) -> None:
    """Print the verdict of exercise 1; never raises."""
    check("Exercise 1", invoke_or_raise, lambda: invoke_or_raise_cases(cloud),
          INVOKE_OR_RAISE_HINT)


KINDS = ("ok", "call_failed", "function_error", "platform_error")


def failure_kind_cases(cloud: Any) -> list[Case]:
    """Exercise 2: tell the three kinds of failure apart (and success)."""
    lam = prepare(cloud)

    def expect(name: str, expected: str) -> Callable[[Callable[..., str]], None]:
        def run(fn: Callable[..., str]) -> None:
            kind = fn(lam, name, {"n": 1})
            assert kind in KINDS, f"answer one of {KINDS}, not {kind!r}"
            assert kind == expected, f"expected {expected!r}, got {kind!r}"
        return run

    return [Case("a function that succeeds", expect(OK, "ok")),
            Case("a function that does not exist", expect(MISSING, "call_failed")),
            Case("a function whose code raises", expect(RAISES, "function_error")),
            Case("a function that times out (takes 1 s)", expect(SLOW, "platform_error"))]


def check_failure_kind(cloud: Any, failure_kind: Callable[..., str]) -> None:
    """Print the verdict of exercise 2; never raises."""
    check("Exercise 2", failure_kind, lambda: failure_kind_cases(cloud), FAILURE_KIND_HINT)
