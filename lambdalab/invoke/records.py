"""A record of every invocation the cloud handled, for notebooks, tests and plots."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class InvocationRecord:
    function: str
    version: str
    request_id: str
    invocation_type: str  # RequestResponse or Event
    environment: str | None  # environment id; None when throttled before one was chosen
    cold: bool
    start: float  # wall-clock seconds (time.time())
    end: float
    outcome: str  # success, error, timeout, exit, init_error, throttled
    error_type: str | None = None
    attempt: int = 1
    handler_start: float | None = None  # when the handler got the event (after a cold
    # start's init); None when it never did

    @property
    def init_s(self) -> float:
        """Seconds of this invocation spent starting its environment (0 when warm)."""
        if not self.cold or self.handler_start is None:
            return 0.0
        return max(self.handler_start - self.start, 0.0)

    @property
    def duration_ms(self) -> float:
        return (self.end - self.start) * 1000

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


RECORDS_LIMIT = 20_000  # about 8 MB of records at most


class InvocationLog:
    """Thread-safe list of the newest ``limit`` :class:`InvocationRecord`, oldest first."""

    def __init__(self, limit: int = RECORDS_LIMIT) -> None:
        if limit < 1:
            raise ValueError(f"records_limit must be at least 1, not {limit}")
        self._lock = threading.Lock()
        self._records: deque[InvocationRecord] = deque(maxlen=limit)

    def add(self, record: InvocationRecord) -> None:
        with self._lock:
            self._records.append(record)

    def all(self, function: str | None = None) -> list[InvocationRecord]:
        with self._lock:
            return [r for r in self._records if function is None or r.function == function]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
