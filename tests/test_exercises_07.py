"""Notebook 07's checks, some without a cloud: the solutions pass, the stored placeholders are
not attempted, and miscounted attempts, a client that gives up before Lambda answers, and
refunds claimed too late, per run, without a condition or for ever each fail with the message
written for them."""

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


def solution_with(old: str, new: str) -> str:
    """The refund solution with one piece of its source changed."""
    source = MATERIAL.solution_source("handler")
    assert old in source
    return source.replace(old, new)


def test_a_claim_named_after_each_run_refunds_again(cloud):
    per_run = solution_with("claim = f\"claims/{event['idempotency_key']}\"",
                            "claim = f\"claims/{context.aws_request_id}\"")
    report = pitfall07.exercise3.evaluate(per_run, cloud)
    assert report.verdict is Verdict.FAIL
    assert report.results[0].detail == "the card was refunded 2 times for one request"
    assert report.results[4].passed  # the claim itself is a conditional write
    assert checks.advised(report, "Every repeat of one request must find the same claim")


def test_looking_before_writing_is_named_even_when_no_race_showed(cloud):
    look_then_write = solution_with(
        """    try:  # S3 writes the claim only if no object has its name yet: one run wins
        s3.put_object(Bucket=BUCKET, Key=claim, Body=b"", IfNoneMatch="*")
    except ClientError as error:
        if error.response["Error"]["Code"] != "PreconditionFailed":
            raise
""", """    try:
        s3.head_object(Bucket=BUCKET, Key=claim)
    except ClientError:
        s3.put_object(Bucket=BUCKET, Key=claim, Body=b"")
    else:
""")
    report = pitfall07.exercise3.evaluate(look_then_write, cloud)
    assert report.verdict is Verdict.FAIL
    assert [r.passed for r in report.results] == [True, True, True, True, False], report.text()
    assert report.results[4].detail.startswith("your handler takes its claim without a condition")
    assert checks.advised(report, "Looking first and writing after")


def test_a_claim_kept_after_the_provider_failed_blocks_the_retry(cloud):
    kept = solution_with("        s3.delete_object(Bucket=BUCKET, Key=claim)\n", "")
    report = pitfall07.exercise3.evaluate(kept, cloud)
    assert report.verdict is Verdict.FAIL
    assert [r.passed for r in report.results] == [True, True, True, False, True], report.text()
    assert report.results[3].detail.startswith(
        "the provider was down on the first try, which refunded nothing; the retry failed "
        "with RefundInProgress")
    assert checks.advised(report, "A claim says \"someone is refunding this\"")


def test_a_claim_taken_after_refunding_refunds_twice_when_the_repeat_overlaps(cloud):
    too_late = solution_with("""    try:
        refund_id = refund_card(event)
    except Exception:""", """    try:
        pass
    except Exception:""").replace('claim = f"claims/', 'refund_id = refund_card(event)\n'
                                  '    claim = f"claims/')
    report = pitfall07.exercise3.evaluate(too_late, cloud)
    assert report.verdict is Verdict.FAIL
    assert report.results[1].detail.startswith(
        "the card was refunded 2 times for one request: the second call came while the first "
        "was still refunding"), report.text()


def test_a_handler_that_breaks_is_reported_not_raised(cloud):
    broken = ("def handler(event, context):\n"
              "    return refund_the_card(event)\n")
    report = pitfall07.exercise3.evaluate(broken, cloud)
    assert report.verdict is Verdict.FAIL
    assert checks.advised(report, "Your function runs inside the lab's `invoked/refunds.py`"), \
        report.text()


def test_a_crashing_answer_is_reported_not_raised(capsys):
    checks.assert_crash_reported(pitfall07.exercise1, None, capsys, cases=6,
                                 detail="your code raised ZeroDivisionError: division by zero")


def test_an_answer_that_is_not_a_config_is_named(cloud):
    report = pitfall07.exercise2.evaluate(lambda timeout: {"read_timeout": timeout + 5},
                                          cloud)
    assert report.verdict is Verdict.FAIL
    assert all(r.detail == "return a botocore.config.Config, not dict" for r in report.results)


def test_a_count_of_retries_and_a_read_timeout_ignored_are_named():
    def retries_only(config, payment_seconds):  # forgets the first attempt
        retries = config.retries or {}
        return retries.get("total_max_attempts", 3) - 1

    report = pitfall07.exercise1.evaluate(retries_only, None)
    assert report.verdict is Verdict.FAIL
    assert report.results[0].detail.startswith("you answered 2, it runs 3 time(s)")

    def always_three(config, payment_seconds):  # a long enough wait is never retried
        return 3

    report = pitfall07.exercise1.evaluate(always_three, None)
    assert report.verdict is Verdict.FAIL
    assert checks.advised(report, "A call that gets its answer before the read timeout")
