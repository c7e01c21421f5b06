"""A notebook's first code cell can run again: it gives a fresh cloud, with no traceback.

Attendees re-run the first cell whenever something looks wrong; moto keeps one state per
process, so starting a second cloud beside the first would fail. ``start_cloud`` stops the
kernel's previous cloud (also one started by hand) and starts a fresh, empty one, which the
exercise checks then find.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from lambdalab import LocalCloud
from lambdalab.workshop import current_cloud, deploy_function, start_cloud
from lambdalab.workshop.session import is_running, stop_cloud

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_cloud_left() -> Iterator[None]:
    yield
    stop_cloud()


def test_starting_again_stops_the_previous_cloud_and_gives_an_empty_one():
    first = start_cloud()
    deploy_function(first, "hello", "def handler(event, context):\n    return 1\n")
    first.client("lambda").invoke(FunctionName="hello")
    [environment] = first.environment_pids()
    second = start_cloud()
    assert not is_running(first) and is_running(second)
    assert current_cloud() is second
    assert second.client("lambda").list_functions()["Functions"] == []
    assert not psutil.pid_exists(environment), "the first cloud's function process ended"


def test_a_cloud_started_by_hand_in_the_kernel_is_stopped_too():
    by_hand = LocalCloud().start()
    try:
        fresh = start_cloud()
        assert not is_running(by_hand) and is_running(fresh)
    finally:
        by_hand.stop()


def test_no_cloud_is_current_once_it_stopped():
    cloud = start_cloud()
    cloud.stop()
    assert current_cloud() is None
    start_cloud()
    stop_cloud()
    assert current_cloud() is None


def test_the_first_cell_of_notebook_01_runs_twice_without_an_error(capsys):
    cells = json.loads((ROOT / "notebooks" / "01_function_error.ipynb").read_text())["cells"]
    first = "".join(next(c for c in cells if c["cell_type"] == "code")["source"])
    namespace: dict = {}
    exec(first, namespace)  # noqa: S102 - our own notebook's code
    exec(first, namespace)  # noqa: S102
    assert capsys.readouterr().out.splitlines() == [
        "deployed: pitfall1-invoked pitfall1-caller-wrong pitfall1-caller-fixed"] * 2
    assert namespace["cloud"] is current_cloud()


def test_a_kernel_that_exits_stops_its_cloud_and_leaves_no_process(tmp_path):
    """The kernel's end stops the cloud from an atexit callback, when concurrent.futures
    refuses new work: the environments must die all the same, with no traceback."""
    script = tmp_path / "kernel.py"
    script.write_text(
        "from lambdalab.workshop import deploy_function, start_cloud\n"
        "cloud = start_cloud()\n"
        "for name in ('one', 'two', 'three'):\n"
        "    deploy_function(cloud, name, 'def handler(event, context):\\n    return 1\\n')\n"
        "    cloud.client('lambda').invoke(FunctionName=name)\n"
        "print(*cloud.environment_pids(), flush=True)\n")
    ran = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120, check=False)
    assert ran.returncode == 0 and "Traceback" not in ran.stderr, ran.stderr
    pids = [int(pid) for pid in ran.stdout.split()]
    assert len(pids) == 3
    assert not [pid for pid in pids if psutil.pid_exists(pid)
                and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
