"""Functions the notebooks and exercise checks deploy into a notebook's cloud."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from lambdalab.packaging import zip_files, zip_folder
from lambdalab.workshop.labs import lab_path

ROLE_NAME = "workshop-exercises"
RUNTIME = "python3.12"  # the labs' runtime; the local cloud runs every python3.x on .venv's Python
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


SANDBOX_POLICY = "anything-in-the-local-cloud"


def execution_role_arn(cloud: Any, name: str = ROLE_NAME) -> str:
    """An execution role Lambda may assume, created on first use, that may do anything in
    the notebook's cloud: the notebooks' and checks' own functions are sandbox code (the
    labs' templates grant each function exactly what it needs instead)."""
    iam = cloud.client("iam")
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except ClientError:
        pass
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    grant_sandbox(cloud, name)
    return arn


def grant_sandbox(cloud: Any, role: str) -> None:
    """Let ``role`` do anything in the local cloud (the notebooks' own roles)."""
    cloud.client("iam").put_role_policy(
        RoleName=role, PolicyName=SANDBOX_POLICY, PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "*", "Resource": "*"}]}))


def allow_invoke(cloud: Any, caller: str, callee: str) -> None:
    """Let ``caller``'s execution role invoke ``callee`` as well, in a policy of its own:
    a lab's role names only the functions its template calls."""
    lam = cloud.client("lambda")
    role = lam.get_function_configuration(FunctionName=caller)["Role"].rsplit("/", 1)[-1]
    callee_arn = lam.get_function_configuration(FunctionName=callee)["FunctionArn"]
    cloud.client("iam").put_role_policy(
        RoleName=role, PolicyName=f"invoke-{callee}", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": callee_arn}]}))


def function_exists(cloud: Any, name: str) -> bool:
    try:
        cloud.client("lambda").get_function(FunctionName=name)
    except ClientError:
        return False
    return True


def ensure_function(cloud: Any, name: str, source: str, **config: Any) -> None:
    """Create ``name`` from handler source unless it already exists."""
    if function_exists(cloud, name):
        return
    cloud.client("lambda").create_function(
        FunctionName=name, Runtime=RUNTIME, Role=execution_role_arn(cloud),
        Handler="app.handler", Code={"ZipFile": zip_files(source)}, **config)


def ensure_lab_function(cloud: Any, name: str, lab: str, folder: str, handler: str, *,
                        environment: dict[str, str] | None = None, timeout: int = 3,
                        memory: int | None = None) -> None:
    """Deploy ``labs/<lab>/<folder>`` as ``name`` unless it already exists: the checks
    call the lab's own code, deployed once per cloud."""
    if not function_exists(cloud, name):
        put_function(cloud, name, zip_folder(lab_path(lab, folder)), handler,
                     environment=environment, timeout=timeout, memory=memory)


def put_function(cloud: Any, name: str, package: bytes, handler: str, *,
                 environment: dict[str, str] | None = None, timeout: int = 3,
                 memory: int | None = None) -> None:
    """Create ``name`` from a zip package, or replace its code and configuration.

    Either way its warm environments are retired, so the next invoke runs the new code.
    ``memory`` (MB) is left to Lambda's default unless given.
    """
    lam = cloud.client("lambda")
    config: dict[str, Any] = {"Handler": handler, "Timeout": timeout,
                              "Environment": {"Variables": dict(environment or {})}}
    if memory is not None:
        config["MemorySize"] = memory
    try:
        lam.get_function(FunctionName=name)
    except ClientError:
        lam.create_function(FunctionName=name, Runtime=RUNTIME, Role=execution_role_arn(cloud),
                            Code={"ZipFile": package}, **config)
        return
    lam.update_function_code(FunctionName=name, ZipFile=package)
    lam.update_function_configuration(FunctionName=name, **config)


def deploy_function(cloud: Any, name: str, source: str, *, timeout: int = 3) -> str:
    """Create or replace a one-file function (``app.handler``) from its source text."""
    put_function(cloud, name, zip_files(source), "app.handler", timeout=timeout)
    return name
