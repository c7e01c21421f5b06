"""AWS's rules for what a Lambda function's code can reach, decided with a reason.

A function outside any VPC reaches every public AWS endpoint. A function attached to a
VPC sends its traffic from network interfaces in its subnet, which have no public IP
address, so an AWS API is reachable only through one of these paths:

1. an **interface endpoint** of the service in the VPC, named either by its own DNS name
   or, with private DNS on, by the service's default name; the function's security groups
   must let TCP 443 out to it and the endpoint's security groups must let it in;
2. a **gateway endpoint** (S3, DynamoDB) associated with the subnet's route table;
3. the subnet's **0.0.0.0/0 route to a NAT gateway** that is available and sits in a
   subnet whose own 0.0.0.0/0 route leads to an internet gateway attached to the VPC.

A route from the function's own subnet to an internet gateway gives nothing: the
interfaces have no public IP. A private DNS endpoint takes over the service's default
name, so while it exists nothing else (not even a NAT gateway) is used for that name.

AWS documents these rules in:
docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html,
docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-endpoints.html,
docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html,
docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html.
"""

from __future__ import annotations

from collections.abc import Callable

from lambdalab.network.hosts import Destination
from lambdalab.network.model import (
    ANYWHERE,
    Endpoint,
    Placement,
    Rule,
    Subnet,
    Verdict,
    VpcNetwork,
)

GATEWAY_ENDPOINT_SERVICES = ("s3", "dynamodb")


def decide(placement: Placement, destination: Destination,
           network: VpcNetwork | None) -> Verdict:
    """Can code placed at ``placement`` open a TCP connection to ``destination``?"""
    if placement.vpc_id is None:
        return Verdict(True, f"{placement.function_name} is not connected to a VPC, and "
                             "Lambda's own network reaches every public AWS endpoint")
    if network is None:
        return Verdict(False, f"the VPC of subnet {placement.subnet_id} no longer exists")
    subnet = network.subnets.get(placement.subnet_id or "")
    if subnet is None:
        return Verdict(False, f"subnet {placement.subnet_id} no longer exists in {network.id}")
    if destination.endpoint_specific:
        return _by_endpoint_name(placement, subnet, destination, network)
    private = _private_dns_endpoint(network, destination)
    if private is not None:
        return _through_interface_endpoint(placement, subnet, private, network, destination,
                                           "through private DNS")
    gateway = _gateway_endpoint(network, destination, subnet)
    if gateway is not None:
        return _through_gateway_endpoint(placement, subnet, gateway, network)
    internet = _through_nat_gateway(placement, subnet, network)
    if internet.reachable:
        return internet
    return Verdict(False, f"{internet.reason}, and {_no_endpoint(network, destination, subnet)}")


# --- interface endpoints ----------------------------------------------------------------------

def _by_endpoint_name(placement: Placement, subnet: Subnet, destination: Destination,
                      network: VpcNetwork) -> Verdict:
    """An endpoint's own name resolves to its interfaces whatever the VPC's DNS settings."""
    for endpoint in network.endpoints:
        if not endpoint.is_interface:
            continue
        if _names_endpoint(destination.host, endpoint.regional_names + tuple(endpoint.zonal_names)):
            return _through_interface_endpoint(placement, subnet, endpoint, network, destination,
                                               "by its own DNS name")
    return Verdict(False, f"no interface endpoint in {network.id} has the DNS name "
                          f"{destination.host}, so nothing in the VPC answers for it")


def _names_endpoint(host: str, names: tuple[str, ...]) -> bool:
    return any(host == name or host.endswith("." + name) for name in names)


def _private_dns_endpoint(network: VpcNetwork, destination: Destination) -> Endpoint | None:
    """The endpoint whose private hosted zone answers for the service's default name."""
    if destination.service_name is None or not network.private_dns_works:
        return None
    for endpoint in network.endpoints:
        if (endpoint.is_interface and endpoint.state == "available" and endpoint.private_dns
                and endpoint.service_name == destination.service_name):
            return endpoint
    return None


