"""VPC endpoints and security groups as EC2 shows them on AWS, where moto differs.

- ``DnsEntries`` in AWS's form (docs.aws.amazon.com/vpc/latest/privatelink/
  privatelink-access-aws-services.html#interface-endpoint-dns-hostnames): a regional name
  ``vpce-<id>-<8 alphanumerics>.<service>.<region>.vpce.amazonaws.com``, one zonal name per
  subnet's availability zone, then the service's default name when private DNS is on.
  moto writes ``vpce-…-xxxx.com.amazonaws.<region>.<service>``.
- Private DNS needs both ``enableDnsSupport`` and ``enableDnsHostnames`` on the VPC; AWS
  refuses it otherwise, at creation and at ModifyVpcEndpoint. moto accepts it, and ignores
  ``PrivateDnsEnabled`` in ModifyVpcEndpoint.
- An endpoint for a service that does not exist is refused (``InvalidServiceName``); an
  interface endpoint without security groups gets the VPC's default group; a gateway
  endpoint has no private DNS.
- A VPC's default security group lets in all traffic from itself, as on AWS
  (docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html).
"""

from __future__ import annotations

import hashlib
import inspect
import secrets
import string
from typing import Any

from moto.ec2.exceptions import (
    EC2ClientError,
    InvalidSecurityGroupNotFoundError,
    InvalidServiceName,
)
from moto.ec2.models import EC2Backend
from moto.ec2.models import vpcs as moto_vpcs
from moto.ec2.responses.vpcs import VPCs

from lambdalab.control.patcher import Patcher
from lambdalab.network.ec2_state import flag
from lambdalab.network.hosts import default_name, endpoint_dns_label
from lambdalab.owned_state import STATE

SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
KNOWN_SERVICES = frozenset(moto_vpcs.AWS_ENDPOINT_SERVICES) | frozenset(
    moto_vpcs.COVERED_ENDPOINT_SERVICES)


def install(patcher: Patcher) -> None:
    patcher.wrap(EC2Backend, "create_vpc_endpoint", _create_vpc_endpoint)
    patcher.wrap(EC2Backend, "modify_vpc_endpoint", _modify_vpc_endpoint)
    patcher.wrap(VPCs, "modify_vpc_endpoint", _modify_vpc_endpoint_request)
    patcher.wrap(EC2Backend, "create_security_group", _create_security_group)


def _create_vpc_endpoint(original: Any, ec2: Any, *args: Any, **kwargs: Any) -> Any:
    call = inspect.signature(original).bind(ec2, *args, **kwargs)
    call.apply_defaults()
    params = call.arguments
    vpc = ec2.get_vpc(params["vpc_id"])
    service_name = params["service_name"]
    _check_service(ec2, service_name)
    interface = str(params.get("endpoint_type") or "Gateway").lower() == "interface"
    for group_id in params.get("security_group_ids") or []:
        if ec2.get_security_group_from_id(group_id) is None:
            raise InvalidSecurityGroupNotFoundError(group_id)
    for subnet_id in params.get("subnet_ids") or []:
        ec2.get_subnet(subnet_id)
    if interface and params.get("private_dns_enabled"):
        _check_private_dns_allowed(vpc)
    endpoint = original(ec2, *args, **kwargs)
    if interface:
        if not endpoint.security_group_ids:
            default = ec2.get_security_group_from_name("default", vpc_id=vpc.id)
            endpoint.security_group_ids = [default.id] if default else []
        endpoint.private_dns_enabled = bool(params.get("private_dns_enabled"))
        STATE.set_endpoint_dns_suffix(endpoint.id, "".join(
            secrets.choice(SUFFIX_ALPHABET) for _ in range(8)))
        endpoint.dns_entries = dns_entries(ec2, endpoint)
    else:
        endpoint.private_dns_enabled = False
        endpoint.dns_entries = []
    return endpoint


