"""What a function's network lets through: the cloud's verdict in words, and a map of it.

- :func:`show_reachability` prints whether the function's code can reach an AWS host
  (the Lambda API by default), from each of its subnets, with the cloud's one-sentence
  reason (``LocalCloud.explain_reachability``), wrapped to the notebook's width.
- :func:`draw_network` draws the VPC the way the learner built it, read back with EC2's
  own Describe calls: subnets and their default routes, the internet gateway, NAT
  gateways, interface endpoints, the function, and the path its call to Lambda takes,
  or where it stops.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass, field
from typing import Any

from lambdalab.figure_text import in_notebook_language
from lambdalab.translation import translate
from lambdalab.workshop.display import OUTPUT_WIDTH

INK, MUTED = "#263238", "#607d8b"
GOOD, BAD = "#2e7d32", "#c62828"
SUBNET_PUBLIC, SUBNET_PRIVATE, VPC_FILL = "#e8f5e9", "#e3f2fd", "#fafafa"
SERVICE = "#fff3e0"
ANYWHERE = "0.0.0.0/0"


# --- in words ------------------------------------------------------------------------------

def show_reachability(cloud: Any, function_name: str, host: str | None = None) -> None:
    """Print the cloud's verdict for ``function_name`` calling ``host`` (default: the Lambda
    API), from each of its subnets; a subnet whose reason is another's is named once."""
    explanation = cloud.explain_reachability(function_name, host)
    verdict = "reachable" if explanation.reachable else "UNREACHABLE"
    for line in textwrap.wrap(f"{function_name} -> {explanation.host}: {verdict}",
                              width=OUTPUT_WIDTH, subsequent_indent="    ",
                              break_long_words=False, break_on_hyphens=False):
        print(line)
    if not explanation.by_subnet:
        _print_wrapped(explanation.reason, indent="  ")
        return
    shown: dict[str, str] = {}  # the reason with its subnet's id taken out -> first subnet
    for subnet, subnet_verdict in explanation.by_subnet.items():
        generic = subnet_verdict.reason.replace(subnet, "<subnet>")
        if generic in shown:
            print(translate(f"  from {subnet}: the same as from {shown[generic]}"))
            continue
        shown[generic] = subnet
        print(translate(f"  from {subnet}:"))
        _print_wrapped(subnet_verdict.reason, indent="      ")


def _print_wrapped(text: str, indent: str) -> None:
    for line in textwrap.wrap(text, width=OUTPUT_WIDTH, initial_indent=indent,
                              subsequent_indent=indent, break_long_words=False,
                              break_on_hyphens=False):
        print(line)


# --- as a picture --------------------------------------------------------------------------

@dataclass
class SubnetView:
    id: str
    cidr: str
    zone: str
    route: str  # where 0.0.0.0/0 goes: "nat-…", "igw-…", another target, or ""
    public: bool
    has_function: bool = False
    nats: list[str] = field(default_factory=list)
    endpoint_interfaces: list[str] = field(default_factory=list)  # endpoint ids


@dataclass
class NetworkState:
    """The parts of one VPC that decide where a function's call goes, read through the API."""

    function_name: str
    vpc_id: str
    vpc_cidr: str
    subnets: list[SubnetView]
    internet_gateway: str | None
    endpoints: list[dict[str, Any]]
    host: str
    reachable: bool
    reason: str


