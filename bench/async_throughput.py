"""Asynchronous invocation throughput and the cost of a throttle decision.

    .venv/bin/python bench/async_throughput.py [--quick] [--json out.json]

For each target, at reserved concurrency 1, 5 and 50 (one new echo function per level):

* accepted/s  Event invokes answered 202, sent by 8 client threads;
* drained/s   events ended, from the first send until the last event ended.

Then the latency of a throttle decision: sequential synchronous invokes of a function
with reserved concurrency 0 (each answered 429 TooManyRequestsException), interleaved
with warm successful invokes of a second function.

Targets run one after the other, so they never compete for the CPU:

* ``lambdalab``  this repository's LocalCloud with Lambda's clock 1000x fast
  (``time_scale=0.001``); the drain ends when ``cloud.wait_for_async`` returns.
* ``MiniStack``  the same calls where its source shows it supports them (read from the
  package installed into its venv). It has no queue to wait on, so its drain is observed
  from outside: each function gets an SQS dead-letter queue, and the drain is over when
  the REPORT lines in CloudWatch Logs plus the messages in that queue account for every
  accepted event (polled, with a time limit).

See bench/README.md.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import sys
import textwrap
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil
from common import (
    FIXED_CREDENTIALS,
    MINISTACK_VERSION,
    REGION,
    ErrorLog,
    MiniStackRun,
    TargetUnavailable,
    add_run_options,
    create_function,
    ensure_iam_role,
    environment_info,
    fmt,
    group_members,
    import_local_cloud,
    log,
    make_client,
    percentile,
    run_together,
    stop_on_sigterm,
    table,
    target_names,
    wait_until_active,
    zip_handler,
)

CLIENT_THREADS = 8
LEVELS = (1, 5, 50)
TIME_SCALE = 0.001  # Lambda's throttle backoff 1 s..5 min becomes 1..300 ms
MAX_EVENT_AGE_S = 21600  # Lambda's default MaximumEventAgeInSeconds
DRAIN_TIMEOUT_S = 300.0
POLL_INTERVAL_S = 0.5  # MiniStack drain: how often its logs and DLQ are counted
THROTTLED_FUNCTION = "bench-throttled"  # reserved concurrency 0
WARM_FUNCTION = "bench-warm"


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------


@dataclass
class Finding:
    """One capability of a target, as found in its source."""

    feature: str
    supported: bool | None  # None: could not tell (source not found)
    detail: str


@dataclass
class LevelResult:
    reserved: int
    events: int  # sent
    accepted: int = 0  # answered 202
    accept_s: float | None = None
    accepted_per_s: float | None = None
    drain_s: float | None = None  # first send -> last event ended
    drained_per_s: float | None = None
    ran_ok: int | None = None  # events whose handler ran to a success
    lost: int | None = None  # events accepted that ended without a success
    lost_how: str = ""
    throttles: int | None = None  # throttle decisions taken while draining
    send_errors: int = 0
    first_error: str = ""
    note: str = ""


@dataclass
class ThrottleResult:
    samples: int = 0
    throttle_p50_ms: float | None = None
    throttle_p95_ms: float | None = None
    warm_p50_ms: float | None = None
    warm_p95_ms: float | None = None
    reason: str = ""  # the Reason field of the 429
    errors: int = 0
    first_error: str = ""


@dataclass
class TargetResult:
    target: str
    status: str = "ok"  # ok | skipped | failed
    reason: str = ""
    support: list[Finding] = field(default_factory=list)
    levels: list[LevelResult] = field(default_factory=list)
    throttle: ThrottleResult | None = None
    not_measured: dict[str, str] = field(default_factory=dict)  # measurement -> reason
    leftover_processes: int | None = None
    leftover_threads: int | None = None


@dataclass
class Drain:
    """How the events of one level ended."""

    end_s: float | None  # seconds from the first send; None if not all ended in time
    ran_ok: int
    lost: int
    lost_how: str
    throttles: int | None
    note: str = ""


# --------------------------------------------------------------------------
# What MiniStack supports, read from its source
# --------------------------------------------------------------------------


def ministack_support(package_dir: Path) -> list[Finding]:
    """Look in ``services/lambda_svc.py`` for the code paths this benchmark needs."""
    path = package_dir / "services" / "lambda_svc.py"
    where = "ministack/services/lambda_svc.py"
    try:
        source = path.read_text()
        tree = ast.parse(source)
    except (OSError, SyntaxError) as exc:
        unknown = f"could not read {where}: {exc}"
        return [Finding(f, None, unknown) for f in
                ("InvocationType=Event", "PutFunctionConcurrency", "throttling",
                 "throttled Event retried as a throttle", "queue-empty signal")]
    funcs = {n.name: n for n in ast.walk(tree)
             if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}

    def body(name: str) -> str:
        node = funcs.get(name)
        return (ast.get_source_segment(source, node) or "") if node else ""

    def line(name: str) -> str:
        return f"{name}, line {funcs[name].lineno}" if name in funcs else name

    findings = []

    # 1. Event invokes: a branch on invocation_type == "Event" that returns 202.
    event_branch = None
    for node in ast.walk(tree):
        if (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
                and isinstance(node.test.left, ast.Name)
                and node.test.left.id == "invocation_type"
                and any(isinstance(c, ast.Constant) and c.value == "Event"
                        for c in node.test.comparators)
                and "202" in (ast.get_source_segment(source, node) or "")):
            event_branch = node
            break
    async_body = body("invoke_async_with_retry")
    if event_branch is not None:
        runner = ("each event runs on its own thread" if "threading.Thread" in async_body
                  else "events are run by invoke_async_with_retry")
        findings.append(Finding("InvocationType=Event", True,
                                f"answered 202 (line {event_branch.lineno}); {runner} "
                                f"({line('invoke_async_with_retry')})"))
    else:
        findings.append(Finding("InvocationType=Event", False,
                                f"no invocation_type == \"Event\" branch answering 202 in {where}"))

    # 2. Reserved concurrency: stored by PutFunctionConcurrency, enforced per invoke.
    stored = "_put_function_concurrency" in funcs
    enforced = "_reserved_concurrency" in body("_acquire_execution_slot")
    if stored and enforced:
        findings.append(Finding("PutFunctionConcurrency", True,
                                f"stored per function ({line('_put_function_concurrency')}), "
                                f"enforced on every invoke ({line('_acquire_execution_slot')})"))
    else:
        findings.append(Finding("PutFunctionConcurrency", False,
                                "accepted but never enforced" if stored
                                else f"no _put_function_concurrency in {where}"))

    # 3. Throttling: a 429 TooManyRequestsException when the limit is reached.
    throttle_body = body("_throttle_response")
    if "TooManyRequestsException" in throttle_body and re.search(r"return\s+429", source):
        findings.append(Finding("throttling", True,
                                "a sync invoke over the limit is answered 429 "
                                f"TooManyRequestsException ({line('_throttle_response')})"))
    else:
        findings.append(Finding("throttling", False,
                                f"no 429 TooManyRequestsException path in {where}"))

    # 4. Does a throttled Event attempt get Lambda's throttle backoff (up to the maximum
    #    event age), or is it counted against MaximumRetryAttempts like a function error?
    if not async_body:
        findings.append(Finding("throttled Event retried as a throttle", None,
                                "invoke_async_with_retry not found"))
    elif "throttle" in async_body:
        findings.append(Finding("throttled Event retried as a throttle", True,
                                f"handled in {line('invoke_async_with_retry')}"))
    else:
        base = re.search(r"LAMBDA_ASYNC_RETRY_BASE_SECONDS\",\s*\"([0-9.]+)\"", source)
        base_s = float(base.group(1)) if base else None
        retries = re.search(r"max_retries\s*=\s*(\d+)", async_body)
        n = int(retries.group(1)) if retries else None
        waits = (", ".join(f"{base_s * 2 ** i:g} s" for i in range(n))
                 if base_s is not None and n else "a backoff")
        findings.append(Finding(
            "throttled Event retried as a throttle", False,
            f"{line('invoke_async_with_retry')} never looks at the throttle flag: a throttled "
            f"attempt counts as a failed one, retried MaximumRetryAttempts times "
            f"(default {n}, after {waits}), then sent to the DLQ or OnFailure "
            "destination, or dropped"))

    # 5. A way to know the asynchronous queue is empty.
    if "threading.Thread" in async_body:
        findings.append(Finding("queue-empty signal", False,
                                "no internal queue: each event is a daemon thread, with no API "
                                "to list or wait for pending events"))
    else:
        findings.append(Finding("queue-empty signal", None, "not determined from the source"))
    return findings


def drain_observable(package_dir: Path) -> str:
    """'' when MiniStack's drain can be seen from outside (REPORT lines and SQS DLQ)."""
    try:
        source = (package_dir / "services" / "lambda_svc.py").read_text()
    except OSError as exc:
        return f"could not read lambda_svc.py: {exc}"
    if "REPORT RequestId" not in source:
        return "it writes no REPORT line per invocation to CloudWatch Logs"
    if "def _route_async_failure" not in source or 'spec.service == "sqs"' not in source:
        return "it cannot send failed Event invocations to an SQS dead-letter queue"
    return ""


