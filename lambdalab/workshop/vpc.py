"""Networks built with plain EC2 calls, as a learner builds them, and functions placed in them.

The exercises of notebook 03 and the cloud's VPC tests build their networks with this:
a :class:`Network` is one VPC, to which subnets (each with its own route table), an
internet gateway, NAT gateways, security groups and VPC endpoints are added one call at
a time, exactly as the boto3 calls of AWS's documentation do.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from lambdalab.workshop.functions import RUNTIME, TRUST, grant_sandbox

VPC_ACCESS_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
VPC_ROLE_NAME = "workshop-vpc-exercises"
ANYWHERE = "0.0.0.0/0"


class Network:
    """One VPC; DNS support is on, DNS hostnames too unless told (private DNS needs both)."""

    def __init__(self, ec2: Any, cidr: str = "10.0.0.0/16", *, dns_hostnames: bool = True):
        self.ec2 = ec2
        self.region = ec2.meta.region_name
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
                                        AvailabilityZone=f"{self.region}{zone}")["Subnet"][
            "SubnetId"]
        table = self.ec2.create_route_table(VpcId=self.vpc_id)["RouteTable"]["RouteTableId"]
        self.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        return subnet, table

    def internet_gateway(self) -> str:
        if self._igw is None:
            self._igw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
            self.ec2.attach_internet_gateway(InternetGatewayId=self._igw, VpcId=self.vpc_id)
        return self._igw

    def public_subnet(self, cidr: str, zone: str = "a") -> tuple[str, str]:
        """A subnet whose route table sends 0.0.0.0/0 to the VPC's internet gateway."""
        subnet, table = self.subnet(cidr, zone)
        self.ec2.create_route(RouteTableId=table, DestinationCidrBlock=ANYWHERE,
                              GatewayId=self.internet_gateway())
        return subnet, table

    def nat_gateway(self, subnet: str) -> str:
        allocation = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
        return self.ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)[
            "NatGateway"]["NatGatewayId"]

    def route_to_nat(self, table: str, nat: str) -> None:
        self.ec2.create_route(RouteTableId=table, DestinationCidrBlock=ANYWHERE,
                              NatGatewayId=nat)

    def delete_default_route(self, table: str) -> None:
        self.ec2.delete_route(RouteTableId=table, DestinationCidrBlock=ANYWHERE)

    def security_group(self, name: str, *, ingress: list[dict[str, Any]] | None = None,
                       egress: list[dict[str, Any]] | None = None) -> str:
        """A group with the given rules; ``egress`` replaces the default allow-all rule."""
        group = self.ec2.create_security_group(GroupName=name, Description=name,
                                               VpcId=self.vpc_id)["GroupId"]
        if ingress:
            self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=ingress)
        if egress is not None:
            self.ec2.revoke_security_group_egress(GroupId=group, IpPermissions=[
                {"IpProtocol": "-1", "IpRanges": [{"CidrIp": ANYWHERE}]}])
            if egress:
                self.ec2.authorize_security_group_egress(GroupId=group, IpPermissions=egress)
        return group

    def interface_endpoint(self, service: str, subnets: list[str], *,
                           groups: list[str] | None = None,
                           private_dns: bool = True) -> dict[str, Any]:
        options: dict[str, Any] = {"SecurityGroupIds": groups} if groups else {}
        return self.ec2.create_vpc_endpoint(
            VpcId=self.vpc_id, ServiceName=f"com.amazonaws.{self.region}.{service}",
            VpcEndpointType="Interface", SubnetIds=subnets, PrivateDnsEnabled=private_dns,
            **options)["VpcEndpoint"]

    def gateway_endpoint(self, service: str, tables: list[str]) -> dict[str, Any]:
        return self.ec2.create_vpc_endpoint(
            VpcId=self.vpc_id, ServiceName=f"com.amazonaws.{self.region}.{service}",
            VpcEndpointType="Gateway", RouteTableIds=tables)["VpcEndpoint"]


def https_from_group(group: str) -> dict[str, Any]:
    """A security group rule: TCP 443 from (or to) the members of ``group``."""
    return {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
            "UserIdGroupPairs": [{"GroupId": group}]}


def https_from_cidr(cidr: str) -> dict[str, Any]:
    """A security group rule: TCP 443 from (or to) the addresses of ``cidr``."""
    return {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
            "IpRanges": [{"CidrIp": cidr}]}


def vpc_execution_role_arn(cloud: Any, name: str = VPC_ROLE_NAME) -> str:
    """An execution role with AWS's managed policy for functions in a VPC (created once)."""
    iam = cloud.client("iam")
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except ClientError:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        iam.attach_role_policy(RoleName=name, PolicyArn=VPC_ACCESS_POLICY)
        grant_sandbox(cloud, name)
        return arn


def put_vpc_function(cloud: Any, name: str, package: bytes, handler: str, *,
                     subnets: list[str], groups: list[str],
                     environment: dict[str, str] | None = None, timeout: int = 5) -> None:
    """Create ``name`` in the given subnets (or replace its code and configuration), and
    wait until Lambda has set it up, as ``function_active_v2`` and ``function_updated_v2``
    do on AWS."""
    lam = cloud.client("lambda")
    config = {"Handler": handler, "Timeout": timeout,
              "Environment": {"Variables": dict(environment or {})},
              "VpcConfig": {"SubnetIds": subnets, "SecurityGroupIds": groups}}
    waiting = {"Delay": 0.1, "MaxAttempts": 100}
    try:
        lam.get_function(FunctionName=name)
    except ClientError:
        lam.create_function(FunctionName=name, Runtime=RUNTIME, Code={"ZipFile": package},
                            Role=vpc_execution_role_arn(cloud), **config)
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=waiting)
        return
    lam.update_function_code(FunctionName=name, ZipFile=package)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=waiting)
    lam.update_function_configuration(FunctionName=name, **config)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=waiting)
