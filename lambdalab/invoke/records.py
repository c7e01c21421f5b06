"""A record of every invocation the cloud handled, for notebooks, tests and plots."""

from __future__ import annotations

import threading
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

    @property
    def duration_ms(self) -> float:
        return (self.end - self.start) * 1000

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class InvocationLog:
    """Thread-safe, append-only list of :class:`InvocationRecord`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[InvocationRecord] = []

    def add(self, record: InvocationRecord) -> None:
        with self._lock:
            self._records.append(record)

    def all(self, function: str | None = None) -> list[InvocationRecord]:
        with self._lock:
            return [r for r in self._records if function is None or r.function == function]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
