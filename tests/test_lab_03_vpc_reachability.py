"""Lab 03 deployed from its CloudFormation template, once per network, behaves as the notebook
says: isolated private subnets black-hole the call to Lambda's API; an interface endpoint or
a NAT gateway carries it, with no code change.

Sources: https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html,
https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-endpoints.html,
https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from lab_stacks import execution_role, inline_policy

from lambdalab.deploy import delete_stack, deploy_stack, stack_status
from lambdalab.workshop import lab_path
from lambdalab.workshop.network_view import draw_network, show_reachability

LAB = "03_vpc_reachability"
TEMPLATE = lab_path(LAB, "template.yaml")
ORDER = lab_path(LAB, "events", "order.json").read_text()
URL = "https://lambda.ap-northeast-1.amazonaws.com/2015-03-31/functions/{}/invocations"
VPC_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
RESERVED = {"order_id": "A-3001", "reserved": [{"sku": "apple", "qty": 2},
                                               {"sku": "melon", "qty": 1}]}


@pytest.fixture(scope="module")
def stacks(cloud) -> dict[str, dict[str, str]]:
    """One stack per value of the template's Network parameter."""
    return {network: deploy_stack(cloud, TEMPLATE, f"lab3-{network}", {"Network": network})
            for network in ("isolated", "endpoint", "nat")}


def call(cloud, name: str) -> tuple[str | None, dict, float]:
    started = time.monotonic()
    response = cloud.client("lambda").invoke(FunctionName=name, Payload=ORDER)
    return (response.get("FunctionError"), json.loads(response["Payload"].read()),
            time.monotonic() - started)


def last_report_ms(cloud, name: str) -> float:
    report = [line for line in cloud.logs(name) if line.startswith("REPORT")][-1]
    return float(re.search(r"\tDuration: ([\d.]+) ms", report).group(1))


def test_each_network_has_what_its_parameter_says(cloud, stacks):
    ec2 = cloud.client("ec2")
    for network, outputs in stacks.items():
        assert outputs["Network"] == network
        assert (outputs["InvokedFunctionName"], outputs["WrongCallerFunctionName"],
                outputs["FixedCallerFunctionName"]) == (
            f"lab3-{network}-invoked", f"lab3-{network}-caller-wrong",
            f"lab3-{network}-caller-fixed")
        by_vpc = [{"Name": "vpc-id", "Values": [outputs["VpcId"]]}]
        endpoints = ec2.describe_vpc_endpoints(Filters=by_vpc)["VpcEndpoints"]
        nats = ec2.describe_nat_gateways(Filters=by_vpc)["NatGateways"]
        assert [e["ServiceName"] for e in endpoints] == (
            ["com.amazonaws.ap-northeast-1.lambda"] if network == "endpoint" else [])
        assert [n["State"] for n in nats] == (["available"] if network == "nat" else [])
        assert ("NatGatewayId" in outputs, "LambdaEndpointId" in outputs) == (
            network == "nat", network == "endpoint")
    endpoint = ec2.describe_vpc_endpoints(
        VpcEndpointIds=[stacks["endpoint"]["LambdaEndpointId"]])["VpcEndpoints"][0]
    assert endpoint["PrivateDnsEnabled"] is True
    assert sorted(endpoint["SubnetIds"]) == sorted(
        stacks["endpoint"]["PrivateSubnetIds"].split(","))


def test_the_callers_sit_in_two_private_subnets_of_two_zones(cloud, stacks):
    outputs = stacks["isolated"]
    config = cloud.client("lambda").get_function_configuration(
        FunctionName=outputs["WrongCallerFunctionName"])
    assert config["State"] == "Active"
    assert config["VpcConfig"]["VpcId"] == outputs["VpcId"]
    assert config["VpcConfig"]["SubnetIds"] == outputs["PrivateSubnetIds"].split(",")
    subnets = cloud.client("ec2").describe_subnets(
        SubnetIds=config["VpcConfig"]["SubnetIds"])["Subnets"]
    assert sorted(s["AvailabilityZone"] for s in subnets) == ["ap-northeast-1a",
                                                              "ap-northeast-1c"]
    inventory = cloud.client("lambda").get_function_configuration(
        FunctionName=outputs["InvokedFunctionName"])
    assert not (inventory.get("VpcConfig") or {}).get("SubnetIds")  # outside any VPC


