"""Lambda resource types moto's CloudFormation lacks or gets wrong, so lab templates deploy
unchanged to the local cloud and to a real account.

- ``AWS::Lambda::Alias``: missing in moto (the stack completed without it). ``Ref`` is the
  alias ARN.
- ``AWS::Lambda::EventInvokeConfig``: missing in moto. It stores the function's
  asynchronous-invocation settings (retries, maximum event age, destinations) through the
  Lambda backend, where the asynchronous queue reads them.
- ``AWS::Lambda::Version``: moto's ``Ref`` gives the resource's logical id, where AWS gives
  the version's ARN; ``Fn::GetAtt Version.Version`` is the version number.

Each model acts through moto's Lambda backend, which keeps the state; nothing is stored
twice. The models follow moto's ``CloudFormationModel`` interface without subclassing it:
a subclass would join moto's registry for good, where these join it only while the cloud
runs. Sources: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/
aws-resource-lambda-alias.html, aws-resource-lambda-eventinvokeconfig.html and
aws-resource-lambda-version.html (return values).
"""

from __future__ import annotations

from typing import Any

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import lambda_backends

from lambdalab.control.patcher import Patcher
from lambdalab.control.stack_resource import StackResource, add_models
from lambdalab.owned_state import STATE

ASYNC_SETTINGS = ("MaximumEventAgeInSeconds", "MaximumRetryAttempts", "DestinationConfig")


def _backend(account_id: str, region_name: str) -> Any:
    return lambda_backends[account_id][region_name]


def _unless_function_gone(action: Any, *args: Any) -> None:
    """Delete something of a function; if the stack deleted the function first, it is gone."""
    try:
        action(*args)
    except LambdaClientError:
        pass


class _PartOfAFunction(StackResource):
    """A resource that belongs to a function: when the stack deleted the function first, it
    went with it."""

    function_name: str
    name: str = ""

    @staticmethod
    def remove(backend: Any, function_name: str, name: str) -> None:
        raise NotImplementedError

    def delete(self, account_id: str, region_name: str) -> None:
        _unless_function_gone(self.remove, _backend(account_id, region_name),
                              self.function_name, self.name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> None:
        props = cloudformation_json["Properties"]
        _unless_function_gone(cls.remove, _backend(account_id, region_name),
                              props["FunctionName"], props.get("Name", ""))


class AliasResource(_PartOfAFunction):
    cfn_type = "AWS::Lambda::Alias"
    cfn_attributes = {"AliasArn": "arn"}

    def __init__(self, arn: str, function_name: str, name: str) -> None:
        self.arn, self.function_name, self.name = arn, function_name, name

    @staticmethod
    def remove(backend: Any, function_name: str, name: str) -> None:
        backend.delete_alias(name, function_name)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str, **kwargs: Any) -> AliasResource:
        props = cloudformation_json["Properties"]
        backend = _backend(account_id, region_name)
        function_name = backend.get_function(props["FunctionName"]).function_name
        alias = backend.create_alias(props["Name"], function_name, str(props["FunctionVersion"]),
                                     props.get("Description", ""), props.get("RoutingConfig"))
        return cls(alias.arn, function_name, props["Name"])

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: AliasResource,
                                        new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> AliasResource:
        props = cloudformation_json["Properties"]
        _backend(account_id, region_name).update_alias(
            original_resource.name, original_resource.function_name,
            str(props["FunctionVersion"]), props.get("Description", ""),
            props.get("RoutingConfig"))
        return original_resource


class EventInvokeConfigResource(_PartOfAFunction):
    cfn_type = "AWS::Lambda::EventInvokeConfig"

    def __init__(self, function_name: str, qualifier: str) -> None:
        self.function_name, self.qualifier = function_name, qualifier
        self.name = qualifier

    @staticmethod
    def remove(backend: Any, function_name: str, name: str) -> None:
        arn = ":".join(backend.get_function(function_name).function_arn.split(":")[:7])
        STATE.delete_event_config(arn, name or "$LATEST")

    @property
    def physical_resource_id(self) -> str:
        return f"{self.function_name}:{self.qualifier}"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str,
                                        **kwargs: Any) -> EventInvokeConfigResource:
        props = cloudformation_json["Properties"]
        backend = _backend(account_id, region_name)
        fn = backend.get_function(props["FunctionName"])
        settings = {key: props[key] for key in ASYNC_SETTINGS if key in props}
        arn = ":".join(fn.function_arn.split(":")[:7])  # unqualified
        STATE.set_event_config(arn, str(props["Qualifier"]), settings)
        return cls(fn.function_name, str(props["Qualifier"]))

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any,
                                        new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> EventInvokeConfigResource:
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json,
                                                   account_id, region_name)


class VersionResource(StackResource):
    cfn_type = "AWS::Lambda::Version"
    cfn_attributes = {"Version": "version", "FunctionArn": "arn"}

    def __init__(self, arn: str, version: str) -> None:
        self.arn, self.version = arn, version

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str, **kwargs: Any) -> VersionResource:
        props = cloudformation_json["Properties"]
        fn = _backend(account_id, region_name).publish_version(
            props["FunctionName"], props.get("Description", ""))
        return cls(fn.function_arn, str(fn.version))

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any,
                                        new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> VersionResource:
        return original_resource  # a version never changes; a new one is a new resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> None:
        pass  # AWS keeps a version after its stack is deleted unless told otherwise

    def delete(self, account_id: str, region_name: str) -> None:
        pass


def install(patcher: Patcher) -> None:
    """Make moto's CloudFormation create these types while the cloud runs."""
    add_models(patcher, (AliasResource, EventInvokeConfigResource, VersionResource))
