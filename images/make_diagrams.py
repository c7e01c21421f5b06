"""Draws the workshop's diagrams reproducibly: ``python images/make_diagrams.py``.

Each diagram is drawn once per language: English into ``images/``, and for each
translation (``images/labels.<language>.toml``: every label's English and its translation)
into ``images/<language>/``, by the same code, each label looked up as it is drawn. A label
the table lacks stops the drawing with its text, so that no diagram is half translated.

One function per diagram, each writing ``images/<name>.png`` and listed in ``DIAGRAMS``;
notebooks show the PNGs. Most pitfalls are about what travels between a caller, the
Lambda service and an invoked function, so the building blocks below draw sequence
diagrams: participants with lifelines, messages between them, notes and outcome boxes.
Output is byte-stable (no timestamps in the PNG metadata), so an unchanged diagram does
not show up as a change in the repository.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

HERE = Path(__file__).resolve().parent
OUTPUT = [HERE]  # where save() writes: images/, or images/<language>/
TRANSLATIONS = ("ja",)
WIDTH = 12.0  # drawing units across; heights are chosen per diagram
CALLER_X, SERVICE_X, INVOKED_X = 1.9, 6.0, 10.1  # the lifelines of a call diagram

INK = "#263238"
MUTED = "#607d8b"
FUNCTION = "#e3f2fd"
SERVICE = "#fff3e0"
BAD, BAD_FILL = "#c62828", "#ffebee"
GOOD, GOOD_FILL = "#2e7d32", "#e8f5e9"
MONO = "DejaVu Sans Mono"


def canvas(height: float, title: str, subtitle: str = "") -> tuple[Figure, Axes]:
    """A blank drawing ``WIDTH`` x ``height`` units, 0.85 inch per unit, with a title."""
    fig, ax = plt.subplots(figsize=(WIDTH * 0.85, height * 0.85))
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(0, height)
    ax.axis("off")
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99)
    ax.text(0.1, height - 0.15, title, ha="left", va="top", fontsize=15, fontweight="bold",
            color=INK)
    if subtitle:
        ax.text(0.1, height - 0.7, subtitle, ha="left", va="top", fontsize=10.5, color=MUTED)
    return fig, ax


def participant(ax: Axes, x: float, top: float, bottom: float, name: str, kind: str,
                fill: str = FUNCTION) -> None:
    """A participant's header box at ``top`` and its dashed lifeline down to ``bottom``."""
    width, height = 2.6, 0.9
    ax.plot([x, x], [bottom, top - height], color=MUTED, linewidth=1, linestyle=(0, (4, 3)),
            zorder=0)
    ax.add_patch(FancyBboxPatch((x - width / 2, top - height), width, height,
                                boxstyle="round,pad=0.02,rounding_size=0.12", facecolor=fill,
                                edgecolor=INK, linewidth=1.4))
    ax.text(x, top - 0.3, name, ha="center", va="center", fontsize=11.5, fontweight="bold",
            color=INK)
    ax.text(x, top - 0.65, kind, ha="center", va="center", fontsize=8.5, color=MUTED)


def activation(ax: Axes, x: float, top: float, bottom: float, color: str = INK) -> None:
    """The bar on a lifeline while that participant is busy."""
    ax.add_patch(FancyBboxPatch((x - 0.08, bottom), 0.16, top - bottom, boxstyle="square,pad=0",
                                facecolor="white", edgecolor=color, linewidth=1.2, zorder=2))


def message(ax: Axes, x_from: float, x_to: float, y: float, label: str, color: str = INK,
            reply: bool = False, mono: bool = True) -> None:
    """An arrow between two lifelines, its label above; a reply is dashed."""
    start = x_from + (0.1 if x_to > x_from else -0.1)
    end = x_to + (-0.1 if x_to > x_from else 0.1)
    ax.add_patch(FancyArrowPatch((start, y), (end, y), arrowstyle="-|>", mutation_scale=15,
                                 color=color, linewidth=1.6, zorder=3,
                                 linestyle=(0, (5, 3)) if reply else "-"))
    ax.text((x_from + x_to) / 2, y + 0.1, label, ha="center", va="bottom", fontsize=9,
            color=color, family=MONO if mono else None, zorder=3)


