"""Feedback a notebook shows: a coloured block in JupyterLab, the same words as plain text.

Every verdict, hint and prediction reply is a :class:`Feedback`: a headline and a few
marked lines. In a notebook it is displayed with two representations, HTML (coloured:
green for a pass, red for a failure, grey for "not yet") and plain text, which is what
terminals, ``nbval`` comparisons and renderers without HTML show. Both are built from the
same lines and hold nothing that changes from run to run.
"""

from __future__ import annotations

import enum
import html
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from lambdalab.translation import translate


class Tone(enum.StrEnum):
    GOOD = "good"
    BAD = "bad"
    NEUTRAL = "neutral"  # not attempted, not predicted
    WARNING = "warning"  # could not check; a prediction that did not come true
    HELP = "help"  # hints


# (text colour, background tint): readable on JupyterLab's light and dark themes alike
COLOURS = {
    Tone.GOOD: ("#2e7d32", "rgba(46, 125, 50, 0.09)"),
    Tone.BAD: ("#c62828", "rgba(198, 40, 40, 0.08)"),
    Tone.NEUTRAL: ("#757575", "rgba(117, 117, 117, 0.09)"),
    Tone.WARNING: ("#b26a00", "rgba(239, 108, 0, 0.09)"),
    Tone.HELP: ("#1565c0", "rgba(21, 101, 192, 0.07)"),
}


@dataclass(frozen=True)
class Line:
    """One line under the headline: a mark (``✓``, ``✗``, ``→`` or none), a label, text."""

    text: str
    mark: str = ""
    tone: Tone = Tone.NEUTRAL
    label: str = ""  # shown in bold before the text, e.g. "Hint 1 of 3:"


@dataclass(frozen=True)
class Feedback:
    headline: str
    tone: Tone
    lines: tuple[Line, ...] = field(default_factory=tuple)

    def text(self) -> str:
        """Plain text: the headline, then each line indented under it."""
        rows = [self.headline]
        for line in self.lines:
            parts = [part for part in (line.mark, line.label, line.text) if part]
            rows.append("  " + " ".join(parts))
        return "\n".join(rows)

    def html(self) -> str:
        """A block with a coloured left border; marks and headline in the tone's colour."""
        colour, tint = COLOURS[self.tone]
        rows = [f'<div style="font-weight: bold; color: {colour}">{_escape(self.headline)}</div>']
        for line in self.lines:
            line_colour = COLOURS[line.tone][0]
            mark = (f'<span style="color: {line_colour}; font-weight: bold">{_escape(line.mark)}'
                    f"</span> " if line.mark else "")
            label = f"<b>{_escape(line.label)}</b> " if line.label else ""
            hanging = "margin: 2px 0 0 1.2em; text-indent: -1.2em" if mark else "margin: 2px 0 0"
            rows.append(f'<div style="{hanging}">{mark}{label}{_escape(line.text)}</div>')
        return (f'<div style="border-left: 4px solid {colour}; background: {tint}; '
                f'padding: 6px 10px; line-height: 1.45">' + "".join(rows) + "</div>")

    def _repr_mimebundle_(self, include: Iterable[str] | None = None,
                          exclude: Iterable[str] | None = None) -> dict[str, str]:
        return {"text/plain": self.text(), "text/html": self.html()}

    def __str__(self) -> str:
        return self.text()


def _escape(text: str) -> str:
    """HTML-escaped, with `code` spans kept readable as monospace."""
    escaped = html.escape(text, quote=False)
    pieces = escaped.split("`")
    if len(pieces) % 2 == 0:  # an odd number of backticks: leave them as they are
        return escaped
    return "".join(f"<code>{piece}</code>" if i % 2 else piece for i, piece in enumerate(pieces))


def short_repr(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, never raising (a learner's object may
    have a broken ``__repr__``)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001
        return f"(a {type(value).__name__} that cannot be shown)"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def show(feedback: Feedback) -> None:
    """Display ``feedback`` in a notebook (HTML and text), or print its text elsewhere.

    Returns nothing, so a call on a cell's last line adds no ``Out[n]``.
    """
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with the workshop's packages
        get_ipython = None
    shell = get_ipython() if get_ipython else None
    shown = translated(feedback)
    if shell is not None and getattr(shell, "kernel", None) is not None:
        display(shown)
    else:
        print(shown.text())


def say(*parts: object, **options: Any) -> None:
    """``print``, in the notebook's language: each line a text of the catalogue is shown
    translated, any other line (a table row, a value) as it is."""
    text = " ".join(str(part) for part in parts)
    print("\n".join(translate(line) for line in text.split("\n")), **options)


def translated(feedback: Feedback) -> Feedback:
    """The feedback in the notebook's language (lambdalab.translation): each text apart."""
    return Feedback(translate(feedback.headline), feedback.tone, tuple(
        replace(line, text=translate(line.text), label=translate(line.label))
        for line in feedback.lines))
