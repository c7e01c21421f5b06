"""A template whose resources refer to nothing, or to each other in a circle, is refused.

CloudFormation orders a stack's resources by what each one refers to (``Ref``,
``Fn::GetAtt``, ``Fn::Sub``'s ``${Name}``, ``DependsOn``) and refuses, at CreateStack,
UpdateStack or CreateChangeSet, a template it cannot order: ``ValidationError`` "Template
format error: Unresolved resource dependencies [Name] in the Resources block of the
template" for a name that is neither a resource nor a parameter, "Template error: instance
of Fn::GetAtt references undefined resource Name", and "Circular dependency between
resources: [A, B]" (wording as AWS answers, quoted in public reports: serverless#4745,
cloudnative/lambda-chat#25, aws-cloudformation/cloudformation-coverage-roadmap#2220).
moto recursed until Python's stack overflowed on a circle (HTTP 500), the mistake a role
whose policy names the function that uses the role makes.

The circle's list holds every resource that cannot be ordered: those on a circle and those
that wait for one, in the template's order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend

from lambdalab.control.patcher import Patcher
from lambdalab.template_text import parse_template

SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")  # ${Name} or ${Name.Attribute}; ${!x} is text


def references(value: Any) -> Iterator[tuple[str, str]]:
    """Each ``(function, name)`` that ``value`` refers to: ``("Ref", "Bucket")``,
    ``("Fn::GetAtt", "Role")``, ``("Fn::Sub", "Role")`` (pseudo parameters included)."""
    if isinstance(value, list):
        for item in value:
            yield from references(item)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        [(function, argument)] = value.items()
        if function == "Ref" and isinstance(argument, str):
            yield "Ref", argument
            return
        if function == "Fn::GetAtt":
            target = argument.split(".", 1)[0] if isinstance(argument, str) else (
                argument[0] if isinstance(argument, list) and argument else None)
            if isinstance(target, str):
                yield "Fn::GetAtt", target
            if isinstance(argument, list):
                yield from references(argument[1:])
            return
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else (
                (argument + [None, None])[:2] if isinstance(argument, list) else (None, None))
            variables = variables if isinstance(variables, dict) else {}
            if isinstance(text, str):
                for name in SUB_VARIABLE.findall(text):
                    name = name.strip().split(".", 1)[0]
                    if name not in variables:
                        yield "Fn::Sub", name
            yield from references(list(variables.values()))
            return
    for item in value.values():
        yield from references(item)


def problem(template: Any) -> str | None:
    """What CloudFormation says of a template it cannot order, or None."""
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        return None  # moto's own checks answer the rest
    text = json.dumps(template)
    if template.get("Transform") or '"Fn::Transform"' in text or '::MODULE"' in text:
        return None  # a macro or a module adds resources that the text does not show
    resources: dict[str, Any] = template["Resources"]
    known = set(resources) | set(template.get("Parameters") or {})
    needs: dict[str, set[str]] = {}
    for name, resource in resources.items():
        if not isinstance(resource, dict):
            continue
        found = set()
        for function, target in references(
                {k: v for k, v in resource.items() if k != "DependsOn"}):
            if target.startswith("AWS::"):
                continue
            if target not in known:
                return _unresolved(function, target, "Resources")
            if target in resources:
                found.add(target)
        depends = resource.get("DependsOn") or []
        for target in [depends] if isinstance(depends, str) else depends:
            if target not in resources:
                return _unresolved("Ref", str(target), "Resources")
            found.add(target)
        needs[name] = found
    for function, target in references(template.get("Outputs") or {}):
        if not target.startswith("AWS::") and target not in known:
            return _unresolved(function, target, "Outputs")
    stuck = _unordered(needs)
    if stuck:
        return f"Circular dependency between resources: [{', '.join(stuck)}]"
    return None


def _unresolved(function: str, target: str, block: str) -> str:
    if function == "Fn::GetAtt":
        return f"Template error: instance of Fn::GetAtt references undefined resource {target}"
    return (f"Template format error: Unresolved resource dependencies [{target}] in the "
            f"{block} block of the template")


def _unordered(needs: dict[str, set[str]]) -> list[str]:
    """The resources that no order can create (Kahn's algorithm's leftovers), in order."""
    done: set[str] = set()
    progress = True
    while progress:
        ready = [n for n, wanted in needs.items() if n not in done and wanted <= done]
        done.update(ready)
        progress = bool(ready)
    return [name for name in needs if name not in done]


def _refuse_unordered(original: Any, backend: CloudFormationBackend, *args: Any,
                      **kwargs: Any) -> Any:
    body = kwargs.get("template")
    if isinstance(body, str):
        try:
            template = parse_template(body)
        except Exception:  # noqa: BLE001 - an unreadable template: moto's own error follows
            template = None
        reason = problem(template)
        if reason:
            raise ValidationError(message=reason)
    return original(backend, *args, **kwargs)


def install(patcher: Patcher) -> None:
    for method in ("create_stack", "update_stack", "create_change_set"):
        patcher.wrap(CloudFormationBackend, method, _refuse_unordered)