# --------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------


class Target:
    """A local Lambda endpoint driven with plain boto3 clients."""

    name = ""

    def __init__(self) -> None:
        self.support: list[Finding] = []
        self.not_measured: dict[str, str] = {}

    @property
    def endpoint_url(self) -> str:
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def leftovers(self) -> tuple[int, int | None]:
        """(processes, threads) still alive after stop()."""
        raise NotImplementedError

    def client(self, service: str = "lambda") -> Any:
        return make_client(self.endpoint_url, service)

    def create(self, name: str, reserved: int | None, **extra: Any) -> None:
        client = self.client()
        create_function(client, name, zip_handler(), **extra)
        wait_until_active(client, name)
        if reserved is not None:
            client.put_function_concurrency(FunctionName=name,
                                            ReservedConcurrentExecutions=reserved)

    def prepare_level(self, name: str, reserved: int) -> None:
        self.create(name, reserved)

    def drain(self, name: str, accepted: int, wall0: float, perf0: float) -> Drain:
        raise NotImplementedError


LAMBDALAB_ENDINGS = {
    "EventAgeExceeded": (f"EventAgeExceeded (older than the maximum event age, "
                         f"{MAX_EVENT_AGE_S * TIME_SCALE:.1f} s at this time_scale)"),
}


class LambdaLab(Target):
    """LocalCloud in this process, Lambda's clock 1000x fast."""

    name = "lambdalab"

    def __init__(self) -> None:
        super().__init__()
        self._cloud: Any = None
        self._threads_before = 0

    @property
    def endpoint_url(self) -> str:
        return str(self._cloud.endpoint_url)

    def start(self) -> None:
        local_cloud = import_local_cloud()
        self._threads_before = threading.active_count()
        # every throttle decision is counted from the records: keep them all
        self._cloud = local_cloud(region=REGION, time_scale=TIME_SCALE, **FIXED_CREDENTIALS,
                                  records_limit=1_000_000).start()
        ensure_iam_role(self.endpoint_url)
        self.support = [
            Finding("InvocationType=Event", True, "AsyncQueue (lambdalab/invoke/async_queue.py)"),
            Finding("PutFunctionConcurrency", True, "ConcurrencyLimiter"),
            Finding("throttling", True, "429 TooManyRequestsException"),
            Finding("throttled Event retried as a throttle", True,
                    "backoff 1 s doubling to 5 min, until MaximumEventAgeInSeconds"),
            Finding("queue-empty signal", True, "cloud.wait_for_async()"),
        ]

    def stop(self) -> None:
        if self._cloud is not None:
            cloud, self._cloud = self._cloud, None
            cloud.stop()

    def leftovers(self) -> tuple[int, int | None]:
        children = psutil.Process().children(recursive=True)
        if not self._threads_before:  # never started
            return len(children), None
        # Worker threads of the benchmark itself are joined by now; give exiting
        # daemon threads a moment before counting.
        deadline = time.monotonic() + 5
        while threading.active_count() > self._threads_before and time.monotonic() < deadline:
            time.sleep(0.1)
        return len(children), threading.active_count() - self._threads_before

    def drain(self, name: str, accepted: int, wall0: float, perf0: float) -> Drain:
        note = ""
        try:
            self._cloud.wait_for_async(DRAIN_TIMEOUT_S)
            end_s: float | None = time.perf_counter() - perf0
        except TimeoutError as exc:
            end_s, note = None, str(exc)
        results = self._cloud.async_results(name)
        conditions = Counter(r.condition for r in results)
        ran_ok = conditions.pop("Success", 0)
        throttles = sum(1 for r in self._cloud.invocations(name) if r.outcome == "throttled")
        if len(results) != accepted and end_s is not None:
            note = f"{accepted} accepted but {len(results)} ended"
        lost_how = ", ".join(f"{n} {LAMBDALAB_ENDINGS.get(cond, cond)}"
                             for cond, n in conditions.most_common())
        return Drain(end_s, ran_ok, sum(conditions.values()), lost_how, throttles, note)


