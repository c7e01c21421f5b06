"""CloudFormation's EC2 network resources as AWS deploys them, where moto's differ.

A VPC built by a template must behave exactly like the same VPC built by API calls, so:

- ``AWS::EC2::VPC`` applies ``EnableDnsSupport`` and ``EnableDnsHostnames`` (moto ignores
  them, and private DNS endpoints need them);
- ``AWS::EC2::SecurityGroup`` applies ``SecurityGroupEgress`` (which replaces the default
  allow-all rule) and ``SecurityGroupIngress`` rules with ``CidrIp``, a source group or a
  prefix list (moto ignores the first and breaks on ``CidrIp``);
- ``AWS::EC2::SecurityGroupEgress`` exists (moto lacks it); on a group that still has only
  its default allow-all rule, the new rule replaces it, as CloudFormation does;
- ``AWS::EC2::SubnetRouteTableAssociation`` associates the route table with the subnet
  (moto only records the pair, so the subnet kept using the main route table);
- a stack's route tables and their associations, routes, internet gateway attachments,
  internet gateways, NAT gateways, Elastic IPs and VPC endpoints are deleted with it, or
  when an update drops them (moto deleted none of them, so deleting a stack with a VPC
  failed with ``DependencyViolation``, and a NAT gateway outlived its stack).

docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroup.html
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.parsing import ResourceMap
from moto.core.common_models import CloudFormationModel
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_ip_addresses import ElasticAddress
from moto.ec2.models.internet_gateways import InternetGateway
from moto.ec2.models.nat_gateways import NatGateway
from moto.ec2.models.route_tables import Route, RouteTable
from moto.ec2.models.security_groups import SecurityGroup
from moto.ec2.models.subnets import SubnetRouteTableAssociation
from moto.ec2.models.vpcs import VPC, VPCEndPoint
from moto.ec2.models.vpn_gateway import VPCGatewayAttachment

from lambdalab.control.patcher import Patcher
from lambdalab.control.stack_resource import StackResource, add_models
from lambdalab.network.ec2_state import flag


def install(patcher: Patcher) -> None:
    _wrap_classmethod(patcher, VPC, "create_from_cloudformation_json", _vpc)
    _wrap_classmethod(patcher, SecurityGroup, "create_from_cloudformation_json", _security_group)
    _wrap_classmethod(patcher, SubnetRouteTableAssociation, "create_from_cloudformation_json",
                      _subnet_association)
    add_models(patcher, [SecurityGroupEgress])
    patcher.wrap(ResourceMap, "_delete_resource", _delete_resource)


# what uses others goes first; the rest after (moto's stack deletion retries what refuses)
DELETION_ORDER = (Route, SubnetRouteTableAssociation, VPCGatewayAttachment, VPCEndPoint,
                  NatGateway, RouteTable, ElasticAddress, InternetGateway)


def deletion_rank(resource: Any) -> int:
    return next((i for i, kind in enumerate(DELETION_ORDER) if isinstance(resource, kind)),
                len(DELETION_ORDER))


def _delete_resource(original: Any, resource_map: ResourceMap, resource: Any,
                     resource_json: dict[str, Any]) -> None:
    """Delete one resource of a stack (dropped by an update, or with the whole stack)."""
    ec2 = ec2_backends[resource_map._account_id][resource_map._region_name]
    if isinstance(resource, Route):
        _unless_gone(ec2.delete_route, resource.route_table.id, resource.destination_cidr_block)
    elif isinstance(resource, SubnetRouteTableAssociation):
        table = ec2.route_tables.get(resource.route_table_id)
        for association, subnet in list(table._associations.items() if table else []):
            if subnet == resource.subnet_id:
                ec2.disassociate_route_table(association)
    elif isinstance(resource, RouteTable):
        for association in list(resource._associations):
            ec2.disassociate_route_table(association)
        _unless_gone(ec2.delete_route_table, resource.id)
    elif isinstance(resource, VPCGatewayAttachment):
        _unless_gone(ec2.detach_internet_gateway, resource.gateway_id, resource.vpc_id)
    elif isinstance(resource, InternetGateway):
        _unless_gone(ec2.delete_internet_gateway, resource.id)  # refused while attached
    elif isinstance(resource, NatGateway):
        ec2.delete_nat_gateway(resource.id)
    elif isinstance(resource, ElasticAddress):
        _unless_gone(ec2.release_address, allocation_id=resource.allocation_id)
    elif isinstance(resource, VPCEndPoint):
        ec2.delete_vpc_endpoints([resource.id])
    else:
        original(resource_map, resource, resource_json)


def _unless_gone(call: Any, *args: Any, **kwargs: Any) -> None:
    """Make an EC2 call; a resource already gone (with its parent) is deleted enough."""
    try:
        call(*args, **kwargs)
    except EC2ClientError as error:
        code = str(getattr(error, "code", ""))
        if "NotFound" not in code and "NotAttached" not in code:
            raise


def _wrap_classmethod(patcher: Patcher, owner: type, name: str, wrapper: Any) -> None:
    original = getattr(owner, name)  # bound to owner

    def method(cls: type, *args: Any, **kwargs: Any) -> Any:
        return wrapper(original, *args, **kwargs)

    patcher.set(owner, name, classmethod(method))


def _vpc(original: Any, resource_name: str, template: dict[str, Any], account_id: str,
         region_name: str, **kwargs: Any) -> Any:
    vpc = original(resource_name, template, account_id, region_name, **kwargs)
    properties = template.get("Properties", {})
    if "EnableDnsSupport" in properties:
        vpc.enable_dns_support = flag(properties["EnableDnsSupport"])
    if "EnableDnsHostnames" in properties:
        vpc.enable_dns_hostnames = flag(properties["EnableDnsHostnames"])
    return vpc


def _subnet_association(original: Any, resource_name: str, template: dict[str, Any],
                        account_id: str, region_name: str, **kwargs: Any) -> Any:
    association = original(resource_name, template, account_id, region_name, **kwargs)
    ec2_backends[account_id][region_name].associate_route_table(
        association.route_table_id, subnet_id=association.subnet_id)
    return association


def _security_group(original: Any, resource_name: str, template: dict[str, Any],
                    account_id: str, region_name: str, **kwargs: Any) -> Any:
    properties = dict(template.get("Properties", {}))
    ingress = properties.pop("SecurityGroupIngress", None) or []
    egress = properties.pop("SecurityGroupEgress", None)
    group = original(resource_name, {**template, "Properties": properties}, account_id,
                     region_name, **kwargs)
    ec2 = ec2_backends[account_id][region_name]
    for rule in ingress:
        _authorize(ec2, group, rule, egress=False)
    if egress is not None:
        group.egress_rules = []
        for rule in egress:
            _authorize(ec2, group, rule, egress=True)
    return group


def _authorize(ec2: Any, group: Any, rule: dict[str, Any], *, egress: bool) -> None:
    """One rule of a template, in the shape moto's authorize methods take."""
    protocol = str(rule.get("IpProtocol", "-1"))
    peer_group = rule.get("DestinationSecurityGroupId" if egress else "SourceSecurityGroupId")
    prefix_list = rule.get("DestinationPrefixListId" if egress else "SourcePrefixListId")
    cidr = rule.get("CidrIp")
    arguments = dict(
        group_name_or_id=group.id, ip_protocol=protocol,
        from_port=None if protocol == "-1" else rule.get("FromPort"),
        to_port=None if protocol == "-1" else rule.get("ToPort"),
        ip_ranges=[{"CidrIp": cidr, **({"Description": rule["Description"]}
                                        if "Description" in rule else {})}] if cidr else [],
        source_groups=[{"GroupId": peer_group}] if peer_group else [],
        prefix_list_ids=[{"PrefixListId": prefix_list}] if prefix_list else [],
        vpc_id=group.vpc_id)
    if egress:
        ec2.authorize_security_group_egress(**arguments)
    else:
        ec2.authorize_security_group_ingress(**arguments)