def _through_interface_endpoint(placement: Placement, subnet: Subnet, endpoint: Endpoint,
                                network: VpcNetwork, destination: Destination,
                                how: str) -> Verdict:
    names = f"{destination.host} leads {how} to interface endpoint {endpoint.id}"
    if endpoint.state != "available":
        return Verdict(False, f"{names}, which is {endpoint.state}")
    zone = endpoint.zonal_names.get(destination.host)
    endpoint_subnets = [network.subnets[s] for s in endpoint.subnet_ids if s in network.subnets
                        and (zone is None or network.subnets[s].availability_zone == zone)]
    if not endpoint_subnets:
        where = f"availability zone {zone}" if zone else "any subnet"
        return Verdict(False, f"{names}, which has no network interface in {where}")
    own_groups = placement.security_group_ids
    endpoint_groups = _endpoint_groups(endpoint, network)
    if not _egress_allows(network, own_groups, lambda rule: (
            bool(set(rule.group_ids) & set(endpoint_groups))
            or any(rule.covers(s.cidr) for s in endpoint_subnets))):
        return Verdict(False, f"{names}, but the security groups {_ids(own_groups)} of "
                              f"{placement.function_name} allow no outbound TCP 443 to it "
                              f"(groups {_ids(endpoint_groups)} or subnets "
                              f"{_ids(tuple(s.cidr for s in endpoint_subnets))})")
    if not _ingress_allows(network, endpoint_groups, lambda rule: (
            bool(set(rule.group_ids) & set(own_groups)) or rule.covers(subnet.cidr))):
        return Verdict(False, f"{names}, but its security groups {_ids(endpoint_groups)} allow "
                              f"no inbound TCP 443 from {_ids(own_groups)} or from subnet "
                              f"{subnet.id} ({subnet.cidr})")
    return Verdict(True, f"{names} for {endpoint.service_name}, and the security groups let "
                         f"TCP 443 pass from {_ids(own_groups)} to {_ids(endpoint_groups)}")


def _endpoint_groups(endpoint: Endpoint, network: VpcNetwork) -> tuple[str, ...]:
    """An interface endpoint created without security groups gets the VPC's default group."""
    if endpoint.security_group_ids:
        return endpoint.security_group_ids
    return (network.default_security_group_id,) if network.default_security_group_id else ()


# --- gateway endpoints ------------------------------------------------------------------------

def _gateway_endpoint(network: VpcNetwork, destination: Destination,
                      subnet: Subnet) -> Endpoint | None:
    if destination.service not in GATEWAY_ENDPOINT_SERVICES:
        return None
    for endpoint in network.endpoints:
        if (endpoint.is_gateway and endpoint.state == "available"
                and endpoint.service_name == destination.service_name
                and subnet.route_table_id in endpoint.route_table_ids):
            return endpoint
    return None


def _through_gateway_endpoint(placement: Placement, subnet: Subnet, endpoint: Endpoint,
                              network: VpcNetwork) -> Verdict:
    routes = (f"{_uses(subnet, network)}, which routes {endpoint.service_name} to gateway "
              f"endpoint {endpoint.id}")
    if not _egress_allows(network, placement.security_group_ids, lambda rule: (
            rule.reaches_anywhere() or endpoint.prefix_list_id in rule.prefix_list_ids)):
        target = f"{ANYWHERE} or prefix list {endpoint.prefix_list_id}"
        return Verdict(False, f"{routes}, but the security groups "
                              f"{_ids(placement.security_group_ids)} of "
                              f"{placement.function_name} allow no outbound TCP 443 to {target}")
    return Verdict(True, routes)


# --- NAT gateways -----------------------------------------------------------------------------

