"""Solutions to the exercises of notebook 03 (try them yourself first)."""

from botocore.config import Config

# Exercise 1: which networks reach Lambda?
reaches_lambda = {
    1: True,   # the NAT gateway's own subnet routes to the internet gateway
    2: False,  # a NAT gateway in a private subnet has no way out itself
    3: False,  # no group named: the VPC's default group lets in only its own members
    4: True,   # private DNS on, and 10.0.0.0/16 contains the function's subnet
    5: False,  # gateway endpoints carry S3 and DynamoDB, nothing else
}


# Exercise 2: make it reachable, without a NAT gateway. The endpoint answers for Lambda's
# default name inside the VPC (private DNS), which needs the VPC's DNS hostnames on.
def make_reachable(ec2, network):
    vpc = network["vpc_id"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    endpoint_group = ec2.create_security_group(
        GroupName="lambda-endpoint", Description="HTTPS in from the order service",
        VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=endpoint_group, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
        "UserIdGroupPairs": [{"GroupId": network["function_security_group_id"]}]}])
    ec2.create_vpc_endpoint(
        VpcId=vpc, VpcEndpointType="Interface",
        ServiceName="com.amazonaws.ap-northeast-1.lambda",
        SubnetIds=network["private_subnet_ids"], SecurityGroupIds=[endpoint_group],
        PrivateDnsEnabled=True)


# Exercise 3: fail fast, but not too fast. One attempt that gives up connecting after 1 s;
# a read timeout above the callee's timeout and below the caller's own.
def fail_fast_config(inventory_timeout, own_timeout):
    if own_timeout <= inventory_timeout:
        raise ValueError(f"a caller with a {own_timeout} s timeout cannot wait for a "
                         f"callee that may run {inventory_timeout} s")
    return Config(connect_timeout=1, read_timeout=(inventory_timeout + own_timeout) / 2,
                  retries={"mode": "standard", "total_max_attempts": 1})
