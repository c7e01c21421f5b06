"""Invoke latency of one tiny Python handler on three local Lambda targets.

    .venv/bin/python bench/invoke_latency.py [--quick] [--json out.json]

Targets, measured one after the other so they never compete for the CPU:

* ``moto floor``  moto's Docker-free Lambda backend (runs nothing, answers
  with canned text): the cost of boto3 + HTTP + routing, i.e. the floor.
* ``MiniStack``   the ``ministack`` emulator, installed into a throwaway venv
  and run as a loopback-only subprocess.
* ``lambdalab``   this repository's ``LocalCloud``.

Per target: cold start (first invoke after create_function), warm p50/p95 of
sequential invokes, throughput with 8 client threads, and the RSS of the
processes that run handlers.

Then (``vpc`` in ``--targets``) the cost of reachability decisions: warm p50 of a
function in a VPC that calls Lambda through an interface endpoint, beside a function
outside any VPC doing the same call, as a ratio (``vpc_overhead.py``). See
bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil
from common import (
    FIXED_CREDENTIALS,
    REGION,
    ErrorLog,
    MiniStackRun,
    MotoFloorServer,
    TargetUnavailable,
    add_run_options,
    create_function,
    ensure_iam_role,
    environment_info,
    fmt,
    import_local_cloud,
    log,
    make_client,
    percentile,
    rss_mb,
    run_together,
    stop_on_sigterm,
    table,
    target_names,
    wait_until_active,
    zip_handler,
)
from vpc_overhead import measure as measure_vpc_overhead
from vpc_overhead import render as render_vpc_overhead

FUNCTION_NAME = "bench-echo"
PARALLEL_THREADS = 8
GOAL_FLOOR_RATIO = 1.5  # ours warm p50 / moto floor warm p50 <= this
GOAL_MINISTACK_RATIO = 5.0  # MiniStack warm p50 / ours warm p50 >= this
GOAL_COLD_MS = 200.0  # ours cold start < this


# --------------------------------------------------------------------------
# Targets: one small class each, same start/create/client/stop surface
# --------------------------------------------------------------------------


class Target(ABC):
    """A local Lambda endpoint the benchmark can drive with plain boto3."""

    name: str = ""
    executes_handler: bool = True
    # Word printed when start() raises TargetUnavailable.
    unavailable_status: str = "skipped"

    @property
    @abstractmethod
    def endpoint_url(self) -> str: ...

    @abstractmethod
    def start(self) -> None:
        """Bring the endpoint up; raise TargetUnavailable to skip this target."""

    @abstractmethod
    def stop(self) -> None:
        """Stop everything start() started; safe to call after a failed start."""

    def client(self) -> Any:
        """A fresh Lambda client (its own session, so one per thread is safe)."""
        return make_client(self.endpoint_url, "lambda")

    def create(self, zip_bytes: bytes) -> None:
        """Create the benchmark function and wait until it may be invoked."""
        ensure_iam_role(self.endpoint_url)
        client = self.client()
        create_function(client, FUNCTION_NAME, zip_bytes)
        wait_until_active(client, FUNCTION_NAME)

    def worker_processes(self) -> list[psutil.Process]:
        """Processes that hold warm execution environments (none by default)."""
        return []


class ServerTarget(Target):
    """A target that is one server object: its start, stop and endpoint are the target's."""

    def __init__(self, server: MotoFloorServer | MiniStackRun) -> None:
        self._server = server

    @property
    def endpoint_url(self) -> str:
        return self._server.endpoint_url

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()


class MotoFloorTarget(ServerTarget):
    """moto with use_docker=False, in-process: invoke executes nothing."""

    name = "moto floor"
    executes_handler = False

    def __init__(self) -> None:
        super().__init__(MotoFloorServer())


