"""What holds for every notebook's exercises, checked without a cloud: the editable copy of
a lab function in a notebook is the lab's own, and the hints nudge (three or more, the first a
question) without handing over a line of the solutions."""

from __future__ import annotations

import pytest
from notebook_material import NOTEBOOKS, Material

from lambdalab.workshop import Exercise, LabFunction


# hints that quote a line of the solutions today, for the notebook's authors to decide on
def each(kind: type) -> list:
    """Every ``kind`` a notebook's checks module defines, with the notebook's material."""
    return [pytest.param(Material(notebook), value, id=handle)
            for module, notebook in NOTEBOOKS.items()
            for name, value in sorted(vars(module).items()) if isinstance(value, kind)
            for handle in [f"{module.__name__.rsplit('.', 1)[-1]}.{name}"]]


@pytest.mark.parametrize("material, editable", each(LabFunction))
def test_the_editable_copy_in_the_notebook_is_the_labs_function(material, editable):
    assert material.editable_copy(editable).strip() == editable.original().strip()


@pytest.mark.parametrize("material, exercise", each(Exercise))
def test_the_hints_are_staged_and_never_give_the_answer(material, exercise):
    material.assert_hints_nudge(exercise)
