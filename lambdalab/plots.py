"""Pictures of what ran: which environment handled what, concurrency, throttles.

Built from :meth:`LocalCloud.invocations` records, so a notebook can show a cold
start, warm reuse, a retry sequence or a throttle storm at a glance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lambdalab.figure_text import in_notebook_language
from lambdalab.invoke.records import InvocationRecord

OUTCOME_COLORS = {
    "success": "#2e7d32",
    "error": "#c62828",
    "timeout": "#ef6c00",
    "exit": "#6a1b9a",
    "init_error": "#ad1457",
    "throttled": "#757575",
}
LIMIT_COLOR = "#b71c1c"
THROTTLE_COLOR = "#d84315"
THROTTLE_MARKS = {  # invocation type: (marker, legend text before the count)
    "RequestResponse": ("x", "refused: 429 to the caller"),
    "Event": ("o", "refused: Lambda queues it again"),
}
STACK_STEP = 0.45  # concurrency units between stacked throttle marks, at most
STACK_BAND = 3.0  # the tallest column of throttle marks fits in this many units


def concurrency_steps(records: Sequence[InvocationRecord]) -> tuple[list[float], list[int]]:
    """Times (seconds from the first record) and the number of invocations running then."""
    ran = [r for r in records if r.outcome != "throttled"]
    if not ran:
        return [], []
    origin = min(r.start for r in records)
    changes = sorted([(r.start - origin, 1) for r in ran] + [(r.end - origin, -1) for r in ran])
    times, levels, level = [0.0], [0], 0
    for moment, step in changes:
        level += step
        times.append(moment)
        levels.append(level)
    return times, levels


def row_labels(records: Sequence[InvocationRecord], environments: Sequence[str],
               names: Mapping[str, str]) -> list[str]:
    """``env N`` per environment; ``<function> env N`` when several functions ran."""
    function_of = {r.environment: r.function for r in records if r.environment}
    if len(set(function_of.values())) <= 1:
        return [f"env {i + 1}" for i in range(len(environments))]
    counted: dict[str, int] = {}
    labels = []
    for env in environments:
        function = function_of[env]
        counted[function] = counted.get(function, 0) + 1
        labels.append(f"{names.get(function, function)} env {counted[function]}")
    return labels


def stacked_heights(times: Sequence[float], base: float, bin_width: float) -> list[float]:
    """A height for each time: ``base``, then one step higher for every earlier time in
    the same bin, so that simultaneous marks stand in a column instead of hiding each
    other (eight refusals at once read as eight). Steps shrink so that the tallest
    column stays within ``STACK_BAND``."""
    slots = [int(moment // bin_width) if bin_width > 0 else 0 for moment in times]
    tallest = max((slots.count(slot) for slot in set(slots)), default=1)
    step = min(STACK_STEP, STACK_BAND / max(tallest - 1, 1))
    seen: dict[int, int] = {}
    heights = []
    for slot in slots:
        heights.append(base + step * seen.get(slot, 0))
        seen[slot] = seen.get(slot, 0) + 1
    return heights


def invocation_timeline(records: Sequence[InvocationRecord], title: str | None = None, *,
                        names: Mapping[str, str] | None = None, limit: int | None = None,
                        limit_label: str | None = None, until: float | None = None) -> Any:
    """A figure: environments as rows of invocation bars above concurrency over time.

    Bars are coloured by outcome, a cold start's init hatched before the handler's part,
    and the attempts of a retried asynchronous event are numbered. When the records come
    from several functions (a caller and the function it invokes), each row names its
    function, as ``names`` shortens it. Throttled attempts are marked on the concurrency
    panel: below the concurrency line, or, when ``limit`` is given (the function's
    reserved concurrency), as columns above a dashed line at that limit, one mark per
    refused call. ``until`` fixes the time axis (seconds), so that several runs can be
    compared at one scale. Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    fig, (gantt, level) = plt.subplots(2, 1, sharex=True, figsize=(9, 5),
                                        gridspec_kw={"height_ratios": [3, 2]})
    if not records:
        gantt.set_title(title or "no invocations recorded")
        return in_notebook_language(fig)
    origin = min(r.start for r in records)
    environments = sorted({r.environment for r in records if r.environment},
                          key=lambda env: min(r.start for r in records if r.environment == env))
    rows = {env: i for i, env in enumerate(environments)}
    retried = {r.request_id for r in records if r.attempt > 1}
    for record in records:
        if record.environment is None:
            continue
        color = OUTCOME_COLORS.get(record.outcome, "#424242")
        row, left, init = rows[record.environment], record.start - origin, record.init_s
        if init:  # the cold start's init, hatched, then the handler's part, plain
            gantt.barh(row, init, left=left, height=0.6, color=color, alpha=0.45, hatch="//",
                       edgecolor="white", linewidth=0.5)
        gantt.barh(row, max(record.end - record.start - init, 0.002), left=left + init,
                   height=0.6, color=color, hatch="//" if record.cold and not init else None,
                   edgecolor="white", linewidth=0.5)
        if record.request_id in retried:
            gantt.text(left + init + 0.02, row, f"attempt {record.attempt}", ha="left",
                       va="center", fontsize="small", color="white", clip_on=True)
    gantt.set_yticks(range(len(environments)))
    gantt.set_yticklabels(row_labels(records, environments, names or {}))
    gantt.invert_yaxis()
    gantt.set_ylabel("execution environment")
    outcomes = sorted({r.outcome for r in records if r.environment})
    handles = [Patch(color=OUTCOME_COLORS.get(o, "#424242"), label=o) for o in outcomes]
    if any(r.cold for r in records):
        handles.append(Patch(facecolor="white", edgecolor="black", hatch="//",
                             label="cold start (init)"))
    if handles:
        gantt.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0),
                     frameon=False, fontsize="small", ncols=len(handles))
    gantt.set_title(title or "invocations", loc="left")

    times, levels = concurrency_steps(records)
    level.step(times, levels, where="post", color="#1565c0", label="running")
    span = until if until is not None else max([r.end - origin for r in records] + [1.0])
    top: float = max(levels + [0])
    if limit is not None:
        level.axhline(limit, color=LIMIT_COLOR, linestyle="--", linewidth=1.2,
                      label=limit_label or f"limit: {limit}")
        top = max(top, limit)
    for kind, (marker, text) in _throttle_kinds(records).items():
        throttled = sorted(r.start - origin for r in records
                           if r.outcome == "throttled" and _kind(r) == kind)
        if limit is None:
            heights = [-0.3] * len(throttled)
        else:
            heights = stacked_heights(throttled, limit + 0.6, bin_width=span / 60)
            top = max([top, *heights])
        level.plot(throttled, heights, marker, color=THROTTLE_COLOR,
                   markersize=6, markeredgewidth=1.5, linestyle="none",
                   fillstyle="none", label=f"throttled ({len(throttled)}): {text}")
    level.set_ylabel("concurrency")
    level.set_xlabel("seconds")
    level.set_ylim(bottom=-0.8, top=top + 0.8)
    level.set_yticks(range(0, max(levels + [limit or 0]) + 1))  # above: marks, not levels
    if until is not None:
        level.set_xlim(0, until)
    level.legend(loc="upper right", fontsize="small")
    fig.tight_layout()
    return in_notebook_language(fig)


def _kind(record: InvocationRecord) -> str:
    return "Event" if record.invocation_type == "Event" else "RequestResponse"


def _throttle_kinds(records: Sequence[InvocationRecord]) -> dict[str, tuple[str, str]]:
    kinds = {_kind(r) for r in records if r.outcome == "throttled"}
    return {kind: THROTTLE_MARKS[kind] for kind in THROTTLE_MARKS if kind in kinds}