class MiniStackTarget(ServerTarget):
    """MiniStack in its own venv and process group, bound to 127.0.0.1."""

    name = "MiniStack"

    def __init__(self, venv_dir: Path | None) -> None:
        self._ministack = MiniStackRun(venv_dir, "ministack-run-")
        super().__init__(self._ministack)

    def worker_processes(self) -> list[psutil.Process]:
        return self._ministack.worker_processes()


class LambdaLabTarget(Target):
    """This repository's LocalCloud, imported only when this target runs.

    Clients come from the shared ``make_client`` rather than ``cloud.client`` so
    that every target is driven with exactly the same botocore Config.
    """

    name = "lambdalab"
    unavailable_status = "unavailable"

    def __init__(self) -> None:
        self._cloud: Any = None

    @property
    def endpoint_url(self) -> str:
        return str(self._cloud.endpoint_url)

    def start(self) -> None:
        local_cloud = import_local_cloud()
        cloud = local_cloud(region=REGION, **FIXED_CREDENTIALS)
        cloud.__enter__()
        self._cloud = cloud

    def stop(self) -> None:
        if self._cloud is not None:
            cloud, self._cloud = self._cloud, None
            cloud.__exit__(None, None, None)

    def worker_processes(self) -> list[psutil.Process]:
        # lambdalab runs each execution environment in a child of this process.
        return psutil.Process().children(recursive=True)


# --------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------


@dataclass
class Result:
    """Everything measured for one target; None where a figure does not apply."""

    target: str
    status: str = "ok"  # ok | skipped | unavailable | failed
    reason: str = ""
    executes_handler: bool = True
    start_s: float | None = None
    create_ms: float | None = None
    cold_ms: float | None = None
    warm_n: int = 0
    warm_p50_ms: float | None = None
    warm_p95_ms: float | None = None
    warm_mean_ms: float | None = None
    warm_max_ms: float | None = None
    parallel_threads: int = PARALLEL_THREADS
    parallel_total: int = 0
    throughput_ips: float | None = None
    errors: int = 0
    first_error: str = ""
    envs_after_warm: int | None = None
    envs_after_parallel: int | None = None
    env_rss_mb: list[float] = field(default_factory=list)


def invoke_once(client: Any, event: dict[str, Any], executes_handler: bool) -> tuple[float, str]:
    """Time one invoke including reading the payload; return (ms, error or '')."""
    body = json.dumps(event).encode()
    started = time.perf_counter()
    try:
        resp = client.invoke(FunctionName=FUNCTION_NAME, Payload=body)
        payload = resp["Payload"].read()
    except Exception as exc:  # a failed call is a data point, not a crash
        return (time.perf_counter() - started) * 1000, f"{type(exc).__name__}: {exc}"
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, check_response(resp, payload, event, executes_handler)


def check_response(resp: dict[str, Any], payload: bytes, event: dict[str, Any],
                   executes_handler: bool) -> str:
    """'' when the invoke really succeeded: errors must not pass as fast invokes."""
    if resp.get("StatusCode") != 200:
        return f"StatusCode {resp.get('StatusCode')}"
    if resp.get("FunctionError"):
        return f"FunctionError {resp['FunctionError']}: {payload[:200]!r}"
    if not executes_handler:
        return ""
    try:
        decoded = json.loads(payload)
    except ValueError:
        return f"payload is not JSON: {payload[:200]!r}"
    if decoded != {"ok": True, "echo": event}:
        return f"unexpected payload: {payload[:200]!r}"
    return ""


def measure_sequential(target: Target, count: int, errors: ErrorLog) -> list[float]:
    """Warm latency: invokes one after another on a single client."""
    client = target.client()
    times = []
    for i in range(count):
        ms, error = invoke_once(client, {"seq": i}, target.executes_handler)
        times.append(ms)
        if error:
            errors.add(error)
    return times