def note(ax: Axes, x: float, y: float, text: str, color: str = INK, fill: str = "white",
         ha: str = "left", size: float = 9) -> None:
    """A boxed remark hanging from ``(x, y)``: its top-left corner, or top-right with
    ``ha="right"``."""
    ax.text(x, y, text, ha=ha, va="top", multialignment="left", fontsize=size, color=color,
            family=MONO, linespacing=1.45, zorder=4,
            bbox={"boxstyle": "round,pad=0.45,rounding_size=0.15", "facecolor": fill,
                  "edgecolor": color, "linewidth": 1.1})


def outcome(ax: Axes, x: float, y: float, width: float, height: float, title: str, body: str,
            good: bool) -> None:
    """A verdict box: what one implementation concludes (red when wrong, green when right)."""
    edge, fill = (GOOD, GOOD_FILL) if good else (BAD, BAD_FILL)
    ax.add_patch(FancyBboxPatch((x, y), width, height,
                                boxstyle="round,pad=0.02,rounding_size=0.15", facecolor=fill,
                                edgecolor=edge, linewidth=1.6))
    ax.text(x + 0.25, y + height - 0.22, title, ha="left", va="top", fontsize=11.5,
            fontweight="bold", color=edge)
    ax.text(x + 0.25, y + height - 0.68, body, ha="left", va="top", fontsize=9, color=INK,
            family=MONO, linespacing=1.5)


def call_participants(ax: Axes, top: float, bottom: float, caller: tuple[str, str],
                      service_kind: str, invoked: tuple[str, str],
                      caller_bottom: float | None = None) -> tuple[float, float, float]:
    """Caller, Lambda service and invoked function, left to right, as in every call diagram;
    returns their x positions. ``caller`` and ``invoked`` are (name, kind)."""
    participant(ax, CALLER_X, top, bottom if caller_bottom is None else caller_bottom, *caller)
    participant(ax, SERVICE_X, top, bottom, "Lambda service", service_kind, fill=SERVICE)
    participant(ax, INVOKED_X, top, bottom, *invoked)
    return CALLER_X, SERVICE_X, INVOKED_X


def caption(ax: Axes, y: float, text: str) -> None:
    """The italic line that introduces the verdict boxes below it."""
    ax.text(0.2, y, text, ha="left", va="bottom", fontsize=10, color=MUTED, style="italic")


def verdicts(ax: Axes, height: float, wrong: tuple[str, str], fixed: tuple[str, str]) -> None:
    """The pair of verdict boxes along the bottom, each (title, body): the mistake on the
    left, its fix on the right."""
    outcome(ax, 0.2, 0.15, 5.6, height, "\u2717  " + wrong[0], wrong[1], good=False)
    outcome(ax, 6.2, 0.15, 5.6, height, "\u2713  " + fixed[0], fixed[1], good=True)


def save(fig: Figure, name: str) -> Path:
    path = OUTPUT[0] / f"{name}.png"
    fig.savefig(path, dpi=100, facecolor="white", metadata={"Software": None})
    plt.close(fig)
    return path


