"""Function states while Lambda sets up a VPC connection: Pending, then Active.

docs.aws.amazon.com/lambda/latest/dg/functions-states.html: a function created with a
VPC configuration is ``Pending`` while Lambda creates its network interfaces; Invoke,
UpdateFunctionCode, UpdateFunctionConfiguration and PublishVersion fail meanwhile with
``ResourceConflictException``. Connecting an existing function to another network keeps it
``Active`` with ``LastUpdateStatus: InProgress``; it can be invoked, but not updated again
until the update is over.

Lambda takes seconds to a minute here; the local cloud takes :data:`SETUP_SECONDS`, long
enough for ``function_active_v2`` and ``function_updated_v2`` waiters to matter, short
enough for a notebook. A function created by a CloudFormation stack is already Active when
the stack completes, because CloudFormation waits for it (as it does on AWS).
"""

from __future__ import annotations

import time
from typing import Any

from moto.awslambda.models import LambdaFunction

from lambdalab.invoke import errors

SETUP_SECONDS = 0.3
CREATING = {"State": "Pending", "StateReason": "The function is being created.",
            "StateReasonCode": "Creating"}
UPDATING = {"LastUpdateStatus": "InProgress",
            "LastUpdateStatusReason": "The function is being created.",
            "LastUpdateStatusReasonCode": "Creating"}


def start_creating(fn: LambdaFunction, seconds: float | None = None) -> None:
    fn._lambdalab_pending_until = time.monotonic() + _duration(seconds)


def start_updating(fn: LambdaFunction, seconds: float | None = None) -> None:
    fn._lambdalab_updating_until = time.monotonic() + _duration(seconds)


def _duration(seconds: float | None) -> float:
    return SETUP_SECONDS if seconds is None else seconds


def is_pending(fn: LambdaFunction) -> bool:
    return time.monotonic() < getattr(fn, "_lambdalab_pending_until", 0.0)


def is_updating(fn: LambdaFunction) -> bool:
    return time.monotonic() < getattr(fn, "_lambdalab_updating_until", 0.0)


def state(fn: LambdaFunction) -> str:
    return "Pending" if is_pending(fn) else "Active"


def with_state(fn: LambdaFunction, config: dict[str, Any]) -> dict[str, Any]:
    """``config`` (a GetFunctionConfiguration answer) with the function's current state."""
    if is_pending(fn):
        config.update(CREATING)
        config.update(UPDATING)
    elif is_updating(fn):
        config["State"] = "Active"
        config["LastUpdateStatus"] = "InProgress"
    return config


def check_modifiable(fn: LambdaFunction) -> None:
    """Code and configuration updates wait for the previous change to finish."""
    if is_pending(fn):
        raise _conflict(errors.function_not_active("Pending").message)
    if is_updating(fn):
        arn = f"arn:{fn.partition}:lambda:{fn.region}:{fn.account_id}:function:{fn.function_name}"
        raise _conflict(f"The operation cannot be performed at this time. An update is in "
                        f"progress for resource: {arn}")


def _conflict(message: str) -> Exception:
    from moto.awslambda.exceptions import LambdaClientError

    error = LambdaClientError("ResourceConflictException", message)
    error.code = 409
    return error
