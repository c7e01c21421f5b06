"""Ten attendees on one host (a JupyterHub VM), each kernel with its own cloud, at once: no
port clash, no cross-talk. Each cloud listens on a free port of its own, holds only its
attendee's functions and answers only its attendee's credentials; every process ends with
its kernel."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import boto3
import psutil
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

ATTENDEES = 10
STARTING_AT_ONCE = 3  # attendees arrive over a minute, not in one instant: the suite's other
# tests share the cores, and a kernel's start is CPU-bound (all ten do run at once)
KERNEL = """
import json, pathlib, sys, time
from lambdalab.workshop import deploy_function, start_cloud

me, folder = sys.argv[1], pathlib.Path(sys.argv[2])
cloud = start_cloud()
deploy_function(cloud, f"hello-{me}", f"def handler(event, context):\\n    return {me!r}\\n")
answer = cloud.client("lambda").invoke(FunctionName=f"hello-{me}")["Payload"].read().decode()
functions = [f["FunctionName"] for f in cloud.client("lambda").list_functions()["Functions"]]
(folder / f"{me}.json").write_text(json.dumps({
    "endpoint": cloud.endpoint_url, "region": cloud.region, "answer": answer,
    "functions": functions, "pids": cloud.environment_pids(),
    "key": cloud.credentials.access_key_id, "secret": cloud.credentials.secret_access_key}))
deadline = time.monotonic() + 300
while not (folder / "done").exists() and time.monotonic() < deadline:
    time.sleep(0.1)  # every cloud stays up until the test has looked at all of them
"""


def client(seen: dict, credentials_of: dict) -> object:
    return boto3.client("lambda", endpoint_url=seen["endpoint"], region_name=seen["region"],
                        aws_access_key_id=credentials_of["key"],
                        aws_secret_access_key=credentials_of["secret"],
                        config=Config(retries={"max_attempts": 0}))


@pytest.mark.slow
def test_ten_attendees_at_once_each_with_a_cloud_of_their_own(tmp_path):
    kernels: list[subprocess.Popen[str]] = []
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and all(k.poll() is None for k in kernels):
            ready = len(list(tmp_path.glob("a*.json")))
            if ready == ATTENDEES:
                break
            if len(kernels) < min(ATTENDEES, ready + STARTING_AT_ONCE):
                kernels.append(subprocess.Popen(
                    [sys.executable, "-c", KERNEL, f"a{len(kernels):02d}", str(tmp_path)],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
            time.sleep(0.1)
        failed = [k.communicate()[1][-2000:] for k in kernels if k.poll() not in (None, 0)]
        assert not failed, failed
        seen = {path.stem: json.loads(path.read_text()) for path in tmp_path.glob("a*.json")}
        assert len(seen) == ATTENDEES
        ports = {s["endpoint"] for s in seen.values()}
        assert len(ports) == ATTENDEES, "each cloud listens on a port of its own"
        assert all(s["endpoint"].startswith("http://127.0.0.1:") for s in seen.values())
        for me, mine in seen.items():
            assert mine["answer"] == json.dumps(me)
            assert mine["functions"] == [f"hello-{me}"], "each sees only its own functions"
        names = sorted(seen)
        for me, neighbour in zip(names, names[1:] + names[:1], strict=True):
            with pytest.raises(ClientError) as refused:
                client(seen[neighbour], seen[me]).list_functions()
            assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
            assert [f["FunctionName"] for f in client(seen[me], seen[me]).list_functions()[
                "Functions"]] == [f"hello-{me}"]
    finally:
        (tmp_path / "done").touch()
        for kernel in kernels:
            try:
                kernel.wait(timeout=60)
            except subprocess.TimeoutExpired:
                kernel.kill()
                kernel.wait()
    assert [k.returncode for k in kernels] == [0] * ATTENDEES, "every kernel started and ended"
    pids = [pid for path in tmp_path.glob("a*.json") for pid in json.loads(
        path.read_text())["pids"]]
    assert not left_running(pids, deadline=time.monotonic() + 30), \
        "every function process ended with its kernel"


def left_running(pids: list[int], deadline: float) -> list[int]:
    """The processes of ``pids`` still running (zombies aside) once all ended or at
    ``deadline``."""
    while True:
        running = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    running.append(pid)
            except psutil.NoSuchProcess:
                continue
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.1)
