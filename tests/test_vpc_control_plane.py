"""Lambda's and EC2's control plane for VPC functions, with AWS's answers and errors.

Sources:
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html (execution role needs
  ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces, ec2:DeleteNetworkInterface,
  which AWSLambdaVPCAccessExecutionRole grants; subnets and security groups of one VPC;
  detaching with empty lists)
- https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html (Pending while Lambda
  creates the network interfaces; Invoke and updates fail meanwhile; LastUpdateStatus
  InProgress while an existing function is connected to a VPC)
- https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html
  ("ResourceConflictException: The operation cannot be performed at this time. The function
  is currently in the following state: Pending")
- https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html
  (DNS names of interface endpoints: regional, zonal, private DNS name)
- https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html (private
  DNS needs enableDnsSupport and enableDnsHostnames)
- https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html (the default
  group lets in all traffic from itself)
- https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html
"""

from __future__ import annotations

import json
import re

import pytest
from botocore.exceptions import ClientError

from conftest import ROLE_NAME, read_json
from lambdalab.control import lifecycle
from lambdalab.packaging import zip_files
from vpc_builder import CALLEE, REGION, VPC_ACCESS_POLICY, Network, wait_active

ENI_MANAGEMENT_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaENIManagementAccess"
BASIC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


@pytest.fixture(scope="module")
def ec2(cloud):
    return cloud.client("ec2")


@pytest.fixture(scope="module")
def iam(cloud):
    return cloud.client("iam")


@pytest.fixture(scope="module")
def net(cloud, deploy, ec2):
    """One VPC with two subnets in two zones; the test role may manage network interfaces."""
    cloud.client("iam").attach_role_policy(RoleName=ROLE_NAME, PolicyArn=VPC_ACCESS_POLICY)
    deploy("cp-healthy", CALLEE)
    network = Network(ec2)
    network.subnet_a, _ = network.subnet("10.0.1.0/24", zone="a")
    network.subnet_c, _ = network.subnet("10.0.2.0/24", zone="c")
    return network


def vpc(net: Network, *, subnets: list[str] | None = None, groups: list[str] | None = None):
    return {"SubnetIds": [net.subnet_a] if subnets is None else subnets,
            "SecurityGroupIds": [net.default_group] if groups is None else groups}


def error_of(call) -> dict:
    with pytest.raises(ClientError) as caught:
        call()
    return {"status": caught.value.response["ResponseMetadata"]["HTTPStatusCode"],
            **caught.value.response["Error"]}


def create(lam, deploy, name: str, **config):
    return lambda: deploy(name, CALLEE, **config)


def assert_not_created_and_cloud_healthy(lam, name: str) -> None:
    assert error_of(lambda: lam.get_function(FunctionName=name))["Code"] == (
        "ResourceNotFoundException")
    assert read_json(lam.invoke(FunctionName="cp-healthy")) == "callee answered"


def role_with(iam, name: str, *, inline: list[dict] | None = None,
              managed: list[str] = ()) -> str:
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    if inline is not None:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": inline}))
    for policy in managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    return arn


def create_with_role(lam, net, name: str, role: str):
    return lambda: lam.create_function(
        FunctionName=name, Runtime="python3.11", Role=role, Handler="app.handler",
        Code={"ZipFile": zip_files(CALLEE)}, VpcConfig=vpc(net))


# --- VpcConfig ---------------------------------------------------------------------------------

def test_an_unknown_subnet_is_refused_with_lambdas_ec2_error(lam, deploy, net):
    error = error_of(create(lam, deploy, "cp-bad-subnet",
                            VpcConfig=vpc(net, subnets=["subnet-0123456789abcdef0"])))
    assert error == {"status": 400, "Code": "InvalidParameterValueException",
                     "Message": "Error occurred while DescribeSubnets. EC2 Error Code: "
                                "InvalidSubnetID.NotFound. EC2 Error Message: The subnet ID "
                                "'subnet-0123456789abcdef0' does not exist"}
    assert_not_created_and_cloud_healthy(lam, "cp-bad-subnet")


def test_an_unknown_security_group_is_refused(lam, deploy, net):
    error = error_of(create(lam, deploy, "cp-bad-group",
                            VpcConfig=vpc(net, groups=["sg-0123456789abcdef0"])))
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == (
        "Error occurred while DescribeSecurityGroups. EC2 Error Code: InvalidGroup.NotFound. "
        "EC2 Error Message: The security group 'sg-0123456789abcdef0' does not exist")
    assert_not_created_and_cloud_healthy(lam, "cp-bad-group")


