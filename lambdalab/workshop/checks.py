"""Exercise checks that teach: every case listed, known mistakes named, hints in stages.

An :class:`Exercise` is a list of :class:`Case`s prepared against the notebook's local
cloud, a few staged hints (a nudge first, never the answer) and the :class:`Mistake`s
learners are known to make. ``exercise.check(answer)`` runs every case, whatever the
earlier ones did, and shows one line per case (✓ or ✗ and why), a targeted message for
each mistake it recognises, or else a hint: the first, then the next one after each failed
check (never the last, which points to the solution). ``exercise.hint(n)`` shows any.

A check never raises, whatever the learner's code does; it says NOT ATTEMPTED while the
placeholder is there, and NOT CHECKED (never FAIL) when the local cloud is not running.
Only an interrupt (the notebook's stop button) gets through.
"""

from __future__ import annotations

import ast
import enum
import inspect
import re
import textwrap
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from botocore.exceptions import ClientError

from lambdalab import progress
from lambdalab.translation import translate
from lambdalab.workshop.feedback import Feedback, Line, Tone, short_repr, show
from lambdalab.workshop.predict import Prediction
from lambdalab.workshop.session import current_cloud, is_running
from lambdalab.workshop.texts import Texts

PLACEHOLDERS = (Ellipsis, None)  # `answer = ...` in an exercise cell means "not yet"
NOT_RUNNING = "the local cloud is not running: run the first code cell, then this one."
# where a summary starts quoting the learner's answer (an apostrophe inside a word does not)
QUOTING = re.compile(r"""[:("`<\[{]|(?<!\w)'""")


