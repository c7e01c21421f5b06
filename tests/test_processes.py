"""No process outlives the cloud that started it; every socket is on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import boto3
import psutil
import pytest
from botocore.config import Config

from conftest import frozen, wait_until
from lambdalab import LocalCloud
from lambdalab.invoke import cgroups
from lambdalab.packaging import zip_files
from lambdalab.workshop.functions import execution_role_arn

HANDLER = "import time\ndef handler(event, context):\n    time.sleep(event.get('sleep', 0))\n"

CLOUD_SCRIPT = textwrap.dedent("""
    import json, sys, threading
    sys.path.insert(0, "tests")
    from conftest import Deployer
    from lambdalab import LocalCloud

    cloud = LocalCloud().start()
    deploy = Deployer(cloud)
    deploy("a", {handler!r})
    deploy("b", {handler!r})
    lam = cloud.client("lambda")
    lam.invoke(FunctionName="a")
    threading.Thread(target=lambda: lam.invoke(FunctionName="b", Payload=b'{{"sleep": 60}}'),
                     daemon=True).start()
    import time
    while not (cloud.concurrency_in_use("b") and len(cloud.environment_pids()) == 2):
        time.sleep(0.05)  # until b runs (a loaded machine takes its time)
    print(json.dumps(cloud.environment_pids()), flush=True)
    time.sleep(600)
""").format(handler=HANDLER)


def cgroups_of(cloud_pid: int) -> list[Path]:
    """The cgroup folders a cloud made (none where the OS gives it none)."""
    mounts, own = cgroups.mount_points(), cgroups.own_paths()
    return [folder for controller in cgroups.CONTROLLERS
            if controller in mounts and controller in own
            for folder in (mounts[controller] / own[controller].lstrip("/")).glob(
                f"{cgroups.PREFIX}{cloud_pid}-*")]


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def became_stopped(pid: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while not frozen(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def wait_gone(pids: list[int], seconds: float = 30) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if not gone(pid)]
        if not alive:
            return []
        time.sleep(0.1)
    return alive


def test_stop_ends_every_environment_including_busy_ones():
    with LocalCloud() as cloud:
        lam = cloud.client("lambda", config=Config(read_timeout=2, retries={"max_attempts": 0}))
        role_arn = execution_role_arn(cloud)
        lam.create_function(FunctionName="f", Runtime="python3.11", Role=role_arn,
                            Handler="app.handler", Timeout=60,
                            Code={"ZipFile": zip_files(HANDLER)})
        lam.invoke(FunctionName="f")
        pids = cloud.environment_pids()
        assert len(pids) == 1
        made = len(cgroups.CONTROLLERS) if cloud.isolation["cgroups"] else 0
        assert len(cgroups_of(os.getpid())) == made
    assert wait_gone(pids) == []
    assert cgroups_of(os.getpid()) == []  # the cloud's cgroups, and its environments', are gone


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_environments_die_when_the_process_that_started_the_cloud_is_killed(how):
    parent = subprocess.Popen([sys.executable, "-c", CLOUD_SCRIPT], stdout=subprocess.PIPE,
                              cwd=os.path.dirname(os.path.dirname(__file__)))
    try:
        pids = json.loads(parent.stdout.readline())
        assert len(pids) == 2  # one idle, one busy
        assert all(not gone(pid) for pid in pids)
        assert became_stopped(pids[0])  # idle: frozen
        descendants = [p.pid for p in psutil.Process(parent.pid).children(recursive=True)]
        assert len(descendants) == 4  # both environments, the guardian and the template
        parent.send_signal(how)
        parent.wait(timeout=10)
        assert wait_gone(descendants) == []
        # the dead cloud could not clean up its working folder and its cgroups: its
        # guardian does, without waiting for another cloud
        assert wait_until(lambda: not list(Path(tempfile.gettempdir()).glob(
            f"lambdalab-{parent.pid}-*")) and not cgroups_of(parent.pid), 30)
    finally:
        parent.kill()
        parent.wait()


def test_every_listening_socket_of_the_cloud_is_on_loopback():
    with LocalCloud() as cloud:
        role_arn = execution_role_arn(cloud)
        cloud.client("lambda").create_function(
            FunctionName="f", Runtime="python3.11", Role=role_arn,
            Handler="app.handler", Code={"ZipFile": zip_files(HANDLER)})
        cloud.client("lambda").invoke(FunctionName="f")
        listening = [c for c in psutil.Process().net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN]
        assert len(listening) >= 2  # the cloud, and the environment's Runtime API
        assert {c.laddr.ip for c in listening} == {"127.0.0.1"}


def test_serve_runs_the_cloud_for_any_client_and_stops_cleanly_on_sigterm():
    serve = subprocess.Popen([sys.executable, "-m", "lambdalab", "serve", "--port", "0",
                              "--runtime-client", "python"],
                             stdout=subprocess.PIPE, text=True)
    try:
        first_line = serve.stdout.readline()
        endpoint = first_line.split("listening on ")[1].split()[0]
        assert endpoint.startswith("http://127.0.0.1:")
        exports = dict(part.split("=", 1) for line in [serve.stdout.readline() for _ in range(3)]
                       if "AWS_ACCESS_KEY_ID" in line for part in line.split()[1:])
        session = boto3.Session(aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
                                aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
                                region_name="ap-northeast-1")
        iam = session.client("iam", endpoint_url=endpoint)
        lam = session.client("lambda", endpoint_url=endpoint)
        role_arn = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lam.create_function(
            FunctionName="raiser", Runtime="python3.11", Role=role_arn,
            Handler="app.handler", Code={"ZipFile": zip_files(
                "def handler(event, context):\n    raise ValueError('boom')\n")})
        response = lam.invoke(FunctionName="raiser")
        assert response["StatusCode"] == 200
        assert response["FunctionError"] == "Unhandled"
        error = json.loads(response["Payload"].read())
        assert (error["errorType"], error["errorMessage"]) == ("ValueError", "boom")
        assert error["requestId"] and error["stackTrace"]
        children = [p.pid for p in psutil.Process(serve.pid).children(recursive=True)]
        assert children
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=15) == 0
        assert "stopped" in serve.stdout.read()
        assert wait_gone(children) == []
    finally:
        serve.kill()
        serve.wait()


DAEMON = textwrap.dedent("""
    import os, time
    def handler(event, context):
        if os.fork() == 0:          # a classic daemon: fork, new session, fork again
            os.setsid()
            if os.fork() == 0:
                open(event["pidfile"], "w").write(str(os.getpid()))
                time.sleep(600)
            os._exit(0)
        os.wait()
        while not (os.path.exists(event["pidfile"]) and open(event["pidfile"]).read()):
            time.sleep(0.01)  # written before the environment (daemon included) is frozen
        return "daemon started"
