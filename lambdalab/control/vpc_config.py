"""Lambda's checks of a function's ``VpcConfig``, which moto skips.

On AWS, CreateFunction and UpdateFunctionConfiguration look the subnets and security
groups up in EC2 and refuse ones that do not exist or that span VPCs, and refuse an
execution role that may not manage the function's network interfaces
(docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions).
The messages are AWS's own.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException, ValidationException
from moto.iam.models import iam_backends

from lambdalab.network import ec2_state

ENI_ACTIONS = ("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
               "ec2:DeleteNetworkInterface")
SUBNET_ID = re.compile(r"^subnet-[0-9a-z]*$")
SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-zA-Z]*$")
MAX_SUBNETS, MAX_SECURITY_GROUPS = 16, 5


def ids_of(vpc_config: Any) -> tuple[list[str], list[str]]:
    """(subnet ids, security group ids) of a VpcConfig, empty when there is none."""
    if not vpc_config:
        return [], []
    return list(vpc_config.get("SubnetIds") or []), list(vpc_config.get("SecurityGroupIds") or [])


def check(vpc_config: Any, account: str, region: str) -> str | None:
    """Refuse a bad VpcConfig as Lambda does; return the VPC it names (None for no VPC)."""
    if vpc_config is None:
        return None
    if not isinstance(vpc_config, dict):
        raise InvalidParameterValueException("VpcConfig must be a structure with SubnetIds and "
                                             "SecurityGroupIds.")
    subnets = _id_list(vpc_config.get("SubnetIds"), "vpcConfig.subnetIds", SUBNET_ID,
                       MAX_SUBNETS)
    groups = _id_list(vpc_config.get("SecurityGroupIds"), "vpcConfig.securityGroupIds",
                      SECURITY_GROUP_ID, MAX_SECURITY_GROUPS)
    if not subnets and not groups:
        return None
    if not subnets or not groups:
        raise InvalidParameterValueException(
            "SubnetIds and SecurityIds must coexist or be both empty list.")
    ec2 = ec2_state.backend(account, region)
    vpcs = set()
    for subnet_id in subnets:
        vpc_id = ec2_state.vpc_of_subnet(account, region, subnet_id)
        if vpc_id is None:
            raise InvalidParameterValueException(
                "Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound. "
                f"EC2 Error Message: The subnet ID '{subnet_id}' does not exist")
        vpcs.add(vpc_id)
    for group_id in groups:
        group = ec2.get_security_group_from_id(group_id)
        if group is None:
            raise InvalidParameterValueException(
                "Error occurred while DescribeSecurityGroups. EC2 Error Code: "
                f"InvalidGroup.NotFound. EC2 Error Message: The security group '{group_id}' "
                "does not exist")
        vpcs.add(group.vpc_id)
    if len(vpcs) > 1:
        raise InvalidParameterValueException("Security Groups are required to be in the same VPC")
    return vpcs.pop()


def _id_list(value: Any, where: str, pattern: re.Pattern[str], most: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationException(str(value), where, "Member must be a list of strings")
    shown = f"[{', '.join(value)}]"
    if len(value) > most:
        raise ValidationException(shown, where,
                                  f"Member must have length less than or equal to {most}")
    if not all(pattern.match(v) and len(v) <= 1024 for v in value):
        raise ValidationException(
            shown, where, "Member must satisfy constraint: [Member must have length less than "
            "or equal to 1024, Member must have length greater than or equal to 0, Member must "
            f"satisfy regular expression pattern: {pattern.pattern}]")
    return value


def check_role_manages_interfaces(role_arn: str, account: str) -> None:
    """The execution role must allow the EC2 calls Lambda makes for the function's ENIs."""
    statements = _role_statements(role_arn, account)
    if statements is None:
        raise InvalidParameterValueException(
            "The role defined for the function cannot be assumed by Lambda.")
    for action in ENI_ACTIONS:
        if not allows(statements, action):
            raise InvalidParameterValueException(
                f"The provided execution role does not have permissions to call "
                f"{action.split(':')[1]} on EC2")


def allows(statements: list[dict[str, Any]], action: str) -> bool:
    """Identity-policy evaluation for one action on any resource: an explicit Deny wins.

    Conditions and resource scoping are not evaluated (a narrower Resource still counts).
    """
    allowed = False
    for statement in statements:
        if not _matches(statement, action):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def _matches(statement: dict[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(_action_matches(p, action) for p in _as_list(statement["NotAction"]))
    return any(_action_matches(p, action) for p in _as_list(statement.get("Action")))


def _action_matches(pattern: Any, action: str) -> bool:
    return isinstance(pattern, str) and fnmatch.fnmatchcase(action.lower(), pattern.lower())


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _role_statements(role_arn: str, account: str) -> list[dict[str, Any]] | None:
    """Every statement of the role's inline and attached policies (None: no such role)."""
    iam = iam_backends[account]["aws"]
    try:
        role = iam.get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 - moto raises its own NotFound types
        return None
    documents: list[Any] = list(role.policies.values())
    for policy in list(role.managed_policies.values()):
        version = next((v for v in policy.versions if v.is_default), None)
        if version is not None:
            documents.append(version.document)
    statements: list[dict[str, Any]] = []
    for document in documents:
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except ValueError:
                continue
        statements.extend(s for s in _as_list((document or {}).get("Statement"))
                          if isinstance(s, dict))
    return statements
