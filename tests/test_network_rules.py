"""AWS's reachability rules on plain snapshots of a VPC, without HTTP or moto.

Every rule both ways; the end-to-end tests (test_vpc_reachability.py) show the same rules
through real function calls. Sources:
https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html,
https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html,
https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html,
https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html,
https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from lambdalab.network import hosts
from lambdalab.network.model import (
    DefaultRoute,
    Endpoint,
    NatGateway,
    Placement,
    RouteTable,
    Rule,
    SecurityGroup,
    Subnet,
    VpcNetwork,
)
from lambdalab.network.rules import decide

R = "ap-northeast-1"
LAMBDA = hosts.parse(f"lambda.{R}.amazonaws.com")
ALL_OUT = Rule("-1", cidrs=("0.0.0.0/0",))
HTTPS_FROM_FN = Rule("tcp", 443, 443, group_ids=("sg-fn",))
PLACED = Placement("fn", "vpc-1", "subnet-private", ("sg-fn",))


@pytest.mark.parametrize("host, service, region, specific", [
    (f"lambda.{R}.amazonaws.com", "lambda", R, False),
    (f"lambda.{R}.amazonaws.com:443", "lambda", R, False),
    (f"bucket.s3.{R}.amazonaws.com", "s3", R, False),
    (f"s3.dualstack.{R}.amazonaws.com", "s3", R, False),
    (f"s3-{R}.amazonaws.com", "s3", R, False),
    (f"123456789012.ddb.{R}.amazonaws.com", "dynamodb", R, False),
    (f"sqs-fips.{R}.amazonaws.com", "sqs", R, False),
    (f"lambda.{R}.api.aws", "lambda", R, False),
    ("iam.amazonaws.com", "iam", None, False),
    (f"vpce-0a1b2c3d-abcd1234.lambda.{R}.vpce.amazonaws.com", "lambda", R, True),
    (f"vpce-0a1b2c3d-abcd1234-{R}a.lambda.{R}.vpce.amazonaws.com", "lambda", R, True),
    (f"vpce-0a1b2c3d-abcd1234.api.ecr.{R}.vpce.amazonaws.com", "ecr.api", R, True),
    (f"bucket.vpce-0a1b2c3d-abcd1234.s3.{R}.vpce.amazonaws.com", "s3", R, True),
])
def test_hosts_name_a_service_in_a_region(host, service, region, specific):
    destination = hosts.parse(host)
    assert (destination.service, destination.region, destination.endpoint_specific) == (
        service, region, specific)


def test_hosts_beyond_aws_are_not_aws_destinations():
    assert hosts.parse("example.com") is None
    assert hosts.parse("amazonaws.com.evil.example") is None


TO_IGW = DefaultRoute("igw-1", "igw")


def network(*, private_route: DefaultRoute | None = None, nat_state: str = "available",
            nat_public: bool = True, public_route: DefaultRoute | None = TO_IGW,
            igw_attached: bool = True, endpoints=(), fn_egress=(ALL_OUT,),
            endpoint_ingress=(HTTPS_FROM_FN,), dns: bool = True) -> VpcNetwork:
    """A VPC with a public subnet holding a NAT gateway and a private subnet for the function."""
    return VpcNetwork(
        id="vpc-1", cidr="10.0.0.0/16", dns_support=True, dns_hostnames=dns,
        subnets={"subnet-public": Subnet("subnet-public", "10.0.0.0/24", f"{R}a", "rtb-public",
                                         True),
                 "subnet-private": Subnet("subnet-private", "10.0.1.0/24", f"{R}a",
                                          "rtb-private", True),
                 "subnet-c": Subnet("subnet-c", "10.0.2.0/24", f"{R}c", "rtb-private", True)},
        route_tables={"rtb-public": RouteTable("rtb-public", public_route),
                      "rtb-private": RouteTable("rtb-private", private_route)},
        nat_gateways={"nat-1": NatGateway("nat-1", nat_state, "subnet-public", nat_public)},
        attached_internet_gateways=frozenset({"igw-1"} if igw_attached else set()),
        endpoints=tuple(endpoints),
        security_groups={"sg-fn": SecurityGroup("sg-fn", egress=tuple(fn_egress)),
                         "sg-ep": SecurityGroup("sg-ep", ingress=tuple(endpoint_ingress)),
                         "sg-default": SecurityGroup("sg-default", ingress=(
                             Rule("-1", group_ids=("sg-default",)),), egress=(ALL_OUT,))},
        default_security_group_id="sg-default")


def lambda_endpoint(**changes) -> Endpoint:
    endpoint = Endpoint(
        "vpce-1", f"com.amazonaws.{R}.lambda", "Interface", "available", ("subnet-private",),
        ("sg-ep",), private_dns=True,
        regional_names=(f"vpce-1-abcd1234.lambda.{R}.vpce.amazonaws.com",),
        zonal_names={f"vpce-1-abcd1234-{R}a.lambda.{R}.vpce.amazonaws.com": f"{R}a"})
    return replace(endpoint, **changes)


NAT = DefaultRoute("nat-1", "nat")


def test_outside_a_vpc_everything_aws_is_reachable():
    assert decide(Placement("fn"), LAMBDA, None).reachable


def test_no_route_and_no_endpoint_is_unreachable_and_says_so():
    verdict = decide(PLACED, LAMBDA, network())
    assert not verdict.reachable
    assert verdict.reason == (
        "subnet subnet-private uses route table rtb-private, which has no route to a NAT "
        f"gateway, and vpc-1 has no interface endpoint for com.amazonaws.{R}.lambda")


def test_a_route_to_an_internet_gateway_from_the_functions_subnet_gives_nothing():
    assert not decide(PLACED, LAMBDA, network(private_route=TO_IGW)).reachable


@pytest.mark.parametrize("changes, reachable, phrase", [
    ({}, True, "which reaches the internet through internet gateway igw-1"),
    ({"nat_state": "deleted"}, False, "which is deleted (a blackhole route)"),
    ({"nat_state": "pending"}, False, "which is pending"),
    ({"nat_public": False}, False, "a private NAT gateway"),
    ({"public_route": None}, False, "which has no route to an internet gateway"),
    ({"igw_attached": False}, False, "which has no route to an internet gateway attached"),
    ({"fn_egress": (Rule("tcp", 443, 443, cidrs=("10.0.0.0/16",)),)}, False,
     "allow no outbound TCP 443 to 0.0.0.0/0"),
    ({"fn_egress": (Rule("tcp", 80, 80, cidrs=("0.0.0.0/0",)),)}, False,
     "allow no outbound TCP 443"),
    ({"fn_egress": (Rule("tcp", 0, 65535, cidrs=("0.0.0.0/0",)),)}, True, "NAT gateway nat-1"),
    ({"fn_egress": (Rule("udp", 0, 65535, cidrs=("0.0.0.0/0",)),)}, False,
     "allow no outbound TCP 443"),
])
def test_the_nat_gateway_path(changes, reachable, phrase):
    verdict = decide(PLACED, LAMBDA, network(private_route=NAT, **changes))
    assert verdict.reachable is reachable
    assert phrase in verdict.reason


def test_a_route_to_another_target_is_not_a_way_out():
    verdict = decide(PLACED, LAMBDA, network(private_route=DefaultRoute("pcx-1", "other")))
    assert not verdict.reachable and "goes to pcx-1, not to a NAT gateway" in verdict.reason


@pytest.mark.parametrize("endpoint, vpc_dns, reachable, phrase", [
    (lambda_endpoint(), True, True, "leads through private DNS to interface endpoint vpce-1"),
    (lambda_endpoint(private_dns=False), True, False, "has private DNS off"),
    (lambda_endpoint(), False, False, "has enableDnsHostnames off"),
    (lambda_endpoint(state="pending"), True, False, "is pending"),
    (lambda_endpoint(service_name=f"com.amazonaws.{R}.sqs"), True, False,
     f"no interface endpoint for com.amazonaws.{R}.lambda"),
])
def test_an_interface_endpoint_answers_the_default_name_only_with_private_dns(
        endpoint, vpc_dns, reachable, phrase):
    verdict = decide(PLACED, LAMBDA, network(endpoints=[endpoint], dns=vpc_dns))
    assert verdict.reachable is reachable
    assert phrase in verdict.reason


def test_a_private_dns_endpoint_owns_the_name_even_when_a_nat_gateway_exists():
    closed = network(private_route=NAT, endpoints=[lambda_endpoint()], endpoint_ingress=())
    verdict = decide(PLACED, LAMBDA, closed)
    assert not verdict.reachable
    assert "allow no inbound TCP 443 from sg-fn or from subnet subnet-private" in verdict.reason


@pytest.mark.parametrize("name, reachable", [
    (f"vpce-1-abcd1234.lambda.{R}.vpce.amazonaws.com", True),
    (f"vpce-1-abcd1234-{R}a.lambda.{R}.vpce.amazonaws.com", True),
    (f"vpce-9-zzzz9999.lambda.{R}.vpce.amazonaws.com", False),
])
def test_an_endpoints_own_names_work_without_private_dns(name, reachable):
    net = network(endpoints=[lambda_endpoint(private_dns=False)], dns=False)
    assert decide(PLACED, hosts.parse(name), net).reachable is reachable


def test_a_zonal_name_needs_an_interface_in_that_zone():
    endpoint = lambda_endpoint(zonal_names={
        f"vpce-1-abcd1234-{R}c.lambda.{R}.vpce.amazonaws.com": f"{R}c"})
    verdict = decide(PLACED, hosts.parse(f"vpce-1-abcd1234-{R}c.lambda.{R}.vpce.amazonaws.com"),
                     network(endpoints=[endpoint]))
    assert not verdict.reachable and f"no network interface in availability zone {R}c" in (
        verdict.reason)


@pytest.mark.parametrize("ingress, egress, reachable", [
    ((HTTPS_FROM_FN,), (ALL_OUT,), True),
    ((Rule("tcp", 443, 443, cidrs=("10.0.1.0/24",)),), (ALL_OUT,), True),  # subnet CIDR
    ((Rule("tcp", 443, 443, cidrs=("10.0.0.0/16",)),), (ALL_OUT,), True),  # covers the subnet
    ((Rule("tcp", 443, 443, cidrs=("10.0.1.0/25",)),), (ALL_OUT,), False),  # half of it
    ((Rule("tcp", 80, 80, group_ids=("sg-fn",)),), (ALL_OUT,), False),
    ((HTTPS_FROM_FN,), (), False),
    ((HTTPS_FROM_FN,), (Rule("tcp", 443, 443, group_ids=("sg-ep",)),), True),
    ((HTTPS_FROM_FN,), (Rule("tcp", 443, 443, cidrs=("10.0.1.0/24",)),), True),
    ((HTTPS_FROM_FN,), (Rule("tcp", 443, 443, cidrs=("10.9.0.0/16",)),), False),
])
def test_security_groups_on_both_sides_of_an_interface_endpoint(ingress, egress, reachable):
    net = network(endpoints=[lambda_endpoint()], endpoint_ingress=ingress, fn_egress=egress)
    assert decide(PLACED, LAMBDA, net).reachable is reachable


def test_an_endpoint_without_groups_uses_the_vpcs_default_group():
    endpoint = lambda_endpoint(security_group_ids=())
    assert not decide(PLACED, LAMBDA, network(endpoints=[endpoint])).reachable
    in_default = replace(PLACED, security_group_ids=("sg-default",))
    assert decide(in_default, LAMBDA, network(endpoints=[endpoint])).reachable


@pytest.mark.parametrize("tables, egress, reachable", [
    (("rtb-private",), (ALL_OUT,), True),
    (("rtb-public",), (ALL_OUT,), False),
    (("rtb-private",), (Rule("tcp", 443, 443, prefix_list_ids=("pl-s3",)),), True),
    (("rtb-private",), (Rule("tcp", 443, 443, cidrs=("10.0.0.0/16",)),), False),
])
def test_a_gateway_endpoint_serves_the_subnets_whose_route_table_it_is_associated_with(
        tables, egress, reachable):
    gateway = Endpoint("vpce-s3", f"com.amazonaws.{R}.s3", "Gateway", "available",
                       route_table_ids=tables, prefix_list_id="pl-s3")
    verdict = decide(PLACED, hosts.parse(f"bucket.s3.{R}.amazonaws.com"),
                     network(endpoints=[gateway], fn_egress=egress))
    assert verdict.reachable is reachable


def test_a_deleted_subnet_or_vpc_reaches_nothing():
    gone = replace(PLACED, subnet_id="subnet-gone")
    assert "subnet subnet-gone no longer exists" in decide(gone, LAMBDA, network()).reason
    assert not decide(PLACED, LAMBDA, None).reachable
