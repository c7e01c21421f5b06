"""CloudFormation evaluates a template as AWS does: Fn::GetAZs in the stack's region, and
conditions again at every stack update.

Sources:
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getavailabilityzones.html
("Specifying an empty string is equivalent to specifying AWS::Region"),
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html
(conditions are evaluated at stack creation and at every stack update; resources of a false
condition are not part of the stack),
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackResources.html
(the resources of a stack: a logical id, a physical id and a type each).
"""

from __future__ import annotations

import json

import pytest

from lambdalab.deploy import delete_stack, deploy_stack, stack_status

TEMPLATE = {
    "Parameters": {"Way": {"Type": "String", "Default": "none",
                           "AllowedValues": ["none", "nat", "endpoint"]}},
    "Conditions": {"WithNat": {"Fn::Equals": [{"Ref": "Way"}, "nat"]},
                   "WithEndpoint": {"Fn::Equals": [{"Ref": "Way"}, "endpoint"]}},
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {
            "CidrBlock": "10.9.0.0/16", "EnableDnsSupport": True, "EnableDnsHostnames": True}},
        "Gateway": {"Type": "AWS::EC2::InternetGateway"},  # declared without properties
        "Attachment": {"Type": "AWS::EC2::VPCGatewayAttachment", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "Gateway"}}},
        "Public": {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.9.0.0/24",
            "AvailabilityZone": {"Fn::Select": [0, {"Fn::GetAZs": ""}]}}},
        "Private": {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.9.1.0/24",
            "AvailabilityZone": {"Fn::Select": [1, {"Fn::GetAZs": {"Ref": "AWS::Region"}}]}}},
        "PrivateTable": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "Address": {"Type": "AWS::EC2::EIP", "Condition": "WithNat",
                    "Properties": {"Domain": "vpc"}},
        "Nat": {"Type": "AWS::EC2::NatGateway", "Condition": "WithNat", "Properties": {
            "AllocationId": {"Fn::GetAtt": ["Address", "AllocationId"]},
            "SubnetId": {"Ref": "Public"}}},
        "RouteToNat": {"Type": "AWS::EC2::Route", "Condition": "WithNat", "Properties": {
            "RouteTableId": {"Ref": "PrivateTable"}, "DestinationCidrBlock": "0.0.0.0/0",
            "NatGatewayId": {"Ref": "Nat"}}},
        "Endpoint": {"Type": "AWS::EC2::VPCEndpoint", "Condition": "WithEndpoint",
                     "Properties": {
                         "VpcId": {"Ref": "Vpc"}, "VpcEndpointType": "Interface",
                         "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.lambda"},
                         "SubnetIds": [{"Ref": "Private"}], "PrivateDnsEnabled": True}},
    },
    "Outputs": {"VpcId": {"Value": {"Ref": "Vpc"}},
                "Table": {"Value": {"Ref": "PrivateTable"}},
                "NatId": {"Condition": "WithNat", "Value": {"Ref": "Nat"}}},
}
CONDITIONAL = {"Address", "Nat", "RouteToNat", "Endpoint"}
VPC_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("evaluation") / "template.json"
    path.write_text(json.dumps(TEMPLATE))
    return str(path)


def listed(cloud, stack: str) -> dict[str, dict]:
    pages = cloud.client("cloudformation").get_paginator("list_stack_resources").paginate(
        StackName=stack)
    return {r["LogicalResourceId"]: r for page in pages for r in page["StackResourceSummaries"]}


