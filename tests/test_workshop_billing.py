"""The bill a notebook prints is Lambda's: Billed Duration x Memory Size, at AWS's prices.

Source: https://aws.amazon.com/lambda/pricing/ (GB-seconds = memory in GB x billed seconds;
a price per request); the REPORT line's fields:
https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html
"""

from __future__ import annotations

import pytest

from lambdalab.invoke.records import InvocationRecord
from lambdalab.workshop.billing import (
    PRICE_PER_GB_SECOND_USD,
    PRICE_PER_REQUEST_USD,
    reports,
    show_bill,
)
from lambdalab.workshop.evidence import log_blocks


def report(request_id: str, billed: int, memory: int, init: str = "") -> str:
    return (f"REPORT RequestId: {request_id}\tDuration: {billed - 0.5:.2f} ms\t"
            f"Billed Duration: {billed} ms\tMemory Size: {memory} MB\t"
            f"Max Memory Used: 40 MB\t{init}")


class FakeCloud:
    """What the helpers read of a cloud: log lines and invocation records."""

    def __init__(self) -> None:
        self.lines = {"caller": ["START RequestId: c1 Version: $LATEST", "END RequestId: c1",
                                 report("c1", 3001, 128, "Init Duration: 400.00 ms\t")],
                      "invoice": [report(f"i{n}", 1000 + n, 512) for n in range(3)]}
        self.records = [InvocationRecord(name, "$LATEST", line.split()[2], "RequestResponse",
                                         "env", False, 100.0, 101.0, "success")
                        for name, lines in self.lines.items() for line in lines
                        if line.startswith("REPORT")]

    def logs(self, name: str) -> list[str]:
        return self.lines[name]

    def invocations(self, name: str) -> list[InvocationRecord]:
        return [r for r in self.records if r.function == name]


def test_a_report_bills_its_billed_duration_times_its_memory():
    [caller] = reports(FakeCloud(), "caller", ["c1"])
    assert (caller.billed_ms, caller.memory_mb) == (3001, 128)
    assert caller.gb_seconds == pytest.approx(3.001 * 0.125)


def test_the_bill_adds_gb_seconds_and_requests_at_the_quoted_prices(capsys):
    show_bill(FakeCloud(), ["caller", "invoice"], since=99.0)
    rows = capsys.readouterr().out.splitlines()
    gb_seconds = 3.001 * 0.125 + (1.000 + 1.001 + 1.002) * 0.5
    total = gb_seconds * PRICE_PER_GB_SECOND_USD + 4 * PRICE_PER_REQUEST_USD
    assert rows[1].split() == ["caller", "1", "128", "MB", "3001", "ms", "0.3751", "GB-s",
                               f"${3.001 * 0.125 * PRICE_PER_GB_SECOND_USD:.7f}"]
    assert rows[2].split()[:6] == ["invoice", "3", "512", "MB", "3003", "ms"]
    assert rows[3].split() == ["requests", "4", f"${4 * PRICE_PER_REQUEST_USD:.7f}"]
    assert rows[4].split() == ["total", f"{gb_seconds:.4f}", "GB-s", f"${total:.7f}"]
    assert rows[5] == f"a million such batches: ${total * 1e6:.2f} (free tier aside)"
    assert all(len(row) <= 86 for row in rows)


def test_the_invocations_before_since_are_left_out(capsys):
    show_bill(FakeCloud(), ["caller"], since=100.5)
    assert capsys.readouterr().out.splitlines()[1].split()[:2] == ["requests", "0"]


def test_a_retried_events_log_splits_into_one_block_per_attempt():
    lines = ["START RequestId: r Version: $LATEST", "boom", "END RequestId: r",
             report("r", 5, 128), "START RequestId: other Version: $LATEST",
             "START RequestId: r Version: $LATEST", "END RequestId: r", report("r", 6, 128)]
    assert [len(block) for block in log_blocks(lines, "r")] == [4, 3]
