"""A function's resource-based policy decides whether a service may invoke it.

SNS, S3, EventBridge and CloudWatch Logs invoke a function as their service principal
(``sns.amazonaws.com``, …), which has no identity-based policy anywhere: only a statement
of the function's own policy (``AddPermission``, ``AWS::Lambda::Permission``) lets it in,
usually bound to the source by ``AWS:SourceArn`` / ``AWS:SourceAccount`` conditions
(developer guide, "Working with resource-based IAM policies in Lambda"). Event source
mappings (SQS, DynamoDB and Kinesis streams) are not that: Lambda polls them as the
function's execution role.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any


@dataclass(frozen=True)
class Invoker:
    """Which service principal pushes an event, and from which resource if it says."""

    principal: str
    source_arn: str | None


def invoker_of(event: Any) -> Invoker | None:
    """The service that sent ``event``, from the event's own shape (None: not a pushing
    service, e.g. an event source mapping's batch or a direct call)."""
    if not isinstance(event, dict):
        return None
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        record = records[0]
        if record.get("EventSource") == "aws:sns":
            return Invoker("sns.amazonaws.com", (record.get("Sns") or {}).get("TopicArn"))
        if record.get("eventSource") == "aws:s3":
            bucket = ((record.get("s3") or {}).get("bucket") or {}).get("arn")
            return Invoker("s3.amazonaws.com", bucket)
        return None
    if "detail-type" in event and "source" in event:
        return Invoker("events.amazonaws.com", None)  # the rule's ARN is not in the event
    if "awslogs" in event:
        return Invoker("logs.amazonaws.com", None)
    return None


def allows(statements: list[dict[str, Any]], invoker: Invoker, function_arn: str,
           account: str) -> bool:
    """Whether an Allow statement lets ``invoker`` call ``lambda:InvokeFunction`` on
    ``function_arn`` (unqualified, or with its qualifier), its conditions met."""
    return any(_matches(statement, invoker, function_arn, account) for statement in statements
               if statement.get("Effect", "Allow") == "Allow")


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _matches(statement: dict[str, Any], invoker: Invoker, function_arn: str,
             account: str) -> bool:
    principal = statement.get("Principal")
    services = ["*"] if principal == "*" else _listed(
        (principal or {}).get("Service") if isinstance(principal, dict) else None)
    if "*" not in services and invoker.principal not in services:
        return False
    actions = [action.lower() for action in _listed(statement.get("Action"))]
    if not any(fnmatchcase("lambda:invokefunction", action) for action in actions):
        return False
    if not any(fnmatchcase(function_arn, resource) or
               fnmatchcase(function_arn, resource.removesuffix(":$LATEST"))
               for resource in _listed(statement.get("Resource"))):
        return False
    return _conditions_met(statement.get("Condition") or {}, invoker, account)


OPERATORS = {"ArnLike", "ArnEquals", "StringLike", "StringEquals", "ArnNotLike",
             "ArnNotEquals", "StringNotLike", "StringNotEquals"}


def _conditions_met(conditions: dict[str, Any], invoker: Invoker, account: str) -> bool:
    """``AWS:SourceArn`` and ``AWS:SourceAccount`` with the Arn/String operators (``Not``
    and ``…IfExists`` forms too); a source the event does not name is not checked, a
    condition on anything else, or with another operator, does not hold."""
    for operator, pairs in conditions.items():
        base = operator.removesuffix("IfExists")
        if base not in OPERATORS:
            return False
        for key, expected in (pairs or {}).items():
            values = _listed(expected)
            given = {"aws:sourcearn": invoker.source_arn,
                     "aws:sourceaccount": account}.get(key.lower(), "")
            if given is None:
                continue  # the event does not name its source
            if not given:
                return False
            like = base.endswith("Like")
            matched = any(fnmatchcase(given, value) if like else given == value
                          for value in values)
            if matched == ("Not" in base):
                return False
    return True
