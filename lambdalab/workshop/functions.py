"""Small functions the exercise checks deploy into a notebook's cloud."""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from typing import Any

from botocore.exceptions import ClientError

ROLE_NAME = "workshop-exercises"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def zip_source(source: str, filename: str = "app.py") -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(filename, textwrap.dedent(source))
    return archive.getvalue()


def ensure_function(cloud: Any, name: str, source: str, **config: Any) -> None:
    """Create ``name`` from handler source unless it already exists."""
    lam = cloud.client("lambda")
    try:
        lam.get_function(FunctionName=name)
        return
    except ClientError:
        pass
    iam = cloud.client("iam")
    try:
        role_arn = iam.get_role(RoleName=ROLE_NAME)["Role"]["Arn"]
    except ClientError:
        role_arn = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=TRUST)[
            "Role"]["Arn"]
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role_arn,
                        Handler="app.handler", Code={"ZipFile": zip_source(source)}, **config)
