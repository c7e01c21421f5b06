"""Draws the workshop's diagrams reproducibly: ``python images/make_diagrams.py``.

One function per diagram, each writing ``images/<name>.png``; notebooks show the PNGs.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

HERE = Path(__file__).resolve().parent
INK = "#263238"
SERVICE = "#fff3e0"
FUNCTION = "#e3f2fd"
BAD = "#c62828"
GOOD = "#2e7d32"


def box(ax, x, y, w, h, title, body="", color=FUNCTION, edge=INK):
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.15",
                                facecolor=color, edgecolor=edge, linewidth=1.5))
    ax.text(x + w / 2, y + h - 0.25, title, ha="center", va="top", fontsize=11,
            fontweight="bold", color=INK)
    if body:
        ax.text(x + w / 2, y + h - 0.65, body, ha="center", va="top", fontsize=8.5,
                color=INK, family="monospace", linespacing=1.4)


def arrow(ax, start, end, label, color=INK, above=True):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14,
                                 color=color, linewidth=1.6))
    mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + (0.12 if above else -0.12))
    ax.text(*mid, label, ha="center", va="bottom" if above else "top", fontsize=8.5,
            color=color, family="monospace", linespacing=1.3)


def function_error() -> Path:
    """Pitfall 1: a function error travels back as data in a successful response."""
    fig, ax = plt.subplots(figsize=(10, 5.6))
    ax.set_xlim(0, 12)
    ax.set_ylim(0, 7)
    ax.axis("off")

    box(ax, 0.2, 3.4, 3.2, 2.6, "caller function", "lambda_client.invoke(\n  FunctionName=...,\n"
                                                    "  Payload=order)")
    box(ax, 4.4, 3.4, 3.2, 2.6, "Lambda service", "Invoke API\nruns the callee,\n"
                                                  "wraps its answer", color=SERVICE)
    box(ax, 8.6, 3.4, 3.2, 2.6, "invoked function", "raise OrderRejected(\n"
                                                    "  'unknown sku')")
    arrow(ax, (3.45, 5.4), (4.35, 5.4), "request")
    arrow(ax, (7.65, 5.4), (8.55, 5.4), "event")
    arrow(ax, (8.55, 4.0), (7.65, 4.0), "error", color=BAD, above=False)
    arrow(ax, (4.35, 4.0), (3.45, 4.0), "200", color=BAD, above=False)

    ax.text(1.3, 2.95, 'response = {"StatusCode": 200, "FunctionError": "Unhandled",\n'
                       '            "Payload": {"errorType": "OrderRejected", "errorMessage": ...,'
                       '\n                        "requestId": ..., "stackTrace": [...]}}',
            ha="left", va="top", fontsize=8.5, family="monospace", color=BAD)

    box(ax, 0.2, 0.15, 5.5, 1.45, "wrong caller", "no exception -> 'accepted'\n"
                                                  "the rejected order is lost", color="#ffebee",
        edge=BAD)
    box(ax, 6.3, 0.15, 5.5, 1.45, "fixed caller", "checks FunctionError ->\n"
                                                  "raises InvokedFunctionError", color="#e8f5e9",
        edge=GOOD)
    ax.set_title("invoke() returns normally when the invoked function fails", fontsize=13,
                 color=INK, loc="left")
    path = HERE / "01_function_error.png"
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return path


DIAGRAMS = [function_error]

if __name__ == "__main__":
    for draw in DIAGRAMS:
        print(f"wrote {draw().relative_to(HERE.parent)}")