class Verdict(enum.StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    NOT_ATTEMPTED = "NOT ATTEMPTED"
    NOT_CHECKED = "NOT CHECKED"  # the check could not run: not the learner's fault


TONES = {Verdict.PASS: Tone.GOOD, Verdict.FAIL: Tone.BAD, Verdict.NOT_ATTEMPTED: Tone.NEUTRAL,
         Verdict.NOT_CHECKED: Tone.WARNING}


class WrongAnswer(AssertionError):
    """The learner's answer is wrong; the message says why, and the case shows it after ✗.

    An AssertionError, so that one raised by the learner's own code reads the same.
    """


def expect(condition: object, message: str) -> None:
    """Fail the case with ``message`` unless ``condition`` holds.

    An explicit check, not an ``assert`` statement: ``python -O`` strips those, and every
    answer would pass.
    """
    if not condition:
        raise WrongAnswer(message)


@dataclass(frozen=True)
class Case:
    """One situation the learner's answer must handle.

    ``run(answer)`` returns a short note of what it saw (shown after ✓), or None; it raises
    :class:`WrongAnswer` with the reason when the answer is wrong (:func:`expect` does). An
    AssertionError from the learner's own code counts the same; anything else it raises is
    reported as such.
    """

    description: str
    run: Callable[[Any], str | None]


@dataclass(frozen=True)
class CaseResult:
    description: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class Attempt:
    """What a mistake detector sees: the learner's source and how each case went."""

    source: str
    results: tuple[CaseResult, ...]

    def failed(self, description_start: str) -> bool:
        """Whether a case whose description starts with ``description_start`` failed."""
        return any(not r.passed and r.description.startswith(description_start)
                   for r in self.results)

    def mentions(self, name: str) -> bool:
        """Whether the learner's code uses ``name`` (in code, not in comments)."""
        return name in _code_without_comments(self.source)

    def failed_with(self, *texts: str) -> bool:
        """Whether a failed case's detail holds every one of ``texts``."""
        return any(all(text in r.detail for text in texts)
                   for r in self.results if not r.passed)

    def said(self, *texts: str) -> bool:
        """Whether any case's detail, passed or failed, holds every one of ``texts`` (a
        passed case's note can tell too: "your caller failed with NameError")."""
        return any(all(text in r.detail for text in texts) for r in self.results)


Detector = Callable[[Attempt], bool]  # what a Mistake looks for in an attempt


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: recognised from an attempt, answered with a direct message."""

    message: str
    spotted: Detector


class AnswerError(Exception):
    """The learner's answer cannot be checked as given; the message says what to change."""


@dataclass(frozen=True)
class Report:
    """The outcome of one check, as data (for tests) and as :class:`Feedback` (to show)."""

    title: str
    verdict: Verdict
    summary: str
    results: tuple[CaseResult, ...] = ()
    advice: tuple[str, ...] = ()
    hint: str = ""  # the hint the learner's progress calls for, when one is shown
    more: str = ""  # how to ask for the next hint
    hint_number: int = 1

    def feedback(self) -> Feedback:
        lines = [Line(translate(r.description) + (f": {translate(r.detail)}" if r.detail else ""),
                      mark="✓" if r.passed else "✗", tone=Tone.GOOD if r.passed else Tone.BAD)
                 for r in self.results]
        lines += [Line(text, mark="→", tone=Tone.BAD) for text in self.advice]
        if self.hint:
            lines.append(Line(self.hint, tone=Tone.HELP, label=f"Hint {self.hint_number}:"))
        if self.more:
            lines.append(Line(self.more, tone=Tone.HELP, label="More help:"))
        return Feedback(f"{self.title}: {self.verdict.value} - {self.summary}",
                        TONES[self.verdict], tuple(lines))

    def text(self) -> str:
        return self.feedback().text()

    def failures(self) -> tuple[str, ...]:
        """What went wrong, in the workshop's words only (never the learner's code or
        values): the failed cases' descriptions and the mistakes named, else the summary's
        opening words, up to where it would quote the answer."""
        if self.verdict is Verdict.PASS or self.verdict is Verdict.NOT_ATTEMPTED:
            return ()
        failed = tuple(r.description for r in self.results if not r.passed)
        return failed + self.advice if failed else (
            QUOTING.split(self.summary, maxsplit=1)[0].strip(" ."),)


SLOW_CHECK_SECONDS = 2.0  # a check that runs longer says what it is doing
DEFAULT_TAKES = "your code runs against the local cloud, case after case."
_FAILED_CHECKS: Counter[str] = Counter()  # per exercise handle: failed checks in this kernel


@dataclass(frozen=True)
class Exercise:
    """An exercise's cases, hints and known mistakes; ``check`` and ``hint`` for the notebook.

    ``cases(cloud)`` prepares what the cases call (deploying functions) and returns them.
    ``answer(cloud, solution)``, when given, turns the learner's object into what the cases
    receive (a fix-the-lab exercise deploys the edited handler there); it raises
    NotImplementedError while the learner has not changed anything, and AnswerError when
    the answer cannot be used as given. ``handle`` is how the notebook names this
    exercise, for the "More help" line (``pitfall01.exercise1``).
    """

    title: str
    handle: str
    cases: Callable[[Any], Sequence[Case]]
    hints: Sequence[str]
    mistakes: Sequence[Mistake] = ()
    answer: Callable[[Any, Any], Any] | None = None
    solution_at: str = "the collapsed Solutions block below the exercises"
    needs_cloud: bool = True
    takes: str = ""  # what a check does that takes seconds, said when it takes them
    notebook: str = ""  # where its verdicts are recorded (``08_access_denied``); "": nowhere
    item: str = ""  # its name in the progress records: ``exercise 3``

    # --- for the notebook -----------------------------------------------------------------

    def check(self, solution: Any, cloud: Any = None) -> None:
        """Show the verdict of ``solution``; never raises. Each failed check in this kernel
        brings the next hint (never the last, which points to the solution)."""
        # a learner who waits longer than a moment is told why, once
        notice = threading.Timer(SLOW_CHECK_SECONDS, print, args=(translate(
            f"{self.title}: checking... {self.takes or DEFAULT_TAKES}"),), kwargs={"flush": True})
        notice.daemon = True
        notice.start()
        try:
            report = self.evaluate(solution, cloud, failed_before=_FAILED_CHECKS[self.handle])
        finally:
            notice.cancel()
        if report.verdict is Verdict.FAIL:
            _FAILED_CHECKS[self.handle] += 1
        show(report.feedback())
        if self.notebook:
            progress.record(self.notebook, self.item, report.verdict.value, report.failures())

    def hint(self, n: Any = 1) -> None:
        """Show hint ``n`` (1 is the nudge that a failed check shows); never raises."""
        show(self.hint_feedback(n))

    # --- for tests and for check() ----------------------------------------------------------

    def hint_feedback(self, n: Any) -> Feedback:
        count = len(self.hints)
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= count:
            return Feedback(f"{self.title}: there are {count} hints, "
                            f"{self.handle}.hint(1) to {self.handle}.hint({count}).", Tone.HELP)
        lines = [Line(self.hints[n - 1], tone=Tone.HELP)]
        if n < count:
            lines.append(Line(f"{self.handle}.hint({n + 1})", tone=Tone.HELP, label="More help:"))
        else:
            lines.append(Line(f"that was the last hint; the solution is in {self.solution_at}.",
                              tone=Tone.HELP))
        return Feedback(f"{self.title}: hint {n} of {count}", Tone.HELP, tuple(lines))

    def evaluate(self, solution: Any, cloud: Any = None, failed_before: int = 0) -> Report:
        """Run every case against ``solution`` and say what happened; ``failed_before``
        counts the learner's earlier failed checks, which decide the hint shown."""
        if any(solution is placeholder for placeholder in PLACEHOLDERS):
            shown = "..." if solution is Ellipsis else "None"
            return self._not_attempted(f"replace `{shown}` with your answer, then run the cell.")
        if self.answer is None and not callable(solution):
            return self._report(Verdict.FAIL, f"expected a function, got "
                                f"{type(solution).__name__} {short_repr(solution)}.", hint=True)
        if is_placeholder(solution):
            return self._not_attempted("replace `raise NotImplementedError` with your code, "
                                       "then run the cell.")
        cloud = cloud if cloud is not None else current_cloud()
        if self.needs_cloud and not is_running(cloud):
            return self._report(Verdict.NOT_CHECKED, NOT_RUNNING)
        try:
            answer = self.answer(cloud, solution) if self.answer else solution
            cases = list(self.cases(cloud))
        except NotImplementedError as untouched:
            return self._not_attempted(str(untouched))
        except AnswerError as unusable:
            return self._report(Verdict.FAIL, str(unusable), hint=True)
        except Exception as error:  # noqa: BLE001 - the check's own setup: say so, never raise
            return self._cannot_check(cloud, error)
        results = []
        for case in cases:
            try:
                note = case.run(answer)
            except NotImplementedError:
                return self._not_attempted("replace `raise NotImplementedError` with your code, "
                                           "then run the cell.")
            except AssertionError as wrong:  # WrongAnswer, or an assert in the learner's code
                results.append(CaseResult(case.description, False, str(wrong)))
            except (Exception, SystemExit) as error:  # the learner's code broke: report it
                results.append(CaseResult(case.description, False,
                                          f"your code raised {_described(error)}"))
            else:
                results.append(CaseResult(case.description, True, note or ""))
        if self.needs_cloud and not is_running(cloud):
            return self._report(Verdict.NOT_CHECKED, NOT_RUNNING)
        return self._judge(solution, tuple(results), failed_before)

    # --- internals ------------------------------------------------------------------------

    def _judge(self, solution: Any, results: tuple[CaseResult, ...],
               failed_before: int) -> Report:
        passed = sum(r.passed for r in results)
        if passed == len(results):
            return Report(self.title, Verdict.PASS, f"all {len(results)} cases right.", results)
        attempt = Attempt(source_of(solution), results)
        advice = tuple(m.message for m in self.mistakes if _spotted(m, attempt))
        # a named mistake is the help that fits; otherwise the next stage of hints, up to
        # the one before the last (the last one points to the solution)
        stage = min(1 + failed_before, max(1, len(self.hints) - 1))
        return self._report(Verdict.FAIL, f"{passed} of {len(results)} cases right.",
                            results=results, advice=advice, hint=not advice, stage=stage,
                            offer=True)

    def _not_attempted(self, summary: str) -> Report:
        return self._report(Verdict.NOT_ATTEMPTED, summary, hint=True)

    def _cannot_check(self, cloud: Any, error: Exception) -> Report:
        if self.needs_cloud and not is_running(cloud):
            return self._report(Verdict.NOT_CHECKED, NOT_RUNNING)
        return self._report(Verdict.NOT_CHECKED, f"the check could not prepare its cases "
                            f"({type(error).__name__}: {error}); run the first code cell "
                            f"again, then this one.")

    def _report(self, verdict: Verdict, summary: str, *, results: tuple[CaseResult, ...] = (),
                advice: tuple[str, ...] = (), hint: bool = False, stage: int = 1,
                offer: bool = False) -> Report:
        """``hint``: show hint ``stage``; ``offer`` (or ``hint``): say how to ask for the
        next one (the one shown, or hint 1 when none is)."""
        shown = self.hints[stage - 1] if hint and self.hints else ""
        ask = stage + 1 if shown else 1
        more = f"{self.handle}.hint({ask})" if (hint or offer) and ask <= len(self.hints) \
            else ""
        return Report(self.title, verdict, summary, results, advice, shown, more, stage)


@dataclass(frozen=True)
class NotebookExercises:
    """How a notebook's exercises are named and worded, so that each module states it once.

    Exercise ``n`` is titled "Exercise n · <topic>", the notebook calls it
    ``<module>.exercise<n>`` (the "More help" line names it so), its topic and hints are
    the ``texts``' for exercise ``n``, and its last hint sends the learner to the Solutions
    block, which loads ``solutions``.
    """

    module: str  # as the notebook imports it: "pitfall01"
    solutions: str  # "notebooks/solutions/01_function_error.py"
    texts: Texts  # the notebook's catalogue: lambdalab/workshop/texts/<language>/<module>.toml

    def exercise(self, number: int, cases: Callable[[Any], Sequence[Case]], *,
                 mistakes: Sequence[Mistake] = (),
                 answer: Callable[[Any, Any], Any] | None = None,
                 needs_cloud: bool = True) -> Exercise:
        return Exercise(title=f"Exercise {number} · {self.texts.topic(number)}",
                        handle=f"{self.module}.exercise{number}", cases=cases,
                        hints=self.texts.hints(number), mistakes=mistakes, answer=answer,
                        needs_cloud=needs_cloud, takes=self.texts.takes(number),
                        solution_at=f"the Solutions block below the exercises "
                                    f"({self.solutions})",
                        notebook=self.notebook, item=progress.item_name(f"exercise{number}",
                                                                        "check"))

    def prediction(self, name: str, question: str, choices: Mapping[str, str],
                   why: str) -> Prediction:
        """The notebook's prediction ``name`` (as the notebook calls it: ``<module>.<name>``),
        its reveals recorded in the attendee's progress."""
        return Prediction(question, choices, why, notebook=self.notebook,
                          item=progress.item_name(name, "reveal"))

    @property
    def notebook(self) -> str:
        """The notebook's stem, which its solutions file shares: ``01_function_error``."""
        return PurePosixPath(self.solutions).stem


def _described(error: BaseException) -> str:
    """The exception as the learner would catch it: botocore's ClientError with its error
    code, not the per-code subclass that botocore generates."""
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"ClientError ({details.get('Code')}): {details.get('Message')}"
    try:
        return f"{type(error).__name__}: {error}"
    except Exception:  # noqa: BLE001 - an exception whose __str__ fails
        return type(error).__name__


def _spotted(mistake: Mistake, attempt: Attempt) -> bool:
    try:
        return bool(mistake.spotted(attempt))
    except Exception:  # noqa: BLE001 - a detector's bug must not hide the verdict
        return False


def source_of(solution: Any) -> str:
    """The source of the learner's function ("" when Python cannot find it)."""
    if isinstance(solution, str):
        return solution
    try:
        return textwrap.dedent(inspect.getsource(solution))
    except (OSError, TypeError):
        return ""


def is_placeholder(solution: Any) -> bool:
    """Whether a function's body is only ``raise NotImplementedError(...)`` (and a docstring)."""
    source = source_of(solution)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    if len(functions) != 1:
        return False
    body = functions[0].body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    raised = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"


def _code_without_comments(source: str) -> str:
    """Python without its comments; text that is not Python (a template's YAML) without its
    ``#`` comments, which YAML writes the same way."""
    try:
        return ast.unparse(ast.parse(source))
    except SyntaxError:
        return re.sub(r"(^|\s)#.*$", "", source, flags=re.M)
