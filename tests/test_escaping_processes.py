"""Processes a handler starts cannot escape their environment: frozen with it, reaped when
they end, killed with it, whatever they do to leave it.

Lambda freezes the whole environment between invocations and discards all of it (the
execution environment lifecycle,
docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html).
Here a freezer cgroup holds every process of an environment (Linux as root), so a daemon in a
session of its own, or one that keeps forking and letting its parent exit ("hopping"), is
frozen and killed like the rest. Without cgroups (Linux as a user) the environment adopts
its orphans, and the hopping process still dies with it; it is not frozen (README).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from conftest import Deployer, wait_until
from lambdalab import LocalCloud
from lambdalab.invoke import cgroups

isolated = pytest.mark.skipif(not cgroups.available(),
                              reason="a freezer cgroup per environment: Linux, as root")
ISOLATION = [pytest.param(True, id="cgroups", marks=isolated),
             pytest.param(False, id="subreaper", marks=pytest.mark.skipif(
                 not sys.platform.startswith("linux"), reason="a subreaper: Linux"))]

# started by the handler in a session of its own: it writes its pid to the file given, and
# as a "daemon" sleeps on; to "hop", it forks and the parent exits, forever
HELPER = textwrap.dedent("""
    import os, sys, time
    mode, record = sys.argv[1], sys.argv[2]  # started in a session of its own
    while True:
        with open(record, "a") as out:
            out.write(f"{os.getpid()}\\n")
        if mode == "hop":
            if os.fork():
                os._exit(0)
        time.sleep(0.02)
""")
HANDLER = textwrap.dedent("""
    import os, subprocess, sys, time

    def handler(event, context):
        helper = os.path.join(os.path.dirname(__file__), "helper.py")
        subprocess.Popen([sys.executable, helper, event["mode"], event["record"]],
                         start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (
                os.path.exists(event["record"]) and os.path.getsize(event["record"]) > 0):
            time.sleep(0.01)  # the helper has written its pid before the environment is frozen
        if event.get("orphans"):
            for _ in range(event["orphans"]):  # each leaves a child that ends at once
                if os.fork() == 0:
                    if os.fork() == 0:
                        os._exit(0)
                    os._exit(0)
                os.wait()
        return "started"
""")


def records(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def grows(path: Path, seconds: float = 0.5) -> bool:
    before = len(records(path))
    time.sleep(seconds)
    return len(records(path)) > before


def ended(record: Path) -> bool:
    """The recorded processes are over: none alive, and no new one for half a second (a
    hop between two records has its last recorded process gone for a moment)."""
    return not grows(record, 0.5) and not any(alive(pid) for pid in records(record))


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def start(cloud: LocalCloud, record: Path, mode: str, **event: object) -> None:
    Deployer(cloud)("escaper", {"app.py": HANDLER, "helper.py": HELPER}, Timeout=30)
    answer = cloud.client("lambda").invoke(FunctionName="escaper", Payload=json.dumps(
        {"mode": mode, "record": str(record), **event}))
    assert answer["Payload"].read() == b'"started"'
    assert wait_until(lambda: records(record), 15)


@isolated
@pytest.mark.parametrize("mode", ["daemon", "hop"])
def test_a_process_in_a_session_of_its_own_is_frozen_with_its_environment(tmp_path, mode):
    record = tmp_path / "pids"
    with LocalCloud() as cloud:
        start(cloud, record, mode)
        assert wait_until(lambda: not grows(record), 15)  # frozen once the handler returned
        assert not grows(record, 1.0)


@pytest.mark.parametrize("isolate", ISOLATION)
@pytest.mark.parametrize("ending", ["retired", "stopped"])
def test_a_hopping_process_dies_with_its_environment(tmp_path, ending, isolate):
    """With cgroups, each kill round freezes the cgroup; without, the environment adopts
    the orphans (a subreaper) and its descendants are stopped sweep after sweep before the
    kill."""
    record = tmp_path / "pids"
    with LocalCloud(isolate_environments=isolate) as cloud:
        start(cloud, record, "hop")
        lam = cloud.client("lambda")
        lam.invoke(FunctionName="escaper", Payload=json.dumps(  # thawed while this runs
            {"mode": "daemon", "record": str(tmp_path / "other")}))
        if ending == "retired":
            lam.update_function_configuration(FunctionName="escaper", Description="new")
            assert wait_until(lambda: ended(record), 15)
    assert not grows(record, 1.0)
    assert not any(alive(pid) for pid in records(record) + records(tmp_path / "other"))


@isolated
def test_orphans_that_end_are_reaped(tmp_path):
    with LocalCloud() as cloud:
        start(cloud, tmp_path / "pids", "daemon", orphans=50)
        owners = set(cloud.environment_pids()) | {
            p.pid for p in psutil.Process().children() if "runtime.template" in " ".join(
                p.cmdline())}

        def zombies() -> list[int]:
            return [p.pid for p in psutil.process_iter(["status", "ppid"])
                    if p.info["status"] == psutil.STATUS_ZOMBIE and p.info["ppid"] in owners]

        assert wait_until(lambda: not zombies(), 15), zombies()


CLOUD_THEN_KILLED = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, "tests")
    from pathlib import Path
    from lambdalab import LocalCloud
    from test_escaping_processes import start

    cloud = LocalCloud().start()
    start(cloud, Path(sys.argv[1]), "hop")
    print("hopping", flush=True)
    import time
    time.sleep(600)
""")


