"""Reads one VPC's network out of moto's EC2 state, into :mod:`lambdalab.network.model`.

Called for every SDK request an environment in a VPC makes, so that a route, gateway or
endpoint change applies to the very next request, as on AWS. Other threads may change
moto's dictionaries meanwhile: every one is copied before it is walked.
"""

from __future__ import annotations

import re
from typing import Any

from moto.ec2.models import ec2_backends

from lambdalab.network.model import (
    ANYWHERE,
    DefaultRoute,
    Endpoint,
    NatGateway,
    RouteTable,
    Rule,
    SecurityGroup,
    Subnet,
    VpcNetwork,
)

ZONAL_NAME = re.compile(r"^vpce-[0-9a-f]+-[a-z0-9]{8}-(?P<zone>[a-z]{2}(-gov)?-[a-z]+-\d+[a-z])\.")


def backend(account: str, region: str) -> Any:
    return ec2_backends[account][region]


def read_vpc(account: str, region: str, vpc_id: str) -> VpcNetwork | None:
    """The network of ``vpc_id`` as it is now, or None if the VPC does not exist."""
    ec2 = backend(account, region)
    vpc = ec2.vpcs.get(vpc_id)
    if vpc is None:
        return None
    tables = [t for t in list(ec2.route_tables.values()) if t.vpc_id == vpc_id]
    main_table = next((t.id for t in tables if t.main_association_id is not None), None)
    explicit = {subnet_id: t.id for t in tables for subnet_id in list(t._associations.values())}
    subnets = {
        s.id: Subnet(s.id, s.cidr_block, s.availability_zone,
                     explicit.get(s.id, main_table), s.id in explicit)
        for zone in list(ec2.subnets.values()) for s in list(zone.values()) if s.vpc_id == vpc_id
    }
    groups = dict(ec2.groups.get(vpc_id, {}))
    default_group = next((g.id for g in groups.values() if g.is_default), None)
    return VpcNetwork(
        id=vpc_id,
        cidr=vpc.cidr_block,
        dns_support=flag(vpc.enable_dns_support),
        dns_hostnames=flag(vpc.enable_dns_hostnames),
        subnets=subnets,
        route_tables={t.id: RouteTable(t.id, _default_route(t)) for t in tables},
        nat_gateways={n.id: NatGateway(n.id, n.state, n.subnet_id,
                                       getattr(n, "connectivity_type", "public") != "private")
                      for n in list(ec2.nat_gateways.values()) if n.vpc_id == vpc_id},
        attached_internet_gateways=frozenset(
            igw.id for igw in list(ec2.internet_gateways.values())
            if igw.vpc is not None and igw.vpc.id == vpc_id),
        endpoints=tuple(_endpoint(e) for e in list(ec2.vpc_end_points.values())
                        if e.vpc_id == vpc_id),
        security_groups={g.id: _security_group(g) for g in groups.values()},
        default_security_group_id=default_group,
    )


def vpc_of_subnet(account: str, region: str, subnet_id: str) -> str | None:
    for zone in list(backend(account, region).subnets.values()):
        subnet = zone.get(subnet_id)
        if subnet is not None:
            return str(subnet.vpc_id)
    return None


def flag(value: Any) -> bool:
    """moto keeps VPC attributes as booleans or as the strings the query API sent."""
    return value is True or str(value).lower() == "true"


def _default_route(table: Any) -> DefaultRoute | None:
    for route in list(table._routes.values()):
        if route.destination_cidr_block != ANYWHERE:
            continue
        if route.nat_gateway is not None:
            return DefaultRoute(route.nat_gateway.id, "nat")
        gateway = route.gateway
        if gateway is not None and str(gateway.id).startswith("igw-"):
            return DefaultRoute(gateway.id, "igw")
        target = (route.gateway_id or route.transit_gateway_id or route.vpc_peering_connection_id
                  or route.network_interface_id or route.instance_id or "another target")
        return DefaultRoute(str(target), "other")
    return None


def _endpoint(endpoint: Any) -> Endpoint:
    regional, zonal = [], {}
    for entry in endpoint.dns_entries or []:
        name = str(entry.get("dns_name", "")).lower()
        if not name.startswith("vpce-"):
            continue  # the private DNS name, the service's default name
        zone = ZONAL_NAME.match(name)
        if zone:
            zonal[name] = zone["zone"]
        else:
            regional.append(name)
    return Endpoint(
        id=endpoint.id,
        service_name=endpoint.service_name,
        type=str(endpoint.vpc_endpoint_type or "Gateway"),
        state=endpoint.state,
        subnet_ids=tuple(endpoint.subnet_ids or ()),
        security_group_ids=tuple(endpoint.security_group_ids or ()),
        route_table_ids=tuple(endpoint.route_table_ids or ()),
        private_dns=bool(endpoint.private_dns_enabled),
        regional_names=tuple(regional),
        zonal_names=zonal,
        prefix_list_id=endpoint.destination_prefix_list_id,
    )


def _security_group(group: Any) -> SecurityGroup:
    return SecurityGroup(group.id, tuple(_rule(r) for r in list(group.ingress_rules)),
                         tuple(_rule(r) for r in list(group.egress_rules)))


def _rule(rule: Any) -> Rule:
    cidr = rule.ip_range.get("CidrIp") if rule.ip_range else None
    group = rule.source_group.get("GroupId") if rule.source_group else None
    return Rule(
        protocol=str(rule.ip_protocol),
        from_port=rule.from_port,
        to_port=rule.to_port,
        cidrs=(cidr,) if cidr else (),
        group_ids=(group,) if group else (),
        prefix_list_ids=(rule.prefix_list_id,) if rule.prefix_list_id else (),
    )
