"""Small functions the exercise checks deploy into a notebook's cloud."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from lambdalab.packaging import zip_files

ROLE_NAME = "workshop-exercises"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def execution_role_arn(cloud: Any, name: str = ROLE_NAME) -> str:
    """An execution role Lambda may assume, created on first use."""
    iam = cloud.client("iam")
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except ClientError:
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]


def ensure_function(cloud: Any, name: str, source: str, **config: Any) -> None:
    """Create ``name`` from handler source unless it already exists."""
    lam = cloud.client("lambda")
    try:
        lam.get_function(FunctionName=name)
        return
    except ClientError:
        pass
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=execution_role_arn(cloud),
                        Handler="app.handler", Code={"ZipFile": zip_files(source)}, **config)
