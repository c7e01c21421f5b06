"""What a cold start costs: environments forked from the template beside new interpreters.

Two clouds run side by side in this process's lifetime, one after the other per round
(alternating which goes first): ``fork`` (``LocalCloud()``, environments forked from the
template, the default) and ``spawn`` (``LocalCloud(fork_environments=False)``, a new Python
interpreter per environment, as before the template). Each round forces a cold start per
handler (a configuration change retires the warm environment) and records:

* Init Duration, from the REPORT line Lambda's log gets (the cloud's own clock);
* the client's time for the cold invoke;
* Max Memory Used.

Handlers: ``empty`` (imports nothing, the runtime's own start) and ``boto3`` (imports boto3
and makes a client, as most lab functions do). Prints medians, p90 and the ratio
spawn/fork for each.

    .venv/bin/python bench/cold_start.py [--rounds N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from pathlib import Path

from common import percentile

HANDLERS = {
    "empty": "def handler(event, context):\n    return 1\n",
    "boto3": "import boto3\nclient = boto3.client('sqs')\n\n"
             "def handler(event, context):\n    return 1\n",
}
WAYS = {"fork": True, "spawn": False}
INIT = re.compile(r"Init Duration: ([\d.]+) ms")
MEMORY = re.compile(r"Max Memory Used: (\d+) MB")


def measure(fork: bool, rounds: int) -> dict[str, dict[str, list[float]]]:
    """Per handler: init ms, client ms and memory MB of ``rounds`` cold starts."""
    from lambdalab import LocalCloud
    from lambdalab.packaging import zip_files
    from lambdalab.workshop.functions import execution_role_arn

    found: dict[str, dict[str, list[float]]] = {
        name: {"init_ms": [], "client_ms": [], "memory_mb": []} for name in HANDLERS}
    with LocalCloud(fork_environments=fork) as cloud:
        lam = cloud.client("lambda")
        role = execution_role_arn(cloud)
        for name, source in HANDLERS.items():
            lam.create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                Handler="app.handler", Code={"ZipFile": zip_files(source)})
        lam.invoke(FunctionName="empty")  # the template (or the page cache) warms up once
        for n in range(rounds):
            for name in HANDLERS:
                lam.update_function_configuration(FunctionName=name, Description=str(n))
                started = time.perf_counter()
                lam.invoke(FunctionName=name)
                found[name]["client_ms"].append((time.perf_counter() - started) * 1000)
                report = [line for line in cloud.logs(name) if line.startswith("REPORT")][-1]
                found[name]["init_ms"].append(float(INIT.search(report).group(1)))
                found[name]["memory_mb"].append(float(MEMORY.search(report).group(1)))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="cold starts per handler, way")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    results: dict[str, dict[str, dict[str, list[float]]]] = {
        way: {name: {"init_ms": [], "client_ms": [], "memory_mb": []} for name in HANDLERS}
        for way in WAYS}
    batches = 4  # alternate the ways in batches, so that the machine's mood hits both
    for batch in range(batches):
        order = list(WAYS) if batch % 2 == 0 else list(reversed(WAYS))
        for way in order:
            for name, figures in measure(WAYS[way], max(1, args.rounds // batches)).items():
                for key, values in figures.items():
                    results[way][name][key] += values
    print(f"{'handler':<8} {'way':<6} {'init p50':>9} {'init p90':>9} {'client p50':>11} "
          f"{'memory':>7}")
    for name in HANDLERS:
        for way in WAYS:
            f = results[way][name]
            print(f"{name:<8} {way:<6} {statistics.median(f['init_ms']):7.1f} ms "
                  f"{percentile(f['init_ms'], 90):7.1f} ms {statistics.median(f['client_ms']):9.1f}"
                  f" ms {statistics.median(f['memory_mb']):5.0f} MB")
        spawn, fork = (statistics.median(results[w][name]["init_ms"]) for w in ("spawn", "fork"))
        print(f"{name:<8} ratio  spawn/fork init: {spawn / fork:.2f}x ({spawn - fork:.1f} ms "
              "saved a cold start)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