class MiniStack(Target):
    """MiniStack in its own venv and process group, bound to 127.0.0.1."""

    name = "MiniStack"

    def __init__(self, venv_dir: Path | None) -> None:
        super().__init__()
        self._ministack = MiniStackRun(venv_dir, "ministack-async-")
        self._drain_unseen = ""  # why its drain cannot be observed ('' when it can)
        self._pgid: int | None = None
        self._dlq: dict[str, str] = {}  # function -> queue URL

    @property
    def endpoint_url(self) -> str:
        return self._ministack.endpoint_url

    def start(self) -> None:
        self._ministack.start(read_source=self._read_source)
        assert self._ministack.server.proc is not None
        self._pgid = self._ministack.server.proc.pid
        ensure_iam_role(self.endpoint_url)
        supported = {f.feature: f for f in self.support}
        for feature, measurement in (("InvocationType=Event", "accepted/s"),
                                     ("PutFunctionConcurrency", "accepted/s"),
                                     ("PutFunctionConcurrency", "throttle decision"),
                                     ("throttling", "throttle decision")):
            if supported[feature].supported is False:
                self.not_measured.setdefault(measurement, f"{feature}: {supported[feature].detail}")
        if "accepted/s" in self.not_measured:
            self.not_measured["drained/s"] = self.not_measured["accepted/s"]
        elif self._drain_unseen:
            self.not_measured["drained/s"] = self._drain_unseen

    def _read_source(self, package: Path) -> None:
        """What this MiniStack supports, and whether its drain can be seen, from its source."""
        self.support = ministack_support(package)
        self._drain_unseen = drain_observable(package)

    def stop(self) -> None:
        self._ministack.stop()

    def leftovers(self) -> tuple[int, int | None]:
        return (len(group_members(self._pgid)) if self._pgid else 0), None

    def prepare_level(self, name: str, reserved: int) -> None:
        """The function gets an SQS dead-letter queue: where MiniStack puts the events
        it gives up on, so that every accepted event is accounted for."""
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        self._dlq[name] = url
        self.create(name, reserved,
                    DeadLetterConfig={"TargetArn": arn["Attributes"]["QueueArn"]})

    def drain(self, name: str, accepted: int, wall0: float, perf0: float) -> Drain:
        logs, sqs = self.client("logs"), self.client("sqs")
        url = self._dlq[name]
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while True:
            reports = self._reports(logs, name)
            attrs = sqs.get_queue_attributes(QueueUrl=url,
                                             AttributeNames=["ApproximateNumberOfMessages"])
            dead = int(attrs["Attributes"]["ApproximateNumberOfMessages"])
            if len(reports) + dead >= accepted or time.monotonic() > deadline:
                break
            time.sleep(POLL_INTERVAL_S)
        dead_ends, kinds = self._dead_letters(sqs, url, dead)
        ends = [e["timestamp"] / 1000 for e in reports] + dead_ends
        complete = len(reports) + dead >= accepted
        end_s = max(ends) - wall0 if complete and ends else None
        note = "" if complete else (f"{accepted - len(reports) - dead} events unaccounted "
                                    f"for after {DRAIN_TIMEOUT_S:.0f} s")
        lost_how = ", ".join(f"{n} {kind}" for kind, n in kinds.most_common())
        failed_runs = sum(n for kind, n in kinds.items() if not kind.startswith("throttled"))
        if failed_runs:  # a function error writes REPORT lines for every attempt as well
            note = (note + "; " if note else "") + "the handler failed; counts are approximate"
        return Drain(end_s, len(reports), dead, lost_how,
                     self._throttle_count(name, wall0), note)

    @staticmethod
    def _reports(logs: Any, name: str) -> list[dict[str, Any]]:
        """One REPORT line per invocation that ran (MiniStack returns up to 10000)."""
        try:
            return logs.filter_log_events(logGroupName=f"/aws/lambda/{name}",
                                          filterPattern='"REPORT RequestId"',
                                          limit=10000)["events"]
        except logs.exceptions.ResourceNotFoundException:
            return []

    @staticmethod
    def _dead_letters(sqs: Any, url: str, count: int) -> tuple[list[float], Counter[str]]:
        """When each dead letter was sent, and why its event failed."""
        sent: list[float] = []
        kinds: Counter[str] = Counter()
        deadline = time.monotonic() + 60
        while len(sent) < count and time.monotonic() < deadline:
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                        VisibilityTimeout=600, WaitTimeSeconds=0,
                                        AttributeNames=["SentTimestamp"]).get("Messages", [])
            if not batch:
                break
            for message in batch:
                sent.append(int(message["Attributes"]["SentTimestamp"]) / 1000)
                try:
                    record = json.loads(message["Body"])
                    error = (record.get("responsePayload") or {}).get("__type", "")
                except (ValueError, AttributeError):
                    error = ""
                kinds["throttled on every attempt, sent to the DLQ"
                      if error == "TooManyRequestsException"
                      else f"failed ({error or 'unknown'}), sent to the DLQ"] += 1
        return sent, kinds

    def _throttle_count(self, name: str, wall0: float) -> int | None:
        """Throttles from the AWS/Lambda Throttles metric MiniStack emits per decision."""
        try:
            stats = self.client("cloudwatch").get_metric_statistics(
                Namespace="AWS/Lambda", MetricName="Throttles",
                Dimensions=[{"Name": "FunctionName", "Value": name}],
                StartTime=wall0 - 120, EndTime=time.time() + 120, Period=60,
                Statistics=["Sum"])
        except Exception:  # the metric is a detail; its absence must not fail the run
            return None
        return int(sum(point["Sum"] for point in stats["Datapoints"]))