def function_error() -> Path:
    """Pitfall 1: a function error travels back as data inside a successful response."""
    fig, ax = canvas(9.3, "invoke() returns normally when the invoked function fails",
                     "The error comes back as data in an HTTP 200 response; boto3 raises "
                     "nothing.")
    caller, service, invoked = call_participants(
        ax, 8.1, 3.0, ("caller", "order service"), "Invoke API", ("invoked function", "pricing"),
        caller_bottom=2.85)

    activation(ax, caller, 6.95, 2.85)
    activation(ax, service, 6.75, 4.45)
    activation(ax, invoked, 6.25, 5.05, color=BAD)
    message(ax, caller, service, 6.75, "invoke(Payload=order)")
    message(ax, service, invoked, 6.25, "event: the order")
    note(ax, invoked - 0.3, 5.95, "raise OrderRejected(\n  'unknown sku durian')", color=BAD,
         fill=BAD_FILL, ha="right", size=8.5)
    message(ax, invoked, service, 5.05, "error document", color=BAD, reply=True)
    message(ax, service, caller, 4.45, "HTTP 200, error in the body", color=BAD, reply=True)
    note(ax, caller + 0.35, 4.2,
         'StatusCode     200\n'
         'FunctionError  "Unhandled"    (header X-Amz-Function-Error)\n'
         'Payload        {"errorType": "OrderRejected",\n'
         '                "errorMessage": "order A-1002: unknown sku durian",\n'
         '                "requestId": "...", "stackTrace": [...]}', color=BAD)

    caption(ax, 2.3, "what each caller makes of that response")
    verdicts(ax, 1.95,
             wrong=("wrong caller",
                    "try: response = invoke(...)\n"
                    "except Exception: ...  # only if the call fails\n"
                    'return {"status": "accepted"}\n'
                    "-> the rejected order is lost"),
             fixed=("fixed caller",
                    'if "FunctionError" in response:\n'
                    '    raise InvokedFunctionError(\n'
                    '        "OrderRejected", ...)\n'
                    '-> answers {"status": "rejected"}'))
    return save(fig, "01_function_error")


def box(ax: Axes, x: float, y: float, width: float, height: float, title: str, body: str = "",
        fill: str = FUNCTION, edge: str = INK) -> None:
    """A rounded box with a bold title at its top and an optional smaller body below it."""
    ax.add_patch(FancyBboxPatch((x, y), width, height,
                                boxstyle="round,pad=0.02,rounding_size=0.15", facecolor=fill,
                                edgecolor=edge, linewidth=1.4))
    ax.text(x + 0.2, y + height - 0.2, title, ha="left", va="top", fontsize=11,
            fontweight="bold", color=INK)
    if body:
        ax.text(x + 0.2, y + height - 0.62, body, ha="left", va="top", fontsize=8.5, color=INK,
                linespacing=1.45)


def what_runs_where() -> Path:
    """Notebook 00: which process runs what, from the browser to a function's handler."""
    fig, ax = canvas(5.7, "What runs where", "Everything stays on your machine (127.0.0.1). "
                     "White boxes are processes; the kernel's two parts share its process.")
    box(ax, 0.2, 2.1, 2.0, 1.5, "browser", "JupyterLab's page:\nyour cells, their\noutputs",
        fill="white")
    box(ax, 2.7, 2.1, 2.3, 1.5, "Jupyter server", "started by make lab,\n127.0.0.1:8888,\n"
        "the repository's files", fill="white")
    box(ax, 5.5, 0.3, 3.4, 4.4, "notebook kernel", "one Python process per notebook",
        fill="white")
    box(ax, 5.7, 2.75, 3.0, 1.1, "your code", "cells, boto3 clients:\ncloud.client(\"lambda\")")
    box(ax, 5.7, 0.5, 3.0, 1.75, "local cloud", "threads: moto (every AWS API,\nall state) and "
        "Invoke (runs\nfunctions, logs, concurrency)", fill=SERVICE)
    box(ax, 9.3, 2.75, 2.5, 1.1, "environment", "function A: awslambdaric\n+ your handler")
    box(ax, 9.3, 0.5, 2.5, 1.1, "environment", "function B, or A again\nwhen A is busy")
    arrow = {"arrowstyle": "<|-|>", "mutation_scale": 12, "color": INK, "linewidth": 1.3}
    ax.add_patch(FancyArrowPatch((2.22, 2.85), (2.68, 2.85), **arrow))
    ax.add_patch(FancyArrowPatch((5.02, 2.85), (5.48, 2.85), **arrow))
    ax.add_patch(FancyArrowPatch((6.5, 2.73), (6.5, 2.27), **arrow))
    ax.add_patch(FancyArrowPatch((8.72, 2.0), (9.28, 3.1), **arrow))
    ax.add_patch(FancyArrowPatch((8.72, 1.05), (9.28, 1.05), **arrow))
    ax.text(6.62, 2.5, "HTTP to 127.0.0.1:PORT", ha="left", va="center", fontsize=8,
            color=MUTED)
    ax.text(10.55, 2.18, "child processes of the kernel,\nwarm between invokes, gone\n"
            "when the cloud or kernel stops", ha="center", va="center", fontsize=8, color=MUTED)
    return save(fig, "00_what_runs_where")


