"""What Lambda bills, read from REPORT lines, and what that costs at AWS's prices.

Lambda bills each invocation's ``Billed Duration`` (rounded up to the millisecond, a cold
start's init included) times its ``Memory Size``, in GB-seconds, plus a price per request
(https://aws.amazon.com/lambda/pricing/).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lambdalab.translation import translate

# AWS Lambda's on-demand prices in ap-northeast-1, Asia Pacific (Tokyo), x86, first duration
# tier: AWS's price list usage types APN1-Lambda-GB-Second (USD 0.0000166667 per GB-second)
# and APN1-Request (USD 0.0000002 per request, 0.20 per million), effective 2026-07-01, as
# quoted from AWS's Price List API on 2026-07-20 in a public cost estimate; the same rates
# are AWS's published first-tier x86 prices on https://aws.amazon.com/lambda/pricing/ (US
# regions) and in https://aws.amazon.com/about-aws/whats-new/2022/08/aws-lambda-tiered-pricing/.
# Read with the workshop's search of stored pages on 2026-11-29.
PRICE_PER_GB_SECOND_USD = 0.0000166667
PRICE_PER_REQUEST_USD = 0.0000002


@dataclass(frozen=True)
class BillingReport:
    """The billing fields of one REPORT line."""

    request_id: str
    billed_ms: int
    memory_mb: int

    @property
    def gb_seconds(self) -> float:
        return self.billed_ms / 1000 * self.memory_mb / 1024


REPORT_FIELDS = re.compile(r"^REPORT RequestId: (?P<id>\S+).*?\bBilled Duration: (?P<billed>\d+) ms"
                           r".*?\bMemory Size: (?P<memory>\d+) MB")


def report_value(line: str, field: str, unit: str = "ms") -> float:
    """The number a REPORT line gives for ``field`` (``Duration``, ``Memory Size`` in
    ``MB``...); its fields are separated by tabs. ValueError when the line has none."""
    found = re.search(rf"(?:^|\t){re.escape(field)}: ([\d.]+) {unit}", line)
    if found is None:
        raise ValueError(f"no {field} in the REPORT line {line!r}")
    return float(found[1])


def reports(cloud: Any, function_name: str, request_ids: Iterable[str]) -> list[BillingReport]:
    """The REPORT fields of the function's invocations with these request ids."""
    wanted = set(request_ids)
    found = []
    for line in cloud.logs(function_name):
        match = REPORT_FIELDS.match(line)
        if match and match["id"] in wanted:
            found.append(BillingReport(match["id"], int(match["billed"]), int(match["memory"])))
    return found


def request_ids_since(cloud: Any, function_name: str, since: float) -> list[str]:
    """Request ids of the function's invocations that started at or after ``since``
    (``time.time()``)."""
    return [r.request_id for r in cloud.invocations(function_name)
            if r.start >= since and r.outcome != "throttled"]


def show_bill(cloud: Any, function_names: Sequence[str], since: float) -> None:
    """Print what Lambda bills for the functions' invocations since ``since``
    (``time.time()``), at Tokyo's prices."""
    print(f"{'function':26}{'runs':>5}{'memory':>8}{'billed':>11}{'GB-seconds':>15}"
          f"{'USD':>13}")
    total_gbs = 0.0
    requests = 0
    for name in function_names:
        found = reports(cloud, name, request_ids_since(cloud, name, since))
        if not found:
            continue
        billed = sum(r.billed_ms for r in found)
        gbs = sum(r.gb_seconds for r in found)
        memory = "/".join(sorted({str(r.memory_mb) for r in found}))
        total_gbs += gbs
        requests += len(found)
        print(f"{name:26}{len(found):>5}{memory + ' MB':>8}{billed:>8} ms{gbs:>10.4f} GB-s"
              f"{'$' + format(gbs * PRICE_PER_GB_SECOND_USD, '.7f'):>13}")
    request_cost = requests * PRICE_PER_REQUEST_USD
    total = total_gbs * PRICE_PER_GB_SECOND_USD + request_cost
    print(f"{'requests':26}{requests:>5}{'':>34}{'$' + format(request_cost, '.7f'):>13}")
    print(f"{'total':26}{'':>5}{'':>19}{total_gbs:>10.4f} GB-s{'$' + format(total, '.7f'):>13}")
    print(translate(f"a million such batches: ${total * 1_000_000:.2f} (free tier aside)"))


def duration_seconds(cloud: Any, function_name: str, request_id: str) -> float:
    """The ``Duration`` of one invocation's REPORT line, in seconds (the line is written
    just after the answer: this waits for it)."""
    deadline = time.monotonic() + 5
    while True:
        for line in cloud.logs(function_name):
            if line.startswith(f"REPORT RequestId: {request_id}"):
                return report_value(line, "Duration") / 1000
        if time.monotonic() > deadline:
            raise RuntimeError(f"no REPORT line for {request_id}")
        time.sleep(0.02)
