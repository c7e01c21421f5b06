"""Shared fixtures: a running local cloud and a quick way to deploy handler source."""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from lambdalab import LocalCloud

ROLE_NAME = "lambda-test-role"
TRUST_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})


def zip_source(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            archive.writestr(name, textwrap.dedent(source))
    return buffer.getvalue()


class Deployer:
    """Creates functions from inline source in a cloud, with an execution role."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        self.lam = cloud.client("lambda")
        self.role_arn = cloud.client("iam").create_role(
            RoleName=ROLE_NAME, AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]

    def __call__(self, name: str, source: str | dict[str, str], handler: str = "app.handler",
                 **config: Any) -> dict[str, Any]:
        files = {"app.py": source} if isinstance(source, str) else source
        config.setdefault("Timeout", 10)
        return self.lam.create_function(
            FunctionName=name, Runtime="python3.11", Role=self.role_arn, Handler=handler,
            Code={"ZipFile": zip_source(files)}, **config)


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud() as running:
        yield running


@pytest.fixture(scope="module")
def deploy(cloud: LocalCloud) -> Deployer:
    return Deployer(cloud)


@pytest.fixture(scope="module")
def lam(cloud: LocalCloud) -> Any:
    return cloud.client("lambda")


def read_json(response: dict[str, Any]) -> Any:
    return json.loads(response["Payload"].read())
