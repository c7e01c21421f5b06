"""Exercise checks that give feedback and never raise.

A learner's exercise is a function. Its placeholder body raises ``NotImplementedError``,
which the check reports as NOT ATTEMPTED; a failed case is FAIL with the case's message
and a hint; anything the learner's code raises is reported, not propagated, so a notebook
always runs to its end.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


class Verdict(enum.StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    NOT_ATTEMPTED = "NOT ATTEMPTED"


@dataclass(frozen=True)
class Case:
    """One situation the learner's function must handle; ``run`` raises AssertionError."""

    description: str
    run: Callable[[Callable[..., Any]], None]


def evaluate(solution: Callable[..., Any], cases: Sequence[Case],
             hint: str) -> tuple[Verdict, str]:
    """Run every case against ``solution``; the verdict and the message to show."""
    for case in cases:
        try:
            case.run(solution)
        except NotImplementedError:
            return Verdict.NOT_ATTEMPTED, f"replace `raise NotImplementedError` with your code.\n" \
                                          f"Hint: {hint}"
        except AssertionError as failure:
            return Verdict.FAIL, f"{case.description}: {failure}\nHint: {hint}"
        except Exception as error:  # the learner's code broke: report it, never raise
            return Verdict.FAIL, (f"{case.description}: your code raised "
                                  f"{type(error).__name__}: {error}\nHint: {hint}")
    return Verdict.PASS, f"all {len(cases)} cases behave as expected."


def check(name: str, solution: Callable[..., Any], cases: Sequence[Case], hint: str) -> None:
    """Print ``name: PASS|FAIL|NOT ATTEMPTED`` with an explanation."""
    verdict, message = evaluate(solution, cases, hint)
    print(f"{name}: {verdict.value} - {message}")
