"""Which AWS endpoints a function's code can reach from where it runs.

A function outside any VPC reaches every public AWS endpoint, and so the local cloud.
The route table built here travels to each execution environment, where
:mod:`lambdalab.runtime.network` applies it to every SDK request.
"""

from __future__ import annotations

from lambdalab.invoke.functions import FunctionSpec
from lambdalab.runtime.network import REACH_CLOUD, UNREACHABLE, RouteTable

AWS_HOST_PATTERNS = ("*.amazonaws.com", "*.amazonaws.com.cn", "*.api.aws")


def route_table(cloud_address: str, spec: FunctionSpec) -> RouteTable:
    """Routes for ``spec``'s environments: every AWS endpoint leads to the local cloud.

    Anything else (the public internet) is unreachable: the cloud never sends traffic
    beyond loopback.
    """
    return RouteTable(cloud_address, [(pattern, REACH_CLOUD) for pattern in AWS_HOST_PATTERNS],
                      default=UNREACHABLE)
