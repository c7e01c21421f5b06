"""Asynchronous invocation: Lambda's internal queue, its retries and its destinations.

An accepted event waits in the queue, runs within the function's concurrency, and is
retried after a function error (after 1 minute, then 2 minutes, up to
``MaximumRetryAttempts``) or after a throttle (backoff from 1 second to 5 minutes),
until it succeeds, runs out of retries or grows older than ``MaximumEventAgeInSeconds``.
A function whose reserved concurrency is 0 runs nothing: its events go to the on-failure
destination (or dead-letter queue) at once, untried, with the condition
``ZeroReservedConcurrency``.
Every accepted event then ends exactly once, in :attr:`AsyncQueue.results`, and its
record goes to the configured destination or dead-letter queue.
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from lambdalab.invoke import destinations as dest
from lambdalab.invoke import errors
from lambdalab.invoke.clock import LambdaClock
from lambdalab.invoke.functions import FunctionSpec, resolve
from lambdalab.invoke.invocation import Invocation, Outcome
from lambdalab.invoke.service import InvokeService
from lambdalab.owned_state import STATE

log = logging.getLogger(__name__)

DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_EVENT_AGE_S = 21600
RETRY_DELAY_S = 60  # the first retry waits 1 minute, the second 2 minutes
THROTTLE_BACKOFF_FIRST_S = 1
THROTTLE_BACKOFF_MAX_S = 300


@dataclass
class QueuedEvent:
    spec: FunctionSpec  # as resolved when accepted: the version the event was sent to
    payload: bytes
    invoked_arn: str
    request_id: str
    accepted_at: float = field(default_factory=time.monotonic)
    attempts: int = 0  # times the function ran
    throttles: int = 0
    last_outcome: Outcome | None = None


@dataclass(frozen=True)
class AsyncResult:
    """How one accepted event ended, and where its record went."""

    request_id: str
    function: str
    condition: str  # Success, RetriesExhausted, EventAgeExceeded, ZeroReservedConcurrency,
    # FunctionDeleted
    attempts: int
    throttles: int
    delivered_to: tuple[str, ...]
    delivery_error: str | None = None


class AsyncQueue:
    def __init__(self, service: InvokeService, clock: LambdaClock,
                 sender: dest.DestinationSender) -> None:
        self._service = service
        self._clock = clock
        self._sender = sender
        self._heap: list[tuple[float, int, QueuedEvent]] = []
        self._sequence = itertools.count()
        self._cond = threading.Condition()
        self._running = 0
        self._closed = False
        self._results: list[AsyncResult] = []
        self._thread = threading.Thread(target=self._dispatch, name="lambdalab-async",
                                        daemon=True)
        self._thread.start()

    # --- public ---------------------------------------------------------------------------

    def submit(self, spec: FunctionSpec, invocation: Invocation) -> None:
        event = QueuedEvent(spec, invocation.payload, invocation.invoked_arn,
                            invocation.request_id)
        self._schedule(event, 0.0)

    def submit_to_arn(self, function_arn: str, payload: bytes) -> None:
        """Queue ``payload`` for a function named by ARN (a Lambda destination)."""
        spec = resolve(self._service.region, function_arn, None)
        self.submit(spec, Invocation(payload, function_arn))

    @property
    def results(self) -> list[AsyncResult]:
        with self._cond:
            return list(self._results)

    def pending(self) -> int:
        """Events accepted and not yet ended (queued or running)."""
        with self._cond:
            return len(self._heap) + self._running

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every accepted event has ended; False if ``timeout`` passed first."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._heap and not self._running, timeout)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=5)

    # --- scheduling -----------------------------------------------------------------------

    def _schedule(self, event: QueuedEvent, lambda_delay_s: float) -> None:
        """Queue ``event`` to run after a delay on Lambda's clock, or at its expiry."""
        max_age = int(event.spec.event_config.get("MaximumEventAgeInSeconds",
                                                  DEFAULT_MAX_EVENT_AGE_S))
        age = self._clock.lambda_seconds_since(event.accepted_at)
        delay = min(lambda_delay_s, max(max_age - age, 0.0))
        due = time.monotonic() + self._clock.real_seconds(delay)
        with self._cond:
            heapq.heappush(self._heap, (due, next(self._sequence), event))
            self._cond.notify_all()

    def _dispatch(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (not self._heap or self._heap[0][0] > time.monotonic()):
                    wait = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(wait)
                if self._closed:
                    return
                _, _, event = heapq.heappop(self._heap)
                self._running += 1
            try:
                self._start(event)
            except Exception:  # a broken event must not stop the queue
                log.exception("asynchronous event %s failed in the local cloud", event.request_id)
                self._end(event, "InternalError", ())

    def _start(self, event: QueuedEvent) -> None:
        """Expire, throttle or launch one due event; only launched events get a thread."""
        spec = self._current_spec(event)
        if spec is None:
            self._end(event, "FunctionDeleted", ())
            return
        event.spec = spec
        if spec.reserved_concurrency == 0:  # switched off: no retries, the record at once
            self._finish(event, dest.ZERO_RESERVED_CONCURRENCY)
            return
        max_age = int(spec.event_config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE_S))
        if self._clock.lambda_seconds_since(event.accepted_at) >= max_age:
            self._finish(event, dest.EVENT_AGE_EXCEEDED)
            return
        invocation = Invocation(event.payload, event.invoked_arn, request_id=event.request_id)
        try:
            self._service.admit(spec, invocation, "Event", event.attempts + 1)
        except errors.LambdaError:
            event.throttles += 1
            backoff = min(THROTTLE_BACKOFF_FIRST_S * 2 ** (event.throttles - 1),
                          THROTTLE_BACKOFF_MAX_S)
            self._requeue(event, backoff)
            return
        threading.Thread(target=self._run, args=(event, invocation), daemon=True,
                         name=f"event-{event.request_id[:8]}").start()

    def _current_spec(self, event: QueuedEvent) -> FunctionSpec | None:
        """The event's function version as configured now (None if it was deleted)."""
        qualifier = event.spec.version if event.spec.version != "$LATEST" else None
        try:
            spec = resolve(event.spec.region, event.spec.arn, qualifier, event.spec.account)
        except errors.LambdaError:
            return None
        # the settings are those of the qualifier the caller named (an alias has its own)
        named = event.invoked_arn.split(":")[7] if event.invoked_arn.count(":") >= 7 \
            else "$LATEST"
        found = STATE.event_config(spec.arn, named)
        return replace(spec, event_config=found[0] if found else {})

    def _run(self, event: QueuedEvent, invocation: Invocation) -> None:
        try:
            outcome, _ = self._service.run(event.spec, invocation, "Event", event.attempts + 1)
            event.attempts += 1
            event.last_outcome = outcome
            max_retries = int(event.spec.event_config.get("MaximumRetryAttempts",
                                                          DEFAULT_MAX_RETRIES))
            if not outcome.is_error:
                self._finish(event, dest.SUCCESS)
            elif event.attempts <= max_retries:
                self._requeue(event, RETRY_DELAY_S * event.attempts)
            else:
                self._finish(event, dest.RETRIES_EXHAUSTED)
        except Exception:
            log.exception("asynchronous event %s failed in the local cloud", event.request_id)
            self._end(event, "InternalError", ())

    def _requeue(self, event: QueuedEvent, lambda_delay_s: float) -> None:
        self._schedule(event, lambda_delay_s)
        with self._cond:
            self._running -= 1
            self._cond.notify_all()

    # --- endings --------------------------------------------------------------------------

    def _finish(self, event: QueuedEvent, condition: str) -> None:
        """Send the event's record where its configuration says, then end it."""
        spec, outcome = event.spec, event.last_outcome
        success = condition == dest.SUCCESS
        config = spec.event_config.get("DestinationConfig") or {}
        target = (config.get("OnSuccess" if success else "OnFailure") or {}).get("Destination")
        delivered: list[str] = []
        errors_seen: list[str] = []
        if target:
            record = dest.invocation_record(
                request_id=event.request_id, function_arn=f"{spec.arn}:{spec.version}",
                condition=condition, attempts=event.attempts, request_payload=event.payload,
                executed_version=spec.version if outcome else None,
                response_payload=outcome.payload if outcome else None,
                function_error=bool(outcome and outcome.is_error))
            self._deliver(spec, target, dest.DESTINATION_FAILURES, delivered, errors_seen,
                          lambda: self._sender.send_record(target, record, success))
        if not success and spec.dead_letter_target:
            letter = spec.dead_letter_target
            self._deliver(spec, letter, dest.DEAD_LETTER_ERRORS, delivered, errors_seen,
                          lambda: self._sender.send_dead_letter(
                              letter, event.payload, event.request_id,
                              _error_message(outcome, condition)))
        error = "; ".join(errors_seen) or None
        self._end(event, condition, tuple(delivered), error)

    def _deliver(self, spec: FunctionSpec, target: str, metric: str, delivered: list[str],
                 errors_seen: list[str], send: Callable[[], None]) -> None:
        """Send as the function's role; a refusal or a failure is counted in ``metric``
        (a missing queue must not lose the event's ending either)."""
        try:
            self._sender.check_role(spec.role, spec.name, target)
            send()
            delivered.append(target)
        except Exception as e:
            errors_seen.append(f"{metric}: {type(e).__name__}: {e}")
            try:
                self._sender.count_failure(spec.name, metric)
            except Exception:  # the cloud is stopping: nothing left to count in
                pass

    def _end(self, event: QueuedEvent, condition: str, delivered: tuple[str, ...],
             error: str | None = None) -> None:
        result = AsyncResult(event.request_id, event.spec.name, condition, event.attempts,
                             event.throttles, delivered, error)
        with self._cond:
            self._results.append(result)
            self._running -= 1
            self._cond.notify_all()


def _error_message(outcome: Outcome | None, condition: str) -> str:
    if outcome is None and condition == dest.ZERO_RESERVED_CONCURRENCY:
        return "The function's reserved concurrency is 0: the event was not run."
    if outcome is None:
        return "Event age exceeded before the function could run."
    try:
        return str(json.loads(outcome.payload).get("errorMessage", ""))
    except (ValueError, AttributeError):
        return outcome.payload.decode("utf-8", "replace")