@isolated
def test_a_hopping_process_dies_when_the_clouds_owner_is_killed(tmp_path):
    record = tmp_path / "pids"
    owner = subprocess.Popen([sys.executable, "-c", CLOUD_THEN_KILLED, str(record)],
                             stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parent.parent)
    try:
        assert owner.stdout.readline().strip() == "hopping"
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=10)
        assert wait_until(lambda: ended(record), 30)  # its guardian ends it
        assert not grows(record, 1.0)
    finally:
        owner.kill()
        owner.wait()
        for pid in records(record):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


# A subreaper (as an environment is) that starts, in a session of its own, a process hopping
# as fast as it can: fork, parent exits, again, with no pause at all.
SUBREAPER_WITH_HOPPER = textwrap.dedent("""
    import ctypes, subprocess, sys, time
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    HOP = '''
    import os, sys
    while True:
        with open(sys.argv[1], "a") as out:
            out.write(f"{os.getpid()}\\\\n")
        if os.fork():
            os._exit(0)
    '''
    subprocess.Popen([sys.executable, "-c", HOP, sys.argv[1]], start_new_session=True)
    print("started", flush=True)
    time.sleep(600)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a subreaper: Linux")
def test_a_process_hopping_without_pause_dies_with_its_tree(tmp_path):
    """Each sweep reads the process table once and stops every process found together with
    its whole process group, so a process that forks faster than a sweep runs is caught."""
    from lambdalab.invoke.process_tree import kill_environment, start_time

    for attempt in range(3):
        record = tmp_path / f"pids{attempt}"
        leader = subprocess.Popen([sys.executable, "-c", SUBREAPER_WITH_HOPPER, str(record)],
                                  stdout=subprocess.PIPE, text=True, start_new_session=True)
        try:
            assert leader.stdout.readline() == "started\n"
            assert wait_until(lambda path=record: len(records(path)) > 50, 15)  # hopping by now
            kill_environment(leader.pid, start_time(leader.pid))
            assert leader.wait(timeout=10) == -signal.SIGKILL
            assert not grows(record, 0.5)
            assert not any(alive(pid) for pid in records(record))
        finally:
            leader.kill()
            leader.wait()
            for pid in records(record):
                if alive(pid):
                    os.killpg(os.getpgid(pid), signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc: Linux")
def test_the_process_table_reads_a_command_name_holding_a_parenthesis():
    """``/proc/PID/stat`` puts the command name in parentheses; a name may hold ``) 1 2``."""
    from lambdalab.invoke.process_tree import process_table

    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys, time
        open("/proc/self/comm", "w").write("x) S 1 1 1")
        print("named", flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True, process_group=0)
    try:
        assert child.stdout.readline() == "named\n"
        assert process_table()[child.pid] == (os.getpid(), child.pid)
    finally:
        child.kill()
        child.wait()
