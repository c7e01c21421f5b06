"""A stack whose resource fails rolls back, as on AWS, instead of failing the API call.

moto creates a stack's resources inside ``CreateStack``; an error there (for example
Lambda refusing reserved environment keys) would come back as a broken CreateStack
response. AWS accepts the call and reports the failure through the stack: status
``ROLLBACK_COMPLETE`` and an event whose reason carries the resource's error.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from moto.cloudformation.models import Stack
from moto.cloudformation.parsing import OutputMap
from moto.core.exceptions import JsonRESTError, ServiceException

from lambdalab.control.patcher import Patcher

# True while a stack creates its resources: CloudFormation waits for a function to be
# Active before it reports the stack complete, so such a function is never seen Pending.
building_stack: ContextVar[bool] = ContextVar("building_stack", default=False)


def _roll_back_on_refusal(original: Any, stack: Stack) -> None:
    token = building_stack.set(True)
    try:
        original(stack)
    except (JsonRESTError, ServiceException) as error:  # a service refused the resource
        stack.status = "ROLLBACK_IN_PROGRESS"
        stack._add_stack_event("CREATE_FAILED",
                               resource_status_reason=f'Resource handler returned message: '
                                                      f'"{error.message}"')
        try:
            stack.resource_map.delete()
        except Exception:  # noqa: BLE001 - best effort, as a partial rollback on AWS
            pass
        # no outputs, no exports: they would re-create the refused resource
        stack.output_map = OutputMap(stack.resource_map, {"Outputs": {}}, stack.stack_id)
        stack.status = "ROLLBACK_COMPLETE"
        stack._add_stack_event("ROLLBACK_COMPLETE")
    finally:
        building_stack.reset(token)


def install(patcher: Patcher) -> None:
    # moto creates some resources at CreateStack and the rest when the stack is next read
    patcher.wrap(Stack, "create_resources", _roll_back_on_refusal)
    patcher.wrap(Stack, "verify_readiness", _roll_back_on_refusal)
