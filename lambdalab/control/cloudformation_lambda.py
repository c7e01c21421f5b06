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
from moto.cloudformation import parsing

from lambdalab.control.patcher import Patcher

ASYNC_SETTINGS = ("MaximumEventAgeInSeconds", "MaximumRetryAttempts", "DestinationConfig")


def _backend(account_id: str, region_name: str) -> Any:
    return lambda_backends[account_id][region_name]


def _unless_function_gone(action: Any, *args: Any) -> None:
    """Delete something of a function; if the stack deleted the function first, it is gone."""
    try:
        action(*args)
    except LambdaClientError:
        pass


def _clear_event_config(backend: Any, function_name: str) -> None:
    backend.get_function(function_name).event_invoke_config = []


class _StackResource:
    """What every model must offer moto's stack beyond its own methods."""

    def is_created(self) -> bool:
        return True  # created synchronously, through the Lambda backend


class AliasResource(_StackResource):
    def __init__(self, arn: str, function_name: str, name: str) -> None:
        self.arn, self.function_name, self.name = arn, function_name, name

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Alias"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "AliasArn"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "AliasArn":
            return self.arn
        raise NotImplementedError(attribute_name)

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

    def delete(self, account_id: str, region_name: str) -> None:
        _unless_function_gone(_backend(account_id, region_name).delete_alias, self.name,
                              self.function_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> None:
        props = cloudformation_json["Properties"]
        _unless_function_gone(_backend(account_id, region_name).delete_alias, props["Name"],
                              props["FunctionName"])


class EventInvokeConfigResource(_StackResource):
    def __init__(self, function_name: str, qualifier: str) -> None:
        self.function_name, self.qualifier = function_name, qualifier

    @property
    def physical_resource_id(self) -> str:
        return f"{self.function_name}:{self.qualifier}"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::EventInvokeConfig"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str,
                                        **kwargs: Any) -> EventInvokeConfigResource:
        props = cloudformation_json["Properties"]
        backend = _backend(account_id, region_name)
        function_name = backend.get_function(props["FunctionName"]).function_name
        settings = {key: props[key] for key in ASYNC_SETTINGS if key in props}
        backend.put_function_event_invoke_config(function_name, settings)
        return cls(function_name, str(props["Qualifier"]))

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any,
                                        new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> EventInvokeConfigResource:
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json,
                                                   account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _unless_function_gone(_clear_event_config, _backend(account_id, region_name),
                              self.function_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> None:
        props = cloudformation_json["Properties"]
        _unless_function_gone(_clear_event_config, _backend(account_id, region_name),
                              props["FunctionName"])


class VersionResource(_StackResource):
    def __init__(self, arn: str, version: str) -> None:
        self.arn, self.version = arn, version

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Version"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Version", "FunctionArn")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "Version":
            return self.version
        if attribute_name == "FunctionArn":
            return self.arn
        raise NotImplementedError(attribute_name)

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


OUR_MODELS = {model.cloudformation_type(): model
              for model in (AliasResource, EventInvokeConfigResource, VersionResource)}


def _model_map(original: Any) -> Any:
    def model_map() -> dict[str, Any]:
        return {**original(), **OUR_MODELS}

    return model_map


def install(patcher: Patcher) -> None:
    """Make moto's CloudFormation create these types while the cloud runs."""
    patcher.set(parsing, "get_model_map", _model_map(parsing.get_model_map))
