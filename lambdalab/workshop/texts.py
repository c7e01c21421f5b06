"""What the exercise checks say to the learner, read from one TOML catalogue per notebook.

The texts live apart from the code so that a translation is a new folder of catalogues
(``texts/ja/pitfall01.toml`` next to ``texts/en/pitfall01.toml``), with no code to touch;
``texts/README.md`` says how a catalogue reads. A notebook's checks module loads its own,
and its :class:`~lambdalab.workshop.checks.NotebookExercises` takes each exercise's topic
and hints from it::

    T = load_texts("pitfall01", platform=PLATFORM)
    EXERCISES = NotebookExercises("pitfall01", "notebooks/solutions/01_function_error.py", T)
    exercise1 = EXERCISES.exercise(1, failure_kind_cases, mistakes=[
        Mistake(T.mistake("stream_read_twice"), said("JSONDecodeError"))])

Every text is looked up while the module is imported, so a missing one stops the import
(a KeyError naming the file and the key) instead of showing an empty message later. A
text is a ``str.format`` template only when it holds a ``{placeholder}``: the others keep
their braces as written (``{'Destination': arn}``), which is what a translator expects.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

TEXTS_DIR = Path(__file__).with_name("texts")
DEFAULT_LANGUAGE = "en"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")  # a text holding one is a str.format template


class Texts:
    """One catalogue's texts, and the keys the code asked for (a test compares the two)."""

    def __init__(self, path: Path, values: Mapping[str, str] | None = None) -> None:
        self.path = path
        self.values = dict(values or {})
        try:
            self._table: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:  # a translator's slip: say in which file
            raise ValueError(f"{path} is not valid TOML: {error}") from None
        self.requested: set[str] = set()

    def topic(self, exercise: int) -> str:
        """What exercise ``exercise`` is about: its title reads "Exercise n · <topic>"."""
        return self._text(f"exercise{exercise}", "topic")

    def hints(self, exercise: int) -> tuple[str, ...]:
        """The exercise's hints, in the order the learner asks for them."""
        table = f"exercise{exercise}"
        hints = self._entry(table, "hints")
        if not isinstance(hints, list) or not hints:
            raise KeyError(f"{self.path}: {table}.hints is not a list of texts")
        return tuple(self._filled(f"{table}.hints[{n}]", hint) for n, hint in enumerate(hints, 1))

    def takes(self, exercise: int) -> str:
        """What the exercise's check does that takes seconds ("" when it is quick): said
        to the learner while a check runs longer than a moment."""
        table = f"exercise{exercise}"
        if "takes" not in self._table.get(table, {}):
            return ""
        return self._text(table, "takes")

    def mistake(self, key: str) -> str:
        """The message for a known mistake, by the key that says what the learner did."""
        return self._text("mistakes", key)

    def keys(self) -> set[str]:
        """Every key the file holds, named as in :attr:`requested` ("mistakes.<key>")."""
        found: set[str] = set()
        for name, entry in self._table.items():
            if isinstance(entry, dict):
                found |= {f"{name}.{key}" for key in entry}
            else:
                found.add(name)
        return found

    def _text(self, table: str, key: str) -> str:
        return self._filled(f"{table}.{key}", self._entry(table, key))

    def _entry(self, table: str, key: str) -> Any:
        self.requested.add(f"{table}.{key}")
        try:
            return self._table[table][key]
        except (KeyError, TypeError):
            raise KeyError(f"{self.path} has no {table}.{key}") from None

    def _filled(self, key: str, text: Any) -> str:
        """The text as the learner sees it: a template's placeholders filled in."""
        if not isinstance(text, str) or not text.strip():
            raise KeyError(f"{self.path}: {key} is not a text (empty, or not a string)")
        if not PLACEHOLDER.search(text):
            return text
        try:
            return text.format_map(self.values)
        except KeyError as unknown:
            raise KeyError(f"{self.path}: {key} holds {{{unknown.args[0]}}}, which its module "
                           f"does not fill in (in a template, a brace of the text itself is "
                           f"written twice)") from None
        except (IndexError, ValueError) as error:
            raise ValueError(f"{self.path}: {key} is not a valid template ({error}); a brace "
                             f"of the text itself is written twice there") from None


def load_texts(module: str, language: str = DEFAULT_LANGUAGE, **values: str) -> Texts:
    """The catalogue of ``module`` ("pitfall01") in ``language``; ``values`` fill in its
    templates' placeholders (``solutions="notebooks/solutions/..."``)."""
    return Texts(TEXTS_DIR / language / f"{module}.toml", values)
