"""Which AWS service, in which region, an SDK request's host name stands for.

Two kinds of names matter to a function in a VPC (docs.aws.amazon.com/vpc/latest/privatelink/
privatelink-access-aws-services.html#interface-endpoint-dns-hostnames):

- a service's **default name**, such as ``lambda.ap-northeast-1.amazonaws.com`` (or
  ``bucket.s3.ap-northeast-1.amazonaws.com``): public addresses, unless an interface
  endpoint with private DNS answers for it inside the VPC;
- an interface endpoint's **own name**, such as
  ``vpce-0a1b2c3d4e5f60718-abcd1234.lambda.ap-northeast-1.vpce.amazonaws.com``: the
  endpoint's private addresses, whatever the VPC's DNS settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

AWS_SUFFIXES = (".amazonaws.com.cn", ".amazonaws.com", ".api.aws")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")
LEGACY_S3_REGIONAL = re.compile(r"^s3-(?P<region>[a-z]{2}(-gov)?-[a-z]+-\d+)$")
VARIANT_LABELS = ("dualstack",)
# labels of default names that are not the endpoint prefix of their service
SERVICE_ALIASES = {"ddb": "dynamodb"}  # account-based DynamoDB endpoints: <account>.ddb.<region>


@dataclass(frozen=True)
class Destination:
    """An AWS host, understood."""

    host: str  # lower case, without port
    service: str | None  # endpoint prefix: "lambda", "sqs", "s3", "dynamodb", "ecr.api", ...
    region: str | None  # None for global names (iam.amazonaws.com, sts.amazonaws.com)
    endpoint_specific: bool = False  # one interface endpoint's own vpce-... name

    @property
    def service_name(self) -> str | None:
        """The VPC endpoint service name that serves this host, ``com.amazonaws.R.S``."""
        if self.service is None or self.region is None:
            return None
        return f"com.amazonaws.{self.region}.{self.service}"


def strip_port(host: str) -> str:
    """``lambda.ap-northeast-1.amazonaws.com:443`` -> ``lambda.ap-northeast-1.amazonaws.com``."""
    host = host.strip().lower()
    if host.startswith("["):  # an IPv6 literal
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def parse(host: str) -> Destination | None:
    """The destination an AWS host names, or None for a host that is not AWS's."""
    host = strip_port(host)
    suffix = next((s for s in AWS_SUFFIXES if host.endswith(s)), None)
    if suffix is None:
        return None
    labels = host[: -len(suffix)].split(".")
    if len(labels) >= 3 and labels[-1] == "vpce" and REGION.match(labels[-2]):
        return _endpoint_specific(host, labels[:-1])
    region_at = next((i for i in range(len(labels) - 1, -1, -1) if REGION.match(labels[i])), None)
    if region_at is None:
        legacy = LEGACY_S3_REGIONAL.match(labels[-1])
        if legacy:
            return Destination(host, "s3", legacy["region"])
        return Destination(host, _service(labels[-1]), None)
    before = [label for label in labels[:region_at] if label not in VARIANT_LABELS]
    if not before:
        return Destination(host, None, labels[region_at])
    return Destination(host, _service(before[-1]), labels[region_at])


def _endpoint_specific(host: str, labels: list[str]) -> Destination:
    """``[bucket.]vpce-<id>-<suffix>[-<az>].<service, reversed>.<region>`` (``.vpce`` cut)."""
    region = labels[-1]
    vpce_at = next((i for i, label in enumerate(labels) if label.startswith("vpce-")), None)
    if vpce_at is None:
        return Destination(host, None, region, endpoint_specific=True)
    service = ".".join(reversed(labels[vpce_at + 1:-1])) or None
    return Destination(host, service, region, endpoint_specific=True)


def _service(label: str) -> str:
    label = label.removesuffix("-fips")
    return SERVICE_ALIASES.get(label, label)


def default_name(service: str, region: str) -> str:
    """The default (public) DNS name of a service in a region, as the SDKs use it."""
    return f"{service}.{region}.amazonaws.com"


def endpoint_dns_label(service_name: str) -> str:
    """``com.amazonaws.R.ecr.api`` -> ``api.ecr``: how a service appears in vpce names."""
    parts = service_name.split(".")
    return ".".join(reversed(parts[3:]))
