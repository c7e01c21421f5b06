"""The texts the workshop's code shows the learner, gathered for translation.

Checks, predictions and progress lines are worded in the code (``lambdalab/workshop/``,
``lambdalab/progress.py``, ``lambdalab/plots.py``, and the figure titles the notebooks
give); ``lambdalab/translation.py`` shows them translated from each
language's ``texts/<language>/messages.toml``. This reads the code's syntax tree for every
text written for people: string literals and f-strings that hold words (two or more,
outside docstrings, code samples, keys and comparisons); an f-string's values become
numbered holes (``"{1} of {2} cases right."``), listed under ``holes`` for the translator.

    python tools/messages.py            # what is missing or stale in each catalogue; exit 1 if any
    python tools/messages.py --update   # add new texts (empty translation), drop stale ones
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from lambdalab.translation import load_messages  # noqa: E402

SOURCES = (*sorted(path for path in (ROOT / "lambdalab" / "workshop").glob("*.py")
                   if path.name != "texts.py"),  # texts.py speaks to translators
           ROOT / "lambdalab" / "progress.py", ROOT / "lambdalab" / "plots.py",
           ROOT / "lambdalab" / "cjk_font.py")
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
FIGURES = {"timeline", "invocation_timeline", "draw_network"}  # a notebook's figure titles
TEXTS = ROOT / "lambdalab" / "workshop" / "texts"
TRANSLATED = ("ja",)
WORDS = re.compile(r"[A-Za-z]{2,}[,;:.!?')]*\s+[`'\"(]?[A-Za-z]{2,}")
# calls whose text arguments are matched against, or are code, never shown as written
NOT_SHOWN = {"said", "failed", "failed_with", "mentions", "startswith", "endswith", "find",
             "ensure_function", "deploy_function", "zip_files", "dedent", "compile", "search",
             "match", "fullmatch", "sub", "split", "rsplit", "replace", "getattr", "setattr",
             "hasattr", "get", "index", "count", "strip", "Internal", "item_name", "load_texts",
             "NotebookExercises", "lab_path", "Path", "open", "read_text", "write_text",
             "environ", "getenv", "invoke", "client", "create_function", "put_item", "record",
             "annotate", "find_all", "add", "in_source",
             "calls_named", "spotted", "Mistake.spotted", "uses", "has_call", "mentions_any",
             "code_mentions", "source_has"}
SETTINGS = {"loc", "ha", "va", "color", "fontsize", "fontweight", "style", "family", "where",
            "linestyle", "boxstyle", "xycoords", "textcoords", "hatch", "marker", "fillstyle",
            "multialignment", "edgecolor", "facecolor", "weight"}  # keyword settings, not texts
AXIS_LABELS = {"set_xlabel", "set_ylabel", "set_title", "suptitle"}
CODE = re.compile(r"^\s*(def |import |from \S+ import |class |return |@)|\n {4}", re.MULTILINE)


@dataclass(frozen=True)
class Text:
    """One text as the code writes it: the English template, its holes, where it is."""

    english: str
    holes: tuple[str, ...]
    where: str


def _escape(literal: str) -> str:
    return literal.replace("{", "{{").replace("}", "}}")


def _template(node: ast.expr) -> tuple[str, tuple[str, ...]] | None:
    """A string, f-string or ``+`` of them as a template with numbered holes; None for
    anything else."""
    parts: list[ast.expr] = []

    def flatten(part: ast.expr) -> bool:
        if isinstance(part, ast.BinOp) and isinstance(part.op, ast.Add):
            return flatten(part.left) and flatten(part.right)
        parts.append(part)
        return True

    flatten(node)
    if not any(isinstance(p, ast.Constant | ast.JoinedStr) for p in parts):
        return None
    if any(isinstance(p, ast.Constant) and not isinstance(p.value, str) for p in parts):
        return None
    text, holes = "", []
    for part in parts:
        pieces = part.values if isinstance(part, ast.JoinedStr) else [part]
        for piece in pieces:
            if isinstance(piece, ast.Constant) and isinstance(piece.value, str):
                text += _escape(piece.value)
            else:
                value = piece.value if isinstance(piece, ast.FormattedValue) else piece
                holes.append(ast.unparse(value))
                text += "{" + str(len(holes)) + "}"
    return text, tuple(holes)


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


class _Finder(ast.NodeVisitor):
    def __init__(self, where: str) -> None:
        self.where = where
        self.found: list[Text] = []
        self._skip: set[int] = set()

    def _skip_all(self, node: ast.AST) -> None:
        self._skip.update(id(inner) for inner in ast.walk(node))

    def _docstring(self, body: list[ast.stmt]) -> None:
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            self._skip_all(body[0])

    def visit_Module(self, node: ast.Module) -> None:
        self._docstring(node.body)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._docstring(node.body)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._docstring(node.body)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if _call_name(node) in NOT_SHOWN:
            self._skip_all(node)
        elif _call_name(node) in AXIS_LABELS and node.args:
            self._take(node.args[0], lambda english: re.search(r"[A-Za-z]{3,}", english))
        elif _call_name(node) == "translate" and node.args:  # shown translated, even a word
            self._take(node.args[0], lambda english: True)
        self.generic_visit(node)

    def visit_keyword(self, node: ast.keyword) -> None:
        if node.arg in SETTINGS:
            self._skip_all(node.value)  # loc="upper right": a setting, not a text
        elif node.arg == "label" or node.arg == "title":  # a figure's, even one word
            self._take(node.value, lambda english: re.search(r"[A-Za-z]{3,}", english))
        self.generic_visit(node)

    def _take(self, node: ast.expr, shown: Callable[[str], object]) -> bool:
        """Record ``node`` as a text when it is one and ``shown`` holds for its English."""
        made = _template(node)
        if made is None or id(node) in self._skip or not shown(made[0]):
            return False
        self._skip_all(node)
        self.found.append(Text(*made, f"{self.where}:{node.lineno}"))
        return True

    def visit_Compare(self, node: ast.Compare) -> None:
        self._skip_all(node)  # "text" in detail: matched, not shown

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self._skip_all(node.slice)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key in node.keys:
            if key is not None:
                self._skip_all(key)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self._text(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        self._text(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self._text(node)

    def _text(self, node: ast.expr) -> None:
        holes = (_template(node) or ("", ()))[1]
        if not self._take(node, lambda english: _prose(english, holes)
                          and not CODE.search(english)):
            self.generic_visit(node)  # no words of its own: its holes may hold some


def _prose(literal: str, holes: tuple[str, ...]) -> bool:
    """Words for people: two words or more, a word around values ("Exercise {1} · {2}"),
    or a label ("Why:")."""
    spaced = re.sub(r"\{\d+\}", "\0", literal) if holes else literal
    around_values = holes and any(re.fullmatch(r"[(]?[A-Za-z]{3,}[:,.;?!)]*", token)
                                  for token in spaced.split())
    return bool(WORDS.search(literal.replace("\0", " ")) or around_values
                or re.fullmatch(r"\s*[A-Z][a-z]+:\s*", literal))


def figure_titles(notebook: Path) -> list[Text]:
    """The titles a notebook's code cells give its figures (drawn translated)."""
    import nbformat

    found = []
    cells = nbformat.read(notebook, as_version=4).cells
    for number, cell in enumerate(cells, 1):
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and _call_name(call) in FIGURES:
                for argument in [*call.args, *(keyword.value for keyword in call.keywords)]:
                    made = _template(argument)
                    if made is not None and _prose(*made):
                        found.append(Text(*made, f"notebooks/{notebook.name}:cell {number}"))
    return found


