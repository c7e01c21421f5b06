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

import os
from dataclasses import dataclass
from typing import Any

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

ENV_VAR = "LAMBDALAB_IAM"


def wanted(requested: bool | None) -> bool:
    """Whether IAM decides functions' calls: as asked, else as ``$LAMBDALAB_IAM`` says
    (``1`` turns it on). Off by default while notebook 01 points the lab's least-privilege
    callers at functions their role does not name."""
    if requested is None:
        requested = os.environ.get(ENV_VAR, "0").strip().lower() in ("1", "true", "yes")
    return requested


@dataclass(frozen=True)
class Denial:
    """Why a call is refused, in the words of Lambda's AccessDeniedException."""

    principal: str
    action: str
    resource: str
    explicit: bool

    @property
    def message(self) -> str:
        reason = ("with an explicit deny in an identity-based policy" if self.explicit else
                  f"because no identity-based policy allows the {self.action} action")
        return (f"User: {self.principal} is not authorized to perform: {self.action} on "
                f"resource: {self.resource} {reason}")


def role_session(access_key_id: str, account: str, region: str) -> Any | None:
    """The role session these credentials belong to (None: the owner's, or a user's)."""
    for session in sts_backends[account][get_partition(region)].assumed_roles:
        if session.access_key_id == access_key_id:
            return session
    return None


def _policies(session: Any) -> list[Any]:
    """The role's identity-based policies: inline ones, then attached managed ones."""
    backend = iam_backends[session.account_id][session.partition]
    role = session.role_arn.split("/")[-1]
    try:
        inline = [backend.get_role_policy(role, name)[1]
                  for name in backend.list_role_policies(role)]
        attached, _ = backend.list_attached_role_policies(role)
    except Exception:  # the role is gone: nothing allows anything
        return []
    return [*inline, *attached]



def check(access_key_id: str, account: str, region: str, action: str,
          resource: str) -> Denial | None:
    """None if the call may go on; else why IAM refuses it."""
    session = role_session(access_key_id, account, region)
    if session is None:
        return None
    allowed = False
    for policy in _policies(session):
        result = IAMPolicy(policy).is_action_permitted(action, resource)
        if result == PermissionResult.DENIED:
            return Denial(session.arn, action, resource, explicit=True)
        allowed = allowed or result == PermissionResult.PERMITTED
    return None if allowed else Denial(session.arn, action, resource, explicit=False)