def path_arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], color: str = INK,
          dashed: bool = False, width: float = 2.0) -> None:
    """A straight arrow from ``start`` to ``end`` (a path in a network picture)."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16, color=color,
                                 linewidth=width, zorder=5,
                                 linestyle=(0, (5, 3)) if dashed else "-"))


def vpc_reachability() -> Path:
    """Pitfall 3: from a private subnet, Lambda's API is reachable only through a route."""
    fig, ax = canvas(8.4, "A function in a VPC reaches Lambda's API only if its subnet "
                     "has a way there",
                     "Every SDK call goes to lambda.ap-northeast-1.amazonaws.com, also a call "
                     "to a function of the same account.")
    net = "#607d8b"
    blue = "#1565c0"
    box(ax, 0.2, 0.3, 8.1, 6.8, "", fill="#fafafa", edge=net)
    ax.text(0.4, 6.95, "VPC 10.3.0.0/16 (DNS support and DNS hostnames on)", ha="left",
            va="top", fontsize=9.5, color=net, family=MONO)
    box(ax, 0.45, 4.6, 7.6, 1.95, "public subnet", "route table: 0.0.0.0/0 -> internet gateway",
        fill=GOOD_FILL)
    box(ax, 0.45, 0.55, 7.6, 3.8, "private subnets (two AZs)",
        "route table: local route only\n(fix 3: 0.0.0.0/0 -> NAT)",
        fill=FUNCTION)
    box(ax, 4.6, 4.8, 2.2, 0.9, "NAT gateway", "Elastic IP address", fill="#ede7f6")
    note(ax, 0.7, 5.55, "a function here gets nothing more:\nno public IP on Lambda's "
         "interfaces", color=MUTED, size=8)
    box(ax, 0.8, 2.2, 2.3, 0.95, "order service", "Lambda, no public IP", fill="white")
    box(ax, 4.1, 0.8, 3.6, 1.25, "Lambda interface endpoint",
        "1 private DNS: the default name leads here\n2 or its own name, vpce-...",
        fill="#fffde7")
    box(ax, 7.6, 5.0, 1.3, 0.9, "internet", "gateway", fill="#eceff1")
    box(ax, 9.15, 1.2, 2.65, 4.6, "Lambda service", "public endpoint\nlambda.ap-northeast-1\n"
        ".amazonaws.com", fill=SERVICE)
    box(ax, 9.4, 1.45, 2.15, 0.95, "inventory", "invoked function", fill="white")

    path_arrow(ax, (3.12, 2.67), (7.45, 2.67), BAD, dashed=True)
    ax.text(7.55, 2.67, "\u2717", fontsize=20, color=BAD, ha="left", va="center",
            fontweight="bold")
    note(ax, 4.4, 3.55, "no route: nothing answers, nothing refuses;\n"
         "the call hangs until a timeout", color=BAD, fill=BAD_FILL, size=8.5)
    path_arrow(ax, (1.95, 2.18), (4.08, 1.45), GOOD)
    path_arrow(ax, (7.72, 1.45), (9.13, 1.9), GOOD)
    ax.text(8.45, 1.85, "PrivateLink", fontsize=8.5, color=GOOD, ha="center", va="bottom",
            rotation=17)
    path_arrow(ax, (3.0, 3.17), (5.0, 4.78), blue)
    path_arrow(ax, (6.82, 5.3), (7.58, 5.42), blue)
    path_arrow(ax, (8.92, 5.5), (9.6, 5.82), blue)
    ax.text(4.6, 5.8, "3 NAT gateway: out through its public\n  address, to the whole "
            "internet", fontsize=8.5, color=blue, ha="left", va="bottom", family=MONO)
    return save(fig, "03_vpc_reachability")



