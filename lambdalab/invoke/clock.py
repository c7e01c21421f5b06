"""Lambda's own clock, which a cloud may run faster than real time.

Retry delays (1 and 2 minutes), throttle backoff (1 s up to 5 min) and event age (up to
6 hours) are Lambda's schedule, not the user's code: scaling them lets a notebook show
the whole retry sequence in seconds. Handler code and function timeouts are never
scaled.
"""

from __future__ import annotations

import time


class LambdaClock:
    def __init__(self, time_scale: float = 1.0) -> None:
        if not time_scale > 0:
            raise ValueError(f"time_scale must be a positive number, not {time_scale!r}")
        self.time_scale = float(time_scale)

    def real_seconds(self, lambda_seconds: float) -> float:
        """How long to really wait for ``lambda_seconds`` of Lambda's schedule."""
        return lambda_seconds * self.time_scale

    def lambda_seconds_since(self, real_monotonic: float) -> float:
        """Lambda-clock seconds elapsed since a ``time.monotonic()`` reading."""
        return (time.monotonic() - real_monotonic) / self.time_scale
