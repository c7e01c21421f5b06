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


def test_several_functions_get_named_rows_and_a_cold_start_shows_its_init():
    caller = InvocationRecord("pitfall4-caller", "$LATEST", "c", "RequestResponse", "a", True,
                              10.0, 14.0, "timeout", handler_start=11.0)
    invoice = [InvocationRecord("pitfall4-invoice", "$LATEST", f"i{n}", "RequestResponse", "b",
                                False, 11.1 + n, 12.0 + n, "success") for n in range(3)]
    fig = invocation_timeline([caller, *invoice], names={"pitfall4-caller": "order service"})
    gantt, _ = fig.axes
    assert [t.get_text() for t in gantt.get_yticklabels()] == [
        "order service env 1", "pitfall4-invoice env 1"]
    assert caller.init_s == pytest.approx(1.0)
    assert len(gantt.patches) == 5  # the caller's init and handler parts, three invoices


def test_the_attempts_of_a_retried_event_are_numbered():
    attempts = [InvocationRecord("f", "$LATEST", "same", "Event", "a", False, 10.0 + n,
                                 10.5 + n, "error", attempt=n + 1) for n in range(3)]
    fig = invocation_timeline([*attempts, record("a", 20.0, 20.5)])
    gantt, _ = fig.axes
    assert [t.get_text() for t in gantt.texts] == ["attempt 1", "attempt 2", "attempt 3"]
