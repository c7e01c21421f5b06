"""Deploy a lab's CloudFormation template, as ``aws cloudformation package`` + ``deploy`` do.

A lab template names each function's code as a local folder (``Code: caller/``), the
form ``aws cloudformation package`` turns into an S3 location on a real account. Here the
same happens against any endpoint: folders are zipped (deterministically, so an
unchanged folder keeps its CodeSha256), uploaded to an S3 bucket, the template is
rewritten to point at them, and the stack is created or updated.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from botocore.exceptions import ClientError, WaiterError

from lambdalab.packaging import zip_folder

ARTIFACT_BUCKET = "lambdalab-artifacts"


class StackDeployError(RuntimeError):
    """A stack did not reach a complete state; the message carries CloudFormation's reason."""


def load_template(path: Path) -> dict[str, Any]:
    """Parse a JSON or YAML template, short-form tags (``!Ref``, ``!GetAtt``) included."""

    class Loader(yaml.SafeLoader):
        pass

    def intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
        name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "Fn::GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    Loader.add_multi_constructor("!", intrinsic)
    return yaml.load(path.read_text(), Loader=Loader)  # noqa: S506 - a SafeLoader subclass


def package(template_path: Path, s3: Any, bucket: str = ARTIFACT_BUCKET) -> dict[str, Any]:
    """The template with every local ``Code`` folder uploaded and replaced by its S3 location."""
    template = load_template(template_path)
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


def deploy_stack(cloud: Any, template_path: str | Path, stack_name: str,
                 parameters: dict[str, str] | None = None) -> dict[str, str]:
    """Create or update ``stack_name`` from a lab template; returns the stack's outputs.

    ``cloud`` is anything with a ``client(service_name)`` method, such as a LocalCloud.
    """
    cfn = cloud.client("cloudformation")
    body = json.dumps(package(Path(template_path), cloud.client("s3")))
    arguments: dict[str, Any] = {
        "StackName": stack_name, "TemplateBody": body,
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
        "Parameters": [{"ParameterKey": k, "ParameterValue": v}
                       for k, v in (parameters or {}).items()],
    }
    try:
        cfn.describe_stacks(StackName=stack_name)
        exists = True
    except ClientError:
        exists = False
    try:
        if exists:
            cfn.update_stack(**arguments)
            cfn.get_waiter("stack_update_complete").wait(StackName=stack_name)
        else:
            cfn.create_stack(**arguments)
            cfn.get_waiter("stack_create_complete").wait(StackName=stack_name)
    except (ClientError, WaiterError) as error:
        raise StackDeployError(f"stack {stack_name}: {_failure_reason(cfn, stack_name, error)}") \
            from None
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def delete_stack(cloud: Any, stack_name: str) -> None:
    cfn = cloud.client("cloudformation")
    cfn.delete_stack(StackName=stack_name)
    cfn.get_waiter("stack_delete_complete").wait(StackName=stack_name)


def _ensure_bucket(s3: Any, bucket: str) -> None:
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        region = s3.meta.region_name
        config = {} if region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=bucket, **config)


def _failure_reason(cfn: Any, stack_name: str, error: Exception) -> str:
    """The first resource failure CloudFormation recorded, else the API error itself."""
    try:
        events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    except ClientError:
        return str(error)
    for event in reversed(events):
        if event.get("ResourceStatus", "").endswith("FAILED") and event.get(
                "ResourceStatusReason"):
            return f"{event['LogicalResourceId']}: {event['ResourceStatusReason']}"
    return str(error)
