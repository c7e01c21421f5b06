"""Fix-the-lab exercises: the learner edits a lab function in the notebook; it runs for real.

The exercise cell holds an editable copy of one function of a lab file (say
``handler_wrong`` of ``labs/01_function_error/caller/app.py``). The check takes the
function the learner defined, puts its source in place of the original in that file,
packages the lab folder with it and deploys it to the local cloud, so that the real
caller code (its imports, its module-level client, its helpers) runs with the
learner's handler. The lab's files on disk are never changed.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambdalab.packaging import zip_folder
from lambdalab.workshop.checks import AnswerError, source_of
from lambdalab.workshop.functions import put_function
from lambdalab.workshop.labs import lab_path


@dataclass(frozen=True)
class LabFunction:
    """One function of a lab file that an exercise lets the learner rewrite.

    ``file`` is relative to the lab folder; its first part is the function's code folder
    (``caller/app.py``: folder ``caller``, handler module ``app``).
    """

    lab: str
    file: str
    name: str

    @property
    def folder(self) -> Path:
        return lab_path(self.lab, Path(self.file).parts[0])

    @property
    def module_file(self) -> str:
        """The file's path inside its code folder (``app.py``)."""
        return Path(*Path(self.file).parts[1:]).as_posix()

    def module_source(self) -> str:
        return lab_path(self.lab, self.file).read_text()

    def original(self) -> str:
        """The function's source as the lab file has it: what the exercise cell starts from."""
        source = self.module_source()
        node = self._node(ast.parse(source))
        return ast.get_source_segment(source, node, padded=False) or ""

    def unchanged(self, edited: str) -> bool:
        """Whether ``edited`` is the original function (comments and layout aside)."""
        try:
            return ast.dump(ast.parse(edited)) == ast.dump(ast.parse(self.original()))
        except SyntaxError:
            return False

    def edit(self, edited: Callable[..., Any] | str) -> str:
        """The learner's source of the function, once it differs from the lab's.

        Raises NotImplementedError while it is unchanged (not attempted yet), AnswerError
        when its source cannot be read or parsed.
        """
        source = source_of(edited)
        if not source:
            raise AnswerError(f"could not read the source of {edited!r}: define the function "
                              f"in a notebook cell and pass it, as the exercise cell does.")
        try:
            ast.parse(source)
        except SyntaxError as error:
            raise AnswerError(f"your code does not parse: {error}") from None
        if self.unchanged(source):
            raise NotImplementedError(f"edit `{self.name}` in this cell, then run it.")
        return source

    def edited_module(self, edited: str) -> tuple[str, str]:
        """The lab file with ``edited`` in place of the function, and the edited name."""
        tree = ast.parse(edited)
        defined = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        if len(defined) != 1:
            raise AnswerError(f"pass the one function you edited ({self.name}), not "
                              f"{len(defined)} definitions.")
        source = self.module_source()
        node = self._node(ast.parse(source))
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        lines = source.splitlines(keepends=True)
        new = "".join(lines[:first - 1]) + edited.rstrip() + "\n" + "".join(lines[node.end_lineno:])
        return new, defined[0].name

    def deploy(self, cloud: Any, edited: Callable[..., Any] | str, function_name: str, *,
               environment: dict[str, str] | None = None, timeout: int = 15,
               entry_point: str | None = None) -> str:
        """Deploy the lab folder with the learner's function as ``function_name``.

        The learner's function is the Lambda handler, unless ``entry_point`` names another
        function of the same file (a handler of the lab that calls the edited helper).
        Raises as :meth:`edit` does when there is nothing to deploy yet.
        """
        module, handler_name = self.edited_module(self.edit(edited))
        package = zip_folder(self.folder, replacing={self.module_file: module})
        handler = f"{Path(self.module_file).with_suffix('').as_posix().replace('/', '.')}." \
                  f"{entry_point or handler_name}"
        put_function(cloud, function_name, package, handler, environment=environment,
                     timeout=timeout)
        return function_name

    def _node(self, tree: ast.Module) -> ast.FunctionDef:
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == self.name:
                return node
        raise ValueError(f"{self.name} is not defined in labs/{self.lab}/{self.file}")