def _check_service(ec2: Any, service_name: str) -> None:
    prefix = f"com.amazonaws.{ec2.region_name}."
    name = service_name or ""
    if name.startswith(prefix) and name[len(prefix):] in KNOWN_SERVICES:
        return
    if any(name == config.service_name for config in list(ec2.configurations.values())):
        return  # an endpoint service of this account
    raise InvalidServiceName(name)


def _check_private_dns_allowed(vpc: Any) -> None:
    if not (flag(vpc.enable_dns_support) and flag(vpc.enable_dns_hostnames)):
        raise EC2ClientError(
            "InvalidParameter",
            "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC "
            f"attributes set to true for {vpc.id}")


def dns_entries(ec2: Any, endpoint: Any) -> list[dict[str, str]]:
    """Regional name, one zonal name per availability zone, then the private DNS name."""
    region = ec2.region_name
    label = endpoint_dns_label(endpoint.service_name)
    stem = f"{endpoint.id}-{STATE.endpoint_dns_suffix(endpoint.id)}"
    zone_id = _hosted_zone_id(f"vpce.{region}")
    entries = [{"dns_name": f"{stem}.{label}.{region}.vpce.amazonaws.com",
                "hosted_zone_id": zone_id}]
    zones: list[str] = []
    for subnet_id in endpoint.subnet_ids or []:
        zone = ec2.get_subnet(subnet_id).availability_zone
        if zone not in zones:
            zones.append(zone)
    entries += [{"dns_name": f"{stem}-{zone}.{label}.{region}.vpce.amazonaws.com",
                 "hosted_zone_id": zone_id} for zone in zones]
    if endpoint.private_dns_enabled:
        service = endpoint.service_name.split(".", 3)[3]
        entries.append({"dns_name": default_name(service, region),
                        "hosted_zone_id": _hosted_zone_id(endpoint.id)})
    return entries


def _hosted_zone_id(seed: str) -> str:
    """Stable, AWS-shaped (Z + 13 upper-case alphanumerics) hosted zone ids."""
    digest = hashlib.sha256(seed.encode()).hexdigest().upper()
    return "Z" + digest[:13]


def _modify_vpc_endpoint(original: Any, ec2: Any, *args: Any, **kwargs: Any) -> Any:
    result = original(ec2, *args, **kwargs)
    vpce_id = kwargs.get("vpc_id") if "vpc_id" in kwargs else args[0]
    endpoint = ec2.get_vpc_end_point(vpce_id)
    if STATE.endpoint_dns_suffix(endpoint.id) is not None:
        endpoint.dns_entries = dns_entries(ec2, endpoint)  # subnets may have changed
    return result


def _modify_vpc_endpoint_request(original: Any, request: Any) -> Any:
    """ModifyVpcEndpoint's ``PrivateDnsEnabled``, which moto's handler ignores."""
    wanted = request._get_param("PrivateDnsEnabled")
    if wanted is None:
        return original(request)
    ec2 = request.ec2_backend
    endpoint = ec2.get_vpc_end_point(request._get_param("VpcEndpointId"))
    enable = flag(wanted)
    if enable and str(endpoint.vpc_endpoint_type).lower() == "interface":
        _check_private_dns_allowed(ec2.get_vpc(endpoint.vpc_id))
    result = original(request)
    if str(endpoint.vpc_endpoint_type).lower() == "interface":
        endpoint.private_dns_enabled = enable
        endpoint.dns_entries = dns_entries(ec2, endpoint)
    return result


def _create_security_group(original: Any, ec2: Any, *args: Any, **kwargs: Any) -> Any:
    group = original(ec2, *args, **kwargs)
    call = inspect.signature(original).bind(ec2, *args, **kwargs)
    if call.arguments.get("is_default"):
        ec2.authorize_security_group_ingress(
            group_name_or_id=group.id, ip_protocol="-1", from_port=None, to_port=None,
            ip_ranges=[], source_groups=[{"GroupId": group.id}], vpc_id=group.vpc_id)
    return group
