"""What a known mistake leaves in an attempt: the detectors :class:`Mistake`s are built with.

``Mistake(message, failed_with("KeyError"))`` reads as what it looks for; a detector that
needs more than one test is a lambda over the :class:`Attempt`.
"""

from __future__ import annotations

from lambdalab.workshop.checks import Detector


def failed(description_start: str) -> Detector:
    """Spots an attempt whose case so described failed (see :meth:`Attempt.failed`)."""
    return lambda attempt: attempt.failed(description_start)


def failed_with(*texts: str) -> Detector:
    """Spots an attempt with a failed case whose detail holds every one of ``texts``."""
    return lambda attempt: attempt.failed_with(*texts)


def said(*texts: str) -> Detector:
    """Spots an attempt with a case, passed or failed, whose detail holds all ``texts``."""
    return lambda attempt: attempt.said(*texts)


def mentions(name: str) -> Detector:
    """Spots an attempt whose code uses ``name`` (see :meth:`Attempt.mentions`)."""
    return lambda attempt: attempt.mentions(name)


def unless(spotted: Detector, excluded: Detector) -> Detector:
    """Spots what ``spotted`` does, except in an attempt ``excluded`` spots: advice on a
    finer point is noise when the answer crashed before reaching it."""
    return lambda attempt: spotted(attempt) and not excluded(attempt)