# --------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------


def send_events(target: Target, name: str, count: int,
                errors: ErrorLog) -> tuple[int, float, float, float]:
    """Send ``count`` Event invokes from 8 threads, one client each.

    Returns (accepted, seconds, wall clock and perf counter at the first send). Each
    thread opens its connection with an untimed GetFunctionConfiguration first.
    """
    clients = [target.client() for _ in range(CLIENT_THREADS)]
    shares = [range(i, count, CLIENT_THREADS) for i in range(CLIENT_THREADS)]
    accepted = [0] * CLIENT_THREADS

    def warm_up(index: int) -> None:
        clients[index].get_function_configuration(FunctionName=name)

    def work(index: int) -> None:
        client = clients[index]
        for i in shares[index]:
            try:
                response = client.invoke(FunctionName=name, InvocationType="Event",
                                         Payload=json.dumps({"i": i}).encode())
            except Exception as exc:  # a failed send is counted, never timed as a success
                errors.add(f"{type(exc).__name__}: {exc}")
                continue
            if response["StatusCode"] == 202:
                accepted[index] += 1
            else:
                errors.add(f"Event invoke answered {response['StatusCode']}")

    wall0, perf0, seconds = run_together(CLIENT_THREADS, warm_up, work, timeout=120)
    return sum(accepted), seconds, wall0, perf0


