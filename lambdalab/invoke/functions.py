"""Reads a function's configuration from moto, the one place it is stored.

A :class:`FunctionSpec` is an immutable snapshot taken at invoke time; its
``fingerprint`` changes whenever code or configuration changes, which is how warm
environments built from an older configuration are recognised and retired.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaFunction, lambda_backends

from lambdalab.invoke import errors
from lambdalab.owned_state import STATE

DEFAULT_ACCOUNT = "123456789012"


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    arn: str  # unqualified
    version: str  # "$LATEST" or a published version number: the ExecutedVersion
    handler: str
    runtime: str
    timeout: int
    memory_size: int
    variables: dict[str, str]
    code_sha256: str
    role: str
    vpc_config: dict[str, Any] | None
    region: str
    account: str
    code_bytes: bytes = field(repr=False, compare=False)
    reserved_concurrency: int | None = None  # a function-level setting, shared by versions
    event_config: dict[str, Any] = field(default_factory=dict, compare=False)
    dead_letter_target: str | None = None
    state: str = field(default="Active", compare=False)  # "Pending" while Lambda sets up a VPC
    ephemeral_storage_mb: int = 512  # the size of its /tmp

    @property
    def fingerprint(self) -> str:
        """Everything that, when changed, makes AWS start fresh environments."""
        relevant = [self.version, self.handler, self.runtime, self.timeout, self.memory_size,
                    sorted(self.variables.items()), self.code_sha256, self.role,
                    self.vpc_config, self.ephemeral_storage_mb]
        return hashlib.sha256(json.dumps(relevant, default=str).encode()).hexdigest()

    @property
    def pool_key(self) -> tuple[str, str]:
        return (self.arn, self.version)

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"


def unqualified_arn(fn: LambdaFunction) -> str:
    return f"arn:{fn.partition}:lambda:{fn.region}:{fn.account_id}:function:{fn.function_name}"


def _snapshot(fn: LambdaFunction, latest: LambdaFunction,
              qualifier: str = "$LATEST") -> FunctionSpec:
    """What an invocation of ``fn`` runs with; ``qualifier`` (the version or alias the
    call named) chooses its asynchronous settings."""
    reserved = latest.reserved_concurrency
    arn = unqualified_arn(fn)
    event_config = STATE.event_config(arn, qualifier)
    return FunctionSpec(
        name=fn.function_name,
        arn=arn,
        version=str(fn.version),
        handler=fn.handler or "",
        runtime=fn.run_time or "",
        timeout=int(fn.timeout),
        memory_size=int(fn.memory_size),
        variables=dict(fn.environment_vars or {}),
        code_sha256=fn.code_sha_256,
        role=fn.role,
        vpc_config=fn._vpc_config,
        region=fn.region,
        account=fn.account_id,
        code_bytes=getattr(fn, "code_bytes", b""),
        reserved_concurrency=None if reserved is None else int(reserved),
        event_config=event_config[0] if event_config else {},
        dead_letter_target=(STATE.dead_letter(arn, str(fn.version)) or {}).get("TargetArn"),
        state="Pending" if STATE.is_pending(arn) else "Active",
        ephemeral_storage_mb=int(getattr(fn, "ephemeral_storage", 512) or 512),
    )


def qualified_arn(region: str, account: str, name_or_arn: str, qualifier: str | None) -> str:
    """The ARN AWS names in a 'Function not found' message: always qualified, with
    ``$LATEST`` when the call named no version (as recorded on AWS in 2025)."""
    if name_or_arn.startswith("arn:"):
        base = name_or_arn
    else:
        base = f"arn:aws:lambda:{region}:{account}:function:{name_or_arn}"
    if base.count(":") < 7:
        base = f"{base}:{qualifier or '$LATEST'}"
    return base


def resolve(region: str, name_or_arn: str, qualifier: str | None,
            account: str = DEFAULT_ACCOUNT) -> FunctionSpec:
    """Find the function version an Invoke targets: ``$LATEST``, a version, or an alias."""
    if qualifier is not None and qualifier != "$LATEST" and qualifier.upper() == "$LATEST":
        raise errors.function_not_found(  # moto would take "$latest"; AWS does not
            qualified_arn(region, account, name_or_arn, qualifier))
    backend = lambda_backends[account][region]
    try:
        fn = backend._lambdas.get_function_by_name_or_arn_with_qualifier(name_or_arn, qualifier)
    except LambdaClientError as e:
        if e.code == 404:
            raise errors.function_not_found(
                qualified_arn(region, account, name_or_arn, qualifier)) from None
        raise errors.invalid_parameter(e.message) from None
    return _snapshot(fn, backend._lambdas._get_latest(fn.function_name),
                     qualifier or "$LATEST")


def reserved_total(region: str, account: str = DEFAULT_ACCOUNT,
                   excluding: str | None = None) -> int:
    """Concurrency reserved by all functions of the account in the region."""
    storage = lambda_backends[account][region]._lambdas
    return sum(int(fn.reserved_concurrency or 0) for fn in storage.latest()
               if fn.function_name != excluding)
