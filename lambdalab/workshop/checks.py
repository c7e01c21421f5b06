"""Exercise checks that give feedback and never raise.

A learner's exercise is a function. Its placeholder body raises ``NotImplementedError``
(or the name is still bound to ``...``), which the check reports as NOT ATTEMPTED; a
failed case is FAIL with the case's message and a hint; anything the learner's code
raises is reported, not propagated, so a notebook always runs to its end.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

PLACEHOLDERS = (Ellipsis, None)  # `answer = ...` in an exercise cell means "not yet"
CLOUD_HINT = "re-run the notebook's first code cell (it starts the local cloud), then this one."


class Verdict(enum.StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    NOT_ATTEMPTED = "NOT ATTEMPTED"


@dataclass(frozen=True)
class Case:
    """One situation the learner's function must handle; ``run`` raises AssertionError."""

    description: str
    run: Callable[[Callable[..., Any]], None]


Cases = Sequence[Case] | Callable[[], Sequence[Case]]


def evaluate(solution: Any, cases: Cases, hint: str) -> tuple[Verdict, str]:
    """Run every case against ``solution``; the verdict and the message to show.

    ``cases`` may be a function that prepares them (deploying what they call), so that a
    failure to prepare is reported like everything else instead of raised.
    """
    if any(solution is placeholder for placeholder in PLACEHOLDERS):
        shown = "..." if solution is Ellipsis else "None"
        return Verdict.NOT_ATTEMPTED, f"replace `{shown}` with your code.\nHint: {hint}"
    if not callable(solution):
        return Verdict.FAIL, (f"expected a function, got {type(solution).__name__} "
                              f"{solution!r}.\nHint: {hint}")
    try:
        prepared = cases() if callable(cases) else cases
    except Exception as error:  # noqa: BLE001 - the check's own setup: say so, never raise
        return Verdict.FAIL, (f"the check could not prepare its cases ({type(error).__name__}: "
                              f"{error}).\nHint: {CLOUD_HINT}")
    for case in prepared:
        try:
            case.run(solution)
        except NotImplementedError:
            return Verdict.NOT_ATTEMPTED, (f"replace `raise NotImplementedError` with your "
                                           f"code.\nHint: {hint}")
        except AssertionError as failure:
            return Verdict.FAIL, f"{case.description}: {failure}\nHint: {hint}"
        except (Exception, SystemExit) as error:  # the learner's code broke: report it
            return Verdict.FAIL, (f"{case.description}: your code raised "
                                  f"{type(error).__name__}: {error}\nHint: {hint}")
    return Verdict.PASS, f"all {len(prepared)} cases behave as expected."


def check(name: str, solution: Any, cases: Cases, hint: str) -> None:
    """Print ``name: PASS|FAIL|NOT ATTEMPTED - explanation``.

    Returns nothing, so that a check on a cell's last line adds no ``Out[n]`` to it. Only
    an interrupt (the notebook's stop button) gets through.
    """
    verdict, message = evaluate(solution, cases, hint)
    print(f"{name}: {verdict.value} - {message}")
