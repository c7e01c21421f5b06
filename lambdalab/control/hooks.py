"""Wraps moto's Lambda backend: Lambda's checks before a change, a notice after it.

(and installs the other control-plane fixes: CloudFormation stacks that roll back on such a
refusal, the Lambda resource types moto's CloudFormation lacks, EC2's network resources as
AWS shows them, AWS managed IAM policies, log lines kept once, template evaluation:
conditions at stack updates, Fn::GetAZs)

- validation moto skips (every member against botocore's model of the API; reserved
  environment keys, the 4 KB limit, deployment packages
  that are missing, not zips or over 250 MB unzipped, the 100 units of concurrency that
  must stay unreserved, a VpcConfig's subnets, security groups and execution role);
- function states moto skips: a VPC function is Pending, then Active (``lifecycle``);
- state moto drops (a function's DeadLetterConfig), and a request moto fails on (an
  ``Environment`` without ``Variables`` changes nothing); the event-invoke configuration
  API is the cloud's own (``lambdalab.invoke.event_invoke_configs``);
- a notice after every code or configuration change, so the data plane retires warm
  environments at once, as Lambda does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException, PreconditionFailedException
from moto.awslambda.models import LambdaBackend, LambdaFunction

from lambdalab.control import (
    cloudformation,
    cloudformation_evaluation,
    cloudformation_lambda,
    cloudformation_network,
    cloudformation_references,
    eventbridge_events,
    iam_policies,
    lifecycle,
    log_storage,
    model_validation,
    role_checks,
    service_invocations,
    sns_events,
    validation,
    vpc_config,
    vpc_endpoints,
)
from lambdalab.control.patcher import Patcher
from lambdalab.invoke.functions import unqualified_arn
from lambdalab.invoke.service import InvokeService
from lambdalab.network import ec2_state
from lambdalab.owned_state import STATE

ChangeListener = Callable[[str], None]  # receives the unqualified function ARN
ReservableLimit = Callable[[str], int]  # function name -> most it may reserve


class LambdaBackendHooks:
    """Installs the wrappers; ``uninstall`` restores moto exactly as it was."""

    def __init__(self, on_change: ChangeListener, max_reservable: ReservableLimit,
                 region: str = "us-east-1", role_may: role_checks.RoleMay | None = None) -> None:
        self._on_change = on_change
        self._max_reservable = max_reservable
        self._region = region
        self._role_may = role_may  # IAM's decision on what the role may do, where enforced
        self._patcher = Patcher()

    def install(self) -> None:
        self._wrap(LambdaBackend, "create_function", self._create_function)
        self._wrap(LambdaBackend, "update_function_configuration", self._update_configuration)
        self._wrap(LambdaBackend, "update_function_code", self._update_code)
        self._wrap(LambdaBackend, "publish_version", self._publish_version)
        self._wrap(LambdaBackend, "delete_function", self._delete_function)
        self._wrap(LambdaBackend, "put_function_concurrency", self._put_concurrency)
        self._wrap(LambdaBackend, "create_event_source_mapping", self._create_mapping)
        self._wrap(LambdaFunction, "get_configuration", _configuration_as_aws)
        cloudformation.install(self._patcher)
        cloudformation_references.install(self._patcher)
        cloudformation_network.install(self._patcher)
        vpc_endpoints.install(self._patcher)
        iam_policies.install(self._patcher, self._region)
        cloudformation_lambda.install(self._patcher)
        log_storage.install(self._patcher)
        cloudformation_evaluation.install(self._patcher)
        eventbridge_events.install(self._patcher)

    def route_service_invocations(self, service: InvokeService) -> None:
        """Let other services' invocations (SNS, SQS, …) run through the data plane."""
        service_invocations.install(self._patcher, service)
        sns_events.install(self._patcher)

    def _create_mapping(self, original: Any, backend: LambdaBackend,
                        spec: dict[str, Any]) -> Any:
        """Lambda polls an event source as the function's role: checked at create."""
        try:
            fn = backend.get_function(spec.get("FunctionName") or "")
        except Exception:  # noqa: BLE001 - moto's own not-found error follows
            return original(backend, spec)
        role_checks.check_event_source(self._role_may, fn.role, fn.function_name,
                                       spec.get("EventSourceArn") or "")
        return original(backend, spec)

    def uninstall(self) -> None:
        self._patcher.restore()

    def _wrap(self, owner: type, name: str, wrapper: Callable[..., Any]) -> None:
        self._patcher.wrap(owner, name, wrapper)

    # --- wrappers (original, backend, *moto's arguments) -----------------------------------

    def _create_function(self, original: Any, backend: LambdaBackend,
                         spec: dict[str, Any]) -> Any:
        model_validation.check("CreateFunction", spec)
        validation.check_environment(spec)
        validation.check_package(spec.get("Code") or {}, backend.account_id)
        in_vpc = _check_network(backend, spec.get("VpcConfig"), spec.get("Role"))
        role_checks.check_dead_letter(self._role_may, spec.get("Role") or "",
                                      spec.get("FunctionName") or "",
                                      (spec.get("DeadLetterConfig") or {}).get("TargetArn", ""))
        fn = original(backend, spec)
        latest = _latest(backend, fn.function_name)
        STATE.new_revision(unqualified_arn(latest))
        if "DeadLetterConfig" in spec:
            STATE.set_dead_letter(unqualified_arn(latest), spec["DeadLetterConfig"])
        if in_vpc and not cloudformation.building_stack.get():
            lifecycle.start_creating(latest)
        return fn

    def _update_configuration(self, original: Any, backend: LambdaBackend, name: str,
                              qualifier: str, body: dict[str, Any]) -> Any:
        fn = backend.get_function(name, qualifier)
        lifecycle.check_modifiable(fn)
        _check_revision(fn, body.get("RevisionId"))
        body = _without_variableless_environment(body)
        model_validation.check("UpdateFunctionConfiguration", body)
        validation.check_environment(body)
        network_change = "VpcConfig" in body and (
            vpc_config.ids_of(body["VpcConfig"]) != vpc_config.ids_of(fn._vpc_config))
        if "VpcConfig" in body or "Role" in body:
            _check_network(backend, body.get("VpcConfig", fn._vpc_config),
                           body.get("Role", fn.role))
        if "DeadLetterConfig" in body:
            role_checks.check_dead_letter(self._role_may, body.get("Role", fn.role),
                                          fn.function_name,
                                          (body["DeadLetterConfig"] or {}).get("TargetArn", ""))
            STATE.set_dead_letter(unqualified_arn(fn), body["DeadLetterConfig"])
        if network_change:  # before the update, so that its answer says InProgress
            lifecycle.start_updating(fn)
        previous = STATE.revision(unqualified_arn(fn))
        STATE.new_revision(unqualified_arn(fn))  # before: the answer shows the new one
        try:
            result = original(backend, name, qualifier, body)
        except Exception:
            lifecycle.start_updating(fn, seconds=0)
            STATE.set_revision(unqualified_arn(fn), previous)
            raise
        self._on_change(_unqualified_arn(backend, name))
        return _in_progress(result)

    def _update_code(self, original: Any, backend: LambdaBackend, name: str, qualifier: str,
                     body: dict[str, Any]) -> Any:
        fn = backend.get_function(name, qualifier)
        lifecycle.check_modifiable(fn)
        _check_revision(fn, body.get("RevisionId"))
        model_validation.check("UpdateFunctionCode", body)
        validation.check_package(body, backend.account_id)
        previous = STATE.revision(unqualified_arn(fn))
        STATE.new_revision(unqualified_arn(fn))  # before: the answer shows the new one
        try:
            result = original(backend, name, qualifier, body)
        except Exception:
            STATE.set_revision(unqualified_arn(fn), previous)
            raise
        self._on_change(_unqualified_arn(backend, name))
        return _in_progress(result)

    def _publish_version(self, original: Any, backend: LambdaBackend, name: str,
                         *args: Any, **kwargs: Any) -> Any:
        lifecycle.check_modifiable(backend.get_function(name))
        published = original(backend, name, *args, **kwargs)
        if published is not None:
            STATE.publish(unqualified_arn(published), str(published.version))
        return published

    def _delete_function(self, original: Any, backend: LambdaBackend, name: str,
                         qualifier: str | None = None) -> Any:
        arn = _unqualified_arn(backend, name)
        result = original(backend, name, qualifier)
        STATE.forget_function(arn, qualifier)
        self._on_change(arn)
        return result

    def _put_concurrency(self, original: Any, backend: LambdaBackend, name: str,
                         reserved: Any) -> Any:
        function_name = backend.get_function(name).function_name
        if int(reserved) > self._max_reservable(function_name):
            raise InvalidParameterValueException(
                "Specified ReservedConcurrentExecutions for function decreases account's "
                "UnreservedConcurrentExecution below its minimum value of [100].")
        return original(backend, name, reserved)



