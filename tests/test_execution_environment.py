"""The execution environment as Lambda bounds it: memory, processes, /tmp, the code folder.

Facts, from AWS's documentation: a function that uses more than its ``MemorySize`` is
stopped and the invocation fails with ``Runtime.OutOfMemory`` (REPORT's Max Memory Used is
the whole size; docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html); /tmp is
the environment's own, ``EphemeralStorage`` MB, 512 by default (configuration-ephemeral-
storage.html); the code is in a read-only file system (runtimes-context.html: "the
function's code ... /var/task ... read-only"); at most 1,024 processes and threads per
environment (gettingstarted-limits.html: "Processes/threads 1,024").

Every test runs on both Runtime API clients. What needs the OS's means (cgroups, a mount
namespace: Linux as root) is skipped where they are missing; the memory limit is also
tested without them, as a Mac runs it (tests/test_execution_environment_mac_like.py).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import psutil
import pytest

from conftest import Deployer
from lambdalab.invoke import cgroups, confinement

pytestmark = pytest.mark.both_runtime_clients

PROBE = """
import errno, os, threading, time

def handler(event, context):
    kind = event["kind"]
    if kind == "allocate":
        block = bytearray(event["mb"] * 1024 * 1024)
        return len(block) // (1024 * 1024)
    if kind == "fill_tmp":
        written = 0
        try:
            with open("/tmp/fill", "wb") as out:
                for _ in range(event["mb"]):
                    out.write(b"x" * 1024 * 1024)
                    out.flush()
                    written += 1
        except OSError as error:
            return {"written_mb": written, "errno": error.errno}
        finally:
            if os.path.exists("/tmp/fill"):
                os.remove("/tmp/fill")
        return {"written_mb": written, "errno": None}
    if kind == "mark_tmp":
        with open("/tmp/mark-" + context.function_name, "w") as out:
            out.write("here")
        return sorted(name for name in os.listdir("/tmp") if name.startswith("mark-"))
    if kind == "write_code":
        try:
            with open("written.txt", "w") as out:
                out.write("x")
        except OSError as error:
            return [error.errno, error.strerror]
        return None
    if kind == "task_root":
        return os.environ["LAMBDA_TASK_ROOT"]
    if kind == "threads":
        started, error, gate = 0, None, threading.Event()
        try:
            for _ in range(1100):  # each waits until all are started
                threading.Thread(target=gate.wait, daemon=True).start()
                started += 1
        except RuntimeError as refused:
            error = str(refused)
        gate.set()
        return [started, error]
    if kind == "fork_bomb":
        children = []
        try:
            while True:
                pid = os.fork()
                if pid == 0:
                    time.sleep(120)
                    os._exit(0)
                children.append(pid)
        except OSError as error:
            return {"children": children, "errno": error.errno}
"""

isolated = pytest.mark.skipif(
    not cgroups.available() or not confinement.private_mounts_available(),
    reason="cgroups and mount namespaces: Linux, as root")


def running(pid: int) -> bool:
    """Whether a process with this id runs (a zombie, or one reaped meanwhile, does not)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def invoke(lam: Any, name: str, **event: Any) -> tuple[Any, dict[str, Any]]:
    answer = lam.invoke(FunctionName=name, Payload=json.dumps(event), LogType="Tail")
    return json.loads(answer["Payload"].read()), answer


@pytest.fixture(scope="module")
def probe(deploy: Deployer) -> str:
    deploy("probe", PROBE, MemorySize=128, Timeout=30)
    return "probe"


def test_a_handler_over_its_memory_size_ends_in_runtime_out_of_memory(lam, probe):
    answer, response = invoke(lam, probe, kind="allocate", mb=400)
    assert response["FunctionError"] == "Unhandled"
    assert answer["errorType"] == "Runtime.OutOfMemory"
    assert answer["errorMessage"] == (f"RequestId: {response['ResponseMetadata']['RequestId']} "
                                      "Error: Runtime exited with error: signal: killed")
    tail = base64.b64decode(response["LogResult"]).decode()
    assert f"{answer['errorMessage']}\nRuntime.OutOfMemory" in tail
    report = next(line for line in tail.splitlines() if line.startswith("REPORT"))
    assert "Memory Size: 128 MB\tMax Memory Used: 128 MB" in report
    assert "Status: error\tError Type: Runtime.OutOfMemory" in report
    # the environment is gone; the next invocation starts a new one, which works
    assert invoke(lam, probe, kind="allocate", mb=40)[0] == 40


