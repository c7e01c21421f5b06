"""Which AWS endpoints a function's code can reach from where it runs, decided per request.

Each execution environment gets a route table (:mod:`lambdalab.runtime.network`): AWS
hosts go to the local cloud, tagged with the environment's token; anything else hangs
like an unroutable address. For each tagged request the cloud's gateway asks
:meth:`Reachability.decide`, which reads the function's VPC from moto's EC2 state *now*
and applies AWS's rules (:mod:`lambdalab.network.rules`): a route, NAT gateway or
endpoint added or removed applies to the very next request of a warm environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lambdalab.invoke.functions import DEFAULT_ACCOUNT, FunctionSpec, resolve
from lambdalab.network import ec2_state, hosts, rules
from lambdalab.network.model import Placement, Verdict
from lambdalab.network.placements import UNKNOWN_VPC, EnvironmentPlacements
from lambdalab.runtime.network import REACH_CLOUD, UNREACHABLE, RouteTable

AWS_HOST_PATTERNS = ("*.amazonaws.com", "*.amazonaws.com.cn", "*.api.aws")


@dataclass(frozen=True)
class ReachabilityExplanation:
    """Whether a function's code can reach a host, and one sentence saying why."""

    function_name: str
    host: str
    reachable: bool
    reason: str
    by_subnet: dict[str, Verdict] = field(default_factory=dict)  # empty outside a VPC

    def __str__(self) -> str:
        return f"{'reachable' if self.reachable else 'unreachable'}: {self.reason}"


class Reachability:
    def __init__(self, region: str, account: str = DEFAULT_ACCOUNT) -> None:
        self.region = region
        self.account = account
        self.placements = EnvironmentPlacements()

    def route_table(self, cloud_address: str, spec: FunctionSpec) -> RouteTable:
        """Routes for a new environment of ``spec``, carrying its fresh token.

        Anything but an AWS endpoint is unreachable: the cloud never sends traffic beyond
        loopback.
        """
        vpc_id = _vpc_of(spec)
        token = self.placements.place(spec.arn, spec.name, spec.vpc_config, vpc_id,
                                      spec.account, spec.region)
        return RouteTable(cloud_address, [(pattern, REACH_CLOUD) for pattern in AWS_HOST_PATTERNS],
                          default=UNREACHABLE, token=token)

    def decide(self, token: str, host: str) -> Verdict:
        """Can the environment holding ``token`` open a connection to ``host`` right now?"""
        placed = self.placements.lookup(token)
        if placed is None:
            return Verdict(False, "the request comes from no live execution environment")
        return self._judge(placed.placement, host, placed.account, placed.region)

    def explain(self, function_name: str, host: str | None = None) -> ReachabilityExplanation:
        """Reachable or not from each of the function's subnets, and why, in one sentence."""
        spec = resolve(self.region, function_name, None, self.account)
        host = hosts.strip_port(host or hosts.default_name("lambda", self.region))
        vpc_id = _vpc_of(spec)
        subnets = list((spec.vpc_config or {}).get("SubnetIds") or [])
        if not subnets:
            verdict = self._judge(Placement(spec.name), host, spec.account, spec.region)
            return ReachabilityExplanation(spec.name, host, verdict.reachable, verdict.reason)
        groups = tuple(spec.vpc_config.get("SecurityGroupIds") or [])  # type: ignore[union-attr]
        vpc = vpc_id or UNKNOWN_VPC
        verdicts = {subnet: self._judge(Placement(spec.name, vpc, subnet, groups), host,
                                        spec.account, spec.region) for subnet in subnets}
        reachable = [s for s, v in verdicts.items() if v.reachable]
        if len(verdicts) == 1:
            reason = next(iter(verdicts.values())).reason
        else:
            reason = "; ".join(f"from {s}: {v.reason}" for s, v in verdicts.items())
            if reachable and len(reachable) < len(verdicts):
                reason = ("environments take the subnets in turn, so only some invocations "
                          f"get through; {reason}")
        return ReachabilityExplanation(spec.name, host, len(reachable) == len(verdicts), reason,
                                       verdicts)

    def _judge(self, placement: Placement, host: str, account: str, region: str) -> Verdict:
        destination = hosts.parse(host)
        if destination is None:
            return Verdict(False, f"{host} is not an AWS endpoint, and the local cloud sends "
                                  "no traffic beyond this machine")
        network = (ec2_state.read_vpc(account, region, placement.vpc_id)
                   if placement.vpc_id else None)
        return rules.decide(placement, destination, network)


def _vpc_of(spec: FunctionSpec) -> str | None:
    subnets = list((spec.vpc_config or {}).get("SubnetIds") or [])
    if not subnets:
        return None
    return ec2_state.vpc_of_subnet(spec.account, spec.region, subnets[0])
