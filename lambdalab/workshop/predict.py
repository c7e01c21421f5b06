"""The "predict the output" step: the learner commits to an answer, the reveal replies.

Before the wrong code runs, a cell asks for a guess as a value::

    prediction = ...   # "accepted", "failed" or "exception"

and the cell that runs the code ends with ``question.reveal(prediction, observed)``,
where ``observed`` is taken from what really happened. Whatever the learner chose
(nothing, a right or a wrong answer), the reply says what happened and why; a wrong
guess also gets the reason it did not happen. Predicting first makes the surprise stick
(the Carpentries' "predict the output" exercise).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lambdalab import progress
from lambdalab.workshop.feedback import Feedback, Line, Tone, short_repr, show


@dataclass(frozen=True)
class Prediction:
    """A question with a closed set of answers.

    ``choices`` maps each answer to what it means and why it does or does not happen;
    ``why`` explains the real outcome and is shown whatever the learner chose.
    """

    question: str
    choices: Mapping[str, str]
    why: str
    notebook: str = ""  # where its reveals are recorded (``01_function_error``); "": nowhere
    item: str = ""  # its name in the progress records: ``predict wrong_caller``

    def reveal(self, prediction: Any, observed: Any) -> None:
        """Show the reply to ``prediction`` now that ``observed`` happened; never raises."""
        show(self.reply(prediction, observed))
        if self.notebook:
            progress.record(self.notebook, self.item, self.verdict(prediction, observed))

    @staticmethod
    def verdict(prediction: Any, observed: Any) -> str:
        """PASS for a right guess, FAIL for a wrong one, NOT ATTEMPTED for none (which
        guess it was is the learner's answer: it is not recorded)."""
        if prediction is Ellipsis or prediction is None:
            return "NOT ATTEMPTED"
        return "PASS" if prediction == observed else "FAIL"

    def reply(self, prediction: Any, observed: Any) -> Feedback:
        options = ", ".join(repr(choice) for choice in self.choices)
        lines = []
        known = isinstance(prediction, str) and prediction in self.choices
        if prediction is Ellipsis or prediction is None:
            headline, tone = f"No prediction: it was {observed!r}.", Tone.NEUTRAL
            lines.append(Line(f"Next time write your guess first ({options}): a guess, even "
                              "a wrong one, makes the answer stick.", tone=Tone.NEUTRAL))
        elif prediction == observed:
            headline, tone = f"You predicted {observed!r}: right.", Tone.GOOD
        elif known:
            headline = f"You predicted {prediction!r}; it was {observed!r}."
            tone = Tone.WARNING
            lines.append(Line(self.choices[prediction], mark="✗", tone=Tone.WARNING,
                              label=f"Why not {prediction!r}:"))
        else:
            headline = f"{short_repr(prediction)} is not one of {options}; it was {observed!r}."
            tone = Tone.NEUTRAL
        if isinstance(observed, str) and observed in self.choices:
            lines.append(Line(self.choices[observed], mark="✓", tone=Tone.GOOD,
                              label=f"{observed!r}:"))
        lines.append(Line(self.why, mark="→", tone=Tone.HELP, label="Why:"))
        return Feedback(headline, tone, tuple(lines))