def test_caller_role_has_vpc_access_and_may_invoke_only_the_inventory_function(cloud, stacks):
    caller = stacks["nat"]["WrongCallerFunctionName"]
    attached = cloud.client("iam").list_attached_role_policies(
        RoleName=execution_role(cloud, caller))["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [VPC_ACCESS]
    assert inline_policy(cloud, caller)["Statement"] == [{
        "Effect": "Allow", "Action": "lambda:InvokeFunction",
        "Resource": "arn:aws:lambda:ap-northeast-1:123456789012:function:lab3-nat-invoked"}]


def test_isolated_the_wrong_caller_hangs_until_its_timeout_and_nothing_reaches_lambda(
        cloud, stacks):
    outputs = stacks["isolated"]
    wrong = outputs["WrongCallerFunctionName"]
    error, result, seconds = call(cloud, wrong)
    assert error == "Unhandled"
    assert result["errorType"] == "Sandbox.Timedout"
    assert result["errorMessage"].endswith("Task timed out after 5.00 seconds")
    assert seconds >= 5
    assert cloud.invocations(outputs["InvokedFunctionName"]) == []
    lines = cloud.logs(wrong)
    assert lines[1] == "order A-3001: reserving stock"
    assert lines[2].endswith("Task timed out after 5.00 seconds")
    assert [line.split(" ")[0] for line in lines[3:]] == ["END", "REPORT"]


def test_isolated_the_fixed_caller_fails_by_itself_within_a_second_naming_the_url(
        cloud, stacks):
    fixed = stacks["isolated"]["FixedCallerFunctionName"]
    error, result, _ = call(cloud, fixed)
    assert error == "Unhandled"
    assert result["errorType"] == "LambdaApiUnreachable"
    url = URL.format(stacks["isolated"]["InvokedFunctionName"])
    assert result["errorMessage"].startswith(f'Connect timeout on endpoint URL: "{url}". ')
    assert 950 <= last_report_ms(cloud, fixed) < 2000  # one attempt of 1 s, no retry
    explanation = cloud.explain_reachability(fixed)
    assert not explanation.reachable
    assert all("has no route to a NAT gateway" in v.reason
               for v in explanation.by_subnet.values())


@pytest.mark.parametrize("network", ["endpoint", "nat"])
def test_with_an_endpoint_or_a_nat_gateway_both_callers_get_their_reservation(
        cloud, stacks, network):
    outputs = stacks[network]
    for caller in (outputs["WrongCallerFunctionName"], outputs["FixedCallerFunctionName"]):
        error, result, _ = call(cloud, caller)
        assert (error, result) == (None, {"status": "accepted", "reservation": RESERVED})
    assert len(cloud.invocations(outputs["InvokedFunctionName"])) == 2
    way = "interface endpoint" if network == "endpoint" else "NAT gateway"
    assert way in cloud.explain_reachability(outputs["WrongCallerFunctionName"]).reason


def test_only_the_nat_gateway_opens_other_aws_services(cloud, stacks):
    sqs = "sqs.ap-northeast-1.amazonaws.com"
    assert cloud.explain_reachability(stacks["nat"]["WrongCallerFunctionName"], sqs).reachable
    assert not cloud.explain_reachability(stacks["endpoint"]["WrongCallerFunctionName"],
                                          sqs).reachable


def test_without_private_dns_the_fixed_caller_reaches_the_endpoint_by_its_own_name(
        cloud, stacks):
    """The article's fix: an endpoint without private DNS, called as endpoint_url."""
    outputs = stacks["endpoint"]
    ec2, lam = cloud.client("ec2"), cloud.client("lambda")
    fixed = outputs["FixedCallerFunctionName"]
    endpoint = ec2.describe_vpc_endpoints(
        VpcEndpointIds=[outputs["LambdaEndpointId"]])["VpcEndpoints"][0]
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint["VpcEndpointId"], PrivateDnsEnabled=False)
    variables = lam.get_function_configuration(FunctionName=fixed)["Environment"]["Variables"]
    try:
        assert call(cloud, fixed)[1]["errorType"] == "LambdaApiUnreachable"
        own_name = endpoint["DnsEntries"][0]["DnsName"]
        assert re.fullmatch(r"vpce-[0-9a-f]+-[a-z0-9]{8}\.lambda\.ap-northeast-1\.vpce\."
                            r"amazonaws\.com", own_name)
        lam.update_function_configuration(FunctionName=fixed, Environment={"Variables": {
            **variables, "LAMBDA_ENDPOINT_URL": f"https://{own_name}"}})
        lam.get_waiter("function_updated_v2").wait(
            FunctionName=fixed, WaiterConfig={"Delay": 0.1, "MaxAttempts": 50})
        error, result, _ = call(cloud, fixed)
        assert (error, result["status"]) == (None, "accepted")
    finally:
        ec2.modify_vpc_endpoint(VpcEndpointId=endpoint["VpcEndpointId"],
                                PrivateDnsEnabled=True)
        lam.update_function_configuration(FunctionName=fixed,
                                          Environment={"Variables": variables})


