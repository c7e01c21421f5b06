"""What a kernel's first ``import lambdalab`` costs, with the IRI grammars deferred and, side
by side, loaded as they were before (``lambdalab.import_speed``).

Each round starts two fresh Python processes, one per way, alternating which goes first;
prints the median of each and their ratio.

    .venv/bin/python bench/import_time.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

WAYS = {
    "deferred (lambdalab)": "import lambdalab.cloud",
    "loaded (before)": "import rfc3987_syntax\nimport lambdalab.cloud",
}


def seconds(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    times: dict[str, list[float]] = {way: [] for way in WAYS}
    for n in range(rounds):
        order = list(WAYS) if n % 2 == 0 else list(reversed(WAYS))
        for way in order:
            times[way].append(seconds(WAYS[way]))
    medians = {way: statistics.median(values) for way, values in times.items()}
    for way, median in medians.items():
        print(f"{way:<22} median {median:5.2f} s  ({', '.join(f'{t:.2f}' for t in times[way])})")
    deferred, loaded = medians.values()
    print(f"ratio loaded/deferred: {loaded / deferred:.2f}x ({loaded - deferred:.2f} s saved)")


if __name__ == "__main__":
    main()
