"""An execution environment's credentials: a session of its function's execution role.

Lambda gives each environment temporary credentials by assuming the function's execution
role, the session named after the function (docs.aws.amazon.com/lambda/latest/dg/
lambda-intro-execution-role.html): ``sts get-caller-identity`` from a handler says
``arn:aws:sts::ACCOUNT:assumed-role/ROLE/FUNCTION``. The session is made with moto's STS,
so that every service of the cloud knows whose credentials they are; it ends with the
environment (the cloud forgets the session and its key).
"""

from __future__ import annotations

from collections.abc import Callable

from moto.iam.models import iam_backends
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

from lambdalab.access.credentials import Credentials

SESSION_SECONDS = 43200  # 12 hours: an environment lives at most that long on Lambda


def assume(role_arn: str, function_name: str, region: str,
           account: str) -> tuple[Credentials, Callable[[], None]]:
    """Credentials of a session of ``role_arn`` named ``function_name``, and what ends it."""
    backend = sts_backends[account][get_partition(region)]
    session = backend.assume_role(region_name=region, role_session_name=function_name,
                                  role_arn=role_arn, policy="", duration=SESSION_SECONDS,
                                  external_id="")
    credentials = Credentials(session.access_key_id, session.secret_access_key,
                              session.session_token)

    def end() -> None:
        owner = sts_backends[session.account_id][session.partition]
        if session in owner.assumed_roles:
            owner.assumed_roles.remove(session)
        iam_backends[session.account_id][session.partition].access_keys.pop(
            session.access_key_id, None)

    return credentials, end