def measure_level(target: Target, reserved: int, events: int) -> LevelResult:
    name = f"bench-async-rc{reserved}"
    result = LevelResult(reserved, events)
    log(f"[{target.name}] reserved concurrency {reserved}: {events} Event invokes")
    target.prepare_level(name, reserved)
    errors = ErrorLog()
    accepted, seconds, wall0, perf0 = send_events(target, name, events, errors)
    result.accepted, result.accept_s = accepted, seconds
    result.accepted_per_s = accepted / seconds
    result.send_errors, result.first_error = errors.count, errors.first
    if "drained/s" in target.not_measured:
        return result
    log(f"[{target.name}] reserved concurrency {reserved}: draining")
    drain = target.drain(name, accepted, wall0, perf0)
    result.drain_s = drain.end_s
    result.drained_per_s = accepted / drain.end_s if drain.end_s else None
    result.ran_ok, result.lost, result.lost_how = drain.ran_ok, drain.lost, drain.lost_how
    result.throttles, result.note = drain.throttles, drain.note
    return result


def check_echo(response: dict[str, Any], event: dict[str, Any]) -> str:
    """'' when a sync invoke really succeeded with the echo handler's answer."""
    payload = response["Payload"].read()
    if response.get("StatusCode") != 200 or response.get("FunctionError"):
        return f"StatusCode {response.get('StatusCode')} {response.get('FunctionError', '')}"
    try:
        if json.loads(payload) == {"ok": True, "echo": event}:
            return ""
    except ValueError:
        pass
    return f"unexpected payload: {payload[:200]!r}"


