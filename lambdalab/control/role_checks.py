"""What Lambda checks at create that the execution role may do for the function.

A dead-letter queue or topic, and an SQS event source, are used by Lambda as the
function's role, and CreateFunction / UpdateFunctionConfiguration / CreateEventSourceMapping
refuse a role that may not: ``InvalidParameterValueException`` "The provided execution role
does not have permissions to call SendMessage on SQS" (Publish on SNS; ReceiveMessage,
DeleteMessage, GetQueueAttributes on SQS for an event source mapping), as the developer
guide's troubleshooting pages quote it. Made only where IAM decides.
"""

from __future__ import annotations

from collections.abc import Callable

from moto.awslambda.exceptions import InvalidParameterValueException

RoleMay = Callable[[str, str, str, str], bool]  # role ARN, function, action, resource

DEAD_LETTER_ACTIONS = {"sqs": ("SQS", ["sqs:SendMessage"]), "sns": ("SNS", ["sns:Publish"])}
EVENT_SOURCE_ACTIONS = {"sqs": ("SQS", ["sqs:ReceiveMessage", "sqs:DeleteMessage",
                                        "sqs:GetQueueAttributes"])}


def check_dead_letter(may: RoleMay | None, role: str, function: str, target: str) -> None:
    _check(may, role, function, target, DEAD_LETTER_ACTIONS)


def check_event_source(may: RoleMay | None, role: str, function: str, source: str) -> None:
    _check(may, role, function, source, EVENT_SOURCE_ACTIONS)


def _check(may: RoleMay | None, role: str, function: str, target: str,
           needed: dict[str, tuple[str, list[str]]]) -> None:
    parts = target.split(":")
    if may is None or len(parts) < 6 or parts[2] not in needed:
        return
    service, actions = needed[parts[2]]
    for action in actions:
        if not may(role, function, action, target):
            raise InvalidParameterValueException(
                "The provided execution role does not have permissions to call "
                f"{action.split(':')[1]} on {service}")