def _through_nat_gateway(placement: Placement, subnet: Subnet, network: VpcNetwork) -> Verdict:
    """The public path: subnet -> NAT gateway -> internet gateway -> public endpoint."""
    uses = _uses(subnet, network)
    table = network.route_tables.get(subnet.route_table_id or "")
    route = table.default_route if table else None
    if route is None:
        return Verdict(False, f"{uses}, which has no route to a NAT gateway")
    if route.kind == "igw":
        return Verdict(False, f"{uses}, whose {ANYWHERE} route goes to internet gateway "
                              f"{route.target_id}, which gives a Lambda function nothing: its "
                              "network interfaces have no public IP address")
    if route.kind != "nat":
        return Verdict(False, f"{uses}, whose {ANYWHERE} route goes to {route.target_id}, "
                              "not to a NAT gateway")
    nat = network.nat_gateways.get(route.target_id)
    via = f"{uses}, whose {ANYWHERE} route goes to NAT gateway {route.target_id}"
    if nat is None or nat.state != "available":
        state = nat.state if nat else "gone"
        return Verdict(False, f"{via}, which is {state} (a blackhole route)")
    if not nat.public:
        return Verdict(False, f"{via}, a private NAT gateway, which has no way to the internet")
    nat_subnet = network.subnets.get(nat.subnet_id)
    nat_table = network.route_tables.get(nat_subnet.route_table_id or "") if nat_subnet else None
    nat_route = nat_table.default_route if nat_table else None
    if (nat_subnet is None or nat_route is None or nat_route.kind != "igw"
            or nat_route.target_id not in network.attached_internet_gateways):
        if nat_table:
            return Verdict(False, f"{via}, but the NAT gateway's subnet {nat.subnet_id} uses "
                                  f"route table {nat_table.id}, which has no route to an "
                                  f"internet gateway attached to {network.id}")
        return Verdict(False, f"{via}, but the NAT gateway's subnet {nat.subnet_id} has no "
                              f"route to an internet gateway attached to {network.id}")
    if not _egress_allows(network, placement.security_group_ids,
                          lambda rule: rule.reaches_anywhere()):
        return Verdict(False, f"{via}, but the security groups "
                              f"{_ids(placement.security_group_ids)} of "
                              f"{placement.function_name} allow no outbound TCP 443 to "
                              f"{ANYWHERE}")
    return Verdict(True, f"{via} in subnet {nat.subnet_id}, which reaches the internet through "
                         f"internet gateway {nat_route.target_id}")


def _no_endpoint(network: VpcNetwork, destination: Destination, subnet: Subnet) -> str:
    """Why no endpoint helps with the service's default name."""
    if destination.service_name is None:
        return f"{destination.host} is a global name that no VPC endpoint serves"
    candidates = [e for e in network.endpoints
                  if e.is_interface and e.service_name == destination.service_name]
    live = [e for e in candidates if e.state == "available"]
    if not live:
        if candidates:
            return (f"interface endpoint {candidates[0].id} for {destination.service_name} is "
                    f"{candidates[0].state}")
        if destination.service in GATEWAY_ENDPOINT_SERVICES:
            return (f"{network.id} has no interface endpoint for {destination.service_name} "
                    f"nor a gateway endpoint associated with route table "
                    f"{subnet.route_table_id}")
        return f"{network.id} has no interface endpoint for {destination.service_name}"
    endpoint = live[0]
    if endpoint.private_dns and not network.private_dns_works:
        off = [name for name, on in (("enableDnsSupport", network.dns_support),
                                     ("enableDnsHostnames", network.dns_hostnames)) if not on]
        return (f"interface endpoint {endpoint.id} has private DNS, but {network.id} has "
                f"{' and '.join(off)} off, so {destination.host} resolves to public addresses")
    own_name = endpoint.regional_names[0] if endpoint.regional_names else endpoint.id
    return (f"interface endpoint {endpoint.id} for {destination.service_name} has private DNS "
            f"off, so {destination.host} resolves to public addresses (call the endpoint's own "
            f"name {own_name}, or turn private DNS on)")


# --- security groups --------------------------------------------------------------------------

PeerMatch = Callable[[Rule], bool]


def _egress_allows(network: VpcNetwork, group_ids: tuple[str, ...],
                   peer_matches: PeerMatch) -> bool:
    return any(rule.allows_https() and peer_matches(rule)
               for rule in _rules(network, group_ids, egress=True))


def _ingress_allows(network: VpcNetwork, group_ids: tuple[str, ...],
                    peer_matches: PeerMatch) -> bool:
    return any(rule.allows_https() and peer_matches(rule)
               for rule in _rules(network, group_ids, egress=False))


def _rules(network: VpcNetwork, group_ids: tuple[str, ...], *, egress: bool) -> list[Rule]:
    rules: list[Rule] = []
    for group_id in group_ids:
        group = network.security_groups.get(group_id)
        if group is not None:
            rules.extend(group.egress if egress else group.ingress)
    return rules


# --- wording ----------------------------------------------------------------------------------

def _uses(subnet: Subnet, network: VpcNetwork) -> str:
    if subnet.route_table_id is None:
        return f"subnet {subnet.id} has no route table"
    if subnet.explicit_association:
        return f"subnet {subnet.id} uses route table {subnet.route_table_id}"
    return f"subnet {subnet.id} uses {network.id}'s main route table {subnet.route_table_id}"


def _ids(ids: tuple[str, ...]) -> str:
    return ", ".join(ids) if ids else "(none)"
