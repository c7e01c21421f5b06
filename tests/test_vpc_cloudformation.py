"""A network deployed by CloudFormation behaves exactly like the same network built by API.

``templates/vpc_probes.yaml`` (cfn-lint clean, deployable to a real account) builds a VPC
with a NAT gateway, a private subnet routed to it and an isolated subnet with an SQS
interface endpoint and an S3 gateway endpoint, plus a probe function in each private
subnet. The test builds the same network with EC2 calls and compares what each function
can reach, host by host, reason by reason.

Sources: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroup.html
(an egress rule replaces the default allow-all rule),
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpc.html
(EnableDnsHostnames), https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html,
https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lambdalab.deploy import StackDeployError, deploy_stack
from vpc_builder import (
    CALLEE,
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

TEMPLATE = Path(__file__).parent / "templates" / "vpc_probes.yaml"
HOSTS = (f"lambda.{REGION}.amazonaws.com", f"sqs.{REGION}.amazonaws.com",
         f"net-bucket.s3.{REGION}.amazonaws.com", f"sts.{REGION}.amazonaws.com")
EXPECTED = {  # what AWS's rules give for this network
    "routed": {HOSTS[0]: True, HOSTS[1]: True, HOSTS[2]: True, HOSTS[3]: True},
    "isolated": {HOSTS[0]: False, HOSTS[1]: True, HOSTS[2]: True, HOSTS[3]: False},
}
RESOURCE_ID = re.compile(r"\b(vpc|subnet|rtb|igw|nat|sg|vpce|pl)-[0-9a-f]+\b")


@pytest.fixture(scope="module")
def stack(cloud, deploy):
    create_probe_targets(cloud, deploy)
    return deploy_stack(cloud, TEMPLATE, "vpc-probes", {"ProbeCode": PROBE})


@pytest.fixture(scope="module")
def api_twin(cloud, deploy, lam):
    """The template's network and functions, built with plain EC2 and Lambda calls."""
    ec2 = cloud.client("ec2")
    allow_vpc_access(cloud)
    net = Network(ec2)
    public, _ = net.public_subnet("10.0.0.0/24", zone="a")
    routed, routed_table = net.subnet("10.0.1.0/24", zone="a")
    isolated, isolated_table = net.subnet("10.0.2.0/24", zone="c")
    net.route_to_nat(routed_table, net.nat_gateway(public))
    function_group = net.security_group("twin-fn", egress=[https_from_cidr("0.0.0.0/0")])
    endpoint_group = net.security_group("twin-endpoint", ingress=[
        https_from_group(function_group)], egress=[https_from_cidr("10.0.0.0/16")])
    net.interface_endpoint("sqs", [isolated], groups=[endpoint_group])
    net.gateway_endpoint("s3", [isolated_table])
    for name, subnet in (("api-routed", routed), ("api-isolated", isolated)):
        deploy_in_vpc(deploy, lam, name, [subnet], [function_group])
    return net


def reachability(cloud, function: str) -> dict[str, tuple[bool, str]]:
    """Per host: reachable, and the reason with resource ids and the function's name masked."""
    result = {}
    for host in HOSTS:
        explanation = cloud.explain_reachability(function, host)
        reason = RESOURCE_ID.sub(r"\1-…", explanation.reason).replace(function, "<function>")
        result[host] = (explanation.reachable, reason)
    return result


@pytest.mark.parametrize("place", ["routed", "isolated"])
def test_the_stacks_network_behaves_like_the_same_network_built_by_api(
        cloud, stack, api_twin, place):
    from_stack = reachability(cloud, f"stack-{place}")
    assert {host: reachable for host, (reachable, _) in from_stack.items()} == EXPECTED[place]
    assert from_stack == reachability(cloud, f"api-{place}")


def test_functions_of_the_stack_are_active_when_it_completes_and_probe_as_expected(
        cloud, stack, lam):
    assert lam.get_function_configuration(FunctionName="stack-isolated")["State"] == "Active"
    to_lambda, to_sqs, to_s3 = probe(lam, "stack-isolated", {"service": "lambda"},
                                     {"service": "sqs"}, {"service": "s3"})
    assert to_lambda["error"] == "ConnectTimeoutError"
    assert (to_sqs["ok"], to_s3["ok"]) == ("net-queue", 200)
    assert probe(lam, "stack-routed", {"service": "lambda"})[0]["ok"] == 200


def test_the_stacks_security_groups_and_vpc_attributes_are_as_declared(cloud, stack):
    ec2 = cloud.client("ec2")
    groups = {g["GroupId"]: g for g in ec2.describe_security_groups(GroupIds=[
        stack["FunctionSecurityGroup"], stack["EndpointSecurityGroup"]])["SecurityGroups"]}

    def rules(group_id: str, direction: str) -> list[tuple]:
        return [(p["IpProtocol"], p.get("FromPort"), p.get("ToPort"),
                 [r["CidrIp"] for r in p["IpRanges"]],
                 [g["GroupId"] for g in p["UserIdGroupPairs"]])
                for p in groups[group_id][direction]]

    function_group, endpoint_group = stack["FunctionSecurityGroup"], stack["EndpointSecurityGroup"]
    assert rules(function_group, "IpPermissionsEgress") == [("tcp", 443, 443, ["0.0.0.0/0"], [])]
    assert rules(endpoint_group, "IpPermissionsEgress") == [("tcp", 443, 443, ["10.0.0.0/16"], [])]
    assert rules(endpoint_group, "IpPermissions") == [("tcp", 443, 443, [], [function_group])]
    hostnames = ec2.describe_vpc_attribute(VpcId=stack["VpcId"], Attribute="enableDnsHostnames")
    assert hostnames["EnableDnsHostnames"]["Value"] is True


def test_a_stack_whose_function_names_an_unknown_subnet_rolls_back_with_lambdas_error(
        cloud, deploy, tmp_path):
    template = tmp_path / "bad_subnet.json"
    template.write_text(json.dumps({"Resources": {"Probe": {
        "Type": "AWS::Lambda::Function",
        "Properties": {"FunctionName": "stack-bad-subnet", "Runtime": "python3.12",
                       "Handler": "index.handler", "Role": deploy.role_arn,
                       "Code": {"ZipFile": CALLEE},
                       "VpcConfig": {"SubnetIds": ["subnet-0123456789abcdef0"],
                                     "SecurityGroupIds": ["sg-0123456789abcdef0"]}}}}}))
    with pytest.raises(StackDeployError) as refused:
        deploy_stack(cloud, template, "vpc-bad-subnet")
    assert str(refused.value) == (
        'stack vpc-bad-subnet: Resource handler returned message: "Error occurred while '
        "DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound. EC2 Error Message: The "
        "subnet ID 'subnet-0123456789abcdef0' does not exist\"")
    functions = cloud.client("lambda").list_functions()["Functions"]
    assert "stack-bad-subnet" not in [f["FunctionName"] for f in functions]