def _without_variableless_environment(body: dict[str, Any]) -> dict[str, Any]:
    """The update without an ``Environment`` that names no ``Variables``.

    Lambda replaces a function's variables with the ``Variables`` map it is sent, and keeps
    them when an ``Environment`` comes without one (``Environment={}``); moto fails on such
    a request with a KeyError (HTTP 500).
    """
    environment = body.get("Environment")
    if isinstance(environment, dict) and "Variables" not in environment:
        return {key: value for key, value in body.items() if key != "Environment"}
    return body


def _check_network(backend: LambdaBackend, config: Any, role: str | None) -> bool:
    """Lambda's VpcConfig checks; True when the function is to be attached to a VPC."""
    if vpc_config.check(config, backend.account_id, backend.region_name) is None:
        return False
    vpc_config.check_role_manages_interfaces(role or "", backend.account_id)
    return True


def _in_progress(answer: Any) -> Any:
    """An update's answer as AWS gives it: the update still in progress (a GetFunction a
    moment later says Successful)."""
    if isinstance(answer, dict):
        answer.update({"State": "Active", **lifecycle.UPDATING})
    return answer


REVISION_MISMATCH = ("The Revision Id provided does not match the latest Revision Id. Call "
                     "the GetFunction/GetAlias API to retrieve the latest Revision Id")


