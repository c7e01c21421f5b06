"""Concurrency: how many execution environments a function may keep busy at once.

A function with reserved concurrency N may run N invocations at once and no more; the
others share the account's unreserved pool (1000 by default, of which at least 100
must stay unreserved). A request beyond either limit is throttled at once, never
queued: https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
"""

from __future__ import annotations

import threading
from collections import Counter

from lambdalab.invoke import errors
from lambdalab.invoke.functions import FunctionSpec

RESERVED_LIMIT_EXCEEDED = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_LIMIT_EXCEEDED = "ConcurrentInvocationLimitExceeded"
MINIMUM_UNRESERVED = 100


class ConcurrencyLimiter:
    def __init__(self, account_limit: int = 1000) -> None:
        if account_limit < 1:
            raise ValueError(f"account concurrency must be at least 1, not {account_limit}")
        self.account_limit = account_limit
        self._lock = threading.Lock()
        self._in_use: Counter[str] = Counter()  # by unqualified function ARN
        self._unreserved_in_use = 0

    def acquire(self, spec: FunctionSpec, total_reserved: int) -> None:
        """Take one unit of concurrency for ``spec`` or raise a 429 LambdaError."""
        with self._lock:
            reserved = spec.reserved_concurrency
            if reserved is not None:
                if self._in_use[spec.arn] >= reserved:
                    raise errors.too_many_requests(RESERVED_LIMIT_EXCEEDED)
            elif self._unreserved_in_use >= self.account_limit - total_reserved:
                raise errors.too_many_requests(ACCOUNT_LIMIT_EXCEEDED)
            else:
                self._unreserved_in_use += 1
            self._in_use[spec.arn] += 1

    def release(self, spec: FunctionSpec) -> None:
        with self._lock:
            self._in_use[spec.arn] -= 1
            if spec.reserved_concurrency is None:
                self._unreserved_in_use -= 1

    def in_use(self, function_arn: str) -> int:
        with self._lock:
            return self._in_use[function_arn]

    def max_reservable(self, reserved_elsewhere: int) -> int:
        return self.account_limit - MINIMUM_UNRESERVED - reserved_elsewhere