def read_network(cloud: Any, function_name: str, host: str | None = None) -> NetworkState:
    """The function's VPC as EC2 describes it now, and the cloud's verdict for ``host``."""
    lam, ec2 = cloud.client("lambda"), cloud.client("ec2")
    vpc_config = lam.get_function_configuration(FunctionName=function_name).get(
        "VpcConfig") or {}
    explanation = cloud.explain_reachability(function_name, host)
    vpc_id = vpc_config.get("VpcId") or ""
    if not vpc_id:
        return NetworkState(function_name, "", "", [], None, [], explanation.host,
                            explanation.reachable, explanation.reason)
    by_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    tables = ec2.describe_route_tables(Filters=by_vpc)["RouteTables"]
    igws = ec2.describe_internet_gateways(Filters=[
        {"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
    nats = [n for n in ec2.describe_nat_gateways(Filters=by_vpc)["NatGateways"]
            if n["State"] in ("pending", "available")]
    endpoints = [e for e in ec2.describe_vpc_endpoints(Filters=by_vpc)["VpcEndpoints"]
                 if e["State"].lower() in ("pending", "available", "pendingacceptance")]
    function_subnets = set(vpc_config.get("SubnetIds") or [])
    subnets = []
    for subnet in sorted(ec2.describe_subnets(Filters=by_vpc)["Subnets"],
                         key=lambda s: (s["AvailabilityZone"], s["CidrBlock"])):
        route = _default_route(_table_of(subnet["SubnetId"], tables))
        subnets.append(SubnetView(
            subnet["SubnetId"], subnet["CidrBlock"], subnet["AvailabilityZone"], route,
            public=route.startswith("igw-"), has_function=subnet["SubnetId"] in function_subnets,
            nats=[n["NatGatewayId"] for n in nats if n["SubnetId"] == subnet["SubnetId"]],
            endpoint_interfaces=[e["VpcEndpointId"] for e in endpoints
                                 if subnet["SubnetId"] in (e.get("SubnetIds") or [])]))
    return NetworkState(function_name, vpc_id, vpc["CidrBlock"], subnets,
                        igws[0]["InternetGatewayId"] if igws else None, endpoints,
                        explanation.host, explanation.reachable, explanation.reason)


def _table_of(subnet_id: str, tables: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The subnet's route table: its explicit association, else the VPC's main table."""
    for table in tables:
        if any(a.get("SubnetId") == subnet_id for a in table.get("Associations", [])):
            return table
    return next((t for t in tables if any(a.get("Main") for a in t.get("Associations", []))),
                None)


def _default_route(table: dict[str, Any] | None) -> str:
    for route in (table or {}).get("Routes", []):
        if route.get("DestinationCidrBlock") == ANYWHERE:
            return (route.get("NatGatewayId") or route.get("GatewayId")
                    or route.get("TransitGatewayId") or route.get("VpcPeeringConnectionId")
                    or "another target")
    return ""


class NetworkMap:
    """A drawn network: shown as a PNG in a notebook, as one sentence in plain text."""

    def __init__(self, state: NetworkState, title: str) -> None:
        self.state = state
        self.title = title

    def __repr__(self) -> str:
        verdict = "reaches" if self.state.reachable else "cannot reach"
        return f"network map: {self.state.function_name} {verdict} {self.state.host}"

    def _repr_png_(self) -> bytes:
        figure = render(self.state, self.title)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=90, facecolor="white")
        return buffer.getvalue()


def draw_network(cloud: Any, function_name: str, title: str = "",
                 host: str | None = None) -> NetworkMap:
    """A map of the function's VPC as the cloud holds it now, with the path of its call."""
    return NetworkMap(read_network(cloud, function_name, host), title)


def render(state: NetworkState, title: str = "") -> Any:
    """The matplotlib Figure of ``state`` (not registered with pyplot: nothing leaks), in
    the notebook's language."""
    return in_notebook_language(_drawn(state, title))


def _drawn(state: NetworkState, title: str) -> Any:
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    width, height = 12.0, 6.6
    figure = Figure(figsize=(width * 0.85, height * 0.85))
    ax = figure.add_axes((0.01, 0.01, 0.98, 0.98))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    ax.text(0.1, height - 0.1, title or f"The network of {state.function_name}", ha="left",
            va="top", fontsize=13, fontweight="bold", color=INK)

    def rounded(x: float, y: float, w: float, h: float, fill: str, edge: str = INK,
                style: Any = "-") -> None:
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.12",
                                    facecolor=fill, edgecolor=edge, linewidth=1.3,
                                    linestyle=style))

    def arrow(start: tuple[float, float], end: tuple[float, float], color: str,
              dashed: bool = False) -> None:
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16,
                                     color=color, linewidth=2.2, zorder=5,
                                     linestyle=(0, (5, 3)) if dashed else "-"))

    service = (9.3, 2.5, 2.5, 1.5)  # the Lambda API, outside the VPC
    rounded(*service, fill=SERVICE)
    ax.text(service[0] + 1.25, service[1] + 1.05, "Lambda API", ha="center", fontsize=11,
            fontweight="bold", color=INK)
    ax.text(service[0] + 1.25, service[1] + 0.55, state.host.replace(".amazonaws", "\n.amazonaws"),
            ha="center", va="center", fontsize=7.5, color=MUTED, family="DejaVu Sans Mono")
    service_left = (service[0] - 0.05, service[1] + 0.75)

    if not state.vpc_id:
        ax.text(0.3, service_left[1], f"{state.function_name} is not connected to a VPC",
                fontsize=11, color=INK, va="center")
        arrow((6.5, service_left[1]), service_left, GOOD)
        _caption(ax, state)
        return figure

    vpc = (0.2, 0.95, 8.4, height - 1.65)
    rounded(*vpc, fill=VPC_FILL, edge=MUTED)
    ax.text(vpc[0] + 0.15, vpc[1] + vpc[3] - 0.12, f"VPC {state.vpc_id}  {state.vpc_cidr}",
            ha="left", va="top", fontsize=9, color=MUTED, family="DejaVu Sans Mono")

    rows = [[s for s in state.subnets if s.public], [s for s in state.subnets if not s.public]]
    rows = [row for row in rows if row]
    row_height, top = 1.85, vpc[1] + vpc[3] - 0.45
    boxes: dict[str, tuple[float, float, float, float]] = {}  # badge key -> x, y, w, h
    for r, row in enumerate(rows):
        y = top - (r + 1) * row_height - r * 0.2
        cell = (vpc[2] - 0.3) / max(len(row), 1)
        for c, subnet in enumerate(row):
            x = vpc[0] + 0.15 + c * cell
            rounded(x, y, cell - 0.15, row_height,
                    fill=SUBNET_PUBLIC if subnet.public else SUBNET_PRIVATE)
            kind = "public subnet" if subnet.public else "private subnet"
            ax.text(x + 0.1, y + row_height - 0.1, f"{kind} {subnet.zone[-1]}", ha="left",
                    va="top", fontsize=9, fontweight="bold", color=INK)
            ax.text(x + 0.1, y + row_height - 0.42, f"{subnet.id}  {subnet.cidr}", ha="left",
                    va="top", fontsize=6.5, color=MUTED, family="DejaVu Sans Mono")
            ax.text(x + 0.1, y + 0.1, f"0.0.0.0/0 -> {subnet.route or 'nothing'}", ha="left",
                    va="bottom", fontsize=6.5, family="DejaVu Sans Mono",
                    color=INK if subnet.route else BAD)
            badges = []
            if subnet.has_function:
                badges.append(("λ " + _short(state.function_name), "#ffffff", "function"))
            badges += [("NAT gateway", "#ede7f6", f"nat:{n}") for n in subnet.nats]
            badges += [(f"{_service(state, e)} endpoint", "#fffde7", f"vpce:{e}:{subnet.id}")
                       for e in subnet.endpoint_interfaces]
            badges = badges[:3]
            for b, (label, fill, key) in enumerate(badges):
                bw = min(2.0, (cell - 0.45 - 0.3 * (len(badges) - 1)) / len(badges))
                bx, by, bh = x + 0.15 + b * (bw + 0.3), y + 0.5, 0.42
                rounded(bx, by, bw, bh, fill=fill)
                ax.text(bx + bw / 2, by + bh / 2, label, ha="center", va="center",
                        fontsize=8 if bw > 1.6 else 7, color=INK)
                boxes[key if key != "function" else f"function:{subnet.id}"] = (bx, by, bw, bh)
    igw = None
    if state.internet_gateway:
        igw = (vpc[0] + vpc[2] - 0.45, top - row_height / 2 - 0.3, 0.9, 0.6)
        ax.add_patch(FancyBboxPatch(igw[:2], igw[2], igw[3],
                                    boxstyle="round,pad=0.02,rounding_size=0.1",
                                    facecolor="#eceff1", edgecolor=INK, linewidth=1.3,
                                    zorder=4))
        ax.text(igw[0] + igw[2] / 2, igw[1] + igw[3] / 2, "internet\ngateway", ha="center",
                va="center", fontsize=7, color=INK, zorder=6)

    functions = sorted((box for key, box in boxes.items() if key.startswith("function:")),
                       key=lambda box: (box[0], -box[1]))
    if not functions:
        _caption(ax, state)
        return figure
    function = functions[-1]  # the rightmost: nothing stands between it and the VPC's edge
    path = _path_kind(state)
    interfaces = [box for key, box in boxes.items() if key.startswith("vpce:")]
    interface = next((box for box in interfaces if box[1] == function[1]
                      and function[0] < box[0] < function[0] + 2.6), None)
    if interface is None and interfaces:
        interface = interfaces[-1]
    nat = next((box for key, box in boxes.items() if key.startswith("nat:")), None)
    if path == "nat":
        function = functions[0]  # the leftmost: a straight line up to the NAT gateway
    if path == "endpoint" and interface is not None:
        if interface[1] == function[1] and interface[0] > function[0]:  # side by side
            arrow(_right(function), _left(interface), GOOD)
        else:
            arrow(_bottom(function), _top(interface), GOOD)
        arrow(_right(interface), service_left, GOOD)
        ax.text(service_left[0] - 0.2, service_left[1] + 0.35, "PrivateLink", fontsize=8,
                color=GOOD, ha="right")
    elif path == "nat" and nat is not None and igw is not None:
        arrow(_top(function), _bottom(nat), GOOD)
        arrow(_right(nat), _left(igw), GOOD)
        arrow(_right(igw), (service[0] + 0.4, service[1] + service[3] + 0.05), GOOD)
        ax.text(service[0] + 0.1, service[1] + service[3] + 0.5, "internet", fontsize=8,
                color=GOOD, ha="left")
    else:
        start = _right(function)
        end = (vpc[0] + vpc[2] - 0.4, start[1])
        arrow(start, end, BAD, dashed=True)
        ax.text(end[0] + 0.1, end[1], "✗", fontsize=22, color=BAD, ha="left", va="center",
                fontweight="bold", zorder=6)
    _caption(ax, state)
    return figure


