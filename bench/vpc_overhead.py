"""What deciding reachability costs a reachable call: a VPC function beside one outside a VPC.

Both functions run the same handler, which invokes a third (echo) function once with a
plain boto3 client and times that nested call. One sits in a VPC whose interface endpoint
for Lambda (private DNS) answers the call: each of its SDK requests is judged by the
cloud against the VPC's current EC2 state. The other is outside any VPC: its requests are
let through without reading any network. Invocations of the two alternate, so both see
the same machine. Also timed: the decision alone, called directly, for the VPC function.

Used by ``invoke_latency.py`` (section "reachability decision"); runs on its own too:

    .venv/bin/python bench/vpc_overhead.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from common import (
    ECHO_HANDLER_SOURCE,
    FIXED_CREDENTIALS,
    REGION,
    ROLE_ARN,
    create_function,
    ensure_iam_role,
    make_client,
    percentile,
    zip_handler,
)

VPC_ACCESS_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
GOAL_DECISION_MS = 1.0  # the decision adds less than this to a reachable call
CALLER_SOURCE = """
import time

import boto3

client = boto3.client("lambda")


def handler(event, context):
    started = time.perf_counter()
    response = client.invoke(FunctionName="vpc-bench-echo", Payload=b"{}")
    response["Payload"].read()
    return {"nested_ms": (time.perf_counter() - started) * 1000,
            "status": response["StatusCode"]}
"""


@dataclass
class VpcOverhead:
    """Warm figures in ms: outer invoke of each caller, the nested call inside it."""

    n: int
    outside_outer_p50: float
    vpc_outer_p50: float
    outside_nested_p50: float
    vpc_nested_p50: float
    decision_p50_us: float
    decision_p95_us: float
    errors: int
    explanation: str

    @property
    def nested_ratio(self) -> float:
        return self.vpc_nested_p50 / self.outside_nested_p50

    @property
    def nested_added_ms(self) -> float:
        return self.vpc_nested_p50 - self.outside_nested_p50


def _network(ec2: Any) -> tuple[str, str]:
    """An isolated subnet with an interface endpoint for Lambda: (subnet, group)."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24",
                               AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    group = ec2.describe_security_groups(Filters=[
        {"Name": "vpc-id", "Values": [vpc]},
        {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]
    ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.lambda",
                            VpcEndpointType="Interface", SubnetIds=[subnet],
                            PrivateDnsEnabled=True)
    return subnet, group


def _create(lam: Any, name: str, source: str, **config: Any) -> None:
    create_function(lam, name, zip_handler(source), **config)
    lam.get_waiter("function_active_v2").wait(FunctionName=name,
                                              WaiterConfig={"Delay": 0.1, "MaxAttempts": 300})


def _invoke(lam: Any, name: str) -> tuple[float, float]:
    started = time.perf_counter()
    response = lam.invoke(FunctionName=name, Payload=b"{}")
    body = json.loads(response["Payload"].read())
    outer_ms = (time.perf_counter() - started) * 1000
    if response.get("FunctionError") or body.get("status") != 200:
        raise RuntimeError(f"{name}: {body}")
    return outer_ms, float(body["nested_ms"])


def measure(warm_n: int) -> VpcOverhead:
    from lambdalab import LocalCloud

    with LocalCloud(region=REGION, **FIXED_CREDENTIALS) as cloud:
        endpoint = cloud.endpoint_url
        ensure_iam_role(endpoint)
        make_client(endpoint, "iam").attach_role_policy(
            RoleName=ROLE_ARN.rsplit("/", 1)[-1], PolicyArn=VPC_ACCESS_POLICY)
        lam = make_client(endpoint, "lambda")
        subnet, group = _network(make_client(endpoint, "ec2"))
        _create(lam, "vpc-bench-echo", ECHO_HANDLER_SOURCE)
        _create(lam, "vpc-bench-outside", CALLER_SOURCE)
        _create(lam, "vpc-bench-inside", CALLER_SOURCE,
                VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": [group]})
        explanation = cloud.explain_reachability("vpc-bench-inside")
        if not explanation.reachable:
            raise RuntimeError(f"the VPC function cannot reach Lambda: {explanation}")
        for _ in range(5):  # cold starts and first imports out of the way
            _invoke(lam, "vpc-bench-outside")
            _invoke(lam, "vpc-bench-inside")
        times: dict[str, list[tuple[float, float]]] = {"outside": [], "inside": []}
        errors = 0
        for _ in range(warm_n):
            for place in ("outside", "inside"):
                try:
                    times[place].append(_invoke(lam, f"vpc-bench-{place}"))
                except Exception:  # noqa: BLE001 - counted, never timed
                    errors += 1
        decisions = _time_decisions(cloud, "vpc-bench-inside", warm_n * 5)
    return VpcOverhead(
        n=warm_n,
        outside_outer_p50=percentile([o for o, _ in times["outside"]], 50),
        vpc_outer_p50=percentile([o for o, _ in times["inside"]], 50),
        outside_nested_p50=percentile([n for _, n in times["outside"]], 50),
        vpc_nested_p50=percentile([n for _, n in times["inside"]], 50),
        decision_p50_us=percentile(decisions, 50),
        decision_p95_us=percentile(decisions, 95),
        errors=errors,
        explanation=str(explanation),
    )


def _time_decisions(cloud: Any, function_name: str, count: int) -> list[float]:
    """The gateway's decision for a live environment of the function, called directly."""
    reachability = cloud._reachability
    placements = reachability.placements
    token = next(t for t, placed in placements._by_token.items()
                 if placed.placement.function_name == function_name
                 and placed.environment is not None and placed.environment.alive)
    host = f"lambda.{REGION}.amazonaws.com"
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        verdict = reachability.decide(token, host)
        samples.append((time.perf_counter() - started) * 1e6)
        assert verdict.reachable
    return samples


def render(result: VpcOverhead) -> str:
    added = result.nested_added_ms
    verdict = "met" if added < GOAL_DECISION_MS else "NOT met"
    return "\n".join([
        f"reachability decision, ms (warm n={result.n} each, alternating; one nested "
        "Lambda invoke per call)",
        f"  outside a VPC        outer p50 {result.outside_outer_p50:6.2f}   nested call p50 "
        f"{result.outside_nested_p50:6.2f}",
        f"  VPC, via endpoint    outer p50 {result.vpc_outer_p50:6.2f}   nested call p50 "
        f"{result.vpc_nested_p50:6.2f}",
        f"  nested call, VPC / outside: {result.nested_ratio:.2f}x, {added:+.2f} ms "
        f"(goal: adds < {GOAL_DECISION_MS:.0f} ms: {verdict})",
        f"  the decision alone, called directly: p50 {result.decision_p50_us:.0f} us, p95 "
        f"{result.decision_p95_us:.0f} us",
        f"  errors: {result.errors}",
        f"  {result.explanation}",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 calls each instead of 200")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    args = parser.parse_args(argv)
    result = measure(50 if args.quick else 200)
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(asdict(result), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
