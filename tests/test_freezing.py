"""Between invocations an execution environment is frozen, as Lambda freezes it.

"After the function and all extensions have completed, Lambda maintains the execution
environment for some time in anticipation of another function invocation. In effect,
Lambda freezes the execution environment." Background threads and processes a handler
leaves running make no progress until the next invocation thaws the environment, and
are lost with it when it is retired.
Source: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from conftest import frozen, wait_until

pytestmark = pytest.mark.both_runtime_clients

TICKER = """
import os, subprocess, sys, threading, time

TICK = ("import sys, time\\nwhile True:\\n    open(sys.argv[1], 'a').write('.')\\n"
        "    time.sleep(0.02)\\n")

def tick(path):
    while True:
        with open(path, "a") as f:
            f.write(".")
        time.sleep(0.02)

def write_when(go, path):
    while not os.path.exists(go):
        time.sleep(0.01)
    open(path, "w").write("done")

def handler(event, context):
    if "thread" in event:
        threading.Thread(target=tick, args=(event["thread"],), daemon=True).start()
    if "process" in event:
        subprocess.Popen([sys.executable, "-c", TICK, event["process"]])
    if "later" in event:  # write once the test says go: it says so once we are frozen
        threading.Thread(target=write_when, args=(event["when"], event["later"]),
                         daemon=True).start()
    time.sleep(event.get("sleep", 0))
    return "returned"
"""


def ticks(path: Path) -> int:
    return len(path.read_text()) if path.exists() else 0


def status(pid: int) -> str:
    return psutil.Process(pid).status()


def stopped_soon(pid: int) -> bool:
    """The runtime asks for its next event just after answering, then it is frozen (a
    deadline, not a speed: a loaded machine may take a while to get there)."""
    return became(lambda: frozen(pid))


def became(condition: Callable[[], object]) -> bool:
    """``condition`` holds within 15 s, looked at every 10 ms."""
    return wait_until(condition, 15, poll=0.01)


def gone(pid: int) -> bool:
    return not psutil.pid_exists(pid) or status(pid) == psutil.STATUS_ZOMBIE


@pytest.fixture(scope="module")
def ticker(deploy) -> str:
    deploy("ticker", TICKER)
    return "ticker"


def invoke(lam, event: dict) -> str:
    return json.loads(lam.invoke(FunctionName="ticker", Payload=json.dumps(event))["Payload"]
                      .read())


@pytest.mark.parametrize("what", ["thread", "process"])
def test_work_the_handler_left_running_waits_for_the_next_invocation(cloud, lam, ticker,
                                                                     tmp_path, what):
    counter = tmp_path / "ticks"
    assert invoke(lam, {what: str(counter)}) == "returned"
    assert all(stopped_soon(pid) for pid in cloud.environment_pids())
    frozen_at = ticks(counter)
    time.sleep(1.0)
    assert ticks(counter) == frozen_at  # no progress at all while frozen
    assert invoke(lam, {"sleep": 0.5}) == "returned"
    assert all(stopped_soon(pid) for pid in cloud.environment_pids())
    thawed = ticks(counter) - frozen_at
    assert thawed > 0  # it ran during the next invocation (every 20 ms while it could)
    time.sleep(0.5)
    assert ticks(counter) - frozen_at == thawed


def test_an_idle_environment_is_stopped_and_a_busy_one_runs(cloud, lam, ticker):
    invoke(lam, {})
    [pid] = cloud.environment_pids()
    assert stopped_soon(pid)
    busy = threading.Thread(target=invoke, args=(lam, {"sleep": 3}))
    busy.start()
    try:  # thawed while it runs the invocation
        assert became(lambda: not frozen(pid) or not busy.is_alive())
        assert busy.is_alive()
    finally:
        busy.join()
    assert stopped_soon(pid)


def test_pending_work_is_lost_when_the_environment_is_retired(cloud, lam, ticker, tmp_path):
    done, go = tmp_path / "done", tmp_path / "go"
    invoke(lam, {"later": str(done), "when": str(go)})  # a thread that waits for "go"
    pids = cloud.environment_pids()
    assert all(stopped_soon(pid) for pid in pids)
    go.touch()
    time.sleep(1.0)
    assert not done.exists()  # frozen
    lam.update_function_configuration(FunctionName="ticker", Description="retire it")
    assert became(lambda: all(gone(pid) for pid in pids))
    time.sleep(1.0)
    assert not done.exists()  # killed with its environment, never run
