"""The cloud's memory stays bounded: idle environments go, and what it keeps is capped.

Lambda shuts down environments that stay idle ("Lambda ... terminates the execution
environment ... after a period of inactivity":
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-shutdown).
The caps on warm environments, records and log lines are the local cloud's own, for a
laptop; README's "differences" section lists them.
"""

from __future__ import annotations

import json
import threading
import time

import psutil
import pytest
from moto.logs.models import LogEvent

from conftest import Deployer, wait_until
from lambdalab import LocalCloud
from lambdalab.invoke import logs
from lambdalab.invoke.pool import IDLE_TIMEOUT_S

SLEEPER = "import time\ndef handler(event, context):\n    time.sleep(event.get('sleep', 0))\n" \
          "    print('working')\n"


GATED = ("import os, time\ndef handler(event, context):\n"
         "    while not os.path.exists(event['gate']):\n        time.sleep(0.01)\n")


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_an_idle_environment_is_shut_down_after_the_idle_timeout():
    # 300 s of Lambda's clock at time_scale 0.01: 3 s
    with LocalCloud(time_scale=0.01) as cloud:
        timeout = cloud.clock.real_seconds(IDLE_TIMEOUT_S)
        Deployer(cloud)("f", SLEEPER)
        lam = cloud.client("lambda")
        lam.invoke(FunctionName="f")
        [pid] = cloud.environment_pids()
        time.sleep(0.3)
        sent = time.monotonic()
        lam.invoke(FunctionName="f")  # still warm, and the idle clock starts again
        assert cloud.environment_pids() == [pid]
        assert wait_until(lambda: not cloud.environment_pids(), timeout + 30)
        assert time.monotonic() - sent >= timeout  # not before its idle time was up
        assert wait_until(lambda: not alive(pid), 30)  # the pool let it go; it is ending
        lam.invoke(FunctionName="f")
        assert [r.cold for r in cloud.invocations("f")] == [True, False, True]


def test_at_most_max_warm_environments_stay_warm_the_longest_idle_goes_first():
    with LocalCloud(max_warm_environments=2) as cloud:
        deploy = Deployer(cloud)
        lam = cloud.client("lambda")
        for name in ("a", "b", "c"):
            deploy(name, SLEEPER)
        pids = {}
        for name in ("a", "b", "c"):
            lam.invoke(FunctionName=name)
            pids[name] = (set(cloud.environment_pids()) - set(pids.values())).pop()
        assert set(cloud.environment_pids()) == {pids["b"], pids["c"]}
        assert not alive(pids["a"])


def test_busy_environments_are_never_evicted(tmp_path):
    gate = tmp_path / "open"  # the handlers run until the test opens it
    with LocalCloud(max_warm_environments=0) as cloud:
        Deployer(cloud)("f", GATED)
        lam = cloud.client("lambda")
        results = []
        payload = json.dumps({"gate": str(gate)}).encode()
        calls = [threading.Thread(target=lambda: results.append(
            lam.invoke(FunctionName="f", Payload=payload))) for _ in range(3)]
        for call in calls:
            call.start()
        assert wait_until(lambda: len(cloud.environment_pids()) == 3, 60)
        gate.touch()  # all three ran at once, and none was evicted meanwhile
        for call in calls:
            call.join()
        assert [r["StatusCode"] for r in results] == [200, 200, 200]
        assert not any("FunctionError" in r for r in results)
        assert cloud.environment_pids() == []  # none kept warm


def test_invocation_records_keep_the_newest_records_limit():
    with LocalCloud(records_limit=3) as cloud:
        Deployer(cloud)("f", SLEEPER)
        lam = cloud.client("lambda")
        ids = [lam.invoke(FunctionName="f")["ResponseMetadata"]["RequestId"] for _ in range(5)]
        assert [r.request_id for r in cloud.invocations("f")] == ids[2:]


def test_log_lines_are_kept_once_and_only_the_newest(monkeypatch):
    monkeypatch.setattr(logs, "GROUP_EVENTS_LIMIT", 10)
    with LocalCloud() as cloud:
        Deployer(cloud)("f", SLEEPER)
        lam = cloud.client("lambda")
        ids = [lam.invoke(FunctionName="f")["ResponseMetadata"]["RequestId"] for _ in range(6)]
        lines = cloud.logs("f")
        assert len(lines) == 10  # 4 lines an invocation: START, the print, END, REPORT
        assert lines[-1].startswith(f"REPORT RequestId: {ids[-1]}")
        assert not any(ids[0] in line for line in lines)
        assert len(LogEvent.instances_tracked) == 0  # not kept a second time by moto
    assert isinstance(LogEvent.instances_tracked, list)  # moto's own list is back


@pytest.mark.parametrize("option", [{"idle_timeout": 0}, {"max_warm_environments": -1},
                                    {"records_limit": 0}])
def test_bad_bounds_are_refused(option):
    with pytest.raises(ValueError):
        LocalCloud(**option)