def shown_texts() -> list[Text]:
    """Every text the workshop's code shows, once each, in the order the code has them."""
    seen: dict[str, Text] = {}
    for path in SOURCES:
        finder = _Finder(str(path.relative_to(ROOT)))
        finder.visit(ast.parse(path.read_text("utf-8")))
        for text in finder.found:
            seen.setdefault(text.english, text)
    for notebook in NOTEBOOKS:
        for text in figure_titles(notebook):
            seen.setdefault(text.english, text)
    return list(seen.values())


def catalogue_path(language: str) -> Path:
    return TEXTS / language / "messages.toml"


def read_catalogue(language: str) -> dict[str, str]:
    return dict(load_messages(catalogue_path(language)))


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_catalogue(language: str, texts: list[Text], translations: dict[str, str]) -> None:
    lines = [f"# What the workshop's code shows, in {language}: written by tools/messages.py "
             "--update,", "# translated by hand. Keep each {n} hole of `en` in the "
             "translation (in any order);", "# `holes` says what fills each one. A brace of "
             "the text itself is written twice.", ""]
    source = ""
    for text in texts:
        where = re.sub(r":(cell )?\d+$", "", text.where)
        if where != source:
            source = where
            lines += [f"# --- {where} ---", ""]
        lines.append("[[message]]")
        lines.append(f"en = {_toml(text.english)}")
        if text.holes:
            lines.append("holes = [" + ", ".join(_toml(hole) for hole in text.holes) + "]")
        lines.append(f"{language} = {_toml(translations.get(text.english, ''))}")
        lines.append("")
    catalogue_path(language).write_text("\n".join(lines), encoding="utf-8")


def problems(language: str) -> list[str]:
    """What the language's catalogue lacks or holds for nothing."""
    texts = shown_texts()
    translations = read_catalogue(language)
    found = []
    for text in texts:
        translated = translations.get(text.english, "")
        if not translated.strip():
            found.append(f"{language}: no translation of {text.english!r} ({text.where})")
            continue
        if sorted(re.findall(r"(?<!\{)\{(\d+)\}", translated)) != \
                sorted(re.findall(r"(?<!\{)\{(\d+)\}", text.english)):
            found.append(f"{language}: the translation of {text.english!r} does not keep its "
                         f"holes exactly ({text.where})")
    english = {text.english for text in texts}
    found += [f"{language}: {stale!r} is no longer in the code (--update drops it)"
              for stale in translations if stale not in english]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true",
                        help="write each catalogue anew from the code, keeping translations")
    args = parser.parse_args(argv)
    if args.update:
        texts = shown_texts()
        for language in TRANSLATED:
            write_catalogue(language, texts, read_catalogue(language))
            print(f"{catalogue_path(language).relative_to(ROOT)}: {len(texts)} texts")
    found = [problem for language in TRANSLATED for problem in problems(language)]
    print("\n".join(found) if found else "every text the code shows has its translations")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