def test_a_security_group_of_another_vpc_is_refused(lam, deploy, net, ec2):
    other = Network(ec2, "10.1.0.0/16", dns_hostnames=False)
    error = error_of(create(lam, deploy, "cp-two-vpcs",
                            VpcConfig=vpc(net, groups=[other.default_group])))
    assert error == {"status": 400, "Code": "InvalidParameterValueException",
                     "Message": "Security Groups are required to be in the same VPC"}
    assert_not_created_and_cloud_healthy(lam, "cp-two-vpcs")


@pytest.mark.parametrize("config, message", [
    ({"SubnetIds": ["subnet-1"], "SecurityGroupIds": []},
     "SubnetIds and SecurityIds must coexist or be both empty list."),
    ({"SubnetIds": ["subnet_1"], "SecurityGroupIds": ["sg-1"]},
     "1 validation error detected: Value '[subnet_1]' at 'vpcConfig.subnetIds' failed to "
     "satisfy constraint: Member must satisfy constraint: [Member must have length less than "
     "or equal to 1024, Member must have length greater than or equal to 0, Member must "
     "satisfy regular expression pattern: ^subnet-[0-9a-z]*$]"),
    ({"SubnetIds": ["subnet-1"], "SecurityGroupIds": [f"sg-{i}" for i in range(6)]},
     "1 validation error detected: Value '[sg-0, sg-1, sg-2, sg-3, sg-4, sg-5]' at "
     "'vpcConfig.securityGroupIds' failed to satisfy constraint: Member must have length "
     "less than or equal to 5"),
])
def test_a_malformed_vpc_config_gets_lambdas_validation_error(lam, deploy, net, config, message):
    error = error_of(create(lam, deploy, "cp-malformed", VpcConfig=config))
    assert error["status"] == 400
    assert error["Code"] in ("InvalidParameterValueException", "ValidationException")
    assert error["Message"] == message
    assert_not_created_and_cloud_healthy(lam, "cp-malformed")


def test_a_bad_vpc_config_update_is_refused_and_changes_nothing(lam, deploy, net):
    deploy("cp-update-refused", CALLEE)
    error = error_of(lambda: lam.update_function_configuration(
        FunctionName="cp-update-refused", VpcConfig=vpc(net, subnets=["subnet-00000000"])))
    assert error["Code"] == "InvalidParameterValueException"
    config = lam.get_function_configuration(FunctionName="cp-update-refused")
    assert not (config.get("VpcConfig") or {}).get("SubnetIds")
    assert read_json(lam.invoke(FunctionName="cp-update-refused")) == "callee answered"


# --- the execution role ------------------------------------------------------------------------

ENI_STATEMENT = {"Effect": "Allow", "Resource": "*", "Action": [
    "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"]}


@pytest.mark.parametrize("role, inline, managed, missing", [
    ("cp-role-bare", None, [BASIC_POLICY], "CreateNetworkInterface"),
    ("cp-role-partial", [{**ENI_STATEMENT, "Action": "ec2:CreateNetworkInterface"}], [],
     "DescribeNetworkInterfaces"),
    ("cp-role-denied", [ENI_STATEMENT, {"Effect": "Deny", "Action": "ec2:Delete*",
                                        "Resource": "*"}], [VPC_ACCESS_POLICY],
     "DeleteNetworkInterface"),
    ("cp-role-inline", [ENI_STATEMENT], [], None),
    ("cp-role-wildcard", [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}], [], None),
    ("cp-role-vpc-access", None, [VPC_ACCESS_POLICY], None),
    ("cp-role-eni-management", None, [ENI_MANAGEMENT_POLICY], None),
])
def test_the_execution_role_must_allow_lambda_to_manage_network_interfaces(
        lam, iam, net, role, inline, managed, missing):
    arn = role_with(iam, role, inline=inline, managed=managed)
    name = f"fn-{role}"
    if missing is None:
        create_with_role(lam, net, name, arn)()
        wait_active(lam, name)
        return
    error = error_of(create_with_role(lam, net, name, arn))
    assert error == {"status": 400, "Code": "InvalidParameterValueException",
                     "Message": "The provided execution role does not have permissions to "
                                f"call {missing} on EC2"}
    assert_not_created_and_cloud_healthy(lam, name)


def test_switching_a_vpc_function_to_a_role_without_eni_permissions_is_refused(
        lam, iam, deploy, net):
    deploy("cp-role-switch", CALLEE, VpcConfig=vpc(net))
    wait_active(lam, "cp-role-switch")
    bare = role_with(iam, "cp-role-switch-bare")
    error = error_of(lambda: lam.update_function_configuration(FunctionName="cp-role-switch",
                                                               Role=bare))
    assert error["Message"] == ("The provided execution role does not have permissions to call "
                                "CreateNetworkInterface on EC2")