def own_environment() -> Path:
    """Pitfall 6: an invocation carries its payload; the environment is the callee's own."""
    fig, ax = canvas(10.2, "The invoked function runs with its own environment variables",
                     "An invoke carries the payload. The invoice function's variables come "
                     "from its own configuration, plus Lambda's reserved ones.")
    caller, service, invoked = call_participants(
        ax, 9.0, 2.95, ("caller", "order service"), "Invoke API", ("invoked function", "invoice"))

    note(ax, caller - 1.75, 7.95, "os.environ['LOG_LEVEL']\n    = 'DEBUG'\n"
         "(its own process only)", color=BAD, fill=BAD_FILL, size=8.5)
    activation(ax, caller, 7.25, 3.05)
    activation(ax, service, 7.05, 3.3)
    activation(ax, invoked, 4.55, 3.55)
    message(ax, caller, service, 7.05, "invoke(Payload={'order': ...})")
    note(ax, service + 0.35, 6.8,
         "an environment of pitfall6-invoice,\n"
         "from its configuration (this version):\n"
         "  LOG_LEVEL=INFO\n"
         "  TABLE_NAME=pitfall6-orders ...\n"
         "and Lambda's reserved variables:\n"
         "  AWS_LAMBDA_FUNCTION_NAME=pitfall6-invoice\n"
         "  AWS_REGION  AWS_LAMBDA_LOG_GROUP_NAME ...", size=8)
    message(ax, service, invoked, 4.55, "event: {'order': ...}")
    note(ax, invoked + 0.3, 4.3, "[INFO] invoice ...\nno DEBUG line", color=BAD,
         fill=BAD_FILL, size=8)
    message(ax, invoked, service, 3.55, "the invoice", reply=True)
    message(ax, service, caller, 3.3, "HTTP 200", reply=True)

    caption(ax, 2.5, "how the debug flag travels")
    verdicts(ax, 2.15,
             wrong=("wrong caller",
                    "os.environ['LOG_LEVEL'] = 'DEBUG'\n"
                    "invoke(Payload={'order': order})\n"
                    "-> the caller logs at DEBUG,\n"
                    "   the invoice function at INFO"),
             fixed=("fixed caller",
                    "invoke(Payload={'order': order,\n"
                    "                'log_level': 'DEBUG'})\n"
                    "-> the invoice function logs at\n"
                    "   DEBUG for this request only"))
    return save(fig, "06_own_environment")




def values_do_not_travel() -> Path:
    """Pitfall 2: only the request travels; the caller's values and deadline stay behind."""
    fig, ax = canvas(10.4, "Only the request travels: not the caller's values, "
                     "not its deadline",
                     "invoke() sends one HTTPS request. The invoked function starts from its "
                     "own process, configuration and context.")
    caller, service, invoked = call_participants(
        ax, 9.2, 3.0, ("caller", "order service"), "Invoke API", ("invoked function", "payment"))

    note(ax, caller - 1.75, 8.05,
         "request_scope  tenant='acme'\n"
         "os.environ     TENANT_ID='acme'\n"
         "context.tenant = 'acme'", color=BAD, fill=BAD_FILL, size=8.5)
    ax.text(caller - 1.75, 6.95, "stays in the caller's process", ha="left", va="top",
            fontsize=8.5, color=BAD, style="italic")
    activation(ax, caller, 6.55, 4.45)
    activation(ax, service, 6.35, 5.85)
    activation(ax, invoked, 5.85, 3.55, color=BAD)
    message(ax, caller, service, 6.35, "Payload (+ ClientContext)")
    message(ax, service, invoked, 5.85, "event = Payload")
    note(ax, invoked - 0.3, 5.6,
         "request_scope  empty: None\n"
         "os.environ     its own\n"
         "context        its own request\n"
         "               id and 5 s timeout", ha="right", size=8.5)
    ax.plot([caller - 0.25, caller + 0.25], [4.2, 4.7], color=BAD, linewidth=2.2)
    ax.plot([caller - 0.25, caller + 0.25], [4.7, 4.2], color=BAD, linewidth=2.2)
    ax.text(caller + 0.4, 4.45, "2 s: ReadTimeoutError,\nstops waiting: \"failed\"",
            ha="left", va="center", fontsize=8.5, color=BAD, family=MONO)
    note(ax, invoked + 0.3, 4.3, "3 s: capture()\nmoney moves", color=BAD, fill=BAD_FILL,
         size=8.5)
    message(ax, invoked, service, 3.55, "answer: nobody waits", color=MUTED, reply=True)

    caption(ax, 2.55, "what each pair of functions does about it")
    verdicts(ax, 2.2,
             wrong=("wrong pair",
                    "values kept in memory, environment,\n"
                    "context: never sent\n"
                    "giving up cancels nothing\n"
                    "-> charged to tenant None, after \"failed\""),
             fixed=("fixed pair",
                    'Payload = {"meta": {"tenant", "user_id",\n'
                    '            "correlation_id", "deadline_ms"},\n'
                    '           "body": order}\n'
                    "callee: meta.time_left_ms() before capture"))
    return save(fig, "02_values_do_not_travel")