def measure_throttle(target: Target, samples: int) -> ThrottleResult:
    """p50/p95 of a 429 beside p50/p95 of a warm success, interleaved, in ms."""
    log(f"[{target.name}] throttle decision: {samples} samples")
    target.create(THROTTLED_FUNCTION, 0)
    target.create(WARM_FUNCTION, None)
    client = target.client()
    result = ThrottleResult(samples)
    errors = ErrorLog()
    throttled: list[float] = []
    warm: list[float] = []
    for i in range(samples + 1):  # the first round is untimed: connection, cold start
        started = time.perf_counter()
        try:
            client.invoke(FunctionName=THROTTLED_FUNCTION, Payload=b"{}")
            errors.add("reserved concurrency 0 did not throttle")
        except client.exceptions.TooManyRequestsException as exc:
            if i:
                throttled.append((time.perf_counter() - started) * 1000)
            result.reason = result.reason or str(exc.response.get("Reason", ""))
        except Exception as exc:
            errors.add(f"{type(exc).__name__}: {exc}")
        event = {"i": i}
        started = time.perf_counter()
        try:
            response = client.invoke(FunctionName=WARM_FUNCTION,
                                     Payload=json.dumps(event).encode())
            error = check_echo(response, event)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        if error:
            errors.add(error)
        elif i:
            warm.append((time.perf_counter() - started) * 1000)
    result.throttle_p50_ms = percentile(throttled, 50) if throttled else None
    result.throttle_p95_ms = percentile(throttled, 95) if throttled else None
    result.warm_p50_ms = percentile(warm, 50) if warm else None
    result.warm_p95_ms = percentile(warm, 95) if warm else None
    result.errors, result.first_error = errors.count, errors.first
    return result


