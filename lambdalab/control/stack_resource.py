"""What moto's CloudFormation asks of every resource model the cloud adds, said once.

moto's stack calls ``cloudformation_type``, ``cloudformation_name_type``,
``has_cfn_attr``, ``get_cfn_attribute``, ``physical_resource_id`` and ``is_created`` on each
model (its ``CloudFormationModel`` interface). For the cloud's models they differ only in
the type's name, the physical id and which ``Fn::GetAtt`` attributes they have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from moto.cloudformation import parsing

from lambdalab.control.patcher import Patcher


class StackResource:
    """A resource created synchronously through a backend, as CloudFormation sees it."""

    cfn_type: ClassVar[str]  # "AWS::Lambda::Alias"
    cfn_attributes: ClassVar[dict[str, str]] = {}  # Fn::GetAtt name -> attribute of ours
    ref_attribute: ClassVar[str] = "arn"  # the attribute of ours that ``Ref`` gives

    @property
    def physical_resource_id(self) -> str:
        return str(getattr(self, self.ref_attribute))

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.cfn_type

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.cfn_attributes

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.cfn_attributes:
            raise NotImplementedError(attribute_name)
        return getattr(self, self.cfn_attributes[attribute_name])

    def is_created(self) -> bool:
        return True  # created synchronously, through the backend


def add_models(patcher: Patcher, models: Iterable[Any]) -> None:
    """Make moto's CloudFormation create these types while the cloud runs.

    moto finds a type's model through ``parsing.get_model_map``; each call wraps the map
    there now, so that every module's models are found whatever order they are added in.
    """
    extra = {model.cloudformation_type(): model for model in models}
    patcher.set(parsing, "get_model_map", _merged(parsing.get_model_map, extra))


def _merged(original: Callable[[], dict[str, Any]],
            extra: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    def model_map() -> dict[str, Any]:
        return {**original(), **extra}

    return model_map
