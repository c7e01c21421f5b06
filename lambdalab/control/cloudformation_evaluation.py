"""How CloudFormation evaluates a template, where moto's evaluation differs.

``Fn::GetAZs`` with an empty string (or ``AWS::Region``) lists the Availability Zones of
the stack's own region
(docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getavailabilityzones.html);
moto answered with four made-up zones of us-east-1, so a lab's subnets landed in
``us-east-1a`` inside an ap-northeast-1 VPC.

A stack update that flips a condition adds or deletes that condition's resources.
CloudFormation evaluates a template's conditions again at every stack update: the
resources of a condition that became true are created, those of a condition that became
false are deleted
(docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html).
A lab template switches its network that way (``Network=isolated|endpoint|nat``).

moto's update compares the resources' JSON only, so:

- a parameter change that turns a condition off left its resources in place (a NAT
  gateway survived ``Network=isolated``), and one that turns a condition on created them
  only when something next read the stack;
- moto listed a resource whose condition is false as a resource with no id and no type;
- (the network resources moto cannot delete through a stack are deleted by
  :mod:`lambdalab.control.cloudformation_network`);
- moto writes an empty ``Properties`` into a resource's stored JSON when it creates it,
  so a resource declared without properties (``AWS::EC2::InternetGateway``) looked
  changed at every update, and moto, which cannot update that type, dropped it from the
  stack.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.models import Stack
from moto.cloudformation.parsing import ResourceMap
from moto.ec2.models import ec2_backends

from lambdalab.control.cloudformation_network import deletion_rank
from lambdalab.control.patcher import Patcher

MAX_DELETE_PASSES = 5  # resources that depend on each other go in later passes


def install(patcher: Patcher) -> None:
    original_clean_json = parsing.clean_json

    def clean_json(resource_json: Any, resources_map: ResourceMap) -> Any:
        return _zones_of_the_stacks_region(original_clean_json, resource_json, resources_map)

    patcher.set(parsing, "clean_json", clean_json)  # parsing's own calls go through it
    patcher.wrap(ResourceMap, "build_resource_diff", _diff_as_declared)
    patcher.wrap(ResourceMap, "update", _update_with_conditions)
    patcher.set(Stack, "stack_resources", property(_created_resources))


def _zones_of_the_stacks_region(original: Any, resource_json: Any,
                                resources_map: ResourceMap) -> Any:
    if not (isinstance(resource_json, dict) and "Fn::GetAZs" in resource_json):
        return original(resource_json, resources_map)
    region = original(resource_json["Fn::GetAZs"], resources_map) or \
        resources_map._region_name
    backend = ec2_backends[resources_map._account_id][region]
    return [zone.name for zone in backend.describe_availability_zones()]


def _created_resources(stack: Stack) -> list[Any]:
    """The stack's resources; one whose condition is false was never created."""
    return [resource for resource in stack.resource_map.values() if resource is not None]


def _diff_as_declared(original: Any, resource_map: ResourceMap, other_template: dict[str, Any],
                      parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """moto's diff, without the resources whose only change is the Properties moto added."""
    diff = original(resource_map, other_template, parameters)
    old, new = resource_map._resource_json_map, other_template.get("Resources") or {}
    diff["Modify"] = [name for name in diff["Modify"]
                      if not ("Properties" not in new[name]
                              and old[name] == {**new[name], "Properties": {}})]
    return diff


def _update_with_conditions(original: Any, resource_map: ResourceMap, template: dict[str, Any],
                            parameters: dict[str, Any] | None = None) -> None:
    was_active = _active_resources(resource_map)
    before = {name: resource for name, resource in resource_map._parsed_resources.items()
              if _is_resource(resource)}
    original(resource_map, template, parameters)  # loads the new parameters and conditions
    for name, resource in before.items():  # a type moto cannot update keeps its resource
        if name in resource_map._parsed_resources and \
                resource_map._parsed_resources[name] is None:
            resource_map._parsed_resources[name] = resource
    now_active = _active_resources(resource_map)
    _delete(resource_map, [name for name in was_active - now_active
                           if _is_resource(resource_map._parsed_resources.get(name))])
    for name in sorted(now_active - was_active):
        if name not in resource_map._parsed_resources:
            resource_map[name]  # creates it (and what it refers to)


def _active_resources(resource_map: ResourceMap) -> set[str]:
    """The logical ids of the resources whose condition (if any) holds now."""
    conditions = resource_map.lazy_condition_map
    return {name for name, resource in resource_map._resource_json_map.items()
            if not resource.get("Condition") or conditions[resource["Condition"]]}


def _delete(resource_map: ResourceMap, names: list[str]) -> None:
    """Delete resources, dependents first: one that refuses is tried again after the rest."""
    remaining = sorted(names, key=lambda name: deletion_rank(resource_map._parsed_resources[name]))
    for _ in range(MAX_DELETE_PASSES):
        failed = []
        for name in remaining:
            resource = resource_map._parsed_resources[name]
            try:
                resource_map._delete_resource(resource, resource_map._resource_json_map[name])
            except Exception:  # noqa: BLE001 - still in use by another: next pass
                failed.append(name)
            else:
                resource_map._parsed_resources.pop(name)
        if not failed:
            return
        remaining = failed


def _is_resource(value: Any) -> bool:
    return value is not None and hasattr(value, "logical_resource_id")
