"""Memory of the local cloud over a long run: does it stay flat once warm?

    .venv/bin/python bench/soak.py [--invokes 30000] [--every 5000] [--threads 4]

Invokes one handler that prints a line, from a few client threads, against a LocalCloud
in this process, and prints the resident memory of this process (the cloud) and of the
execution environments every ``--every`` invokes, with the records and log lines the
cloud holds. After warm-up the figures should stay flat: records and log lines are
capped (``records_limit``; 20,000 log events per function) and moto does not keep a
second copy of each log line. See bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import sys
import threading
import time

import psutil

from lambdalab import LocalCloud
from lambdalab.packaging import zip_files
from lambdalab.workshop.functions import execution_role_arn

HANDLER = "def handler(event, context):\n    print('order', event.get('n'), 'priced')\n" \
          "    return {'n': event.get('n')}\n"


def mb(processes: list[psutil.Process]) -> float:
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 1024 / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invokes", type=int, default=30_000)
    parser.add_argument("--every", type=int, default=5_000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    with LocalCloud() as cloud:
        cloud.client("lambda").create_function(
            FunctionName="soak", Runtime="python3.12", Role=execution_role_arn(cloud),
            Handler="app.handler", Code={"ZipFile": zip_files(HANDLER)})
        done = 0
        lock = threading.Lock()
        errors = []

        def worker(count: int) -> None:
            nonlocal done
            lam = cloud.client("lambda")
            for n in range(count):
                response = lam.invoke(FunctionName="soak", Payload=f'{{"n": {n}}}')
                if "FunctionError" in response:
                    errors.append(response["Payload"].read())
                with lock:
                    done += 1

        me = psutil.Process()
        print(f"soak: {args.invokes} invokes from {args.threads} threads; "
              f"RSS every {args.every}", flush=True)
        print(f"{'invokes':>8} {'cloud MB':>9} {'envs MB':>8} {'envs':>5} {'records':>8} "
              f"{'log lines':>10} {'seconds':>8}", flush=True)
        started = time.monotonic()
        per_round = args.every // args.threads
        for _ in range(args.invokes // args.every):
            threads = [threading.Thread(target=worker, args=(per_round,))
                       for _ in range(args.threads)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            gc.collect()
            envs = [psutil.Process(pid) for pid in cloud.environment_pids()]
            print(f"{done:>8} {mb([me]):>9.1f} {mb(envs):>8.1f} {len(envs):>5} "
                  f"{len(cloud.invocations()):>8} {len(cloud.logs('soak')):>10} "
                  f"{time.monotonic() - started:>8.1f}", flush=True)
        print(f"function errors: {len(errors)}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
