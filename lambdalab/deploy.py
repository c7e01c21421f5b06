"""Deploy a lab's CloudFormation template, as ``aws cloudformation package`` + ``deploy`` do.

A lab template names each function's code as a local folder (``Code: caller/``), the
form ``aws cloudformation package`` turns into an S3 location on a real account. Here the
same happens against any endpoint: folders are zipped (deterministically, so an
unchanged folder keeps its CodeSha256), uploaded to an S3 bucket, the template is
rewritten to point at them, and the stack is created or updated. Whatever goes wrong
comes back as one StackDeployError carrying CloudFormation's own reason, including a
resource that the local cloud's CloudFormation silently skipped.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import ClientError, WaiterError

from lambdalab.packaging import zip_folder
from lambdalab.template_text import parse_template

ARTIFACT_BUCKET = "lambdalab-artifacts"
WAIT = {"Delay": 5, "MaxAttempts": 360}  # what a real account needs; the local cloud is instant


class ClientFactory(Protocol):
    """Anything that hands out boto3 clients bound to one cloud, such as a LocalCloud."""

    def client(self, service_name: str) -> Any: ...


class StackDeployError(RuntimeError):
    """A stack did not reach a complete state; the message carries CloudFormation's reason."""


def load_template(path: Path) -> dict[str, Any]:
    """Parse a JSON or YAML template file, short-form tags (``!Ref``, ``!GetAtt``) included."""
    return parse_template(path.read_text())


def package(template_path: Path, s3: Any, bucket: str = ARTIFACT_BUCKET, *,
            template: dict[str, Any] | None = None) -> dict[str, Any]:
    """The template with every local ``Code`` folder uploaded and replaced by its S3 location.

    ``template``, when given, is used instead of the file's (an exercise's edited copy of
    it); the ``Code`` folders are still found next to the file. It is not changed.
    """
    template = copy.deepcopy(template) if template is not None else load_template(template_path)
    for name, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != "AWS::Lambda::Function":
            continue
        code = resource.get("Properties", {}).get("Code")
        if not isinstance(code, str):
            continue
        folder = (template_path.parent / code).resolve()
        if not folder.is_dir():
            raise StackDeployError(f"{name}: Code folder {folder.name!r} not found next to "
                                   f"{template_path.name}")
        archive = zip_folder(folder)
        key = f"{name}/{hashlib.sha256(archive).hexdigest()[:16]}.zip"
        _ensure_bucket(s3, bucket)
        s3.put_object(Bucket=bucket, Key=key, Body=archive)
        resource["Properties"]["Code"] = {"S3Bucket": bucket, "S3Key": key}
    return template


def deploy_stack(cloud: ClientFactory, template_path: str | Path, stack_name: str,
                 parameters: dict[str, str] | None = None, *,
                 template: dict[str, Any] | None = None) -> dict[str, str]:
    """Create or update ``stack_name`` from a lab template; returns the stack's outputs.

    As ``aws cloudformation deploy`` does, an unchanged template is not an error. Unlike
    it, a stack left in ``ROLLBACK_COMPLETE`` by a failed first deployment is deleted and
    created again: such a stack holds no resources and CloudFormation refuses to update
    it, so a learner who fixes a template can simply deploy again. ``template``: as for
    :func:`package`.
    """
    cfn = cloud.client("cloudformation")
    template = package(Path(template_path), cloud.client("s3"), template=template)
    body = json.dumps(template)
    arguments: dict[str, Any] = {
        "StackName": stack_name, "TemplateBody": body,
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
        "Parameters": [{"ParameterKey": k, "ParameterValue": v}
                       for k, v in (parameters or {}).items()],
    }
    status = stack_status(cfn, stack_name)
    if status == "ROLLBACK_COMPLETE":
        delete_stack(cloud, stack_name)
        status = None
    earlier_events = _event_ids(cfn, stack_name) if status else set()
    try:
        if status is None:
            cfn.create_stack(**arguments)
            cfn.get_waiter("stack_create_complete").wait(StackName=stack_name, WaiterConfig=WAIT)
        elif _update(cfn, arguments):
            cfn.get_waiter("stack_update_complete").wait(StackName=stack_name, WaiterConfig=WAIT)
    except (ClientError, WaiterError) as error:
        reason = _failure_reason(cfn, stack_name, error, earlier_events)
        raise StackDeployError(f"stack {stack_name}: {reason}") from None
    _check_every_resource_exists(cfn, stack_name, template)
    return stack_outputs(cfn, stack_name)


