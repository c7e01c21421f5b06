"""IAM's decision on a call made with an execution environment's credentials.

A function calls AWS as its execution role (:mod:`lambdalab.access.role_sessions`), and IAM
decides with AWS's logic: an explicit Deny in any of the role's identity-based policies
(inline, customer managed, AWS managed) wins, else an Allow permits, else the call is
implicitly denied. The statements are matched by moto's own policy evaluation
(``moto.iam.access_control.IAMPolicy``: actions and resources with wildcards); what moto
does not do, naming the principal and the resource as Lambda's error does, is here.

The owner's credentials are not a role session and keep full access, as an account's
administrator would.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

from lambdalab.access.requested_actions import Requested

ENV_VAR = "LAMBDALAB_IAM"


def wanted(requested: bool | None) -> bool:
    """Whether IAM decides functions' calls: as asked, else as ``$LAMBDALAB_IAM`` says
    (``0`` turns it off), else on, as on AWS."""
    if requested is None:
        requested = os.environ.get(ENV_VAR, "1").strip().lower() not in ("0", "false", "no")
    return requested


@dataclass(frozen=True)
class Denial:
    """Why a call is refused, in the words of Lambda's AccessDeniedException."""

    principal: str
    action: str
    resource: str
    explicit: bool
    service: str = "lambda"

    @property
    def message(self) -> str:
        """As the service words it: SQS writes the action in lower case (``sqs:sendmessage``),
        SNS its prefix in capitals (``SNS:Publish``), S3 quotes the resource."""
        action, resource = self.action, self.resource
        if self.service == "sqs":
            action = action.lower()
        elif self.service == "sns":
            action = "SNS:" + action.partition(":")[2]
        elif self.service == "s3":
            resource = f'"{resource}"'
        reason = ("with an explicit deny in an identity-based policy" if self.explicit else
                  f"because no identity-based policy allows the {action} action")
        return (f"User: {self.principal} is not authorized to perform: {action} on "
                f"resource: {resource} {reason}")


def role_session(access_key_id: str, account: str, region: str) -> Any | None:
    """The role session these credentials belong to (None: the owner's, or a user's)."""
    for session in sts_backends[account][get_partition(region)].assumed_roles:
        if session.access_key_id == access_key_id:
            return session
    return None


def _policies(session: Any) -> list[Any]:
    """The session's role's identity-based policies."""
    return _role_policies(session.role_arn, session.account_id, session.partition)


def _role_policies(role_arn: str, account: str, partition: str) -> list[Any]:
    """The role's identity-based policies: inline ones, then attached managed ones."""
    backend = iam_backends[account][partition]
    role = role_arn.split("/")[-1]
    try:
        inline = [backend.get_role_policy(role, name)[1]
                  for name in backend.list_role_policies(role)]
        attached, _ = backend.list_attached_role_policies(role)
    except Exception:  # the role is gone: nothing allows anything
        return []
    return [*inline, *attached]



def check(access_key_id: str, account: str, region: str, action: str,
          resource: str, service: str = "lambda") -> Denial | None:
    """None if the call may go on; else why IAM refuses it."""
    session = role_session(access_key_id, account, region)
    if session is None:
        return None
    return _decide(session, _policies(session), action, resource, service)


def role_check(role_arn: str, function_name: str, account: str, region: str, action: str,
               resource: str, service: str) -> Denial | None:
    """IAM's decision on what Lambda does as a function's role (its logs, its destinations):
    the principal is the role's session named after the function."""
    policies = _role_policies(role_arn, account, get_partition(region))
    session = RoleSession(f"arn:aws:sts::{account}:assumed-role/{role_arn.split('/')[-1]}/"
                          f"{function_name}")
    return _decide(session, policies, action, resource, service)


@dataclass(frozen=True)
class RoleSession:
    """A role session as a Denial names it."""

    arn: str


def check_all(access_key_id: str, account: str, region: str,
              needed: list[Requested]) -> Denial | None:
    """The first of ``needed`` that IAM refuses (None: every one is allowed)."""
    session = role_session(access_key_id, account, region) if needed else None
    if session is None:
        return None
    policies = _policies(session)
    for permission in needed:
        denied = _decide(session, policies, permission.action, permission.resource,
                         permission.service)
        if denied is not None:
            return denied
    return None


def _decide(session: Any, policies: list[Any], action: str, resource: str,
            service: str) -> Denial | None:
    """AWS's logic: an explicit Deny wins, else an Allow permits, else implicitly denied.
    Actions are compared without regard to case, as IAM compares them."""
    allowed = False
    for policy in policies:
        result = IAMPolicy(_actions_in_lower_case(policy)).is_action_permitted(
            action.lower(), resource)
        if result == PermissionResult.DENIED:
            return Denial(session.arn, action, resource, explicit=True, service=service)
        allowed = allowed or result == PermissionResult.PERMITTED
    return None if allowed else Denial(session.arn, action, resource, explicit=False,
                                       service=service)


def _actions_in_lower_case(policy: Any) -> str:
    """The policy's document with its ``Action``/``NotAction`` values in lower case."""
    document = IAMPolicy(policy)._policy_json  # moto's parse of any form of policy
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        for key in ("Action", "NotAction"):
            value = statement.get(key)
            if isinstance(value, str):
                statement[key] = value.lower()
            elif isinstance(value, list):
                statement[key] = [item.lower() for item in value]
    return json.dumps(document)