def test_switching_the_network_of_one_stack_changes_what_the_fixed_caller_gets(cloud):
    """`aws cloudformation deploy --parameter-overrides Network=...` on one stack."""
    outputs = deploy_stack(cloud, TEMPLATE, "lab3-switch")
    fixed = outputs["FixedCallerFunctionName"]
    outcomes = []
    for network in ("endpoint", "nat", "isolated"):
        deploy_stack(cloud, TEMPLATE, "lab3-switch", {"Network": network})
        error, result, _ = call(cloud, fixed)
        outcomes.append(result["errorType"] if error else result["status"])
    assert outcomes == ["accepted", "accepted", "LambdaApiUnreachable"]
    delete_stack(cloud, "lab3-switch")  # the README's clean-up: its roles have policies
    assert stack_status(cloud.client("cloudformation"), "lab3-switch") is None


def test_the_network_views_show_the_verdict(cloud, stacks, capsys):
    wrong = stacks["isolated"]["WrongCallerFunctionName"]
    show_reachability(cloud, wrong)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"{wrong} -> lambda.ap-northeast-1.amazonaws.com: UNREACHABLE"
    assert printed[-1].startswith("  from subnet-") and " the same as from subnet-" in \
        printed[-1]
    assert all(len(line) <= 86 for line in printed)
    for network, words in (("isolated", "cannot reach"), ("endpoint", "reaches"),
                           ("nat", "reaches")):
        picture = draw_network(cloud, stacks[network]["WrongCallerFunctionName"])
        assert repr(picture) == (f"network map: lab3-{network}-caller-wrong {words} "
                                 "lambda.ap-northeast-1.amazonaws.com")
        assert picture._repr_png_().startswith(b"\x89PNG")
        assert [s.public for s in picture.state.subnets] == [True, False, False]
    inventory = stacks["isolated"]["InvokedFunctionName"]  # outside any VPC
    show_reachability(cloud, inventory)
    assert capsys.readouterr().out == (
        f"{inventory} -> lambda.ap-northeast-1.amazonaws.com: reachable\n"
        f"  {inventory} is not connected to a VPC, and Lambda's own network reaches\n"
        "  every public AWS endpoint\n")
    assert draw_network(cloud, inventory)._repr_png_().startswith(b"\x89PNG")