def run_target(target: Target, events: int, samples: int) -> TargetResult:
    """Start, measure what the target supports, always stop, then count what is left."""
    result = TargetResult(target.name)
    log(f"[{target.name}] starting")
    try:
        try:
            target.start()
        except TargetUnavailable as exc:
            result.status, result.reason = "skipped", str(exc)
            return result
        result.support, result.not_measured = target.support, target.not_measured
        if "accepted/s" not in target.not_measured:
            for reserved in LEVELS:
                result.levels.append(measure_level(target, reserved, events))
        if "throttle decision" not in target.not_measured:
            result.throttle = measure_throttle(target, samples)
    except Exception as exc:  # report and go on to the next target
        result.status, result.reason = "failed", f"{type(exc).__name__}: {exc}"
    finally:
        log(f"[{target.name}] stopping")
        target.stop()
        result.leftover_processes, result.leftover_threads = target.leftovers()
    return result


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def render(results: list[TargetResult], events: int, samples: int) -> str:
    out = [f"async throughput: {events} Event invokes per level from {CLIENT_THREADS} client "
           f"threads; {os.cpu_count()} CPUs",
           f"lambdalab: Lambda's clock runs {1 / TIME_SCALE:.0f}x fast (time_scale={TIME_SCALE}), "
           "so drained/s does not measure its throttle",
           "backoff waits (1 s..5 min become 1..300 ms); the backoff still paces the queue at "
           "low reserved concurrency,",
           f"and the 6 h maximum event age becomes {MAX_EVENT_AGE_S * TIME_SCALE:.1f} s. "
           "Handler code runs in real time.", ""]
    rows = [("target", "reserved", "events", "accepted/s", "drained/s", "ran ok", "lost",
             "throttles", "errors")]
    for r in results:
        if r.status != "ok" and not r.levels:
            continue
        for lv in r.levels:
            rows.append((r.target, str(lv.reserved), str(lv.events), fmt(lv.accepted_per_s, 0),
                         fmt(lv.drained_per_s, 0), fmt(lv.ran_ok, 0), fmt(lv.lost, 0),
                         fmt(lv.throttles, 0), str(lv.send_errors)))
        if not r.levels and "accepted/s" in r.not_measured:
            rows.append((r.target, "-", "-", "not supported", "not supported", "", "", "", ""))
    out += table(rows)
    for r in results:
        for lv in r.levels:
            detail = [d for d in (lv.lost_how, lv.note) if d]
            if lv.drained_per_s is None and "drained/s" in r.not_measured:
                detail.append(f"drained/s not supported: {r.not_measured['drained/s']}")
            if lv.first_error:
                detail.append(f"first send error: {lv.first_error}")
            if detail:
                out.append(f"  {r.target} reserved {lv.reserved}: {'; '.join(detail)}")

    out += ["", f"throttle decision, ms: {samples} sync invokes of a function with reserved "
                "concurrency 0,", "interleaved with warm successful invokes of another function"]
    rows = [("target", "429 p50", "429 p95", "warm 200 p50", "warm 200 p95", "errors")]
    for r in results:
        t = r.throttle
        if t is not None:
            rows.append((r.target, fmt(t.throttle_p50_ms, 2), fmt(t.throttle_p95_ms, 2),
                         fmt(t.warm_p50_ms, 2), fmt(t.warm_p95_ms, 2), str(t.errors)))
        elif r.status == "ok" and "throttle decision" in r.not_measured:
            rows.append((r.target, "not supported", "", "", "", ""))
    out += table(rows)
    for r in results:
        if r.throttle and r.throttle.reason:
            out.append(f"  {r.target}: 429 Reason {r.throttle.reason}")
        if r.throttle and r.throttle.first_error:
            out.append(f"  {r.target}: first error: {r.throttle.first_error}")
        if "throttle decision" in r.not_measured:
            out.append(f"  {r.target}: not supported: {r.not_measured['throttle decision']}")

    for r in results:
        if r.support and r.target != "lambdalab":
            out += ["", f"{r.target} {MINISTACK_VERSION}: support found in its source"]
            for f in r.support:
                verdict = {True: "supported", False: "not supported", None: "unknown"}
                out.append(textwrap.fill(f"{f.feature}: {verdict[f.supported]} ({f.detail})",
                                         width=100, initial_indent="  ",
                                         subsequent_indent="      "))

    out += ratios(results)
    out.append("")
    for r in results:
        if r.status != "ok":
            out.append(f"{r.target}: {r.status} ({r.reason})")
        threads = ("" if r.leftover_threads is None
                   else f", threads left in this process: {r.leftover_threads}")
        if r.leftover_processes is not None:
            out.append(f"{r.target}: processes left after stop: {r.leftover_processes}{threads}")
    return "\n".join(out)


