"""Keep each translated notebook in step with the English notebook it was translated from.

Two questions, asked of every notebook in ``notebooks/<language>/``:

- Is its code the English notebook's code? Cell for cell, the code must be the same: only
  comments and the words a cell shows (string literals in ``print(...)`` calls and
  ``assert`` messages) may be translated. Compared on Python's syntax tree, so a translated
  comment or message never counts and any other change does.
- Has the English notebook changed since? The translation records, in its metadata
  (``lambdalab.translated_from``), the fingerprint of the English cells it was made from;
  a different fingerprint now means the English text or code moved on.

``python tools/translation_status.py`` lists what is out of step (exit 1 when anything is);
``--mark NAME.ipynb`` records the English notebook's current fingerprint in the
translation, once it has been brought up to date.
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LANGUAGES = ("ja",)
METADATA_KEY = "lambdalab"
WORDS = "<words>"  # what a translatable string literal becomes before the comparison

sys.path.insert(0, str(ROOT))
from lambdalab.notebook_copies import fingerprint  # noqa: E402


@dataclass(frozen=True)
class Difference:
    """One way a translation is out of step with its English notebook."""

    notebook: str
    what: str

    def __str__(self) -> str:
        return f"{self.notebook}: {self.what}"


class _WordsOnly(ast.NodeTransformer):
    """Blank out the strings a reader sees, which a translation may change."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "print":
            node.args = [_blank(argument) for argument in node.args]
        return node

    def visit_Assert(self, node: ast.Assert) -> ast.AST:
        self.generic_visit(node)
        if node.msg is not None:
            node.msg = _blank(node.msg)
        return node


def _blank(node: ast.expr) -> ast.expr:
    """A literal's words as one placeholder; an f-string as the values it shows."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return ast.Constant(WORDS)
    if isinstance(node, ast.JoinedStr):  # its values, in any order: word order differs
        values = [value for value in node.values if isinstance(value, ast.FormattedValue)]
        node.values = sorted(values, key=ast.dump)
    if isinstance(node, ast.BinOp):  # "words " + name
        node.left, node.right = _blank(node.left), _blank(node.right)
    return node


def code_shape(source: str) -> str:
    """The cell's code with comments and shown words left out: what must not differ."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a cell of IPython magics: compared as written, less comments
        return "\n".join(line.split("#")[0].rstrip() for line in source.splitlines())
    return ast.dump(_WordsOnly().visit(tree), include_attributes=False)


def english_of(translation: Path) -> Path:
    return NOTEBOOKS / translation.name


def code_differences(translation: Path) -> list[Difference]:
    """Where the translation's cells differ from the English ones in more than words."""
    english = nbformat.read(english_of(translation), as_version=4)
    translated = nbformat.read(translation, as_version=4)
    name = f"{translation.parent.name}/{translation.name}"
    kinds = [cell.cell_type for cell in english.cells]
    if kinds != [cell.cell_type for cell in translated.cells]:
        return [Difference(name, f"cells differ in number or kind ({len(kinds)} in English, "
                                 f"{len(translated.cells)} here)")]
    found = []
    for number, (ours, theirs) in enumerate(zip(english.cells, translated.cells, strict=True), 1):
        if ours.cell_type != "code":
            continue
        if code_shape(ours.source) != code_shape(theirs.source):
            found.append(Difference(name, f"code cell {number} differs from the English one"))
        if ours.metadata.get("tags", []) != theirs.metadata.get("tags", []):
            found.append(Difference(name, f"code cell {number} has other tags"))
    return found


def recorded_source(translation: Path) -> str | None:
    notebook = nbformat.read(translation, as_version=4)
    return notebook.metadata.get(METADATA_KEY, {}).get("translated_from", {}).get("sha256")


def english_fingerprint(translation: Path) -> str:
    return fingerprint(nbformat.read(english_of(translation), as_version=4))


def stale(translation: Path) -> list[Difference]:
    """The English notebook changed since this translation was made (or was never marked)."""
    name = f"{translation.parent.name}/{translation.name}"
    recorded = recorded_source(translation)
    if recorded is None:
        return [Difference(name, "records no English notebook it was translated from")]
    if recorded != english_fingerprint(translation):
        return [Difference(name, f"{english_of(translation).name} changed since it was "
                                 "translated: bring the translation up to date, then --mark it")]
    return []


def translations(language: str) -> list[Path]:
    return sorted((NOTEBOOKS / language).glob("[0-9][0-9]_*.ipynb"))


def missing(language: str) -> list[Difference]:
    have = {path.name for path in translations(language)}
    return [Difference(f"{language}/{english.name}", "has no translation")
            for english in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
            if english.name not in have]


def mark(translation: Path) -> None:
    """Record the English notebook's fingerprint in the translation's metadata."""
    notebook = nbformat.read(translation, as_version=4)
    entry = notebook.metadata.setdefault(METADATA_KEY, {})
    entry["translated_from"] = {"notebook": f"../{translation.name}",
                                "sha256": english_fingerprint(translation)}
    nbformat.write(notebook, translation)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--language", default="ja", choices=LANGUAGES)
    parser.add_argument("--mark", metavar="NAME.ipynb", action="append", default=[],
                        help="record the English notebook's fingerprint in this translation")
    args = parser.parse_args(argv)
    for name in args.mark:
        mark(NOTEBOOKS / args.language / name)
        print(f"marked {args.language}/{name} as translated from its English notebook now")
    found = missing(args.language)
    for translation in translations(args.language):
        found += code_differences(translation) + stale(translation)
    for difference in found:
        print(difference)
    if not found:
        print(f"every notebook of notebooks/{args.language}/ is in step with its English one")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