def measure_parallel(target: Target, threads: int, total: int, errors: ErrorLog) -> float:
    """Invokes per second for a fixed total spread over threads, one client each.

    Each thread makes one untimed invoke first so connection set-up (and any
    scale-out to more environments) is not what the figure measures.
    """
    clients = [target.client() for _ in range(threads)]
    shares = [total // threads + (1 if i < total % threads else 0) for i in range(threads)]

    def invoke(index: int, event: dict[str, Any]) -> None:
        _, error = invoke_once(clients[index], event, target.executes_handler)
        if error:
            errors.add(error)

    def warm_up(index: int) -> None:
        invoke(index, {"warmup": index})

    def work(index: int) -> None:
        for i in range(shares[index]):
            invoke(index, {"t": index, "i": i})

    _, _, seconds = run_together(threads, warm_up, work, timeout=300)
    return total / seconds


def run_target(target: Target, warm_n: int, parallel_total: int) -> Result:
    """Start, measure, always stop; a target that cannot start is reported as skipped."""
    result = Result(target=target.name, executes_handler=target.executes_handler)
    errors = ErrorLog()
    log(f"[{target.name}] starting")
    started = time.perf_counter()
    try:
        try:
            target.start()
        except TargetUnavailable as exc:
            result.status, result.reason = target.unavailable_status, str(exc)
            return result
        result.start_s = time.perf_counter() - started
        measure_into(result, target, warm_n, parallel_total, errors)
    except Exception as exc:  # report and carry on with the next target
        result.status, result.reason = "failed", f"{type(exc).__name__}: {exc}"
    finally:
        log(f"[{target.name}] stopping")
        target.stop()
    result.errors, result.first_error = errors.count, errors.first
    return result


def measure_into(result: Result, target: Target, warm_n: int, parallel_total: int,
                 errors: ErrorLog) -> None:
    """The measurement phases, in the order that keeps each one meaningful."""
    began = time.perf_counter()
    target.create(zip_handler())
    result.create_ms = (time.perf_counter() - began) * 1000

    log(f"[{target.name}] cold start")
    cold_ms, error = invoke_once(target.client(), {"cold": True}, target.executes_handler)
    if error:
        raise RuntimeError(f"first invoke failed: {error}")
    result.cold_ms = cold_ms

    log(f"[{target.name}] {warm_n} sequential invokes")
    warm = measure_sequential(target, warm_n, errors)
    result.warm_n = len(warm)
    result.warm_p50_ms = percentile(warm, 50)
    result.warm_p95_ms = percentile(warm, 95)
    result.warm_mean_ms = sum(warm) / len(warm)
    result.warm_max_ms = max(warm)
    result.envs_after_warm = len(target.worker_processes())

    log(f"[{target.name}] {parallel_total} invokes on {PARALLEL_THREADS} threads")
    result.parallel_total = parallel_total
    result.throughput_ips = measure_parallel(target, PARALLEL_THREADS, parallel_total, errors)
    procs = target.worker_processes()
    result.envs_after_parallel = len(procs)
    result.env_rss_mb = [round(mb, 1) for mb in rss_mb(procs)]


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def render_table(results: list[Result]) -> str:
    """Plain-text table, one row per target, then the reason for any skipped one."""
    header = ("target", "cold ms", "warm p50", "warm p95", "inv/s x8", "envs", "MB/env", "errors")
    rows = [header]
    for r in results:
        if r.status != "ok":
            rows.append((r.target, r.status, "", "", "", "", "", ""))
            continue
        envs = "-" if not r.executes_handler else str(r.envs_after_parallel)
        rows.append((
            r.target, fmt(r.cold_ms, 1), fmt(r.warm_p50_ms, 2), fmt(r.warm_p95_ms, 2),
            fmt(r.throughput_ips, 0), envs, fmt(mean(r.env_rss_mb), 1), str(r.errors),
        ))
    lines = table(rows)
    for r in results:
        if r.status != "ok":
            lines.append(f"{r.target}: {r.status} ({r.reason})")
        elif r.first_error:
            lines.append(f"{r.target}: first error: {r.first_error}")
    return "\n".join(lines)


def goals(results: list[Result]) -> list[dict[str, Any]]:
    """The three targets for lambdalab, each with its value and whether it is met."""
    by_name = {r.target: r for r in results if r.status == "ok"}
    floor, ministack, ours = (by_name.get(n) for n in ("moto floor", "MiniStack", "lambdalab"))

    def ratio(a: Result | None, b: Result | None) -> float | None:
        if a is None or b is None or not a.warm_p50_ms or not b.warm_p50_ms:
            return None
        return a.warm_p50_ms / b.warm_p50_ms

    checks = [
        ("ours warm p50 / moto floor warm p50", ratio(ours, floor), "x",
         f"<= {GOAL_FLOOR_RATIO}x", lambda v: v <= GOAL_FLOOR_RATIO),
        ("MiniStack warm p50 / ours warm p50", ratio(ministack, ours), "x",
         f">= {GOAL_MINISTACK_RATIO}x", lambda v: v >= GOAL_MINISTACK_RATIO),
        ("ours cold start", ours.cold_ms if ours else None, " ms",
         f"< {GOAL_COLD_MS:.0f} ms", lambda v: v < GOAL_COLD_MS),
    ]
    return [{"name": name, "value": value, "unit": unit.strip(), "goal": goal,
             "met": None if value is None else bool(test(value))}
            for name, value, unit, goal, test in checks]


def render_goals(checks: list[dict[str, Any]]) -> str:
    lines = []
    for c in checks:
        if c["value"] is None:
            lines.append(f"{c['name']}: n/a (goal {c['goal']})")
            continue
        digits = 2 if c["unit"] == "x" else 1
        unit = "x" if c["unit"] == "x" else f" {c['unit']}"
        verdict = "met" if c["met"] else "NOT met"
        lines.append(f"{c['name']}: {c['value']:.{digits}f}{unit} (goal {c['goal']}): {verdict}")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="50 sequential invokes and 160 parallel ones instead of 200 and 400")
    add_run_options(parser, "moto,ministack,lambdalab,vpc",
                    "comma-separated subset of moto,ministack,lambdalab,vpc "
                    "(vpc: lambdalab's reachability decision, in and out of a VPC)")
    return parser.parse_args(argv)


