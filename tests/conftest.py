"""Shared fixtures: a running local cloud and a quick way to deploy handler source.

Modules marked ``both_runtime_clients`` run every test twice, once with awslambdaric's
native Runtime API client and once with the pure-Python one that macOS uses, so that no
behaviour can differ between Linux and Mac. Their cloud fixtures take ``runtime_client``.

Every test records the verdicts of the checks it runs in a progress file of its own
(``progress_file``), so that no test sees another's, nor the notebooks nbval runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lambdalab import LocalCloud
from lambdalab.invoke.runtime_client_mode import NATIVE, PYTHON, native_available
from lambdalab.packaging import zip_files
from lambdalab.workshop.functions import execution_role_arn

ROLE_NAME = "lambda-test-role"
_tests_run = 0


@pytest.fixture(autouse=True)
def progress_file(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where this test's exercise checks and reveals record (not created until one does)."""
    global _tests_run
    _tests_run += 1
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"progress-{os.getpid()}-{_tests_run}.jsonl"
    monkeypatch.setenv("LAMBDALAB_PROGRESS", str(path))
    return path


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


def runtime_client_modes() -> list[Any]:
    """Both clients where the native one is installed; only the pure-Python one elsewhere."""
    return [pytest.param(NATIVE, marks=pytest.mark.skipif(
                not native_available(),
                reason="awslambdaric's native runtime client builds only on Linux")),
            PYTHON]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if ("runtime_client" in metafunc.fixturenames
            and metafunc.definition.get_closest_marker("both_runtime_clients")):
        metafunc.parametrize("runtime_client", runtime_client_modes(), indirect=True,
                             scope="module")


@pytest.fixture(scope="session")
def full_size(request: pytest.FixtureRequest) -> bool:
    """Whether load tests run at their full size (``--full-size``, ``make test-all``)."""
    return bool(request.config.getoption("full_size"))


@pytest.fixture(scope="module")
def runtime_client(request: pytest.FixtureRequest) -> str | None:
    """The Runtime API client mode of this module's clouds (None: the cloud's default)."""
    return getattr(request, "param", None)


@pytest.fixture(scope="module")
def cloud(runtime_client: str | None) -> Iterator[LocalCloud]:
    with LocalCloud(runtime_client=runtime_client) as running:
        yield running


@pytest.fixture(scope="module")
def deploy(cloud: LocalCloud) -> Deployer:
    return Deployer(cloud)


@pytest.fixture(scope="module")
def lam(cloud: LocalCloud) -> Any:
    return cloud.client("lambda")


def read_json(response: dict[str, Any]) -> Any:
    return json.loads(response["Payload"].read())


def frozen(pid: int) -> bool:
    """Whether the process is frozen as an idle environment is: stopped (SIGSTOP), or in a
    frozen freezer cgroup (where the cloud has cgroups)."""
    import psutil

    from lambdalab.invoke import cgroups

    try:
        return psutil.Process(pid).status() == psutil.STATUS_STOPPED or cgroups.frozen(pid)
    except psutil.Error:
        return False


def wait_until(condition: Callable[[], object], seconds: float, poll: float = 0.05) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` have passed: a deadline, so that a
    loaded machine is given time rather than failed."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(poll)
    return True


# A lab's function as the labs' templates declare it, for test templates to put under
# their ``Resources:``: code from the lab's src/ folder, its execution role beside it.
LAB_FUNCTION_RESOURCES = """\
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub "${AWS::StackName}-fn"
      Runtime: python3.12
      Handler: app.handler
      Code: src/
      Role: !GetAtt Role.Arn
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
"""


def write_lab_folder(folder: Path, template: str, code: str) -> Path:
    """A lab folder as ``deploy_stack`` takes it: ``src/app.py`` beside ``template.yaml``;
    returns the template's path."""
    (folder / "src").mkdir(exist_ok=True)
    (folder / "src" / "app.py").write_text(code)
    (folder / "template.yaml").write_text(template)
    return folder / "template.yaml"


OTHER_USER = "lambdalab-probe"


@pytest.fixture(scope="module")
def other_user() -> Iterator[str]:
    """Another user of the machine (root makes one), to play a neighbour."""
    if os.geteuid() != 0 or not shutil.which("useradd") or not shutil.which("runuser"):
        pytest.skip("needs root, useradd and runuser to act as another user of the machine")
    if not os.path.exists("/proc/self/environ"):
        pytest.skip("needs /proc to check what another user can read")
    created = subprocess.run(["useradd", "--system", "--no-create-home", OTHER_USER],
                             capture_output=True).returncode == 0
    yield OTHER_USER
    if created:
        subprocess.run(["userdel", OTHER_USER], capture_output=True)