def live(cloud, vpc_id: str) -> tuple[list[str], list[str], list[str]]:
    """The VPC's NAT gateways and endpoints that are not deleted, and its 0.0.0.0/0 routes."""
    ec2 = cloud.client("ec2")
    by_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    nats = [n["NatGatewayId"] for n in ec2.describe_nat_gateways(Filters=by_vpc)["NatGateways"]
            if n["State"] in ("pending", "available")]
    endpoints = [e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints(Filters=by_vpc)[
        "VpcEndpoints"] if e["State"].lower() in ("pending", "available")]
    routes = [r.get("NatGatewayId") or r.get("GatewayId")
              for table in ec2.describe_route_tables(Filters=by_vpc)["RouteTables"]
              for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    return nats, endpoints, routes


def test_get_azs_of_an_empty_string_lists_the_zones_of_the_stacks_region(cloud, template):
    deploy_stack(cloud, template, "eval-zones")
    resources = listed(cloud, "eval-zones")
    subnets = cloud.client("ec2").describe_subnets(SubnetIds=[
        resources["Public"]["PhysicalResourceId"], resources["Private"]["PhysicalResourceId"]])
    zones = {s["CidrBlock"]: s["AvailabilityZone"] for s in subnets["Subnets"]}
    region_zones = [z["ZoneName"] for z in cloud.client("ec2").describe_availability_zones()[
        "AvailabilityZones"]]
    assert zones == {"10.9.0.0/24": region_zones[0], "10.9.1.0/24": region_zones[1]}
    assert all(zone.startswith(cloud.region) for zone in zones.values())


def test_resources_of_a_false_condition_are_not_listed(cloud, template):
    outputs = deploy_stack(cloud, template, "eval-listing")
    resources = listed(cloud, "eval-listing")
    assert not CONDITIONAL & set(resources)
    assert all(r["PhysicalResourceId"] and r["ResourceType"] for r in resources.values())
    assert "NatId" not in outputs


def test_an_update_that_turns_a_condition_on_creates_its_resources_and_off_deletes_them(
        cloud, template):
    outputs = deploy_stack(cloud, template, "eval-flip")
    vpc = outputs["VpcId"]
    assert live(cloud, vpc) == ([], [], [])

    outputs = deploy_stack(cloud, template, "eval-flip", {"Way": "nat"})
    nats, endpoints, routes = live(cloud, vpc)
    assert nats == [outputs["NatId"]] and endpoints == [] and routes == [outputs["NatId"]]
    assert {"Address", "Nat", "RouteToNat"} <= set(listed(cloud, "eval-flip"))

    outputs = deploy_stack(cloud, template, "eval-flip", {"Way": "endpoint"})
    nats, endpoints, routes = live(cloud, vpc)
    assert nats == [] and routes == [] and len(endpoints) == 1
    assert "NatId" not in outputs
    assert set(listed(cloud, "eval-flip")) & CONDITIONAL == {"Endpoint"}

    deploy_stack(cloud, template, "eval-flip", {"Way": "nat"})  # and back: a route again
    nats, endpoints, routes = live(cloud, vpc)
    assert len(nats) == 1 and endpoints == [] and routes == nats

    deploy_stack(cloud, template, "eval-flip", {"Way": "none"})
    assert live(cloud, vpc) == ([], [], [])
    assert not set(listed(cloud, "eval-flip")) & CONDITIONAL


def test_a_resource_declared_without_properties_survives_an_update(cloud, template):
    deploy_stack(cloud, template, "eval-gateway")
    before = listed(cloud, "eval-gateway")["Gateway"]["PhysicalResourceId"]
    deploy_stack(cloud, template, "eval-gateway", {"Way": "nat"})
    assert listed(cloud, "eval-gateway")["Gateway"]["PhysicalResourceId"] == before
    gateways = cloud.client("ec2").describe_internet_gateways(InternetGatewayIds=[before])
    assert gateways["InternetGateways"][0]["Attachments"][0]["State"] == "available"


def test_deleting_a_stack_detaches_the_managed_policies_of_its_roles(cloud, tmp_path):
    """CloudFormation detaches a role's ManagedPolicyArns before it deletes the role
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html);
    IAM refuses to delete a role that still has policies attached."""
    template = tmp_path / "role.json"
    template.write_text(json.dumps({"Resources": {"Role": {
        "Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole"}]},
            "ManagedPolicyArns": [VPC_ACCESS]}}}}))
    deploy_stack(cloud, template, "eval-role")
    role = listed(cloud, "eval-role")["Role"]["PhysicalResourceId"]
    iam = cloud.client("iam")
    assert [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)[
        "AttachedPolicies"]] == [VPC_ACCESS]
    delete_stack(cloud, "eval-role")
    assert stack_status(cloud.client("cloudformation"), "eval-role") is None
    assert role not in [r["RoleName"] for r in iam.list_roles()["Roles"]]


def test_deleting_a_stack_deletes_its_nat_gateway_route_address_and_endpoint(cloud, template):
    """DeleteStack deletes every resource the stack created, its VPC last."""
    outputs = deploy_stack(cloud, template, "eval-delete", {"Way": "nat"})
    ec2 = cloud.client("ec2")
    address = ec2.describe_nat_gateways(NatGatewayIds=[outputs["NatId"]])["NatGateways"][0][
        "NatGatewayAddresses"][0]["AllocationId"]
    delete_stack(cloud, "eval-delete")
    assert stack_status(cloud.client("cloudformation"), "eval-delete") is None
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [outputs["VpcId"]]}])[
        "Vpcs"] == []
    assert ec2.describe_nat_gateways(NatGatewayIds=[outputs["NatId"]])["NatGateways"][0][
        "State"] == "deleted"
    assert address not in [a["AllocationId"] for a in ec2.describe_addresses()["Addresses"]]