""")


def described(pid: int) -> str:
    """What a process that should be gone is, for the failure message."""
    try:
        process = psutil.Process(pid)
        parent = process.parent()
        return (f"{pid} {process.status()} started {process.create_time()} "
                f"{process.cmdline()[-3:]}, parent {parent and parent.pid} "
                f"{parent and parent.cmdline()[-3:]}")
    except psutil.Error as error:
        return f"{pid}: {error}"


def started_daemon(pidfile: Path) -> int:
    deadline = time.monotonic() + 10
    while not (pidfile.exists() and pidfile.read_text()):
        assert time.monotonic() < deadline, "the daemon never started"
        time.sleep(0.05)
    pid = int(pidfile.read_text())
    assert not gone(pid)
    return pid


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="macOS has no subreaper: a daemon outlives its environment there")
def test_a_daemon_the_handler_started_in_its_own_session_dies_with_the_cloud(tmp_path):
    with LocalCloud() as cloud:
        lam = cloud.client("lambda")
        lam.create_function(FunctionName="d", Runtime="python3.12",
                            Role=execution_role_arn(cloud), Handler="app.handler",
                            Code={"ZipFile": zip_files(DAEMON)})
        lam.invoke(FunctionName="d", Payload=json.dumps({"pidfile": str(tmp_path / "pid")}))
        daemon = started_daemon(tmp_path / "pid")
        [env] = cloud.environment_pids()
        assert os.getsid(daemon) != os.getsid(env)  # it left the environment's session
    assert wait_gone([daemon]) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="macOS has no subreaper: a daemon outlives its environment there")
def test_a_daemon_dies_when_its_environment_ends_by_itself(tmp_path):
    """An environment that ends on its own (here its handler exits the process; also the
    runtime loop losing a cloud that died before freezing it) kills what it adopted first:
    once it is gone, its daemons would belong to init, out of the cloud's reach."""
    with LocalCloud() as cloud:
        lam = cloud.client("lambda")
        lam.create_function(FunctionName="e", Runtime="python3.12",
                            Role=execution_role_arn(cloud), Handler="app.handler",
                            Code={"ZipFile": zip_files(DAEMON_THEN_EXIT)})
        answer = lam.invoke(FunctionName="e",
                            Payload=json.dumps({"pidfile": str(tmp_path / "pid")}))
        assert json.loads(answer["Payload"].read())["errorType"] == "Runtime.ExitError"
        daemon = int((tmp_path / "pid").read_text())  # written before the handler exited
        assert wait_gone([daemon]) == [], described(daemon)


DAEMON_THEN_EXIT = DAEMON.replace("import os, time", "import os, sys, time").replace(
    '    return "daemon started"', '    sys.exit(0)')


DAEMON_CLOUD_SCRIPT = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, "tests")
    from conftest import Deployer
    from lambdalab import LocalCloud

    cloud = LocalCloud().start()
    Deployer(cloud)("d", {daemon!r})
    cloud.client("lambda").invoke(FunctionName="d", Payload=json.dumps({{"pidfile": sys.argv[1]}}))
    print("ready", flush=True)
    import time; time.sleep(600)
""").format(daemon=DAEMON)


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="macOS has no subreaper: a daemon outlives its environment there")
def test_a_daemon_dies_even_when_the_process_that_started_the_cloud_is_killed(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", DAEMON_CLOUD_SCRIPT, str(tmp_path / "pid")],
                              stdout=subprocess.PIPE, text=True,
                              cwd=os.path.dirname(os.path.dirname(__file__)))
    try:
        assert parent.stdout.readline() == "ready\n"
        daemon = started_daemon(tmp_path / "pid")
        parent.kill()
        parent.wait(timeout=10)
        assert wait_gone([daemon]) == [], described(daemon)
    finally:
        parent.kill()
        parent.wait()


def test_a_recycled_process_id_is_never_killed_for_an_environment():
    """An environment's id can be given to another process once the environment is gone
    (pid_max is 32,768 on many Linux machines): the guardian kills by id and start time."""
    from lambdalab.invoke.guardian import guard
    from lambdalab.invoke.process_tree import start_time

    stranger = subprocess.Popen(["sleep", "60"], start_new_session=True)
    ours = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        other_start = start_time(stranger.pid) - 1  # as if the id had belonged to another
        guard([f"+{stranger.pid} {other_start!r}\n".encode(),
               f"+{ours.pid} {start_time(ours.pid)!r}\n".encode()])
        assert ours.wait(timeout=10) == -signal.SIGKILL
        assert stranger.poll() is None  # not ours: left alone
    finally:
        stranger.kill()
        ours.kill()
        stranger.wait()
        ours.wait()
