"""IAM's decision on a call made with an execution environment's credentials.

A function calls AWS as its execution role (:mod:`lambdalab.access.role_sessions`), and IAM
decides with AWS's logic: an explicit Deny in any of the role's identity-based policies
(inline, customer managed, AWS managed) wins, else an Allow permits, else the call is
implicitly denied. Statements are matched here (``Action``/``NotAction`` without regard
to case, ``Resource``/``NotResource`` with IAM's ``*`` and ``?``): moto's ``IAMPolicy`` treats
a statement without ``Resource`` as a match, applies conditions it cannot evaluate and reads
resource patterns as regular expressions.

The owner's credentials are not a role session and keep full access, as an account's
administrator would.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any

from moto.iam.exceptions import NotFoundException
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
    except NotFoundException:  # the role is gone: nothing allows anything
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
    """AWS's logic: an explicit Deny wins, else an Allow permits, else implicitly denied."""
    allowed = False
    for policy in policies:
        for statement in _statements(policy):
            effect = _effect(statement, action, resource)
            if effect == "Deny":
                return Denial(session.arn, action, resource, explicit=True, service=service)
            allowed = allowed or effect == "Allow"
    return None if allowed else Denial(session.arn, action, resource, explicit=False,
                                       service=service)


def _statements(policy: Any) -> list[dict[str, Any]]:
    """A policy's statements, whatever form moto keeps it in (an inline policy's JSON, a
    managed policy's default version)."""
    document: Any = policy
    if not isinstance(policy, str | dict):
        document = next((version.document for version in policy.versions
                         if version.is_default), "{}")
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    statements = statements if isinstance(statements, list) else [statements]
    return [statement for statement in statements if isinstance(statement, dict)]


def _effect(statement: dict[str, Any], action: str, resource: str) -> str | None:
    """The statement's effect on this action and resource, None if it does not apply.

    Actions compare without regard to case, resources with it; ``*`` and ``?`` are the
    wildcards (IAM JSON policy reference, "Action", "Resource"). The cloud supplies no
    condition keys, so a condition holds only where a missing key satisfies it
    (``…IfExists``, ``Null: true``), as AWS evaluates a condition whose key is absent.
    """
    if "NotAction" in statement:
        if any(_like(action.lower(), pattern.lower())
               for pattern in _strings(statement["NotAction"])):
            return None
    elif not any(_like(action.lower(), pattern.lower())
                 for pattern in _strings(statement.get("Action"))):
        return None
    if "NotResource" in statement:
        if any(_like(resource, pattern) for pattern in _strings(statement["NotResource"])):
            return None
    elif not any(_like(resource, pattern) for pattern in _strings(statement.get("Resource"))):
        return None
    for operator, pairs in (statement.get("Condition") or {}).items():
        holds = operator.endswith("IfExists") or (
            operator == "Null" and all(str(value).lower() == "true"
                                       for value in (pairs or {}).values()))
        if not holds:
            return None
    effect = statement.get("Effect")
    return effect if effect in ("Allow", "Deny") else None


def _strings(value: Any) -> list[str]:
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [item for item in values if isinstance(item, str)]


def _like(value: str, pattern: str) -> bool:
    """IAM's wildcard match: ``*`` any run of characters, ``?`` one, nothing else special."""
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, value, re.S) is not None


def evaluate(document: dict[str, Any] | str, action: str, resource: str) -> str:
    """One policy document's verdict on an action and resource, by the cloud's own rules:
    ``"Deny"`` (an explicit Deny), ``"Allow"``, or ``"ImplicitDeny"`` (nothing allows it)."""
    verdict = "ImplicitDeny"
    for statement in _statements(document):
        effect = _effect(statement, action, resource)
        if effect == "Deny":
            return "Deny"
        if effect == "Allow":
            verdict = "Allow"
    return verdict