def _check_revision(fn: LambdaFunction, revision: str | None) -> None:
    """A change sent with a RevisionId applies only to that revision, as on AWS."""
    if revision is not None and revision != STATE.revision(unqualified_arn(fn)):
        raise PreconditionFailedException(REVISION_MISMATCH)


def _aws_time(moto_time: str) -> str:
    """moto's ``2026-12-07T15:47:38.748847000Z`` as AWS writes it:
    ``2026-12-07T15:47:38.748+0000``."""
    found = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,3})\d*)?", moto_time)
    if not found:
        return moto_time
    return f"{found.group(1)}.{(found.group(2) or '0').ljust(3, '0')}+0000"


def _configuration_as_aws(original: Any, fn: LambdaFunction,
                          *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The configuration with what moto drops (DeadLetterConfig, RevisionId, LoggingConfig),
    fakes (VpcId, State) or writes otherwise (LastModified; empty Layers)."""
    config = original(fn, *args, **kwargs)
    if kwargs.get("on_create", args[0] if args else False):  # CreateFunction's answer
        config.update(lifecycle.CREATING)
    config["RevisionId"] = STATE.revision(unqualified_arn(fn), str(fn.version))
    if isinstance(config.get("LastModified"), str):
        config["LastModified"] = _aws_time(config["LastModified"])
    config.setdefault("LoggingConfig", {"LogFormat": "Text",
                                        "LogGroup": f"/aws/lambda/{fn.function_name}"})
    if not config.get("Layers"):
        config.pop("Layers", None)
    dead_letter = STATE.dead_letter(unqualified_arn(fn), str(fn.version))
    if dead_letter:
        config["DeadLetterConfig"] = dead_letter
    if fn._vpc_config:
        subnets, groups = vpc_config.ids_of(fn._vpc_config)
        vpc_id = ec2_state.vpc_of_subnet(fn.account_id, fn.region, subnets[0]) if subnets else ""
        config["VpcConfig"] = {"SubnetIds": subnets, "SecurityGroupIds": groups,
                               "VpcId": vpc_id or "", "Ipv6AllowedForDualStack": False}
    return lifecycle.with_state(fn, config)


def _latest(backend: LambdaBackend, name: str) -> LambdaFunction:
    return backend._lambdas._get_latest(name)


def _unqualified_arn(backend: LambdaBackend, name_or_arn: str) -> str:
    try:
        fn = backend.get_function(name_or_arn)
    except Exception:
        return name_or_arn
    return unqualified_arn(fn)
