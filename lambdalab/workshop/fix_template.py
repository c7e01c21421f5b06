"""Fix-the-template exercises: the learner writes one property of a lab template's resource.

The exercise cell holds YAML text, written as it would stand in the lab's
``template.yaml`` (short-form tags such as ``!Ref`` and ``!Sub`` included). The check
sets it as that property of that resource in a copy of the template and deploys the lab
with it to the local cloud, where CloudFormation and IAM judge it as on AWS. The lab's
files on disk are never changed.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

import yaml

from lambdalab.deploy import StackDeployError, delete_stack, deploy_stack, load_template
from lambdalab.template_text import parse_yaml
from lambdalab.workshop.checks import AnswerError
from lambdalab.workshop.labs import lab_path


@dataclass(frozen=True)
class LabTemplateEdit:
    """``Resources.<resource>.Properties.<name>`` of ``labs/<lab>/template.yaml``, written
    by the learner; ``start`` is the text the exercise cell holds before any attempt."""

    lab: str
    resource: str
    name: str
    start: str

    @property
    def where(self) -> str:
        return f"{self.resource}'s {self.name}"

    def value(self, text: Any) -> Any:
        """The learner's text, read as CloudFormation reads YAML.

        Raises NotImplementedError while it says what ``start`` says (not attempted yet),
        AnswerError when it is not text or does not parse (with the line to look at).
        """
        if not isinstance(text, str):
            raise AnswerError(f"pass the YAML text of {self.where} (a string), not "
                              f"{type(text).__name__}.")
        try:
            value = parse_yaml(textwrap.dedent(text))
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" (line {mark.line + 1} of your text)" if mark else ""
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            raise AnswerError(f"your YAML does not parse{where}: {problem}. Indent with "
                              "spaces, two per level, as the template does.") from None
        if value == parse_yaml(textwrap.dedent(self.start)):
            raise NotImplementedError(f"write {self.where} in this cell, then run it.")
        return value

    def template(self, value: Any) -> dict[str, Any]:
        """The lab's template with ``value`` in place of the property."""
        template = load_template(lab_path(self.lab, "template.yaml"))
        template["Resources"][self.resource].setdefault("Properties", {})[self.name] = value
        return template

    def deploy(self, cloud: Any, value: Any, stack_name: str) -> dict[str, str]:
        """Deploy the lab with ``value`` as a fresh stack ``stack_name``; returns the stack's
        outputs. An earlier stack of that name is deleted first, with the log groups its
        functions left (deleting a stack keeps them, as on AWS): each attempt starts as in
        a fresh account. A template CloudFormation refuses raises AnswerError with
        CloudFormation's reason."""
        delete_stack(cloud, stack_name)
        logs = cloud.client("logs")
        prefix = f"/aws/lambda/{stack_name}-"
        for group in logs.describe_log_groups(logGroupNamePrefix=prefix)["logGroups"]:
            logs.delete_log_group(logGroupName=group["logGroupName"])
        try:
            return deploy_stack(cloud, lab_path(self.lab, "template.yaml"), stack_name,
                                template=self.template(value))
        except StackDeployError as refused:
            raise AnswerError(f"the lab does not deploy with your {self.name}: "
                              f"{str(refused).removeprefix(f'stack {stack_name}: ')}") from None
