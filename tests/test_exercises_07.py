"""Notebook 07's checks, some without a cloud: the solutions pass, the stored placeholders are
not attempted, and miscounted attempts, a client that gives up before Lambda answers and a
capture keyed per invocation each fail with the message written for them."""

from __future__ import annotations

import exercise_checks as checks
from botocore.config import Config
from notebook_material import Material

from lambdalab.workshop import Verdict, pitfall07

MATERIAL = Material("07_timeouts_and_retries")
EDITABLE = pitfall07.EDITABLE


def test_the_solutions_pass(cloud):
    solutions = MATERIAL.load_solutions()
    checks.passing(pitfall07.exercise1, solutions.payment_runs, cloud)
    checks.passing(pitfall07.exercise2, solutions.safe_config, cloud)
    checks.passing_fix(MATERIAL, pitfall07.exercise3, EDITABLE, cloud)


def test_the_stored_placeholders_are_not_attempted(cloud):
    for function, exercise in (("payment_runs", pitfall07.exercise1),
                               ("safe_config", pitfall07.exercise2)):
        checks.assert_not_attempted(exercise, MATERIAL.defined(f"def {function}")[function], cloud)
    checks.assert_unedited_copy_not_attempted(MATERIAL, pitfall07.exercise3, EDITABLE, cloud)


def test_counting_the_first_attempt_twice_and_legacy_defaults_get_their_messages():
    def legacy_minded(config, payment_seconds):
        if config.read_timeout > payment_seconds:
            return 1
        retries = config.retries or {}
        return retries.get("total_max_attempts", retries.get("max_attempts", 5))

    report = pitfall07.exercise1.evaluate(legacy_minded, None)
    assert report.verdict is Verdict.FAIL
    details = {r.description: r.detail for r in report.results}
    assert details["Config(read_timeout=1), a 3 s payment"] == (
        "you answered 5, it runs 3 time(s): 5 was legacy mode's default; with boto3 1.44 and "
        "later the default mode is standard: 3 attempts in all, and a read timeout is "
        "retried.")
    assert "`max_attempts` counts retries only" in \
        details["Config(read_timeout=1, retries={'max_attempts': 0}), a 3 s payment"]
    assert report.advice[0].startswith("`total_max_attempts` includes the first attempt")


def test_a_client_that_gives_up_before_lambda_answers_is_told_so(cloud):
    report = pitfall07.exercise2.evaluate(lambda timeout: Config(read_timeout=1), cloud)
    assert report.verdict is Verdict.FAIL
    assert [r.passed for r in report.results] == [False, False, False, False]
    assert report.results[0].detail.startswith(
        "your client gave up waiting (ReadTimeoutError) and the payment ran 3 time(s)")
    assert report.advice[0].startswith("A `read_timeout` at or below")


def test_a_long_read_timeout_with_default_retries_fails_only_the_repeat_case(cloud):
    report = pitfall07.exercise2.evaluate(lambda timeout: Config(read_timeout=timeout + 12),
                                          cloud)
    assert [r.passed for r in report.results] == [True, True, False, True]
    assert report.results[2].detail.startswith("your client makes up to 3 attempts")


def test_a_read_timeout_that_covers_the_payment_but_not_a_cold_start_is_named(cloud):
    report = pitfall07.exercise2.evaluate(
        lambda timeout: Config(read_timeout=timeout + 5, retries={"total_max_attempts": 1}),
        cloud)
    assert [r.passed for r in report.results] == [True, True, True, False]
    assert report.results[3].detail == (
        "read_timeout=7 s: after a cold start Lambda may answer 12 s after the call (up to "
        "10 s of Init before the payment's own 2 s), and your client would give up first")
    assert checks.advised(report, "A new execution environment first runs Init")


def test_a_key_that_changes_with_every_invocation_captures_again(cloud):
    per_request = MATERIAL.solution_source("handler").replace(
        'key = event["idempotency_key"]', "key = context.aws_request_id")
    report = pitfall07.exercise3.evaluate(per_request, cloud)
    assert report.verdict is Verdict.FAIL
    assert report.results[0].detail == "the card was charged 2 times for one order"


def test_a_handler_that_breaks_is_reported_not_raised(cloud):
    broken = ("def handler(event, context):\n"
              "    return charge_the_card(event)\n")
    report = pitfall07.exercise3.evaluate(broken, cloud)
    assert report.verdict is Verdict.FAIL
    assert checks.advised(report, "Your function runs inside the lab's `invoked/app.py`"), \
        report.text()


def test_a_crashing_answer_is_reported_not_raised(capsys):
    checks.assert_crash_reported(pitfall07.exercise1, None, capsys, cases=6,
                                 detail="your code raised ZeroDivisionError: division by zero")


def test_an_answer_that_is_not_a_config_is_named(cloud):
    report = pitfall07.exercise2.evaluate(lambda timeout: {"read_timeout": timeout + 5},
                                          cloud)
    assert report.verdict is Verdict.FAIL
    assert all(r.detail == "return a botocore.config.Config, not dict" for r in report.results)
