"""AWS managed IAM policies, attachable as on AWS, also by CloudFormation.

moto loads AWS's managed policies (``AWSLambdaBasicExecutionRole``,
``AWSLambdaVPCAccessExecutionRole``, ...) only when its ``iam.load_aws_managed_policies``
switch is on; without them attaching one fails with ``NoSuchEntity``, and AWS's own
Lambda examples stop at their first step. moto's switch would load all 1,582 of them into
the IAM backend of each of the six partitions, about 1.5 s for every fresh cloud; here
they are loaded for the cloud's own partition only, from a catalogue parsed once per
process (about 0.2 s per fresh cloud; see README, Speed).

moto's ``AWS::IAM::Role`` also ignores ``ManagedPolicyArns``; here they are attached, so
that a role deployed by a template carries the permissions Lambda checks (for example the
network interface permissions of a VPC function), and detached when the stack is deleted,
as CloudFormation does (moto's IAM refuses to delete a role with policies attached, so the
stack's deletion failed with ``DeleteConflict``). A role's inline ``Policies`` are kept as
JSON text, as ``PutRolePolicy`` keeps them (moto kept the template's Python dicts, which
``GetRolePolicy`` then answered as Python's text of a dict).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from moto.iam.models import AWSManagedPolicy, IAMBackend, ManagedPolicy, Role, iam_backends
from moto.utilities.utils import get_partition

from lambdalab.control.patcher import Patcher


def install(patcher: Patcher, region: str) -> None:
    partition = get_partition(region)

    def aws_policies(original: Any, backend: IAMBackend) -> list[ManagedPolicy]:
        if backend.region_name != partition:  # an IAM backend's "region" is its partition
            return []
        return [AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
                for name, data in _catalogue().items()]

    patcher.wrap(IAMBackend, "_init_aws_policies", aws_policies)
    original = Role.create_from_cloudformation_json  # bound to Role

    def create_role(cls: type, resource_name: str, template: dict[str, Any], account_id: str,
                    region_name: str, **kwargs: Any) -> Role:
        role = original(resource_name, template, account_id, region_name, **kwargs)
        policies: dict[str, Any] = role.policies  # moto keeps the template's dicts there
        for name, document in list(policies.items()):
            if isinstance(document, dict):
                policies[name] = json.dumps(document)  # JSON, as the API stores it
        iam = iam_backends[account_id][role.partition]
        for policy_arn in template.get("Properties", {}).get("ManagedPolicyArns") or []:
            iam.attach_role_policy(policy_arn, role.name)
        return role

    patcher.set(Role, "create_from_cloudformation_json", classmethod(create_role))
    original_delete = Role.delete_from_cloudformation_json  # bound to Role

    def delete_role(cls: type, resource_name: str, template: dict[str, Any], account_id: str,
                    region_name: str) -> None:
        iam = iam_backends[account_id][get_partition(region_name)]
        for role in [r for r in list(iam.roles.values()) if r.name == resource_name]:
            for policy_arn in list(role.managed_policies):
                iam.detach_role_policy(policy_arn, role.name)
        original_delete(resource_name, template, account_id, region_name)

    patcher.set(Role, "delete_from_cloudformation_json", classmethod(delete_role))


@functools.cache
def _catalogue() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)
