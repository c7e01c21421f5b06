"""Shared fixtures: a running local cloud and a quick way to deploy handler source."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from lambdalab import LocalCloud
from lambdalab.packaging import zip_files
from lambdalab.workshop.functions import execution_role_arn

ROLE_NAME = "lambda-test-role"


class Deployer:
    """Creates functions from inline source in a cloud, with an execution role."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        self.lam = cloud.client("lambda")
        self.role_arn = execution_role_arn(cloud, ROLE_NAME)

    def __call__(self, name: str, source: str | dict[str, str], handler: str = "app.handler",
                 **config: Any) -> dict[str, Any]:
        config.setdefault("Timeout", 10)
        return self.lam.create_function(
            FunctionName=name, Runtime="python3.11", Role=self.role_arn, Handler=handler,
            Code={"ZipFile": zip_files(source)}, **config)


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
