"""Where an AWS SDK call made by handler code goes.

Handler code calls AWS with a plain ``boto3.client("lambda")``: no endpoint in its code,
exactly as on AWS. Inside an execution environment every botocore request passes
through :func:`route_request`, which looks the request's host up in the environment's
route table (built per function by the cloud) and either sends it to the local cloud
or lets it hang until the client's connect timeout, as a packet to an unreachable
address would. The route table is how the network a function sits in (for example
a VPC without a NAT gateway) decides what its code can reach.

botocore is patched lazily, when handler code first imports it, so that functions
that never call AWS do not pay for importing botocore.
"""

from __future__ import annotations

import fnmatch
import importlib.abc
import importlib.machinery
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REACH_CLOUD = "cloud"
UNREACHABLE = "unreachable"


@dataclass
class RouteTable:
    """Ordered host patterns (fnmatch) with the action for each; the first match wins."""

    cloud_address: str  # "127.0.0.1:PORT"
    routes: list[tuple[str, str]] = field(default_factory=list)
    default: str = UNREACHABLE

    def action_for(self, host: str) -> str:
        for pattern, action in self.routes:
            if fnmatch.fnmatchcase(host, pattern):
                return action
        return self.default

    def to_json(self) -> dict[str, Any]:
        return {"cloud_address": self.cloud_address, "routes": self.routes,
                "default": self.default}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RouteTable:
        return cls(data["cloud_address"], [tuple(r) for r in data["routes"]], data["default"])


_table: RouteTable | None = None


def route_request(session: Any, request: Any, original_send: Any) -> Any:
    """Send ``request`` the way the environment's network allows."""
    parts = urlsplit(request.url)
    host = parts.hostname or ""
    action = _table.action_for(host) if _table else REACH_CLOUD
    if action == UNREACHABLE:
        _hang_until_connect_timeout(session, request.url)
    if "Host" not in request.headers:
        request.headers["Host"] = parts.netloc
    request.url = urlunsplit(("http", _table.cloud_address, parts.path, parts.query, ""))
    return original_send(session, request)


def _hang_until_connect_timeout(session: Any, url: str) -> None:
    """Behave like a TCP connect to a black hole: nothing answers until the timeout."""
    from botocore.exceptions import ConnectTimeoutError

    timeout = getattr(session, "_timeout", None)
    connect = getattr(timeout, "connect_timeout", timeout)
    time.sleep(float(connect) if isinstance(connect, (int, float)) else 60.0)
    raise ConnectTimeoutError(endpoint_url=url)


def _patch_httpsession(module: Any) -> None:
    original_send = module.URLLib3Session.send

    def send(self: Any, request: Any) -> Any:
        return route_request(self, request, original_send)

    module.URLLib3Session.send = send


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patches ``botocore.httpsession`` right after it is first imported."""

    target = "botocore.httpsession"

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self.target:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        loader_exec = spec.loader.exec_module

        def exec_module(module: Any) -> None:
            loader_exec(module)
            _patch_httpsession(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install(table: RouteTable) -> None:
    """Route every botocore request of this process through ``table``."""
    global _table
    _table = table
    if _PatchOnImport.target in sys.modules:
        _patch_httpsession(sys.modules[_PatchOnImport.target])
    else:
        sys.meta_path.insert(0, _PatchOnImport())