def test_memory_within_the_size_is_no_error(lam, probe):
    for _ in range(3):  # a warm environment, three times
        assert invoke(lam, probe, kind="allocate", mb=64)[0] == 64


@isolated
def test_tmp_is_the_environments_own(lam, deploy, probe):
    deploy("probe-other", PROBE, Timeout=30)
    assert invoke(lam, probe, kind="mark_tmp")[0] == ["mark-probe"]
    assert invoke(lam, "probe-other", kind="mark_tmp")[0] == ["mark-probe-other"]
    assert not Path("/tmp/mark-probe").exists()  # nor is it in the machine's /tmp
    assert invoke(lam, probe, kind="mark_tmp")[0] == ["mark-probe"]  # warm: still there
    lam.update_function_configuration(FunctionName=probe, Description="new environments")
    assert invoke(lam, probe, kind="mark_tmp")[0] == ["mark-probe"]  # a new, empty /tmp


@isolated
def test_tmp_holds_its_ephemeral_storage_and_no_more(lam, deploy):
    deploy("small-tmp", PROBE, Timeout=60)  # 512 MB: the default
    deploy("large-tmp", PROBE, Timeout=60, EphemeralStorage={"Size": 1024})
    assert invoke(lam, "small-tmp", kind="fill_tmp", mb=600)[0] == {
        "written_mb": 512, "errno": 28}  # ENOSPC: "No space left on device"
    assert invoke(lam, "large-tmp", kind="fill_tmp", mb=600)[0] == {
        "written_mb": 600, "errno": None}


def test_each_function_has_a_code_folder_of_its_own(lam, deploy):
    deploy("same-zip-a", PROBE)
    deploy("same-zip-b", PROBE)
    roots = {invoke(lam, name, kind="task_root")[0] for name in ("same-zip-a", "same-zip-b")}
    assert len(roots) == 2


@isolated
def test_the_code_folder_is_read_only(lam, probe):
    assert invoke(lam, probe, kind="write_code")[0] == [30, "Read-only file system"]


@isolated
def test_at_most_1024_processes_and_threads(lam, probe):
    started, error = invoke(lam, probe, kind="threads")[0]
    assert error == "can't start new thread"
    assert 1000 <= started < 1024  # the runtime's own threads count too


@isolated
def test_a_fork_bomb_ends_in_its_own_environment(cloud, lam, deploy):
    deploy("bomb", PROBE, Timeout=60, MemorySize=4096)  # at 128 MB its copies run out first
    deploy("bystander", PROBE)
    answer = invoke(lam, "bomb", kind="fork_bomb")[0]
    assert answer["errno"] == 11  # EAGAIN: the environment's limit, not the machine's
    assert 1000 <= len(answer["children"]) < 1024
    assert invoke(lam, "bystander", kind="allocate", mb=1)[0] == 1  # the cloud serves on
    lam.delete_function(FunctionName="bomb")
    assert [pid for pid in answer["children"] if running(pid)] == []


CLOUD_IN_TMP = """
import json, sys
sys.path.insert(0, "tests")
from conftest import Deployer
from lambdalab import LocalCloud
from test_execution_environment import PROBE

with LocalCloud() as cloud:
    Deployer(cloud)("probe", PROBE)
    lam = cloud.client("lambda")
    answers = [json.loads(lam.invoke(FunctionName="probe", Payload=json.dumps(event))[
        "Payload"].read()) for event in ({"kind": "mark_tmp"}, {"kind": "write_code"},
                                          {"kind": "allocate", "mb": 1})]
    print(json.dumps({"workdir": str(cloud._workdir), "answers": answers}))
"""


@isolated
def test_a_cloud_whose_working_folder_is_in_tmp_still_runs_its_code(tmp_path):
    """The default on a machine (TMPDIR unset): the code folder is under /tmp, which the
    environment's own /tmp hides, so it is mounted again, read-only, at the same path."""
    import os
    import subprocess
    import sys

    environment = {key: value for key, value in os.environ.items() if key != "TMPDIR"}
    ran = subprocess.run([sys.executable, "-c", CLOUD_IN_TMP], capture_output=True,
                         text=True, env=environment, timeout=120,
                         cwd=Path(__file__).resolve().parent.parent)
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout.splitlines()[-1])
    assert result["workdir"].startswith("/tmp/")
    assert result["answers"] == [["mark-probe"], [30, "Read-only file system"], 1]
