"""A fix-the-lab exercise puts the learner's function in place of the lab's, in the lab's
own module, and tells an untouched copy from an edited one (comments and layout aside)."""

from __future__ import annotations

import ast
import io
import zipfile

import pytest

from lambdalab.packaging import zip_folder
from lambdalab.workshop import AnswerError, LabFunction, lab_path

WRONG = LabFunction("01_function_error", "caller/app.py", "handler_wrong")


def test_the_original_is_the_function_as_the_lab_file_has_it():
    assert WRONG.original().startswith("def handler_wrong(event, context):\n    try:\n")
    assert "handler_fixed" not in WRONG.original()


def test_comments_and_layout_do_not_count_as_an_edit():
    reformatted = WRONG.original().replace("  # the pricing call failed: tell the client",
                                           "  # my note") + "\n\n"
    assert WRONG.unchanged(reformatted)
    with pytest.raises(NotImplementedError, match="edit `handler_wrong` in this cell"):
        WRONG.edit(reformatted)


def test_an_edited_function_replaces_the_original_in_the_lab_module():
    edited = WRONG.original().replace('"status": "failed"', '"status": "call-failed"')
    module, name = WRONG.edited_module(WRONG.edit(edited))
    assert name == "handler_wrong"
    tree = ast.parse(module)
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert functions == ["handler_wrong", "handler_fixed"]
    assert '"call-failed"' in module and module.count("def handler_wrong") == 1
    assert module.startswith(WRONG.module_source().split("def handler_wrong")[0])


def test_a_renamed_function_is_deployed_under_its_new_name():
    edited = WRONG.original().replace("def handler_wrong", "def handler_mine")
    assert WRONG.edited_module(edited)[1] == "handler_mine"


@pytest.mark.parametrize("answer, message", [
    ("def handler_wrong(event, context)\n    return 1\n", "your code does not parse"),
    (42, "could not read the source of 42"),
    ("x = 1\n", "pass the one function you edited (handler_wrong), not 0 definitions."),
])
def test_an_answer_that_cannot_be_deployed_says_why(answer, message):
    with pytest.raises(AnswerError, match=message.replace("(", r"\(").replace(")", r"\)")):
        WRONG.edited_module(WRONG.edit(answer))


def test_the_package_is_the_lab_folder_with_only_the_edited_file_replaced():
    folder = lab_path("01_function_error", "caller")
    original = zipfile.ZipFile(io.BytesIO(zip_folder(folder)))
    edited = zipfile.ZipFile(io.BytesIO(zip_folder(folder, replacing={"app.py": "x = 1\n"})))
    assert original.namelist() == edited.namelist()
    assert edited.read("app.py") == b"x = 1\n"
    assert edited.read("checked_invoke.py") == original.read("checked_invoke.py")


def test_an_edited_helper_is_deployed_behind_the_labs_own_handler():
    """A fix-the-lab exercise may edit a helper (the lab's fan-out) that a handler of the
    same file calls: the function's handler is then that handler, running the edit."""
    import json

    from lambdalab import LocalCloud

    helper = LabFunction("05_concurrency_throttling", "caller/app.py", "invoke_all")
    edited = ("def invoke_all(client, function_name, payloads):\n"
              "    return [{'in_stock': 7} for _ in payloads]\n")
    with LocalCloud() as cloud:
        helper.deploy(cloud, edited, "edited-fan-out", entry_point="handler_wrong",
                      environment={"INVOKED_FUNCTION_NAME": "no-such-function"})
        lam = cloud.client("lambda")
        handler = lam.get_function_configuration(FunctionName="edited-fan-out")["Handler"]
        response = lam.invoke(FunctionName="edited-fan-out",
                              Payload=json.dumps({"items": [{"sku": "apple"}]}))
        answer = json.loads(response["Payload"].read())
    assert handler == "app.handler_wrong"
    assert answer == {"stock": {"apple": 7}, "failed": {}}