def sync_by_default() -> Path:
    """Pitfall 4: the default invoke waits for the invoked function; an Event is queued."""
    fig, ax = canvas(12.9, "invoke() waits for the invoked function, unless you ask it not to",
                     "Above: the default call (RequestResponse). Below: a queued event "
                     "(InvocationType='Event').")
    caller, service, invoked = call_participants(
        ax, 11.75, 2.75, ("caller", "order service"), "Invoke API, event queue",
        ("invoked function", "invoice: seconds of work"))

    activation(ax, caller, 10.45, 8.05, color=BAD)
    activation(ax, service, 10.25, 8.25)
    activation(ax, invoked, 9.85, 8.65)
    message(ax, caller, service, 10.25, "invoke(Payload=order)")
    message(ax, service, invoked, 9.85, "run it, wait for it")
    message(ax, invoked, service, 8.65, "its answer", reply=True)
    message(ax, service, caller, 8.25, "200, the answer (or the error)", reply=True)
    note(ax, caller + 0.3, 9.75, "waits, and is billed,\nwhile the invoice renders;\n"
         "3 orders: 3 waits in a row", color=BAD, fill=BAD_FILL, size=8.5)
    note(ax, invoked - 0.3, 9.6, "renders the PDF", ha="right", size=8.5)

    ax.plot([0.2, WIDTH - 0.2], [7.6, 7.6], color=MUTED, linewidth=1, linestyle=(0, (2, 3)))
    ax.text(0.25, 7.45, "InvocationType='Event'", ha="left", va="top", fontsize=9.5,
            color=MUTED, style="italic", family=MONO)
    activation(ax, caller, 7.0, 6.35, color=GOOD)
    activation(ax, service, 6.8, 3.3)
    activation(ax, invoked, 5.75, 5.2, color=BAD)
    activation(ax, invoked, 4.55, 4.0, color=BAD)
    message(ax, caller, service, 6.8, "invoke(..., InvocationType='Event')")
    message(ax, service, caller, 6.45, "202, empty body", color=GOOD, reply=True)
    note(ax, caller + 0.3, 6.1, "answers at once;\nno result, no error", color=GOOD,
         fill=GOOD_FILL, size=8.5)
    message(ax, service, invoked, 5.75, "the event, from the queue")
    message(ax, invoked, service, 5.2, "error", color=BAD, reply=True)
    message(ax, service, invoked, 4.55, "retry after 1 min, then 2")
    message(ax, invoked, service, 4.0, "error again", color=BAD, reply=True)
    note(ax, invoked + 0.25, 5.05, "the same event\neach time: make\nit idempotent",
         size=8.5)
    note(ax, service + 0.3, 3.55, "then the record goes to the\non-failure destination (SQS)",
         size=8.5)

    verdicts(ax, 2.15,
             wrong=("default call",
                    "the caller's duration = the sum of\n"
                    "the invocations, up to its timeout;\n"
                    "both are billed; a thread won't help:\n"
                    "it is frozen when the handler returns"),
             fixed=("InvocationType='Event'",
                    "202 in milliseconds, work queued;\n"
                    "failures: retried twice, then sent\n"
                    "to a destination you configure;\n"
                    "async payloads: 1 MB (sync: 6 MB)"))
    return save(fig, "04_sync_by_default")