def build_targets(names: list[str], ministack_venv: Path | None) -> list[Target]:
    """Targets are constructed lazily so a skipped one costs nothing."""
    factories = {
        "moto": MotoFloorTarget,
        "ministack": lambda: MiniStackTarget(ministack_venv),
        "lambdalab": LambdaLabTarget,
    }
    unknown = [n for n in names if n not in factories and n != "vpc"]
    if unknown:
        raise SystemExit(f"unknown target(s): {', '.join(unknown)}")
    return [factories[n]() for n in names if n in factories]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_sigterm()
    warm_n = 50 if args.quick else 200
    parallel_total = 160 if args.quick else 400

    names = target_names(args.targets)
    results = []
    for target in build_targets(names, args.ministack_venv):
        results.append(run_target(target, warm_n, parallel_total))
    vpc = None
    if "vpc" in names:
        log("[lambdalab] reachability decision: a VPC function beside one outside a VPC")
        vpc = measure_vpc_overhead(warm_n)

    checks = goals(results)
    print(f"invoke latency, ms (warm n={warm_n}; throughput: {parallel_total} invokes "
          f"on {PARALLEL_THREADS} threads; {os.cpu_count()} CPUs)")
    print(render_table(results))
    print()
    print(render_goals(checks))
    if vpc is not None:
        print()
        print(render_vpc_overhead(vpc))
    if args.json:
        report = {"environment": environment_info(),
                  "params": {"warm_n": warm_n, "parallel_total": parallel_total,
                             "parallel_threads": PARALLEL_THREADS, "region": REGION},
                  "results": [asdict(r) for r in results], "goals": checks,
                  "vpc": None if vpc is None else {**asdict(vpc),
                                                   "nested_ratio": vpc.nested_ratio}}
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nJSON written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
