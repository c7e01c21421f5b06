"""Where an AWS SDK call made by handler code goes.

Handler code calls AWS with a plain ``boto3.client("lambda")``: no endpoint in its code,
exactly as on AWS. Inside an execution environment every botocore request passes
through :func:`route_request`, which looks the request's host up in the environment's
route table (built per function by the cloud): an AWS host goes to the local cloud,
tagged with the environment's token (:data:`TOKEN_HEADER`), anything else hangs until
the client's connect timeout, as a packet to an unreachable address would.

The cloud decides, for each tagged request and from the VPC the function sits in *at that
moment*, whether the host is reachable. When it is not, it answers at once with
:data:`UNREACHABLE_HEADER` and nothing else; the request then hangs here until the
client's connect timeout and fails with botocore's ``ConnectTimeoutError`` naming the real
``https://`` URL, so botocore's retry modes treat it exactly as they would on AWS.

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
from typing import Any, NoReturn
from urllib.parse import urlsplit, urlunsplit

REACH_CLOUD = "cloud"
UNREACHABLE = "unreachable"
TOKEN_HEADER = "X-Lambdalab-Environment"  # who sent the request; the cloud strips it
UNREACHABLE_HEADER = "X-Lambdalab-Unreachable"  # the cloud's answer: nothing would answer
DEFAULT_CONNECT_TIMEOUT_S = 60.0  # botocore's default


@dataclass
class RouteTable:
    """Ordered host patterns (fnmatch) with the action for each; the first match wins."""

    cloud_address: str  # "127.0.0.1:PORT"
    routes: list[tuple[str, str]] = field(default_factory=list)
    default: str = UNREACHABLE
    token: str | None = None  # the environment's secret, sent with every request to the cloud

    def action_for(self, host: str) -> str:
        for pattern, action in self.routes:
            if fnmatch.fnmatchcase(host, pattern):
                return action
        return self.default

    def to_json(self) -> dict[str, Any]:
        return {"cloud_address": self.cloud_address, "routes": self.routes,
                "default": self.default, "token": self.token}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RouteTable:
        return cls(data["cloud_address"], [tuple(r) for r in data["routes"]], data["default"],
                   data.get("token"))


_table: RouteTable | None = None


def route_request(session: Any, request: Any, original_send: Any) -> Any:
    """Send ``request`` the way the environment's network allows."""
    started = time.monotonic()
    original_url = request.url
    parts = urlsplit(original_url)
    host = parts.hostname or ""
    action = _table.action_for(host) if _table else REACH_CLOUD
    if action == UNREACHABLE or _table is None:
        _hang_until_connect_timeout(session, original_url, started)
    if "Host" not in request.headers:
        request.headers["Host"] = parts.netloc
    if _table.token:
        request.headers[TOKEN_HEADER] = _table.token
    request.url = urlunsplit(("http", _table.cloud_address, parts.path, parts.query, ""))
    try:
        response = original_send(session, request)
    except Exception as error:
        renamed = _naming(error, original_url)
        if renamed is error:
            raise
        raise renamed from None
    if response.headers.get(UNREACHABLE_HEADER):
        response.content  # noqa: B018 - read the short answer so the connection is released
        request.url = original_url
        _hang_until_connect_timeout(session, original_url, started)
    return response


def _naming(error: Exception, url: str) -> Exception:
    """botocore's error about the request (a read timeout, a closed connection), naming
    the AWS URL the handler's client asked for, as on AWS, not the cloud's address."""
    kwargs = getattr(error, "kwargs", None)
    if not isinstance(kwargs, dict) or "endpoint_url" not in kwargs:
        return error
    return type(error)(**{**kwargs, "endpoint_url": url})


def connect_timeout(session: Any) -> float:
    """The client's connect timeout (botocore keeps it in its urllib3 Timeout)."""
    timeout = getattr(session, "_timeout", None)
    connect = getattr(timeout, "connect_timeout", timeout)
    return float(connect) if isinstance(connect, (int, float)) else DEFAULT_CONNECT_TIMEOUT_S


def _hang_until_connect_timeout(session: Any, url: str, started: float) -> NoReturn:
    """Behave like a TCP connect to a black hole: nothing answers until the timeout."""
    from botocore.exceptions import ConnectTimeoutError

    time.sleep(max(0.0, connect_timeout(session) - (time.monotonic() - started)))
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