DIAGRAMS: list[Callable[[], Path]] = [what_runs_where, function_error, values_do_not_travel,
                                      vpc_reachability, sync_by_default, own_environment]


def concurrency_throttling() -> Path:
    """Pitfall 5: calls beyond the callee's reserved concurrency are refused at once."""
    fig, ax = canvas(9.6, "Calls beyond reserved concurrency are refused at once",
                     "Lambda does not queue a synchronous call: no free unit, HTTP 429 "
                     "at once. The SDK's retries decide the rest.")
    caller, service, invoked = call_participants(
        ax, 8.4, 3.0, ("caller", "10 threads"), "reserved concurrency 2",
        ("inventory", "2 environments at most"), caller_bottom=2.85)

    activation(ax, caller, 7.25, 2.85)
    activation(ax, service, 7.05, 3.6)
    activation(ax, invoked, 6.55, 5.65, color=GOOD)
    message(ax, caller, service, 7.05, "10 x invoke(), at once")
    message(ax, service, invoked, 6.55, "calls 1 and 2 run (0.6 s)", color=GOOD)
    message(ax, service, caller, 6.0, "calls 3-10: HTTP 429, in ms", color=BAD, reply=True)
    note(ax, invoked - 0.3, 5.35,
         'TooManyRequestsException\n'
         '"Rate Exceeded."\n'
         'Reason: ReservedFunction\n'
         '  ConcurrentInvocationLimitExceeded\n'
         'Type: User', color=BAD, fill=BAD_FILL, ha="right", size=8.5)
    note(ax, caller + 0.35, 5.65,
         "boto3 (standard mode) in the caller:\n"
         "  sleep 0-1 s, retry\n"
         "  sleep 0-2 s, retry\n"
         "  then raise: the item is lost,\n"
         "  seconds after the refusal", color=INK)
    message(ax, caller, service, 3.6, "retries: some find a free unit", color=MUTED)

    caption(ax, 2.3, "what each caller does about it")
    verdicts(ax, 1.95,
             wrong=("wrong caller",
                    "ThreadPoolExecutor(max_workers=10)\n"
                    "plain boto3.client('lambda')\n"
                    "-> refusals retried unseen,\n"
                    "   some items still lost"),
             fixed=("fixed caller",
                    "pool = get_function_concurrency(...)\n"
                    "        -> 2 calls at a time\n"
                    "backoff with full jitter if shared\n"
                    "-> every item, no refusal"))
    return save(fig, "05_concurrency_throttling")


DIAGRAMS.append(concurrency_throttling)

def timeouts_and_retries() -> Path:
    """Bonus pitfall 7: the client stops waiting and retries; each retry runs the callee."""
    fig, ax = canvas(11.2, "The client stops waiting and sends the call again",
                     "A 1 s read_timeout, a 2 s payment, boto3's standard retries: "
                     "one invoke(), three runs, three captures.")
    caller, service, invoked = call_participants(
        ax, 10.05, 2.2, ("checkout", "client: read_timeout 1 s"), "Invoke API",
        ("payment function", "2 s per capture"))

    second = 1.15  # drawing units per second
    activation(ax, caller, 8.95, 8.75 - 3 * second - 0.1, color=BAD)
    for number in (1, 2, 3):
        y = 8.75 - (number - 1) * second
        run_x = invoked + (number - 2) * 0.3  # each run in its own environment
        activation(ax, service, y, y - 0.35)
        activation(ax, run_x, y - 0.35, y - 0.35 - 2 * second, color=BAD)
        label = ("invoke(Payload=order)" if number == 1
                 else f"the same request (retry {number - 1})")
        message(ax, caller, service, y, label)
        message(ax, service, run_x, y - 0.35, f"run {number}: a new request id")
        note(ax, caller + 0.3, y - 0.4, "after 1 s: stop waiting",
             color=BAD, fill=BAD_FILL, size=8.5)
    note(ax, invoked - 0.6, 5.3, "each run charges the card;\nnobody tells it that\n"
         "the caller left", ha="right", size=8.5)
    note(ax, caller + 0.3, 8.75 - 3 * second - 0.2, "raise ReadTimeoutError", color=BAD,
         fill=BAD_FILL, size=8.5)

    verdicts(ax, 1.9,
             wrong=("short read_timeout + retries",
                    "3 runs (5 in legacy mode), overlapping;\n"
                    "3 captures for one order;\n"
                    "and the checkout still failed"),
             fixed=("fixed",
                    "read_timeout > the callee's Timeout,\n"
                    "retries={'total_max_attempts': 1};\n"
                    "the callee claims an idempotency key\n"
                    "(a conditional write) before it charges"))
    return save(fig, "07_timeouts_and_retries")


