"""Read a CloudFormation template's text, JSON or YAML, short-form tags included.

Shared by the deployer (which sends the template as JSON) and the cloud's own checks of
a template it receives; PyYAML's safe loader rejects unknown tags, so each ``!Name``
becomes the long form (``{"Fn::Name": ...}``) that CloudFormation accepts in a JSON body.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

NOT_A_FUNCTION_TAG = {"Ref": "Ref", "Condition": "Condition"}  # short forms without "Fn::"


class _Loader(yaml.SafeLoader):
    """The safe loader, plus CloudFormation's short-form intrinsic functions, and without
    YAML 1.1's timestamps: CloudFormation reads ``Version: 2012-10-17`` as the string it is,
    not as a date."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    name = NOT_A_FUNCTION_TAG.get(tag_suffix, f"Fn::{tag_suffix}")
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(
            None, None, f"unexpected {type(node).__name__}", node.start_mark)
    return {name: value}


_Loader.add_multi_constructor("!", _intrinsic)


def parse_yaml(text: str) -> Any:
    """YAML text (a whole template or a part of one) with intrinsic functions in long form.

    Raises ``yaml.YAMLError`` with the line and column of what it could not read.
    """
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def parse_template(text: str) -> Any:
    """A template body as CloudFormation reads it: JSON, else YAML."""
    try:
        return json.loads(text)
    except ValueError:
        return parse_yaml(text)
