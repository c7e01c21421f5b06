"""What code in a function attached to a VPC can reach, end to end through the local cloud.

Each test builds a network with plain EC2 calls, deploys a probe function into it and lets
the function call AWS with a plain boto3 client, as on AWS. The rules are AWS's:

- https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html (a VPC
  function reaches the internet only through a NAT gateway; a public subnet gives nothing,
  because Lambda's network interfaces have no public IP address)
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-endpoints.html (interface
  endpoints for Lambda)
- https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html
  (private DNS, endpoint-specific DNS names, security groups of interface endpoints)
- https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html (S3, DynamoDB)
- https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html (a public NAT
  gateway sits in a public subnet, whose route table leads to an internet gateway)

Unreachable behaves like a black hole: nothing answers until the client's connect timeout
(1 s here, so the tests stay short), then botocore raises ConnectTimeoutError.
"""

from __future__ import annotations

import json
import threading

import pytest

from conftest import read_json
from vpc_builder import (
    PROBE,
    REGION,
    Network,
    allow_vpc_access,
    create_probe_targets,
    deploy_in_vpc,
    https_from_cidr,
    https_from_group,
    probe,
)

LAMBDA_URL = (f"https://lambda.{REGION}.amazonaws.com/2015-03-31/functions/net-callee/"
              "invocations")
LAMBDA = {"service": "lambda"}


@pytest.fixture(scope="module")
def ec2(cloud):
    return cloud.client("ec2")