DIAGRAMS.append(timeouts_and_retries)


def access_denied() -> Path:
    """Notebook 08: a function calls AWS as its role; IAM refuses before anything runs."""
    fig, ax = canvas(9.3, "The caller's role decides what it may call",
                     "A function calls AWS as its execution role; with no policy that allows "
                     "the call, IAM refuses it.")
    caller, service, invoked = call_participants(
        ax, 8.1, 3.0, ("caller", "checkout"), "Lambda + IAM", ("invoked function",
                                                               "pricing:live"),
        caller_bottom=2.85)

    activation(ax, caller, 6.95, 4.45)
    activation(ax, service, 6.75, 4.45)
    message(ax, caller, service, 6.75, "invoke(pricing, Qualifier=live)")
    note(ax, service + 0.35, 6.45,
         "who:  assumed-role/ROLE/checkout\n"
         "what: lambda:InvokeFunction\n"
         "on:   ...:function:pricing:live\n"
         "an Allow in the role's policies?  none", color=BAD, fill=BAD_FILL, size=8.5)
    message(ax, service, caller, 4.45, "403 AccessDeniedException", color=BAD, reply=True)
    note(ax, invoked - 0.3, 5.2, "never invoked", color=MUTED, ha="right", size=8.5)
    note(ax, caller + 0.35, 4.05, "the checkout raises; Lambda cannot write its log\n"
                                  "either: the logs are written as the role too",
         color=BAD, size=8.5)

    caption(ax, 2.3, "what each role allows")
    verdicts(ax, 1.95,
             wrong=("bare role",
                    "trust policy: lambda.amazonaws.com\n"
                    "policies: none\n"
                    "-> AccessDeniedException, no log"),
             fixed=("least privilege",
                    "lambda:InvokeFunction on\n"
                    "    ...:function:pricing:live\n"
                    "the three log actions on its log group\n"
                    "-> priced, logged"))
    return save(fig, "08_access_denied")


DIAGRAMS.append(access_denied)


def labels(language: str) -> dict[str, str]:
    """The label table of a translation: English label -> translated label."""
    table = tomllib.loads((HERE / f"labels.{language}.toml").read_text("utf-8"))
    return {entry["en"]: entry[language] for entry in table["label"]}


def draw_all(language: str = "en") -> list[Path]:
    """Every diagram in ``language``; a translation's labels replace the English ones as
    each is drawn (every label goes through ``Axes.text``)."""
    if language == "en":
        OUTPUT[0] = HERE
        return [draw() for draw in DIAGRAMS]
    from lambdalab.cjk_font import use_cjk_font

    use_cjk_font()
    table = labels(language)
    OUTPUT[0] = HERE / language
    OUTPUT[0].mkdir(exist_ok=True)
    original = Axes.text

    def translated_text(ax: Axes, x: float, y: float, s: str, *args: Any, **kwargs: Any) -> Any:
        if s not in table:
            raise SystemExit(f"images/labels.{language}.toml has no translation of {s!r}")
        if kwargs.get("family") == MONO and not table[s].isascii():
            kwargs.pop("family")  # monospaced labels in a script the mono font lacks
        return original(ax, x, y, table[s], *args, **kwargs)

    Axes.text = translated_text  # type: ignore[method-assign]
    try:
        return [draw() for draw in DIAGRAMS]
    finally:
        Axes.text = original  # type: ignore[method-assign]
        OUTPUT[0] = HERE


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    for language in ("en", *TRANSLATIONS):
        for path in draw_all(language):
            print(f"wrote {path.relative_to(HERE.parent)}")
