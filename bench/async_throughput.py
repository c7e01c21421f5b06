"""Asynchronous invocation throughput and the cost of a throttle decision.

    .venv/bin/python bench/async_throughput.py [--quick] [--json out.json]

For lambdalab, at reserved concurrency 1, 5 and 50:

* accepted/s  Event invokes answered 202, sent from 8 client threads;
* drained/s   events run to their end, from the first accept until the queue is empty.
  Lambda's clock runs 1000x fast (time_scale=0.001). A throttled event still backs off
  (1 ms to 300 ms here), as Lambda's queue does, so at low reserved concurrency the drain
  rate shows that schedule as much as the cloud's own speed.

Then the latency of a throttle decision: sequential synchronous invokes of a function
with reserved concurrency 0 (each answered 429 at once), beside warm successful invokes.

MiniStack runs side by side where it supports the same calls: Event invokes (accepted/s)
and reserved-concurrency throttling. Its drain rate is not measured: it offers no way to
know when its internal queue is empty short of instrumenting the handler.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from common import ROLE_ARN, ensure_iam_role, percentile, zip_handler  # noqa: E402
from invoke_latency import (  # noqa: E402
    LambdaLabTarget,
    MiniStackTarget,
    Target,
    TargetUnavailable,
    wait_until_active,
)

CLIENT_THREADS = 8
LEVELS = (1, 5, 50)
TIME_SCALE = 0.001  # throttle backoff 1 s..5 min becomes 1..300 ms


class FastClockLambdaLab(LambdaLabTarget):
    """lambdalab with Lambda's own schedule 1000x fast."""

    def start(self) -> None:
        try:
            from lambdalab import LocalCloud
        except Exception as exc:
            raise TargetUnavailable(f"{type(exc).__name__}: {exc}") from exc
        self._cloud = LocalCloud(time_scale=TIME_SCALE).start()

    def wait_drained(self, timeout: float) -> None:
        self._cloud.wait_for_async(timeout)


@dataclass
class LevelResult:
    reserved: int
    events: int
    accepted_per_s: float
    drained_per_s: float | None


@dataclass
class TargetResult:
    target: str
    status: str = "ok"
    reason: str = ""
    levels: list[LevelResult] = field(default_factory=list)
    throttle_p50_ms: float | None = None
    throttle_p95_ms: float | None = None
    warm_p50_ms: float | None = None


def create(target: Target, name: str, reserved: int | None) -> None:
    ensure_iam_role(target.endpoint_url)
    client = target.client()
    client.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE_ARN,
                           Handler="app.handler", Code={"ZipFile": zip_handler()}, Timeout=30)
    wait_until_active(client, name)
    if reserved is not None:
        client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)


def send_events(target: Target, name: str, count: int) -> float:
    """Send ``count`` Event invokes from 8 threads; returns the seconds it took."""
    clients = [target.client() for _ in range(CLIENT_THREADS)]

    def send(i: int) -> None:
        response = clients[i % CLIENT_THREADS].invoke(
            FunctionName=name, InvocationType="Event", Payload=json.dumps({"i": i}).encode())
        if response["StatusCode"] != 202:
            raise RuntimeError(f"Event invoke answered {response['StatusCode']}")

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        list(pool.map(send, range(count)))
    return time.perf_counter() - started


def throttle_latency(target: Target, samples: int) -> tuple[float, float, float]:
    """p50 and p95 of a 429 answer, and p50 of a warm success, in ms."""
    create(target, "throttled", 0)
    create(target, "warm", None)
    client = target.client()
    client.invoke(FunctionName="warm")
    throttled, warm = [], []
    for _ in range(samples):
        started = time.perf_counter()
        try:
            client.invoke(FunctionName="throttled")
            raise RuntimeError("reserved concurrency 0 did not throttle")
        except client.exceptions.TooManyRequestsException:
            throttled.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        client.invoke(FunctionName="warm")
        warm.append((time.perf_counter() - started) * 1000)
    return percentile(throttled, 50), percentile(throttled, 95), percentile(warm, 50)


def measure(target: Target, events: int, samples: int) -> TargetResult:
    result = TargetResult(target.name)
    try:
        target.start()
    except TargetUnavailable as exc:
        return TargetResult(target.name, "skipped", str(exc))
    try:
        for reserved in LEVELS:
            name = f"async-rc{reserved}"
            create(target, name, reserved)
            started = time.perf_counter()
            accepted_s = send_events(target, name, events)
            drained = None
            if isinstance(target, FastClockLambdaLab):
                target.wait_drained(600)
                drained = events / (time.perf_counter() - started)
            result.levels.append(LevelResult(reserved, events, events / accepted_s, drained))
        (result.throttle_p50_ms, result.throttle_p95_ms,
         result.warm_p50_ms) = throttle_latency(target, samples)
    except Exception as exc:  # report and go on to the next target
        result.status, result.reason = "failed", f"{type(exc).__name__}: {exc}"
    finally:
        target.stop()
    return result


def fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def report(results: list[TargetResult]) -> None:
    print(f"\nasync throughput ({CLIENT_THREADS} client threads; "
          f"lambdalab time_scale={TIME_SCALE})")
    print(f"{'target':10} {'reserved':>8} {'events':>6} {'accepted/s':>10} {'drained/s':>9}")
    for r in results:
        if r.status != "ok":
            print(f"{r.target:10} {r.status}: {r.reason}")
            continue
        for level in r.levels:
            print(f"{r.target:10} {level.reserved:>8} {level.events:>6} "
                  f"{fmt(level.accepted_per_s):>10} {fmt(level.drained_per_s):>9}")
    print("\nthrottle decision (sync invoke, reserved concurrency 0), ms")
    print(f"{'target':10} {'429 p50':>8} {'429 p95':>8} {'warm 200 p50':>12}")
    for r in results:
        if r.status == "ok":
            print(f"{r.target:10} {fmt(r.throttle_p50_ms, 2):>8} {fmt(r.throttle_p95_ms, 2):>8} "
                  f"{fmt(r.warm_p50_ms, 2):>12}")
    ours = next((r for r in results if r.target == "lambdalab" and r.status == "ok"), None)
    theirs = next((r for r in results if r.target == "MiniStack" and r.status == "ok"), None)
    if ours and theirs:
        print("\nlambdalab vs MiniStack (above 1: lambdalab is faster)")
        for mine, other in zip(ours.levels, theirs.levels, strict=True):
            print(f"  accepted/s at reserved {mine.reserved}: "
                  f"{mine.accepted_per_s / other.accepted_per_s:.2f}x")
        print(f"  throttle p50: {theirs.throttle_p50_ms / ours.throttle_p50_ms:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 events, 50 samples")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--ministack-venv", type=Path, default=None,
                        help="install MiniStack here and keep it for the next run")
    args = parser.parse_args()
    events, samples = (200, 50) if args.quick else (1000, 200)
    results = [measure(FastClockLambdaLab(), events, samples),
               measure(MiniStackTarget(args.ministack_venv), events, samples)]
    report(results)
    leftovers = psutil.Process().children(recursive=True)
    print(f"\nchild processes left: {len(leftovers)}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    sys.exit(main())
