"""Notebook 05's helpers print what nbval can compare and measure what they claim."""

from __future__ import annotations

from test_notebook_hygiene import sanitized

from lambdalab.invoke.records import InvocationRecord
from lambdalab.workshop import pitfall05


def record(start: float, end: float, outcome: str = "success") -> InvocationRecord:
    return InvocationRecord("f", "$LATEST", f"r{start}", "RequestResponse",
                            None if outcome == "throttled" else "env", False, start, end,
                            outcome)


def test_the_comparison_lines_up_alike_whatever_the_measured_widths(capsys):
    def table(seconds: float, refused: int) -> str:
        pitfall05.comparison([pitfall05.Row("approach a", seconds, refused, 4, "yes"),
                              pitfall05.Row("approach b", 3.0, 0, 0, "no", varies=False)])
        return capsys.readouterr().out

    short, wide = table(2.43, 9), table(12.07, 104)
    assert short != wide
    assert sanitized(short) == sanitized(wide)
    assert "approach b                     no                   3.00 s, 0 refused, 0 lost" \
        in short


def test_the_report_duration_is_read_from_the_report_line():
    log = pitfall05.InvocationLog(0.0, [
        (0.0, "START RequestId: x Version: $LATEST"),
        (2.5, "REPORT RequestId: x\tDuration: 2431.07 ms\tBilled Duration: 2432 ms\t"
              "Memory Size: 128 MB\tMax Memory Used: 50 MB\tInit Duration: 612.40 ms")])
    assert log.seconds == 2.43107
    assert pitfall05.InvocationLog(0.0, []).seconds is None


def test_a_batch_within_two_waves_of_its_slowest_call_is_within_budget():
    parallel = [record(0.0, 0.3), record(0.0, 0.3), record(0.3, 0.6), record(0.3, 0.6)]
    assert pitfall05.span_within_budget(parallel, count=4, at_once=2)
    one_by_one = [record(i * 0.3, i * 0.3 + 0.3) for i in range(20)]
    assert not pitfall05.span_within_budget(one_by_one, count=20, at_once=10)
