"""A plain snapshot of the parts of one VPC that decide where a function's traffic goes.

Read from moto by :mod:`lambdalab.network.ec2_state`; judged by :mod:`lambdalab.network.rules`.
Only what the rules need is kept, in AWS's own terms.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

HTTPS_PORT = 443
ANYWHERE = "0.0.0.0/0"


@dataclass(frozen=True)
class Rule:
    """One security group rule: a protocol and port range, and the peers it names."""

    protocol: str  # "-1" (all), "tcp", "udp", "icmp", or a protocol number
    from_port: int | None = None
    to_port: int | None = None
    cidrs: tuple[str, ...] = ()  # IPv4 only; IPv6 is not modelled
    group_ids: tuple[str, ...] = ()
    prefix_list_ids: tuple[str, ...] = ()

    def allows_https(self) -> bool:
        """Does the rule let TCP port 443 through?"""
        if self.protocol in ("-1", "all"):
            return True
        if self.protocol not in ("tcp", "6"):
            return False
        low = 0 if self.from_port in (None, -1) else self.from_port
        high = 65535 if self.to_port in (None, -1) else self.to_port
        return low <= HTTPS_PORT <= high

    def covers(self, cidr: str) -> bool:
        """Does one of the rule's CIDRs contain every address of ``cidr``?"""
        network = ipaddress.ip_network(cidr, strict=False)
        for own in self.cidrs:
            try:
                if network.subnet_of(ipaddress.ip_network(own, strict=False)):  # type: ignore[arg-type]
                    return True
            except (ValueError, TypeError):
                continue
        return False

    def reaches_anywhere(self) -> bool:
        return any(cidr.endswith("/0") for cidr in self.cidrs)


@dataclass(frozen=True)
class SecurityGroup:
    id: str
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Subnet:
    id: str
    cidr: str
    availability_zone: str
    route_table_id: str | None  # its explicit association, else the VPC's main route table
    explicit_association: bool = False


@dataclass(frozen=True)
class DefaultRoute:
    """Where a route table sends 0.0.0.0/0, the way to every public AWS endpoint."""

    target_id: str
    kind: str  # "nat", "igw", "other" (peering, transit gateway, instance, ...)


@dataclass(frozen=True)
class RouteTable:
    id: str
    default_route: DefaultRoute | None = None


@dataclass(frozen=True)
class NatGateway:
    id: str
    state: str  # "available", "pending", "deleting", "deleted", "failed"
    subnet_id: str
    public: bool = True  # connectivity type "public"; a private NAT gateway reaches no internet


@dataclass(frozen=True)
class Endpoint:
    """A VPC endpoint in the function's VPC."""

    id: str
    service_name: str  # com.amazonaws.<region>.<service>
    type: str  # "Interface" or "Gateway"
    state: str
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()  # empty: the VPC's default security group
    route_table_ids: tuple[str, ...] = ()
    private_dns: bool = False
    regional_names: tuple[str, ...] = ()  # lower case
    zonal_names: dict[str, str] = field(default_factory=dict)  # name -> availability zone
    prefix_list_id: str | None = None  # a gateway endpoint's destination

    @property
    def is_interface(self) -> bool:
        return self.type.lower() == "interface"

    @property
    def is_gateway(self) -> bool:
        return self.type.lower() == "gateway"


@dataclass(frozen=True)
class VpcNetwork:
    id: str
    cidr: str
    dns_support: bool
    dns_hostnames: bool
    subnets: dict[str, Subnet]
    route_tables: dict[str, RouteTable]
    nat_gateways: dict[str, NatGateway]
    attached_internet_gateways: frozenset[str]
    endpoints: tuple[Endpoint, ...]
    security_groups: dict[str, SecurityGroup]
    default_security_group_id: str | None = None

    @property
    def private_dns_works(self) -> bool:
        """Private hosted zones answer only with both DNS attributes on."""
        return self.dns_support and self.dns_hostnames


@dataclass(frozen=True)
class Placement:
    """Where one execution environment of a function sits: outside any VPC, or in a subnet."""

    function_name: str
    vpc_id: str | None = None
    subnet_id: str | None = None
    security_group_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """Reachable or not, and one sentence saying why."""

    reachable: bool
    reason: str

    def __str__(self) -> str:
        return f"{'reachable' if self.reachable else 'unreachable'}: {self.reason}"
