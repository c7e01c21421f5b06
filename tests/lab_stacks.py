"""A lab deployed from its CloudFormation template, as the lab tests (test_lab_NN) use it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from lambdalab import LocalCloud
from lambdalab.workshop import deploy_lab
from lambdalab.workshop.responses import decoded


def deployed_lab(lab: str, stack_name: str,
                 parameters: dict[str, str] | None = None) -> Callable[..., dict[str, str]]:
    """A module's ``stack`` fixture: the lab deployed once into the module's ``cloud``; the
    stack's outputs."""
    @pytest.fixture(scope="module")
    def stack(cloud: LocalCloud) -> dict[str, str]:
        return deploy_lab(cloud, lab, stack_name, parameters)
    return stack


def execution_role(cloud: LocalCloud, function_name: str) -> str:
    """The name of the role the function runs with."""
    configuration = cloud.client("lambda").get_function_configuration(FunctionName=function_name)
    return configuration["Role"].split("/")[-1]


def inline_policy(cloud: LocalCloud, function_name: str) -> dict[str, Any]:
    """The one inline policy of the function's role, as the template wrote it."""
    iam = cloud.client("iam")
    role = execution_role(cloud, function_name)
    [name] = iam.list_role_policies(RoleName=role)["PolicyNames"]
    document: dict[str, Any] = iam.get_role_policy(RoleName=role, PolicyName=name)[
        "PolicyDocument"]
    return document


def answer(lam: Any, function_name: str, payload: str | dict[str, Any],
           **options: Any) -> tuple[str | None, Any]:
    """Invoke synchronously: (``FunctionError`` or None, the decoded answer). ``payload`` is
    a dict, or JSON text as the lab's event files hold it."""
    text = payload if isinstance(payload, str) else json.dumps(payload)
    response = lam.invoke(FunctionName=function_name, Payload=text, **options)
    return response.get("FunctionError"), decoded(response)
