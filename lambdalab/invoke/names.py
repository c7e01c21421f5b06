"""Function names, ARNs and qualifiers as Lambda reads them, with Lambda's refusals.

Lambda accepts a function as a name (``my-function``), a partial ARN
(``123456789012:function:my-function``) or a full ARN, each optionally followed by
``:<version or alias>``. The constraints (length, pattern, the enum of ``LogType``) are
read from botocore's model of the Lambda API, which is AWS's own definition; a value that
breaks one gets Lambda's ``ValidationException`` ("1 validation error detected: …").

Beyond the pattern:
- an ARN of another region: "Functions from '<region>' are not reachable in this region
  ('<region>')" (``ResourceNotFoundException``, 404);
- an ARN of another account: ``AccessDeniedException`` (403): this cloud holds one account,
  and no resource-based policy of another account grants access
  (https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-cross-account.html);
- a qualifier in the name and a different ``Qualifier`` parameter: "The derived qualifier
  from the function name does not match the specified qualifier."
  (``InvalidParameterValueException``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from lambdalab.invoke import errors

ARN = re.compile(r"^arn:(?P<partition>[^:]+):lambda:(?P<region>[^:]+):(?P<account>\d{12}):"
                 r"function:(?P<rest>.+)$")
PARTIAL_ARN = re.compile(r"^(?P<account>\d{12}):function:(?P<rest>.+)$")


@dataclass(frozen=True)
class FunctionRef:
    name: str
    qualifier: str | None
    region: str | None  # as written in an ARN, else None
    account: str | None


@functools.cache
def _shape(operation: str, member: str) -> Any:
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    shape = model.operation_model(operation).input_shape
    if shape is None:
        raise KeyError(f"{operation} takes no input")
    return shape.members[member]


def validation_error(value: str, field: str, constraint: str) -> errors.LambdaError:
    return errors.LambdaError(
        400, "ValidationException",
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
        f"constraint: {constraint}")


def check(value: str, operation: str, member: str, field: str) -> None:
    """Raise Lambda's ValidationException if ``value`` breaks the member's constraints."""
    shape = _shape(operation, member)
    rules = shape.metadata
    if getattr(shape, "enum", None):
        if value not in shape.enum:
            raise validation_error(value, field, "Member must satisfy enum value set: "
                                                 f"[{', '.join(shape.enum)}]")
        return
    if "min" in rules and len(value) < rules["min"]:
        raise validation_error(value, field, "Member must have length greater than or equal "
                                             f"to {rules['min']}")
    if "max" in rules and len(value) > rules["max"]:
        raise validation_error(value, field, "Member must have length less than or equal to "
                                             f"{rules['max']}")
    if "pattern" in rules and not re.fullmatch(rules["pattern"], value):
        raise validation_error(value, field, "Member must satisfy regular expression pattern: "
                                             f"{rules['pattern']}")


def parse(value: str, operation: str = "Invoke") -> FunctionRef:
    """Split a valid function name or ARN into its parts (raises ValidationException)."""
    check(value, operation, "FunctionName", "functionName")
    region = account = None
    rest = value
    if found := ARN.match(value):
        region, account, rest = found["region"], found["account"], found["rest"]
    elif found := PARTIAL_ARN.match(value):
        account, rest = found["account"], found["rest"]
    name, _, qualifier = rest.partition(":")
    return FunctionRef(name, qualifier or None, region, account)


def locate(ref: FunctionRef, region: str, account: str, qualifier: str | None) -> str | None:
    """The qualifier to use for ``ref`` in this cloud, or Lambda's refusal."""
    if ref.region is not None and ref.region != region:
        raise errors.LambdaError(404, "ResourceNotFoundException",
                                 f"Functions from '{ref.region}' are not reachable in this "
                                 f"region ('{region}')", message_key="Message")
    if ref.account is not None and ref.account != account:
        arn = (f"arn:aws:lambda:{ref.region or region}:{ref.account}:function:{ref.name}"
               + (f":{ref.qualifier}" if ref.qualifier else ""))
        raise errors.LambdaError(
            403, "AccessDeniedException",
            f"User: arn:aws:iam::{account}:root is not authorized to perform: "
            f"lambda:InvokeFunction on resource: {arn} because no resource-based policy "
            "allows the lambda:InvokeFunction action", message_key="Message")
    if qualifier is not None and ref.qualifier is not None and qualifier != ref.qualifier:
        raise errors.invalid_parameter("The derived qualifier from the function name does "
                                       "not match the specified qualifier.")
    return qualifier if qualifier is not None else ref.qualifier
