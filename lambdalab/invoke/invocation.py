"""One request travelling through an execution environment, and how it ended."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field

SUCCESS = "success"
FUNCTION_ERROR = "error"
TIMEOUT = "timeout"
EXIT = "exit"
INIT_ERROR = "init_error"


@dataclass
class Outcome:
    """How an invocation ended. Everything but SUCCESS is an ``Unhandled`` function error."""

    kind: str
    payload: bytes
    error_type: str | None = None

    @property
    def is_error(self) -> bool:
        return self.kind != SUCCESS


def platform_error(error_type: str, message: str) -> bytes:
    """The payload Lambda itself writes when the runtime cannot answer (timeout, crash)."""
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def error_type_of(payload: bytes) -> str | None:
    try:
        value = json.loads(payload).get("errorType")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


@dataclass
class Invocation:
    payload: bytes
    invoked_arn: str
    client_context: str | None = None  # decoded JSON text, as the runtime receives it
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    reached_environment_at: float | None = None  # monotonic time an environment took it
    handed_at: float | None = None  # monotonic time the runtime received it
    ended_at: float | None = None
    deadline_ms: int = 0
    outcome: Outcome | None = None
    _cond: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def hand_over(self, timeout_s: float) -> None:
        with self._cond:
            self.handed_at = time.monotonic()
            self.deadline_ms = int((time.time() + timeout_s) * 1000)
            self._cond.notify_all()

    def finish(self, outcome: Outcome) -> bool:
        """Record the outcome; the first one wins (a crash after a timeout changes nothing)."""
        with self._cond:
            if self.outcome is not None:
                return False
            self.outcome = outcome
            self.ended_at = time.monotonic()
            self._cond.notify_all()
            return True

    def wait_handed_over(self, timeout_s: float) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: self.handed_at is not None or self.outcome is not None, timeout_s)

    def wait_finished(self, timeout_s: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self.outcome is not None, max(timeout_s, 0))

    def runtime_headers(self) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": self.request_id,
            "Lambda-Runtime-Deadline-Ms": str(self.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": self.invoked_arn,
            "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};"
                                       "Sampled=0",
        }
        if self.client_context is not None:
            headers["Lambda-Runtime-Client-Context"] = self.client_context
        return headers
