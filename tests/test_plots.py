"""The timeline plot draws what the records say."""

from __future__ import annotations

import matplotlib
import pytest

from lambdalab.invoke.records import InvocationRecord
from lambdalab.plots import concurrency_steps, invocation_timeline

matplotlib.use("Agg")


def record(env, start, end, outcome="success", cold=False):
    return InvocationRecord("f", "$LATEST", f"r{start}", "RequestResponse", env, cold, start, end,
                            outcome)


RECORDS = [record("a", 10.0, 11.0, cold=True), record("b", 10.5, 12.0, "error", cold=True),
           record(None, 10.6, 10.6, "throttled"), record("a", 11.5, 12.5)]


def test_concurrency_steps_count_running_invocations_and_ignore_throttles():
    times, levels = concurrency_steps(RECORDS)
    assert list(zip(times, levels, strict=True)) == [
        (0.0, 0), (0.0, 1), (0.5, 2), (1.0, 1), (1.5, 2), (2.0, 1), (2.5, 0)]


def test_timeline_draws_one_row_per_environment_and_marks_throttles():
    fig = invocation_timeline(RECORDS, title="demo")
    gantt, level = fig.axes
    assert [t.get_text() for t in gantt.get_yticklabels()] == ["env 1", "env 2"]
    assert len(gantt.patches) == 3  # one bar per invocation that ran
    throttle_line = [line for line in level.lines if line.get_label().startswith("throttled")]
    assert throttle_line and list(throttle_line[0].get_xdata()) == pytest.approx([0.6])