def _path_kind(state: NetworkState) -> str:
    """Which way the cloud's verdict says the call goes: endpoint, nat, or blocked."""
    if not state.reachable:
        return "blocked"
    if "interface endpoint" in state.reason:
        return "endpoint"
    return "nat" if "NAT gateway" in state.reason else "direct"


def _caption(ax: Any, state: NetworkState) -> None:
    verdict = "reachable" if state.reachable else "unreachable"
    reason = state.reason.split("; from ")[0].removeprefix("from ")
    text = textwrap.fill(f"{verdict}: {reason}", width=150)
    ax.text(0.2, 0.8, text, ha="left", va="top", fontsize=8,
            color=GOOD if state.reachable else BAD)


def _service(state: NetworkState, endpoint_id: str) -> str:
    endpoint = next((e for e in state.endpoints if e["VpcEndpointId"] == endpoint_id), {})
    return str(endpoint.get("ServiceName", "")).rsplit(".", 1)[-1] or "VPC"


def _left(box: tuple[float, float, float, float]) -> tuple[float, float]:
    return box[0], box[1] + box[3] / 2


def _right(box: tuple[float, float, float, float]) -> tuple[float, float]:
    return box[0] + box[2], box[1] + box[3] / 2


def _top(box: tuple[float, float, float, float]) -> tuple[float, float]:
    return box[0] + box[2] / 2, box[1] + box[3]


def _bottom(box: tuple[float, float, float, float]) -> tuple[float, float]:
    return box[0] + box[2] / 2, box[1]


def _short(name: str) -> str:
    return name if len(name) <= 22 else "…" + name[-21:]
