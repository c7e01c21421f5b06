"""What the cloud knows about moto's resources that moto has no field for.

moto keeps every resource; a few facts Lambda and EC2 have and moto does not (a function's
dead-letter queue, how long its VPC setup lasts, an endpoint's DNS name) live here, in
tables keyed by the resource's ARN or id, rather than as attributes stuck onto moto's
objects. Like moto's own state they are one per process (one cloud runs per process), and
the cloud clears them whenever moto's state is reset.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

LATEST = "$LATEST"


@dataclass
class OwnedState:
    """The tables; every method is safe to call from the server's threads."""

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # unqualified function ARN -> monotonic time its VPC setup (Pending) ends
    _pending_until: dict[str, float] = field(default_factory=dict)
    # unqualified function ARN -> monotonic time its configuration update ends
    _updating_until: dict[str, float] = field(default_factory=dict)
    # (unqualified function ARN, version) -> DeadLetterConfig
    _dead_letter: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # VPC endpoint id -> the random part of its DNS names
    _endpoint_dns_suffix: dict[str, str] = field(default_factory=dict)
    # (unqualified function ARN, version) -> its RevisionId, new with every change
    _revisions: dict[tuple[str, str], str] = field(default_factory=dict)
    # (unqualified function ARN, qualifier) -> (event-invoke settings, when last changed)
    _event_configs: dict[tuple[str, str], tuple[dict[str, Any], float]] = field(
        default_factory=dict)

    def clear(self) -> None:
        with self._lock:
            self._pending_until.clear()
            self._updating_until.clear()
            self._dead_letter.clear()
            self._endpoint_dns_suffix.clear()
            self._event_configs.clear()
            self._revisions.clear()

    # --- a function's setup and updates (Pending, LastUpdateStatus InProgress) -------------

    def start_pending(self, function_arn: str, seconds: float) -> None:
        with self._lock:
            self._pending_until[function_arn] = time.monotonic() + seconds

    def start_updating(self, function_arn: str, seconds: float) -> None:
        with self._lock:
            self._updating_until[function_arn] = time.monotonic() + seconds

    def is_pending(self, function_arn: str) -> bool:
        return time.monotonic() < self._pending_until.get(function_arn, 0.0)

    def is_updating(self, function_arn: str) -> bool:
        return time.monotonic() < self._updating_until.get(function_arn, 0.0)

    # --- dead-letter queues, per version as Lambda keeps them --------------------------------

    def set_dead_letter(self, function_arn: str, config: dict[str, Any],
                        version: str = LATEST) -> None:
        with self._lock:
            self._dead_letter[(function_arn, version)] = dict(config)

    def dead_letter(self, function_arn: str, version: str = LATEST) -> dict[str, Any] | None:
        return self._dead_letter.get((function_arn, version))

    def publish(self, function_arn: str, version: str) -> None:
        """A published version keeps the dead-letter queue $LATEST has now."""
        with self._lock:
            latest = self._dead_letter.get((function_arn, LATEST))
            if latest is not None:
                self._dead_letter[(function_arn, version)] = dict(latest)

    def forget_function(self, function_arn: str, version: str | None = None) -> None:
        """A deleted function (or one deleted version) leaves nothing behind."""
        with self._lock:
            if version is None:
                self._pending_until.pop(function_arn, None)
                self._updating_until.pop(function_arn, None)
            for key in [k for k in self._dead_letter
                        if k[0] == function_arn and version in (None, k[1])]:
                del self._dead_letter[key]
            for table in (self._event_configs, self._revisions):
                for key in [k for k in table if k[0] == function_arn and version in (None, k[1])]:
                    del table[key]

    # --- revisions: an id per version that every change renews ------------------------------

    def new_revision(self, function_arn: str, version: str = LATEST) -> str:
        with self._lock:
            revision = str(uuid.uuid4())
            self._revisions[(function_arn, version)] = revision
            return revision

    def set_revision(self, function_arn: str, revision: str, version: str = LATEST) -> None:
        with self._lock:
            self._revisions[(function_arn, version)] = revision

    def revision(self, function_arn: str, version: str = LATEST) -> str:
        """The version's RevisionId (one is made the first time it is asked for)."""
        found = self._revisions.get((function_arn, version))
        return found if found is not None else self.new_revision(function_arn, version)

    # --- asynchronous invocation settings, per function, version and alias -----------------

    def set_event_config(self, function_arn: str, qualifier: str,
                         settings: dict[str, Any]) -> float:
        """Store a qualifier's settings; when they were stored (``time.time()``)."""
        with self._lock:
            now = time.time()
            self._event_configs[(function_arn, qualifier)] = (dict(settings), now)
            return now

    def event_config(self, function_arn: str,
                     qualifier: str) -> tuple[dict[str, Any], float] | None:
        found = self._event_configs.get((function_arn, qualifier))
        return None if found is None else (dict(found[0]), found[1])

    def event_configs(self, function_arn: str) -> dict[str, tuple[dict[str, Any], float]]:
        with self._lock:
            return {q: (dict(c), t) for (arn, q), (c, t) in self._event_configs.items()
                    if arn == function_arn}

    def delete_event_config(self, function_arn: str, qualifier: str) -> bool:
        with self._lock:
            return self._event_configs.pop((function_arn, qualifier), None) is not None

    # --- VPC endpoints ---------------------------------------------------------------------

    def set_endpoint_dns_suffix(self, endpoint_id: str, suffix: str) -> None:
        with self._lock:
            self._endpoint_dns_suffix[endpoint_id] = suffix

    def endpoint_dns_suffix(self, endpoint_id: str) -> str | None:
        return self._endpoint_dns_suffix.get(endpoint_id)


STATE = OwnedState()
