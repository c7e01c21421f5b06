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

from typing import Any

from moto.awslambda.models import LambdaFunction

from lambdalab.invoke import errors
from lambdalab.invoke.functions import unqualified_arn
from lambdalab.owned_state import STATE

SETUP_SECONDS = 0.3
CREATING = {"State": "Pending", "StateReason": "The function is being created.",
            "StateReasonCode": "Creating"}
UPDATING = {"LastUpdateStatus": "InProgress",
            "LastUpdateStatusReason": "The function is being created.",
            "LastUpdateStatusReasonCode": "Creating"}


def start_creating(fn: LambdaFunction, seconds: float | None = None) -> None:
    STATE.start_pending(unqualified_arn(fn), _duration(seconds))


def start_updating(fn: LambdaFunction, seconds: float | None = None) -> None:
    STATE.start_updating(unqualified_arn(fn), _duration(seconds))


def _duration(seconds: float | None) -> float:
    return SETUP_SECONDS if seconds is None else seconds


def with_state(fn: LambdaFunction, config: dict[str, Any]) -> dict[str, Any]:
    """``config`` (a GetFunctionConfiguration answer) with the function's current state."""
    arn = unqualified_arn(fn)
    if STATE.is_pending(arn):
        config.update(CREATING)
        config.update(UPDATING)
    elif STATE.is_updating(arn):
        config["State"] = "Active"
        config["LastUpdateStatus"] = "InProgress"
    return config


def check_modifiable(fn: LambdaFunction) -> None:
    """Code and configuration updates wait for the previous change to finish."""
    arn = unqualified_arn(fn)
    if STATE.is_pending(arn):
        raise _conflict(errors.function_not_active("Pending").message)
    if STATE.is_updating(arn):
        raise _conflict(f"The operation cannot be performed at this time. An update is in "
                        f"progress for resource: {arn}")


def _conflict(message: str) -> Exception:
    from moto.awslambda.exceptions import LambdaClientError

    error = LambdaClientError("ResourceConflictException", message)
    error.code = 409
    return error