def test_a_role_that_does_not_exist_cannot_be_assumed(lam, net):
    error = error_of(create_with_role(lam, net, "cp-no-role",
                                      "arn:aws:iam::123456789012:role/nobody"))
    assert error["Message"] == "The role defined for the function cannot be assumed by Lambda."


def test_aws_managed_policies_exist_and_can_be_attached(iam):
    policy = iam.get_policy(PolicyArn=VPC_ACCESS_POLICY)["Policy"]
    assert policy["PolicyName"] == "AWSLambdaVPCAccessExecutionRole"
    document = iam.get_policy_version(PolicyArn=VPC_ACCESS_POLICY,
                                      VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    assert "ec2:CreateNetworkInterface" in json.dumps(document["Document"])
    role_with(iam, "cp-basic", managed=[BASIC_POLICY])
    attached = iam.list_attached_role_policies(RoleName="cp-basic")["AttachedPolicies"]
    assert attached == [{"PolicyName": "AWSLambdaBasicExecutionRole",
                         "PolicyArn": BASIC_POLICY}]


# --- states ------------------------------------------------------------------------------------

@pytest.fixture
def slow_setup(monkeypatch):
    """Lambda's network setup takes 2 s here, so that a busy machine cannot outlast it."""
    monkeypatch.setattr(lifecycle, "SETUP_SECONDS", 2.0)


def test_a_new_vpc_function_is_pending_then_active_and_not_invocable_meanwhile(
        lam, deploy, net, slow_setup):
    created = deploy("cp-pending", CALLEE, VpcConfig=vpc(net))
    assert (created["State"], created["StateReason"], created["StateReasonCode"]) == (
        "Pending", "The function is being created.", "Creating")
    conflict = {"status": 409, "Code": "ResourceConflictException",
                "Message": "The operation cannot be performed at this time. The function is "
                           "currently in the following state: Pending"}
    assert error_of(lambda: lam.invoke(FunctionName="cp-pending")) == conflict
    assert error_of(lambda: lam.update_function_code(
        FunctionName="cp-pending", ZipFile=zip_files(CALLEE))) == conflict
    wait_active(lam, "cp-pending")
    config = lam.get_function_configuration(FunctionName="cp-pending")
    assert (config["State"], config["LastUpdateStatus"]) == ("Active", "Successful")
    assert read_json(lam.invoke(FunctionName="cp-pending")) == "callee answered"


def test_a_function_outside_a_vpc_is_active_at_once(deploy, lam):
    """CreateFunction's answer says Pending, as AWS's does for every function; outside a
    VPC the function is Active by the next call."""
    assert deploy("cp-active", CALLEE)["State"] == "Pending"
    assert lam.get_function_configuration(FunctionName="cp-active")["State"] == "Active"
    assert read_json(lam.invoke(FunctionName="cp-active")) == "callee answered"


def test_connecting_an_existing_function_keeps_it_active_while_the_update_is_in_progress(
        lam, deploy, net, slow_setup):
    deploy("cp-connect", CALLEE)
    updated = lam.update_function_configuration(FunctionName="cp-connect", VpcConfig=vpc(net))
    assert (updated["State"], updated["LastUpdateStatus"]) == ("Active", "InProgress")
    assert read_json(lam.invoke(FunctionName="cp-connect")) == "callee answered"
    arn = f"arn:aws:lambda:{REGION}:123456789012:function:cp-connect"
    assert error_of(lambda: lam.update_function_configuration(
        FunctionName="cp-connect", Timeout=5)) == {
        "status": 409, "Code": "ResourceConflictException",
        "Message": "The operation cannot be performed at this time. An update is in progress "
                   f"for resource: {arn}"}
    lam.get_waiter("function_updated_v2").wait(FunctionName="cp-connect",
                                               WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    assert lam.get_function_configuration(FunctionName="cp-connect")["LastUpdateStatus"] == (
        "Successful")


def test_the_configuration_names_the_vpc_and_detaching_empties_it(cloud, lam, deploy, net):
    deploy("cp-detach", CALLEE, VpcConfig=vpc(net, subnets=[net.subnet_a, net.subnet_c]))
    wait_active(lam, "cp-detach")
    assert lam.get_function_configuration(FunctionName="cp-detach")["VpcConfig"] == {
        "SubnetIds": [net.subnet_a, net.subnet_c], "SecurityGroupIds": [net.default_group],
        "VpcId": net.vpc_id, "Ipv6AllowedForDualStack": False}
    assert not cloud.explain_reachability("cp-detach").reachable
    lam.update_function_configuration(FunctionName="cp-detach",
                                      VpcConfig={"SubnetIds": [], "SecurityGroupIds": []})
    assert lam.get_function_configuration(FunctionName="cp-detach")["VpcConfig"] == {
        "SubnetIds": [], "SecurityGroupIds": [], "VpcId": "", "Ipv6AllowedForDualStack": False}
    assert cloud.explain_reachability("cp-detach").reachable


# --- VPC endpoints -----------------------------------------------------------------------------

def test_interface_endpoint_dns_entries_take_aws_form(ec2, net):
    endpoint = net.interface_endpoint("lambda", [net.subnet_a, net.subnet_c])
    vpce = endpoint["VpcEndpointId"]
    names = [entry["DnsName"] for entry in endpoint["DnsEntries"]]
    suffix = re.fullmatch(rf"{vpce}-([a-z0-9]{{8}})\.lambda\.{REGION}\.vpce\.amazonaws\.com",
                          names[0])
    assert suffix, names
    stem = f"{vpce}-{suffix[1]}"
    assert names == [f"{stem}.lambda.{REGION}.vpce.amazonaws.com",
                     f"{stem}-{REGION}a.lambda.{REGION}.vpce.amazonaws.com",
                     f"{stem}-{REGION}c.lambda.{REGION}.vpce.amazonaws.com",
                     f"lambda.{REGION}.amazonaws.com"]
    assert all(re.fullmatch(r"Z[0-9A-Z]{13}", e["HostedZoneId"]) for e in endpoint["DnsEntries"])
    described = ec2.describe_vpc_endpoints(VpcEndpointIds=[vpce])["VpcEndpoints"][0]
    assert described["DnsEntries"] == endpoint["DnsEntries"]
    assert described["PrivateDnsEnabled"] is True
    assert described["Groups"] == [{"GroupId": net.default_group, "GroupName": "default"}]


def test_private_dns_without_the_vpcs_dns_hostnames_is_refused(ec2):
    bare = Network(ec2, "10.2.0.0/16", dns_hostnames=False)
    subnet, _ = bare.subnet("10.2.1.0/24")
    error = error_of(lambda: bare.interface_endpoint("lambda", [subnet]))
    assert error == {"status": 400, "Code": "InvalidParameter",
                     "Message": "Enabling private DNS requires both enableDnsSupport and "
                                f"enableDnsHostnames VPC attributes set to true for "
                                f"{bare.vpc_id}"}
    endpoint = bare.interface_endpoint("lambda", [subnet], private_dns=False)
    vpce = endpoint["VpcEndpointId"]
    assert len(endpoint["DnsEntries"]) == 2  # regional and zonal; no private DNS name
    assert error_of(lambda: ec2.modify_vpc_endpoint(VpcEndpointId=vpce,
                                                    PrivateDnsEnabled=True))["Code"] == (
        "InvalidParameter")
    ec2.modify_vpc_attribute(VpcId=bare.vpc_id, EnableDnsHostnames={"Value": True})
    ec2.modify_vpc_endpoint(VpcEndpointId=vpce, PrivateDnsEnabled=True)
    described = ec2.describe_vpc_endpoints(VpcEndpointIds=[vpce])["VpcEndpoints"][0]
    assert described["PrivateDnsEnabled"] is True
    assert described["DnsEntries"][-1]["DnsName"] == f"lambda.{REGION}.amazonaws.com"


def test_an_endpoint_for_an_unknown_service_or_group_is_refused(ec2, net):
    error = error_of(lambda: ec2.create_vpc_endpoint(
        VpcId=net.vpc_id, ServiceName=f"com.amazonaws.{REGION}.nope",
        VpcEndpointType="Interface", SubnetIds=[net.subnet_a]))
    assert error == {"status": 400, "Code": "InvalidServiceName",
                     "Message": f"The Vpc Endpoint Service 'com.amazonaws.{REGION}.nope' does "
                                "not exist"}
    error = error_of(lambda: net.interface_endpoint("sqs", [net.subnet_a],
                                                    groups=["sg-0123456789abcdef0"]))
    assert error["Code"] == "InvalidGroup.NotFound"
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id",
                                                     "Values": [net.vpc_id]}])["VpcEndpoints"]
    assert all(e["ServiceName"].endswith((".lambda", ".s3")) for e in endpoints)


def test_the_default_security_group_lets_in_traffic_from_itself(ec2, net):
    group = ec2.describe_security_groups(GroupIds=[net.default_group])["SecurityGroups"][0]
    assert [(p["IpProtocol"], [g["GroupId"] for g in p["UserIdGroupPairs"]])
            for p in group["IpPermissions"]] == [("-1", [net.default_group])]
