"""Networks built with plain EC2 calls, as a learner builds them, and a probe function.

The probe runs inside a function and calls one AWS API per entry of its event with a
short connect timeout, reporting how each call ended and how long it took: the way a
test sees what the function's network lets through.
"""

from __future__ import annotations

import json
from typing import Any

from conftest import read_json

REGION = "ap-northeast-1"
VPC_ACCESS_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"

PROBE = """
import json
import time

import boto3
from botocore.config import Config


def call(service, client):
    if service == "lambda":
        return client.invoke(FunctionName="net-callee", Payload=b"{}")["StatusCode"]
    if service == "s3":
        return client.head_bucket(Bucket="net-bucket")["ResponseMetadata"]["HTTPStatusCode"]
    if service == "dynamodb":
        return client.describe_table(TableName="net-table")["Table"]["TableStatus"]
    if service == "sqs":
        return client.get_queue_url(QueueName="net-queue")["QueueUrl"].rsplit("/", 1)[1]
    return client.get_caller_identity()["Account"]


def handler(event, context):
    time.sleep(event.get("sleep", 0))
    results = []
    for probe in event["probes"]:
        attempts = []
        options = {}
        if probe.get("config", True):
            options["config"] = Config(connect_timeout=probe.get("connect_timeout", 1),
                                       retries=probe.get("retries", {"total_max_attempts": 1}))
        if probe.get("endpoint_url"):
            options["endpoint_url"] = probe["endpoint_url"]
        client = boto3.client(probe["service"], **options)
        client.meta.events.register("before-send", lambda **kwargs: attempts.append(1))
        started = time.monotonic()
        try:
            outcome = {"ok": call(probe["service"], client)}
        except Exception as error:
            outcome = {"error": type(error).__name__, "message": str(error)}
        outcome["seconds"] = time.monotonic() - started
        outcome["attempts"] = len(attempts)
        results.append(outcome)
    return results
"""

CALLEE = "def handler(event, context):\n    return 'callee answered'\n"


def probe(lam: Any, function: str, *probes: dict[str, Any]) -> list[dict[str, Any]]:
    """Run the probe function: one result per ``{"service": ...}`` asked for."""
    response = lam.invoke(FunctionName=function, Payload=json.dumps({"probes": list(probes)}))
    assert "FunctionError" not in response, read_json(response)
    return read_json(response)


def wait_active(lam: Any, name: str) -> None:
    lam.get_waiter("function_active_v2").wait(FunctionName=name,
                                              WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})


class Network:
    """One VPC with DNS support and hostnames on (what private DNS endpoints need)."""

    def __init__(self, ec2: Any, cidr: str = "10.0.0.0/16", *, dns_hostnames: bool = True):
        self.ec2 = ec2
        self.vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        if dns_hostnames:
            ec2.modify_vpc_attribute(VpcId=self.vpc_id, EnableDnsHostnames={"Value": True})
        self.default_group = ec2.describe_security_groups(Filters=[
            {"Name": "vpc-id", "Values": [self.vpc_id]},
            {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]
        self._igw: str | None = None

    def subnet(self, cidr: str, zone: str = "a") -> tuple[str, str]:
        """A subnet with its own route table (only the local route): (subnet, route table)."""
        subnet = self.ec2.create_subnet(VpcId=self.vpc_id, CidrBlock=cidr,
                                        AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]
        table = self.ec2.create_route_table(VpcId=self.vpc_id)["RouteTable"]["RouteTableId"]
        self.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        return subnet, table

    def internet_gateway(self) -> str:
        if self._igw is None:
            self._igw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
            self.ec2.attach_internet_gateway(InternetGatewayId=self._igw, VpcId=self.vpc_id)
        return self._igw

    def public_subnet(self, cidr: str, zone: str = "a") -> tuple[str, str]:
        subnet, table = self.subnet(cidr, zone)
        self.ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0",
                              GatewayId=self.internet_gateway())
        return subnet, table

    def nat_gateway(self, subnet: str) -> str:
        allocation = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
        return self.ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)[
            "NatGateway"]["NatGatewayId"]

    def route_to_nat(self, table: str, nat: str) -> None:
        self.ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0",
                              NatGatewayId=nat)

    def delete_default_route(self, table: str) -> None:
        self.ec2.delete_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0")

    def security_group(self, name: str, *, ingress: list[dict[str, Any]] | None = None,
                       egress: list[dict[str, Any]] | None = None) -> str:
        """A group with the given rules; ``egress`` replaces the default allow-all rule."""
        group = self.ec2.create_security_group(GroupName=name, Description=name,
                                               VpcId=self.vpc_id)["GroupId"]
        if ingress:
            self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=ingress)
        if egress is not None:
            self.ec2.revoke_security_group_egress(GroupId=group, IpPermissions=[
                {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
            if egress:
                self.ec2.authorize_security_group_egress(GroupId=group, IpPermissions=egress)
        return group

    def interface_endpoint(self, service: str, subnets: list[str], *,
                           groups: list[str] | None = None,
                           private_dns: bool = True) -> dict[str, Any]:
        options: dict[str, Any] = {"SecurityGroupIds": groups} if groups else {}
        return self.ec2.create_vpc_endpoint(
            VpcId=self.vpc_id, ServiceName=f"com.amazonaws.{REGION}.{service}",
            VpcEndpointType="Interface", SubnetIds=subnets, PrivateDnsEnabled=private_dns,
            **options)["VpcEndpoint"]

    def gateway_endpoint(self, service: str, tables: list[str]) -> dict[str, Any]:
        return self.ec2.create_vpc_endpoint(
            VpcId=self.vpc_id, ServiceName=f"com.amazonaws.{REGION}.{service}",
            VpcEndpointType="Gateway", RouteTableIds=tables)["VpcEndpoint"]


def https_from_group(group: str) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
            "UserIdGroupPairs": [{"GroupId": group}]}


def https_from_cidr(cidr: str) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
            "IpRanges": [{"CidrIp": cidr}]}
