"""AWS managed IAM policies, attachable as on AWS, also by CloudFormation.

moto loads AWS's managed policies (``AWSLambdaBasicExecutionRole``,
``AWSLambdaVPCAccessExecutionRole``, ...) only when its ``iam.load_aws_managed_policies``
switch is on; without them attaching one fails with ``NoSuchEntity``, and AWS's own
Lambda examples stop at their first step. The switch is read when moto creates an
account's IAM backend, lazily, after each reset: turning it on while the cloud runs is
enough. Loading costs a few tenths of a second per fresh cloud (see README, Speed).

moto's ``AWS::IAM::Role`` also ignores ``ManagedPolicyArns``; here they are attached, so
that a role deployed by a template carries the permissions Lambda checks (for example the
network interface permissions of a VPC function).
"""

from __future__ import annotations

from typing import Any

from moto.core.config import default_user_config
from moto.iam.models import Role, iam_backends

from lambdalab.control.patcher import Patcher


def install(patcher: Patcher) -> None:
    patcher.set_item(default_user_config["iam"], "load_aws_managed_policies", True)  # type: ignore[arg-type]
    original = Role.create_from_cloudformation_json  # bound to Role

    def create_role(cls: type, resource_name: str, template: dict[str, Any], account_id: str,
                    region_name: str, **kwargs: Any) -> Role:
        role = original(resource_name, template, account_id, region_name, **kwargs)
        iam = iam_backends[account_id][role.partition]
        for policy_arn in template.get("Properties", {}).get("ManagedPolicyArns") or []:
            iam.attach_role_policy(policy_arn, role.name)
        return role

    patcher.set(Role, "create_from_cloudformation_json", classmethod(create_role))
