"""The predict step replies to whatever the learner wrote, with what happened and why."""

from __future__ import annotations

import pytest

from lambdalab.workshop import Prediction
from lambdalab.workshop.feedback import COLOURS, Tone

QUESTION = Prediction(
    question="What does the caller answer?",
    choices={"accepted": "the try block ran to its end.",
             "failed": "the except branch runs only when the call fails."},
    why="the call succeeded; the error is data.")


def test_no_prediction_gets_the_answer_and_an_invitation_to_guess_next_time():
    assert QUESTION.reply(..., "accepted").text() == (
        "No prediction: it was 'accepted'.\n"
        "  Next time write your guess first ('accepted', 'failed'): a guess, even a wrong "
        "one, makes the answer stick.\n"
        "  ✓ 'accepted': the try block ran to its end.\n"
        "  → Why: the call succeeded; the error is data.")


def test_a_right_prediction_is_confirmed_in_green():
    reply = QUESTION.reply("accepted", "accepted")
    assert reply.text().splitlines()[0] == "You predicted 'accepted': right."
    assert reply.tone is Tone.GOOD
    assert COLOURS[Tone.GOOD][0] in reply.html()


def test_a_wrong_prediction_says_why_it_did_not_happen():
    reply = QUESTION.reply("failed", "accepted")
    assert reply.text() == (
        "You predicted 'failed'; it was 'accepted'.\n"
        "  ✗ Why not 'failed': the except branch runs only when the call fails.\n"
        "  ✓ 'accepted': the try block ran to its end.\n"
        "  → Why: the call succeeded; the error is data.")
    assert reply.tone is Tone.WARNING


@pytest.mark.parametrize("odd", ["maybe", ["accepted"], {"a": 1}, 3.5])
def test_an_answer_outside_the_choices_is_named_never_raised(odd, capsys):
    QUESTION.reveal(odd, "accepted")
    out = capsys.readouterr().out
    assert "is not one of 'accepted', 'failed'; it was 'accepted'." in out
    assert out.rstrip().endswith("→ Why: the call succeeded; the error is data.")


def test_an_object_that_cannot_be_shown_does_not_break_the_reveal():
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError

    assert QUESTION.reply(Broken(), "accepted").text().startswith(
        "(a Broken that cannot be shown) is not one of")
