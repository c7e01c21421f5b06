"""Invoke, as Lambda's data plane does it: validate, pick an environment, run, log, answer.

HTTP plumbing lives in :mod:`lambdalab.invoke.api`; this module works on plain values so
that the asynchronous queue can call it too.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from lambdalab.invoke import errors, logs, names
from lambdalab.invoke import invocation as inv_mod
from lambdalab.invoke.concurrency import ConcurrencyLimiter
from lambdalab.invoke.environment import ExecutionEnvironment
from lambdalab.invoke.functions import DEFAULT_ACCOUNT, FunctionSpec, reserved_total, resolve
from lambdalab.invoke.invocation import Invocation, Outcome
from lambdalab.invoke.limits import ASYNC_PAYLOAD_BYTES, CLIENT_CONTEXT_BYTES, SYNC_PAYLOAD_BYTES
from lambdalab.invoke.logs import LogLine
from lambdalab.invoke.pool import EnvironmentPool
from lambdalab.invoke.records import InvocationLog, InvocationRecord


@dataclass
class InvokeResult:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class InvokeRequest:
    function_name: str
    qualifier: str | None = None
    payload: bytes = b""
    invocation_type: str = "RequestResponse"
    log_type: str = "None"
    client_context: str | None = None  # base64, as sent in X-Amz-Client-Context
    caller_key: str | None = None  # the access key that signed the call


# (access key, action, resource ARN) -> None if allowed, else the AccessDenied message
Authorizer = Callable[[str, str, str], "str | None"]


def check_json(payload: bytes) -> bytes:
    """The payload the runtime receives: valid JSON, an empty body meaning ``{}``."""
    if not payload.strip():
        return b"{}"
    try:
        json.loads(payload)
    except UnicodeDecodeError as e:
        raise errors.invalid_request_content(
            "Could not parse request body into json: Could not parse payload into json: "
            + _not_utf8(payload, e)) from None
    except ValueError as e:
        raise errors.invalid_request_content(
            f"Could not parse request body into json: Could not parse payload into json: {e}"
        ) from None
    return payload


def _not_utf8(payload: bytes, error: UnicodeDecodeError) -> str:
    """A payload that is not UTF-8, in the words of Lambda's JSON parser (Jackson), which
    AWS answers with: "Invalid UTF-8 start byte 0x87 / at [Source: REDACTED …; line: 1,
    column: 3]", the column counted past the byte, from 1 (recorded on AWS:
    tests/parity, invoke_payload_not_json)."""
    where = error.start
    line_start = payload.rfind(b"\n", 0, where) + 1
    line = payload.count(b"\n", 0, where) + 1
    kind = "start" if error.reason == "invalid start byte" else "middle"
    return (f"Invalid UTF-8 {kind} byte 0x{payload[where]:02x}\n at [Source: REDACTED "
            "(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: "
            f"{line}, column: {where - line_start + 2}]")


def decode_client_context(value: str | None) -> str | None:
    """Base64 JSON object, at most 3583 bytes, handed to the runtime decoded."""
    if value is None:
        return None
    if len(value.encode()) > CLIENT_CONTEXT_BYTES:
        raise errors.invalid_request_content(
            f"Client context must be at most {CLIENT_CONTEXT_BYTES} bytes of base64-encoded "
            "JSON.")
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
        if not isinstance(json.loads(text), dict):
            raise ValueError
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise errors.invalid_request_content(
            "Client context must be a valid Base64-encoded JSON object.") from None
    return text


class EventQueue(Protocol):
    def submit(self, spec: FunctionSpec, invocation: Invocation) -> None: ...


class InvokeService:
    def __init__(self, region: str, pool: EnvironmentPool, records: InvocationLog,
                 limiter: ConcurrencyLimiter) -> None:
        self.region = region
        self.pool = pool
        self.records = records
        self.limiter = limiter
        self.event_queue: EventQueue | None = None
        self.authorize: Authorizer | None = None  # IAM's decision, when the cloud enforces it
        # whether a function's role may perform an action on a resource (IAM enforced)
        self.role_may: Callable[[FunctionSpec, str, str], bool] | None = None

    def invoke(self, request: InvokeRequest) -> InvokeResult:
        """Answer an Invoke API call; raises :class:`errors.LambdaError` for bad requests."""
        names.check(request.invocation_type, "Invoke", "InvocationType", "invocationType")
        spec = self._resolve(request)
        if spec.state != "Active":  # docs.aws.amazon.com/lambda/latest/dg/functions-states.html
            raise errors.function_not_active(spec.state)
        if request.invocation_type == "DryRun":  # AWS names no executed version here
            return InvokeResult(204)
        if request.invocation_type == "Event":
            return self._enqueue(spec, request)
        if len(request.payload) > SYNC_PAYLOAD_BYTES:
            raise errors.payload_too_large(len(request.payload), "RequestResponse",
                                           SYNC_PAYLOAD_BYTES)
        client_context = decode_client_context(request.client_context)
        payload = check_json(request.payload)
        invocation = Invocation(payload, self._invoked_arn(spec, request), client_context)
        self.admit(spec, invocation, "RequestResponse")
        outcome, lines = self.run(spec, invocation, "RequestResponse")
        headers = {"Content-Type": "application/json",
                   "X-Amz-Executed-Version": spec.version,
                   "x-amzn-RequestId": invocation.request_id}
        if outcome.is_error:
            headers["X-Amz-Function-Error"] = "Unhandled"
        if request.log_type == "Tail":
            headers["X-Amz-Log-Result"] = logs.tail(lines)
        return InvokeResult(200, outcome.payload, headers)

    def _resolve(self, request: InvokeRequest) -> FunctionSpec:
        """The function version the request names, after Lambda's checks of the names."""
        ref = names.parse(request.function_name)
        if request.qualifier is not None:
            names.check(request.qualifier, "Invoke", "Qualifier", "qualifier")
        names.check(request.log_type, "Invoke", "LogType", "logType")
        qualifier = names.locate(ref, self.region, DEFAULT_ACCOUNT, request.qualifier)
        request.qualifier = qualifier
        self._check_permission(request, ref.name, qualifier)
        return resolve(self.region, ref.name, qualifier)

    def _check_permission(self, request: InvokeRequest, name: str,
                          qualifier: str | None) -> None:
        """IAM's decision, before Lambda looks the function up (as AWS does: a caller
        without the permission learns nothing of whether the function exists). A
        qualified call needs the qualified ARN (developer guide, "Fine-tuning the
        Resources and Conditions sections of policies")."""
        if self.authorize is None or request.caller_key is None:
            return
        resource = f"arn:aws:lambda:{self.region}:{DEFAULT_ACCOUNT}:function:{name}"
        if qualifier is not None:
            resource += f":{qualifier}"
        denied = self.authorize(request.caller_key, "lambda:InvokeFunction", resource)
        if denied is not None:
            raise errors.LambdaError(403, "AccessDeniedException", denied,
                                     message_key="Message")

    def _enqueue(self, spec: FunctionSpec, request: InvokeRequest) -> InvokeResult:
        """Accept an asynchronous invocation: checked now, queued, answered 202 at once."""
        if len(request.payload) > ASYNC_PAYLOAD_BYTES:
            raise errors.payload_too_large(len(request.payload), "Event", ASYNC_PAYLOAD_BYTES)
        invocation = Invocation(check_json(request.payload), self._invoked_arn(spec, request))
        if self.event_queue is None:
            raise errors.service_error("Asynchronous invocation is not available.")
        self.event_queue.submit(spec, invocation)
        return InvokeResult(202, b"", {"x-amzn-RequestId": invocation.request_id})

    def admit(self, spec: FunctionSpec, invocation: Invocation, invocation_type: str,
              attempt: int = 1) -> None:
        """Take a unit of concurrency for one invocation, or record and raise the throttle."""
        try:
            self.limiter.acquire(spec, reserved_total(spec.region, spec.account))
        except errors.LambdaError as throttle:
            now = time.time()
            self.records.add(InvocationRecord(
                spec.name, spec.version, invocation.request_id, invocation_type, None, False,
                now, now, "throttled", throttle.extra.get("Reason"), attempt))
            raise

    @staticmethod
    def _invoked_arn(spec: FunctionSpec, request: InvokeRequest) -> str:
        """The ARN the caller named: qualified when it named a version or an alias."""
        return f"{spec.arn}:{request.qualifier}" if request.qualifier else spec.arn

    def run(self, spec: FunctionSpec, invocation: Invocation,
            invocation_type: str, attempt: int = 1) -> tuple[Outcome, list[LogLine]]:
        """Run an admitted invocation in an environment and write its log.

        Returns the outcome and the invocation's log lines; gives the unit of concurrency
        taken by :meth:`admit` back when done.
        """
        started = time.time()
        try:
            env = self.pool.acquire(spec)
            cold = env.cold
            try:
                outcome = env.run(invocation)
                lines = self._log_lines(env, invocation, outcome, cold)
            finally:
                env.cold = False
                self.pool.release(env)
                # before the unit of concurrency is given back
                ended, ended_monotonic = time.time(), time.monotonic()
        finally:
            self.limiter.release(spec)
        logs.write(spec.account, spec.region, spec.log_group, env.log_stream, lines,
                   None if self.role_may is None else functools.partial(self.role_may, spec))
        self.records.add(InvocationRecord(
            spec.name, spec.version, invocation.request_id, invocation_type, env.id, cold,
            started, ended, outcome.kind, outcome.error_type, attempt,
            _handler_start(invocation, ended, ended_monotonic)))
        return outcome, lines

    @staticmethod
    def _log_lines(env: ExecutionEnvironment, invocation: Invocation, outcome: Outcome,
                   cold: bool) -> list[LogLine]:
        """START, what the code printed, Lambda's own notes, END and REPORT."""
        request_id = invocation.request_id
        spec = env.spec
        lines: list[LogLine] = []
        if cold:
            lines += env.init_lines
        memory = env.peak_memory_mb()
        printed = env.output.take()
        if outcome.kind == inv_mod.INIT_ERROR:
            lines += printed
            printed = []
            init_ms = env.init_duration_ms or 0.0
            lines.append(LogLine(logs.now_ms(), (
                f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: error\t"
                f"Error Type: {outcome.error_type}")))
        elif invocation.handed_at is None and outcome.kind == inv_mod.TIMEOUT:
            lines += printed  # the init never finished: what it printed, then its report
            printed = []
            lines.append(LogLine(logs.now_ms(), (
                f"INIT_REPORT Init Duration: {_elapsed_s(invocation) * 1000:.2f} ms\t"
                "Phase: init\tStatus: timeout")))
        started_ms = int((time.time() - _elapsed_s(invocation)) * 1000)
        # START comes first in CloudWatch's order (by time): never after what the handler
        # printed, whose stamps the output reader took with a clock of its own
        started_ms = min([started_ms, *(line.timestamp_ms for line in printed)])
        lines.append(LogLine(started_ms, logs.start_line(request_id, spec.version)))
        lines += printed
        now = logs.now_ms()
        status = None
        if outcome.kind == inv_mod.TIMEOUT:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now / 1000))
            lines.append(LogLine(now, f"{stamp}.{now % 1000:03d}Z {request_id} Task timed out "
                                      f"after {spec.timeout:.2f} seconds"))
            status = "timeout"
        elif outcome.kind in (inv_mod.EXIT, inv_mod.INIT_ERROR):
            if outcome.kind == inv_mod.EXIT:
                message = json.loads(outcome.payload)["errorMessage"]
                lines.append(LogLine(now, f"{message}\n{outcome.error_type}"))
            status = "error"
        lines.append(LogLine(now, logs.end_line(request_id)))
        cold_init_ms = (env.init_duration_ms if cold and outcome.kind != inv_mod.INIT_ERROR
                        else None)
        lines.append(LogLine(now, logs.report_line(
            request_id, _elapsed_s(invocation) * 1000, spec.memory_size, memory, cold_init_ms,
            status, outcome.error_type if status else None)))
        return lines


def _handler_start(invocation: Invocation, ended: float, ended_monotonic: float) -> float | None:
    """Wall-clock time the handler got the invocation, from its monotonic hand-over."""
    if invocation.handed_at is None:
        return None
    return ended - (ended_monotonic - invocation.handed_at)


def _elapsed_s(invocation: Invocation) -> float:
    """How long the invocation took: from hand-over to the runtime, or, when an init that
    never ended kept it waiting, from when it reached its environment."""
    if invocation.ended_at is None:
        return 0.0
    started = invocation.handed_at if invocation.handed_at is not None else (
        invocation.reached_environment_at)
    return 0.0 if started is None else invocation.ended_at - started
