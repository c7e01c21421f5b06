"""What holds for every notebook's exercises, checked without a cloud: the editable copy of
a lab function in a notebook is the lab's own, a template exercise starts from the lab's
template as it stands, and the hints nudge (three or more, the first a
question) without handing over a line of the solutions."""

from __future__ import annotations

import json

import pytest
from notebook_material import NOTEBOOKS, Material

from lambdalab.deploy import load_template
from lambdalab.workshop import Exercise, LabFunction, lab_path
from lambdalab.workshop.fix_template import LabTemplateEdit


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


@pytest.mark.parametrize("material, edit", each(LabTemplateEdit))
def test_a_template_exercise_starts_from_the_cell_and_the_labs_template(material, edit):
    cells = json.loads(material.notebook.read_text())["cells"]
    assert [c for c in cells if edit.start.strip() in "".join(c["source"])
            and ".check(" in "".join(c["source"])], "the exercise cell holds the start text"
    properties = load_template(lab_path(edit.lab, "template.yaml"))["Resources"][
        edit.resource].get("Properties", {})
    assert edit.name not in properties, "the lab's template is the wrong one to fix"


@pytest.mark.parametrize("material, exercise", each(Exercise))
def test_the_hints_are_staged_and_never_give_the_answer(material, exercise):
    material.assert_hints_nudge(exercise)
