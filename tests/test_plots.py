"""The timeline plot draws what the records say."""

from __future__ import annotations

import matplotlib
import pytest

from lambdalab.invoke.records import InvocationRecord
from lambdalab.plots import (
    STACK_BAND,
    STACK_STEP,
    concurrency_steps,
    invocation_timeline,
    stacked_heights,
)

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
def throttle(start, invocation_type="RequestResponse"):
    return InvocationRecord("f", "$LATEST", f"t{start}", invocation_type, None, False, start,
                            start, "throttled", "ReservedFunctionConcurrentInvocationLimitExceeded")


BURST = [record("a", 10.0, 10.6, cold=True), record("b", 10.0, 10.6, cold=True),
         *[throttle(10.01) for _ in range(8)], record("a", 10.7, 11.3), throttle(11.0)]


def marks(axis, starting):
    return [line for line in axis.lines if line.get_label().startswith(starting)]


def test_a_limit_draws_a_labelled_line_and_stacks_throttles_above_it():
    fig = invocation_timeline(BURST, "burst", limit=2, limit_label="reserved concurrency: 2")
    _, level = fig.axes
    [limit_line] = marks(level, "reserved concurrency: 2")
    assert list(limit_line.get_ydata()) == [2, 2]
    [refused] = marks(level, "throttled (9)")
    assert list(refused.get_xdata()) == pytest.approx([0.01] * 8 + [1.0])
    heights = list(refused.get_ydata())
    assert len(set(heights[:8])) == 8  # eight refusals at once: eight marks, none hidden
    assert min(heights) > 2  # above the limit, where calls would have run
    assert heights[8] == min(heights)  # a lone refusal later starts a new column
    assert [t.get_text() for t in level.get_yticklabels()] == ["0", "1", "2"]


def test_without_a_limit_throttles_stay_below_the_concurrency_line():
    fig = invocation_timeline(BURST)
    [refused] = marks(fig.axes[1], "throttled")
    assert set(refused.get_ydata()) == {-0.3}


def test_queued_refusals_are_marked_apart_from_refusals_the_caller_saw():
    records = [record("a", 0.0, 0.5), throttle(0.1), throttle(0.2, "Event"),
               throttle(0.3, "Event")]
    fig = invocation_timeline(records, limit=1)
    labels = [line.get_label() for line in fig.axes[1].lines if "throttled" in line.get_label()]
    assert labels == ["throttled (1): refused: 429 to the caller",
                      "throttled (2): refused: Lambda queues it again"]


def test_until_fixes_the_time_axis_so_that_runs_compare_at_one_scale():
    fig = invocation_timeline(BURST, limit=2, until=8)
    assert fig.axes[1].get_xlim() == (0, 8)


def test_stacked_heights_shrink_steps_so_a_tall_column_stays_in_its_band():
    heights = stacked_heights([0.0] * 20 + [5.0], base=3, bin_width=0.1)
    assert heights[0] == heights[20] == 3
    assert max(heights) == pytest.approx(3 + STACK_BAND)
    assert stacked_heights([0.0, 0.0], base=1, bin_width=0.1) == [1, 1 + STACK_STEP]