def _only_default_egress(group: Any) -> bool:
    rules = list(group.egress_rules)
    return bool(rules) and all(
        r.ip_protocol == "-1" and r.ip_range.get("CidrIp", r.ip_range.get("CidrIpv6")) in (
            "0.0.0.0/0", "::/0") for r in rules)


class SecurityGroupEgress(StackResource, CloudFormationModel):
    """``AWS::EC2::SecurityGroupEgress``: one outbound rule added to an existing group."""

    cfn_type = "AWS::EC2::SecurityGroupEgress"

    def __init__(self, group: Any, properties: dict[str, Any]) -> None:
        self.group = group
        self.properties = properties

    @property
    def physical_resource_id(self) -> str:
        return f"{self.group.id}-egress"

    @classmethod
    def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
            region_name: str, **kwargs: Any) -> SecurityGroupEgress:
        properties = cloudformation_json["Properties"]
        ec2 = ec2_backends[account_id][region_name]
        group = ec2.get_security_group_from_id(properties["GroupId"])
        if group is None:
            from moto.ec2.exceptions import InvalidSecurityGroupNotFoundError

            raise InvalidSecurityGroupNotFoundError(properties["GroupId"])
        if _only_default_egress(group):
            group.egress_rules = []
        _authorize(ec2, group, properties, egress=True)
        return cls(group, properties)

    @classmethod
    def delete_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
            region_name: str) -> None:
        return None