@pytest.fixture(scope="module", autouse=True)
def services(cloud, deploy):
    """The execution role may manage ENIs; a callee, a bucket, a table and a queue exist."""
    allow_vpc_access(cloud)
    create_probe_targets(cloud, deploy)
    cloud.client("dynamodb").create_table(
        TableName="net-table", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")


def assert_black_hole(result: dict, url: str = LAMBDA_URL) -> None:
    assert result["error"] == "ConnectTimeoutError"
    assert result["message"] == f'Connect timeout on endpoint URL: "{url}"'
    assert 0.95 <= result["seconds"] < 10  # the 1 s connect timeout, not botocore's 60 s


def test_a_function_outside_any_vpc_reaches_every_aws_endpoint(cloud, deploy, lam):
    deploy("net-outside", PROBE)
    results = probe(lam, "net-outside", LAMBDA, {"service": "sqs"}, {"service": "s3"})
    assert [r.get("ok") for r in results] == [200, "net-queue", 200]
    assert cloud.explain_reachability("net-outside").reachable


def test_an_isolated_subnet_black_holes_the_lambda_api_until_the_connect_timeout(
        cloud, deploy, lam, ec2):
    net = Network(ec2)
    subnet, table = net.subnet("10.0.1.0/24")
    name = deploy_in_vpc(deploy, lam, "net-isolated", [subnet], [net.default_group])
    answered_before = len(cloud.invocations("net-callee"))
    [result] = probe(lam, name, LAMBDA)
    assert_black_hole(result)
    assert result["attempts"] == 1
    assert len(cloud.invocations("net-callee")) == answered_before  # nothing reached Lambda
    explanation = cloud.explain_reachability(name)
    assert not explanation.reachable
    assert str(explanation) == (
        f"unreachable: subnet {subnet} uses route table {table}, which has no route to a NAT "
        f"gateway, and {net.vpc_id} has no interface endpoint for "
        f"com.amazonaws.{REGION}.lambda")


def test_botocore_retries_the_connect_timeout_as_its_retry_mode_says(deploy, lam, ec2):
    """ConnectTimeoutError is a retryable connection error for botocore's retry modes."""
    net = Network(ec2)
    subnet, _ = net.subnet("10.0.1.0/24")
    name = deploy_in_vpc(deploy, lam, "net-retried", [subnet], [net.default_group])
    [result] = probe(lam, name, {**LAMBDA, "retries": {"mode": "standard",
                                                     "total_max_attempts": 2}})
    assert result["error"] == "ConnectTimeoutError"
    assert result["attempts"] == 2
    assert result["seconds"] >= 1.95


def test_with_boto3_defaults_the_caller_times_out_first_as_sandbox_timedout(deploy, lam, ec2):
    """60 s connect timeout and legacy retries outlast a 2 s function: Sandbox.Timedout."""
    net = Network(ec2)
    subnet, _ = net.subnet("10.0.1.0/24")
    name = deploy_in_vpc(deploy, lam, "net-defaults", [subnet], [net.default_group], Timeout=2)
    response = lam.invoke(FunctionName=name,
                          Payload=json.dumps({"probes": [{**LAMBDA, "config": False}]}))
    assert response["FunctionError"] == "Unhandled"
    error = read_json(response)
    assert error["errorType"] == "Sandbox.Timedout"
    assert error["errorMessage"].endswith("Error: Task timed out after 2.00 seconds")


def test_a_public_subnet_routing_to_an_internet_gateway_gives_no_access(
        cloud, deploy, lam, ec2):
    net = Network(ec2)
    subnet, table = net.public_subnet("10.0.1.0/24")
    name = deploy_in_vpc(deploy, lam, "net-public", [subnet], [net.default_group])
    [result] = probe(lam, name, LAMBDA)
    assert_black_hole(result)
    assert cloud.explain_reachability(name).reason.startswith(
        f"subnet {subnet} uses route table {table}, whose 0.0.0.0/0 route goes to internet "
        f"gateway {net.internet_gateway()}, which gives a Lambda function nothing: its network "
        "interfaces have no public IP address")


def test_a_nat_gateway_in_a_public_subnet_reaches_the_lambda_api(cloud, deploy, lam, ec2):
    net = Network(ec2)
    public, _ = net.public_subnet("10.0.0.0/24")
    private, table = net.subnet("10.0.1.0/24")
    nat = net.nat_gateway(public)
    net.route_to_nat(table, nat)
    name = deploy_in_vpc(deploy, lam, "net-nat", [private], [net.default_group])
    assert probe(lam, name, LAMBDA, {"service": "sqs"}) == [
        {"ok": 200, "seconds": pytest.approx(0, abs=5), "attempts": 1},
        {"ok": "net-queue", "seconds": pytest.approx(0, abs=5), "attempts": 1}]
    assert str(cloud.explain_reachability(name)) == (
        f"reachable: subnet {private} uses route table {table}, whose 0.0.0.0/0 route goes to "
        f"NAT gateway {nat} in subnet {public}, which reaches the internet through internet "
        f"gateway {net.internet_gateway()}")


def test_a_nat_gateway_whose_subnet_has_no_internet_route_gives_no_access(
        cloud, deploy, lam, ec2):
    net = Network(ec2)
    nat_home, nat_table = net.subnet("10.0.0.0/24")  # no route to an internet gateway
    private, table = net.subnet("10.0.1.0/24")
    net.route_to_nat(table, net.nat_gateway(nat_home))
    name = deploy_in_vpc(deploy, lam, "net-nat-no-igw", [private], [net.default_group])
    [result] = probe(lam, name, LAMBDA)
    assert_black_hole(result)
    assert (f"but the NAT gateway's subnet {nat_home} uses route table {nat_table}, which has "
            f"no route to an internet gateway attached to {net.vpc_id}"
            ) in cloud.explain_reachability(name).reason


def test_an_interface_endpoint_with_private_dns_answers_the_default_name(
        cloud, deploy, lam, ec2):
    net = Network(ec2)
    subnet, _ = net.subnet("10.0.1.0/24")
    endpoint = net.interface_endpoint("lambda", [subnet])
    name = deploy_in_vpc(deploy, lam, "net-endpoint", [subnet], [net.default_group])
    [result] = probe(lam, name, LAMBDA)
    assert result["ok"] == 200
    assert str(cloud.explain_reachability(name)) == (
        f"reachable: lambda.{REGION}.amazonaws.com leads through private DNS to interface "
        f"endpoint {endpoint['VpcEndpointId']} for com.amazonaws.{REGION}.lambda, and the "
        f"security groups let TCP 443 pass from {net.default_group} to {net.default_group}")


def test_without_private_dns_only_the_endpoints_own_names_reach_it(cloud, deploy, lam, ec2):
    net = Network(ec2)
    subnet, _ = net.subnet("10.0.1.0/24")
    endpoint = net.interface_endpoint("lambda", [subnet], private_dns=False)
    regional, zonal = (f"https://{e['DnsName']}" for e in endpoint["DnsEntries"])
    name = deploy_in_vpc(deploy, lam, "net-endpoint-names", [subnet], [net.default_group])
    default, by_regional, by_zonal = probe(lam, name, LAMBDA,
                                           {**LAMBDA, "endpoint_url": regional},
                                           {**LAMBDA, "endpoint_url": zonal})
    assert_black_hole(default)
    assert by_regional["ok"] == by_zonal["ok"] == 200
    assert (f"interface endpoint {endpoint['VpcEndpointId']} for com.amazonaws.{REGION}.lambda "
            f"has private DNS off, so lambda.{REGION}.amazonaws.com resolves to public "
            "addresses") in cloud.explain_reachability(name).reason


def test_the_endpoints_security_group_must_let_https_in_from_the_function(
        cloud, deploy, lam, ec2):
    net = Network(ec2)
    subnet, _ = net.subnet("10.0.1.0/24")
    function_group = net.security_group("net-fn")
    closed = net.security_group("net-closed")  # no inbound rule at all
    endpoint = net.interface_endpoint("lambda", [subnet], groups=[closed])
    name = deploy_in_vpc(deploy, lam, "net-sg-in", [subnet], [function_group])
    [result] = probe(lam, name, LAMBDA)
    assert_black_hole(result)
    assert cloud.explain_reachability(name).reason.endswith(
        f"but its security groups {closed} allow no inbound TCP 443 from {function_group} or "
        f"from subnet {subnet} (10.0.1.0/24)")
    ec2.authorize_security_group_ingress(GroupId=closed,
                                         IpPermissions=[https_from_cidr("10.0.1.0/24")])
    assert probe(lam, name, LAMBDA)[0]["ok"] == 200  # the subnet's CIDR is let in now
    assert endpoint["Groups"] == [{"GroupId": closed, "GroupName": "net-closed"}]


def test_the_functions_security_group_must_let_https_out_to_the_endpoint(
        cloud, deploy, lam, ec2):
    net = Network(ec2)
    subnet, _ = net.subnet("10.0.1.0/24")
    silent = net.security_group("net-silent", egress=[])  # no outbound rule at all
    endpoint_group = net.security_group("net-endpoint", ingress=[https_from_group(silent)])
    net.interface_endpoint("lambda", [subnet], groups=[endpoint_group])
    name = deploy_in_vpc(deploy, lam, "net-sg-out", [subnet], [silent])
    [result] = probe(lam, name, LAMBDA)
    assert_black_hole(result)
    assert f"the security groups {silent} of {name} allow no outbound TCP 443" in (
        cloud.explain_reachability(name).reason)
    ec2.authorize_security_group_egress(GroupId=silent,
                                        IpPermissions=[https_from_group(endpoint_group)])
    assert probe(lam, name, LAMBDA)[0]["ok"] == 200


def test_s3_and_dynamodb_through_gateway_endpoints_of_the_subnets_route_table(
        cloud, deploy, lam, ec2):
    net = Network(ec2)
    subnet, table = net.subnet("10.0.1.0/24")
    other_subnet, other_table = net.subnet("10.0.2.0/24")
    for service in ("s3", "dynamodb"):
        endpoint = net.gateway_endpoint(service, [table])
        assert endpoint["DnsEntries"] == [] and endpoint["PrivateDnsEnabled"] is False
    reached = deploy_in_vpc(deploy, lam, "net-gateway", [subnet], [net.default_group])
    assert [r.get("ok") for r in probe(lam, reached, {"service": "s3"},
                                       {"service": "dynamodb"})] == [200, "ACTIVE"]
    missed = deploy_in_vpc(deploy, lam, "net-gateway-missed", [other_subnet], [net.default_group])
    [s3] = probe(lam, missed, {"service": "s3"})
    assert_black_hole(s3, f"https://net-bucket.s3.{REGION}.amazonaws.com/")
    assert (f"nor a gateway endpoint associated with route table {other_table}"
            in cloud.explain_reachability(missed, f"s3.{REGION}.amazonaws.com").reason)


def test_sqs_through_an_interface_endpoint_but_not_the_lambda_api(cloud, deploy, lam, ec2):
    net = Network(ec2)
    subnet, _ = net.subnet("10.0.1.0/24")
    net.interface_endpoint("sqs", [subnet])
    name = deploy_in_vpc(deploy, lam, "net-sqs", [subnet], [net.default_group])
    sqs, to_lambda = probe(lam, name, {"service": "sqs"}, LAMBDA)
    assert sqs["ok"] == "net-queue"
    assert_black_hole(to_lambda)


def test_a_warm_environment_follows_route_and_endpoint_changes_at_once(
        cloud, deploy, lam, ec2):
    """AWS's network interfaces follow route and endpoint changes without a function update."""
    net = Network(ec2)
    public, _ = net.public_subnet("10.0.0.0/24")
    private, table = net.subnet("10.0.1.0/24")
    nat = net.nat_gateway(public)
    name = deploy_in_vpc(deploy, lam, "net-warm", [private], [net.default_group])
    outcomes = [probe(lam, name, LAMBDA)[0].get("error", "ok")]
    net.route_to_nat(table, nat)
    outcomes.append(probe(lam, name, LAMBDA)[0].get("error", "ok"))
    net.delete_default_route(table)
    outcomes.append(probe(lam, name, LAMBDA)[0].get("error", "ok"))
    endpoint = net.interface_endpoint("lambda", [private])
    outcomes.append(probe(lam, name, LAMBDA)[0].get("error", "ok"))
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])
    outcomes.append(probe(lam, name, LAMBDA)[0].get("error", "ok"))
    assert outcomes == ["ConnectTimeoutError", "ok", "ConnectTimeoutError", "ok",
                        "ConnectTimeoutError"]
    records = cloud.invocations(name)
    assert len({r.environment for r in records}) == 1  # one warm environment throughout
    assert [r.cold for r in records] == [True, False, False, False, False]


