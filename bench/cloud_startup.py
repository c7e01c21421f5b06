"""What loading AWS's managed IAM policies costs a fresh cloud, beside not loading them.

Three ways, each in its own Python process, each timing ``LocalCloud()`` start until the
first IAM call (CreateRole) has answered, for several fresh clouds in a row (the first
also pays the imports):

* ``none``     no managed policies (moto's default: attaching one fails with NoSuchEntity);
* ``lambdalab`` the cloud's own partition, from a catalogue parsed once per process;
* ``moto``     moto's ``iam.load_aws_managed_policies`` switch (every partition).

    .venv/bin/python bench/cloud_startup.py [--clouds N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from common import percentile

MODES = ("none", "lambdalab", "moto")


def run_mode(mode: str, clouds: int) -> list[float]:
    """In this process: seconds from start to the first IAM answer, per fresh cloud."""
    from moto.core.config import default_user_config

    import lambdalab.control.iam_policies as iam_policies

    if mode != "lambdalab":
        iam_policies.install = lambda patcher, region: None  # type: ignore[assignment]
    if mode == "moto":
        default_user_config["iam"]["load_aws_managed_policies"] = True
    from lambdalab import LocalCloud

    seconds = []
    for i in range(clouds):
        started = time.perf_counter()
        with LocalCloud() as cloud:
            iam = cloud.client("iam")
            iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument="{}")
            seconds.append(time.perf_counter() - started)
            policies = iam.list_policies(Scope="AWS", MaxItems=1)["Policies"]
            if bool(policies) != (mode != "none"):
                raise RuntimeError(f"{mode}: managed policies present: {bool(policies)}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clouds", type=int, default=6, help="fresh clouds per mode")
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)  # one child process
    args = parser.parse_args(argv)
    if args.mode:
        print(json.dumps(run_mode(args.mode, args.clouds)))
        return 0
    results = {}
    for mode in MODES:
        out = subprocess.run([sys.executable, __file__, "--mode", mode, "--clouds",
                              str(args.clouds)], capture_output=True, text=True, check=True)
        results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    base = percentile(results["none"][1:], 50)
    print(f"fresh cloud until the first IAM answer, s ({args.clouds} clouds per process)")
    print(f"{'managed policies':<18}{'first cloud':>12}{'later p50':>11}{'later / none':>14}")
    for mode in MODES:
        first, later = results[mode][0], percentile(results[mode][1:], 50)
        print(f"{mode:<18}{first:>12.2f}{later:>11.2f}{later / base:>13.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