def ratios(results: list[TargetResult]) -> list[str]:
    """lambdalab against MiniStack where both measured the same thing."""
    by_name = {r.target: r for r in results}
    ours, theirs = by_name.get("lambdalab"), by_name.get("MiniStack")
    if not ours or not theirs or not ours.levels and not ours.throttle:
        return []
    out = ["", "lambdalab vs MiniStack (above 1x: lambdalab is faster)"]
    theirs_by_level = {lv.reserved: lv for lv in theirs.levels}
    for mine in ours.levels:
        other = theirs_by_level.get(mine.reserved)
        if other is None or not other.accepted_per_s or not mine.accepted_per_s:
            continue
        line = (f"  reserved {mine.reserved:>2}: accepted/s "
                f"{mine.accepted_per_s / other.accepted_per_s:.2f}x")
        if mine.drained_per_s and other.drained_per_s:
            line += f", drained/s {mine.drained_per_s / other.drained_per_s:.2f}x"
            if mine.lost or other.lost:
                line += (f" (not like for like: ran {mine.ran_ok} of {mine.accepted} "
                         f"vs {other.ran_ok} of {other.accepted})")
        out.append(line)
    a, b = ours.throttle, theirs.throttle
    if a and b and a.throttle_p50_ms and b.throttle_p50_ms:
        out.append(f"  429 p50: {b.throttle_p50_ms / a.throttle_p50_ms:.2f}x "
                   f"({a.throttle_p50_ms:.2f} vs {b.throttle_p50_ms:.2f} ms)")
    if a and b and a.warm_p50_ms and b.warm_p50_ms:
        out.append(f"  warm 200 p50: {b.warm_p50_ms / a.warm_p50_ms:.2f}x "
                   f"({a.warm_p50_ms:.2f} vs {b.warm_p50_ms:.2f} ms)")
    return out


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="200 events per level and 50 throttle samples "
                             "instead of 1000 and 200")
    add_run_options(parser, "lambdalab,ministack", "comma-separated subset of lambdalab,ministack")
    return parser.parse_args(argv)


def build_targets(names: list[str], ministack_venv: Path | None) -> list[Target]:
    factories = {"lambdalab": LambdaLab, "ministack": lambda: MiniStack(ministack_venv)}
    unknown = [n for n in names if n not in factories]
    if unknown:
        raise SystemExit(f"unknown target(s): {', '.join(unknown)}")
    return [factories[n]() for n in names]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_sigterm()
    events, samples = (200, 50) if args.quick else (1000, 200)
    names = target_names(args.targets)
    results = [run_target(target, events, samples)
               for target in build_targets(names, args.ministack_venv)]
    children = psutil.Process().children(recursive=True)
    print(render(results, events, samples))
    print(f"child processes of this script at the end: {len(children)}")
    if args.json:
        report = {
            "environment": environment_info(),
            "params": {"events": events, "throttle_samples": samples,
                       "client_threads": CLIENT_THREADS, "levels": list(LEVELS),
                       "lambdalab_time_scale": TIME_SCALE, "region": REGION,
                       "drain_timeout_s": DRAIN_TIMEOUT_S},
            "results": [asdict(r) for r in results],
            "child_processes_at_end": len(children),
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"JSON written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
