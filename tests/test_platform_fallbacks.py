"""What the cloud reads from Linux alone has a fallback that works on macOS.

Only one thing is Linux-only: the peak memory of an environment (REPORT's ``Max Memory
Used``) comes from ``/proc/<pid>/status``. Everything else the cloud does with processes
(process groups, ``killpg``, the pipe that ends environments with their cloud, passing a
file descriptor to a child) is POSIX and behaves alike on macOS; the process tests run
it. The Runtime API client has its own tests (``test_runtime_client.py``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lambdalab.invoke.environment import peak_memory_mb

HOLD_60_MB = ("import sys, time\nblock = bytearray(60 * 1024 * 1024)\n"
              "sys.stdout.write('ready\\n'); sys.stdout.flush(); time.sleep(30)\n")


@pytest.fixture
def process_holding_60_mb():
    child = subprocess.Popen([sys.executable, "-c", HOLD_60_MB], stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout.readline() == "ready\n"
        yield child.pid
    finally:
        child.kill()
        child.wait()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="no /proc on this system")
def test_peak_memory_is_read_from_proc_on_linux(process_holding_60_mb):
    assert 60 <= peak_memory_mb(process_holding_60_mb) < 200


def test_without_proc_peak_memory_falls_back_to_resident_memory(process_holding_60_mb,
                                                                tmp_path):
    assert 60 <= peak_memory_mb(process_holding_60_mb, proc=tmp_path / "no-proc") < 200


def test_peak_memory_of_a_process_that_is_gone_is_zero(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert peak_memory_mb(child.pid, proc=tmp_path / "no-proc") == 0