def delete_stack(cloud: ClientFactory, stack_name: str) -> None:
    """Delete a stack and wait until it is gone (a missing stack is not an error, as on AWS)."""
    cfn = cloud.client("cloudformation")
    cfn.delete_stack(StackName=stack_name)
    cfn.get_waiter("stack_delete_complete").wait(StackName=stack_name, WaiterConfig=WAIT)


def stack_status(cfn: Any, stack_name: str) -> str | None:
    """The stack's status, or None when no stack of that name exists (deleted ones do not)."""
    try:
        return cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
    except ClientError as error:
        if "does not exist" in error.response.get("Error", {}).get("Message", ""):
            return None
        raise


def stack_outputs(cfn: Any, stack_name: str) -> dict[str, str]:
    """The stack's outputs as ``{OutputKey: OutputValue}``."""
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}


def _update(cfn: Any, arguments: dict[str, Any]) -> bool:
    """Start an update; False when CloudFormation finds nothing to change."""
    try:
        cfn.update_stack(**arguments)
    except ClientError as error:
        if "No updates are to be performed" in error.response.get("Error", {}).get("Message", ""):
            return False
        raise
    return True


def _check_every_resource_exists(cfn: Any, stack_name: str, template: dict[str, Any]) -> None:
    """Fail loudly where the local cloud skipped a resource type it does not implement.

    moto's CloudFormation completes a stack without the resources whose type it lacks
    (``AWS::Lambda::Alias``, for one): a lab would then run against a cloud that is missing
    part of its template. Resources with a ``Condition`` may be absent on AWS too: skipped.
    """
    expected = {name: resource.get("Type", "?")
                for name, resource in (template.get("Resources") or {}).items()
                if "Condition" not in resource}
    pages = cfn.get_paginator("list_stack_resources").paginate(StackName=stack_name)
    created = {summary["LogicalResourceId"] for page in pages
               for summary in page["StackResourceSummaries"]}
    missing = sorted(f"{name} ({kind})" for name, kind in expected.items() if name not in created)
    if missing:
        raise StackDeployError(
            f"stack {stack_name}: completed without {', '.join(missing)}: this cloud's "
            f"CloudFormation does not create that type; create it with boto3 after the deploy")


def _ensure_bucket(s3: Any, bucket: str) -> None:
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        region = s3.meta.region_name
        config = {} if region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=bucket, **config)


def _event_ids(cfn: Any, stack_name: str) -> set[str]:
    return {event["EventId"] for event in _events(cfn, stack_name)}


def _events(cfn: Any, stack_name: str) -> list[dict[str, Any]]:
    """The stack's events, oldest first (CloudFormation lists the newest first)."""
    try:
        pages = cfn.get_paginator("describe_stack_events").paginate(StackName=stack_name)
        return list(reversed([event for page in pages for event in page["StackEvents"]]))
    except ClientError:
        return []


def _failure_reason(cfn: Any, stack_name: str, error: Exception,
                    earlier_events: set[str]) -> str:
    """The first resource failure of this attempt, else the API error itself.

    The first failure is the cause; the ones after it are usually CloudFormation
    cancelling the resources it had not finished.
    """
    for event in _events(cfn, stack_name):
        if event["EventId"] in earlier_events:
            continue
        reason = event.get("ResourceStatusReason")
        if event.get("ResourceStatus", "").endswith("FAILED") and reason:
            resource = event.get("LogicalResourceId")
            return reason if resource in (None, stack_name) else f"{resource}: {reason}"
    if isinstance(error, ClientError):  # refused at the call: CloudFormation's own words
        details = error.response.get("Error", {})
        return f"{details.get('Code')}: {details.get('Message')}"
    return str(error)