def test_new_environments_take_the_functions_subnets_in_turn(cloud, deploy, lam, ec2):
    net = Network(ec2)
    public, _ = net.public_subnet("10.0.0.0/24")
    routed, routed_table = net.subnet("10.0.1.0/24")
    isolated, _ = net.subnet("10.0.2.0/24", zone="c")
    net.route_to_nat(routed_table, net.nat_gateway(public))
    name = deploy_in_vpc(deploy, lam, "net-turns", [routed, isolated], [net.default_group])
    results: list[str] = []
    together = threading.Barrier(2)

    def run() -> None:  # sent together, busy for 1 s first: the two need two environments
        together.wait(timeout=10)
        response = lam.invoke(FunctionName=name,
                              Payload=json.dumps({"sleep": 1, "probes": [LAMBDA]}))
        results.append(read_json(response)[0].get("error", "ok"))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ConnectTimeoutError", "ok"]
    assert len({r.environment for r in cloud.invocations(name)}) == 2
    explanation = cloud.explain_reachability(name)
    assert not explanation.reachable
    assert explanation.by_subnet[routed].reachable and not explanation.by_subnet[
        isolated].reachable
    assert explanation.reason.startswith("environments take the subnets in turn, so only some "
                                         "invocations get through; ")


def test_private_dns_needs_the_vpcs_dns_attributes_at_request_time_too(cloud, deploy, lam, ec2):
    net = Network(ec2)
    subnet, _ = net.subnet("10.0.1.0/24")
    endpoint = net.interface_endpoint("lambda", [subnet])
    name = deploy_in_vpc(deploy, lam, "net-dns-off", [subnet], [net.default_group])
    assert cloud.explain_reachability(name).reachable
    ec2.modify_vpc_attribute(VpcId=net.vpc_id, EnableDnsHostnames={"Value": False})
    explanation = cloud.explain_reachability(name)
    assert not explanation.reachable
    assert (f"interface endpoint {endpoint['VpcEndpointId']} has private DNS, but {net.vpc_id} "
            f"has enableDnsHostnames off, so lambda.{REGION}.amazonaws.com resolves to public "
            "addresses") in explanation.reason


def test_explanations_for_hosts_beyond_aws_and_global_names(cloud, deploy, lam, ec2):
    net = Network(ec2)
    subnet, _ = net.subnet("10.0.1.0/24")
    name = deploy_in_vpc(deploy, lam, "net-explain", [subnet], [net.default_group])
    assert str(cloud.explain_reachability(name, "example.com")) == (
        "unreachable: example.com is not an AWS endpoint, and the local cloud sends no traffic "
        "beyond this machine")
    assert cloud.explain_reachability(name, "iam.amazonaws.com").reason.endswith(
        "and iam.amazonaws.com is a global name that no VPC endpoint serves")
    assert str(cloud.explain_reachability("net-callee")) == (
        "reachable: net-callee is not connected to a VPC, and Lambda's own network reaches "
        "every public AWS endpoint")
