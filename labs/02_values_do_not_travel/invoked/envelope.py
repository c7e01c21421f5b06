"""An explicit envelope for a call: the request's metadata next to the body, as JSON.

Lambda hands the invoked function the Payload (and, for a synchronous call, the
ClientContext), nothing else: not the caller's memory, its environment variables or
its context object. Whatever the invoked function must know about the request, it
must find in the Payload, so the caller puts it there on purpose:
``{"meta": {"correlation_id": ..., "tenant": ..., ...}, "body": ...}``.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Meta:
    """What the invoked function needs to know about the request, besides its body."""

    correlation_id: str  # the first function's aws_request_id: ties the logs together
    tenant: str
    user_id: str
    deadline_ms: int | None = None  # epoch ms when the caller stops waiting

    def time_left_ms(self) -> float:
        """Milliseconds until the caller stops waiting (infinite: no deadline)."""
        if self.deadline_ms is None:
            return math.inf
        return self.deadline_ms - time.time() * 1000


def wrap(body: Any, meta: Meta) -> str:
    """The Payload of a call: JSON text of ``{"meta": {...}, "body": body}``.

    JSON only: a ``datetime`` or a ``Decimal`` in the body raises TypeError here, in
    the caller, instead of arriving as something the invoked function cannot read.
    """
    return json.dumps({"meta": asdict(meta), "body": body})


def unwrap(event: Any) -> tuple[Meta, Any]:
    """The metadata and the body of an envelope; ValueError for anything else."""
    if not isinstance(event, dict) or set(event) != {"meta", "body"}:
        raise ValueError('expected an envelope: {"meta": {...}, "body": ...}')
    return Meta(**event["meta"]), event["body"]
