"""The checks of notebook 01 pass the solutions, report the stored placeholders as not
attempted, fail wrong answers with a hint, and never raise."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambdalab import LocalCloud
from lambdalab.workshop import Verdict, evaluate
from lambdalab.workshop import pitfall01 as checks

ROOT = Path(__file__).resolve().parents[1]


def load_solutions():
    spec = importlib.util.spec_from_file_location(
        "solutions01", ROOT / "notebooks" / "solutions" / "01_function_error.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def notebook_placeholders() -> dict:
    """Run the exercise cells' definitions exactly as stored in the notebook."""
    cells = json.loads((ROOT / "notebooks" / "01_function_error.ipynb").read_text())["cells"]
    namespace: dict = {}
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "NotImplementedError" in source:
            definition = source.split("\n\n\npitfall01.check")[0]
            exec(definition, namespace)  # noqa: S102 - our own notebook's code
    return namespace


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud() as running:
        yield running


def test_solutions_pass(cloud):
    solutions = load_solutions()
    assert evaluate(solutions.invoke_or_raise, checks.invoke_or_raise_cases(cloud),
                    "")[0] is Verdict.PASS
    assert evaluate(solutions.failure_kind, checks.failure_kind_cases(cloud),
                    "")[0] is Verdict.PASS


def test_stored_placeholders_are_not_attempted(cloud):
    placeholders = notebook_placeholders()
    assert set(placeholders) >= {"invoke_or_raise", "failure_kind"}
    assert evaluate(placeholders["invoke_or_raise"], checks.invoke_or_raise_cases(cloud),
                    "")[0] is Verdict.NOT_ATTEMPTED
    assert evaluate(placeholders["failure_kind"], checks.failure_kind_cases(cloud),
                    "")[0] is Verdict.NOT_ATTEMPTED


def test_the_pitfall_itself_fails_exercise_1_with_the_case_and_hint(cloud):
    def trusting(lam, function_name, payload):  # the wrong implementation of the notebook
        return json.loads(lam.invoke(FunctionName=function_name,
                                     Payload=json.dumps(payload))["Payload"].read())

    verdict, message = evaluate(trusting, checks.invoke_or_raise_cases(cloud), "HINT")
    assert verdict is Verdict.FAIL
    assert message.startswith("a function that raises KeyError: the invoked function raised "
                              "KeyError, but your function returned normally")
    assert message.endswith("Hint: HINT")


def test_a_crashing_answer_is_reported_not_raised(cloud, capsys):
    def broken(lam, function_name, payload):
        return 1 / 0

    checks.check_failure_kind(cloud, broken)
    printed = capsys.readouterr().out
    assert printed.startswith("Exercise 2: FAIL - a function that succeeds: your code raised "
                              "ZeroDivisionError")
