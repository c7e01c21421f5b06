"""What the workshop says to the learner, in the language of the notebook being run.

A notebook's language is the notebook's, not the machine's: a kernel runs in its notebook's
folder (JupyterLab and nbval start it there), so a notebook in ``notebooks/ja/`` (or an
attendee's copy in ``my-notebooks/ja/``) speaks Japanese, and every other one English.
``LAMBDALAB_LANGUAGE`` overrides that (tests, a terminal).

The code speaks English, and every check decides in English (a mistake detector reads a
case's English detail); only what is shown is translated, at the moment it is shown. A
language's catalogue pairs each English text with its translation:

- the exercise catalogues (``texts/<language>/pitfall0N.toml``) key by key, and
- ``texts/<language>/messages.toml``: every other text the workshop's code shows, as
  ``tools/messages.py`` extracts it from the code. A text built from values is a template
  whose holes are numbered (``"{1} of {2} cases right."``); the translation places the
  same holes where its grammar wants them, and what fills a hole is translated in turn
  when it is a text of the catalogue (an exercise's topic inside its title).

A text the catalogue lacks is shown in English (and a test fails: every extracted text
must have a translation).
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

ENGLISH = "en"
LANGUAGES = (ENGLISH, "ja")
ENVIRONMENT = "LAMBDALAB_LANGUAGE"
TEXTS_DIR = Path(__file__).resolve().parent / "workshop" / "texts"
MESSAGES = "messages.toml"
HOLE = re.compile(r"\{(\d+)\}")
# a space a template left beside a hole, between two characters of a script without spaces
BETWEEN_CJK = re.compile(r"(?<=[\u3000-\u30ff\u4e00-\u9fff\uff08\uff09]) "
                         r"(?=[\u3000-\u30ff\u4e00-\u9fff\uff08\uff09])")
# what stays as written in every language: the verdicts, as logs and progress files say them
KEPT = frozenset({"PASS", "FAIL", "NOT ATTEMPTED", "NOT CHECKED", "OK", "WARN", "reachable",
                  "UNREACHABLE"})
# a message and its reason; a verdict and its summary; reasons one after the other
SEPARATORS = re.compile(r": | - |; ")
NESTED = 4  # how deep a hole's value, or a part of a text, is translated in turn


def language() -> str:
    """The language of the notebook running here: ``LAMBDALAB_LANGUAGE``, else the name of
    the working folder when it is a language's (``notebooks/ja``), else English."""
    chosen = os.environ.get(ENVIRONMENT, "").strip().lower()
    if chosen:
        return chosen if chosen in LANGUAGES else ENGLISH
    try:
        folder = Path.cwd().name
    except OSError:  # the working folder was removed
        return ENGLISH
    return folder if folder in LANGUAGES else ENGLISH


@dataclass(frozen=True)
class Template:
    """An English text with numbered holes, and its translation with the same holes."""

    pattern: re.Pattern[str]
    holes: tuple[int, ...]  # the hole numbers, in the order the English shows them
    translation: str
    weight: int  # characters of fixed text: the more, the more specific the template

    def fill(self, match: re.Match[str], catalogue: Catalogue, depth: int) -> str:
        values = {number: catalogue.translate(value, depth + 1)
                  for number, value in zip(self.holes, match.groups(), strict=True)}
        filled = HOLE.sub(lambda hole: values.get(int(hole.group(1)), hole.group(0)),
                          self.translation)
        return BETWEEN_CJK.sub("", _unescaped(filled))


def _unescaped(text: str) -> str:
    return text.replace("{{", "{").replace("}}", "}")


def template_pattern(english: str) -> tuple[re.Pattern[str], tuple[int, ...], int]:
    """The regular expression an English template matches a shown text with."""
    pieces, holes, fixed, at = [], [], 0, 0
    for hole in HOLE.finditer(english):
        literal = _unescaped(english[at:hole.start()])
        pieces.append(re.escape(literal))
        fixed += len(literal)
        pieces.append("(.*?)")
        holes.append(int(hole.group(1)))
        at = hole.end()
    tail = _unescaped(english[at:])
    pieces.append(re.escape(tail))
    fixed += len(tail)
    return re.compile("".join(pieces), re.DOTALL), tuple(holes), fixed


class Catalogue:
    """One language's translations: exact texts first, then templates, the most specific
    first, a match kept only when each hole holds a value or a text known here."""

    def __init__(self, exact: dict[str, str], templates: list[Template]) -> None:
        self.exact = exact
        self.templates = sorted(templates, key=lambda template: -template.weight)
        self.missed: set[str] = set()  # texts shown untranslated (for tests)

    def translate(self, text: str, depth: int = 0) -> str:
        found = self.lookup(text, depth)
        if found is not None:
            return found
        if depth == 0 and " " in text and text.isascii():
            self.missed.add(text)
        return text

    def lookup(self, text: str, depth: int = 0) -> str | None:
        """The translation of ``text``, or None: the text itself, then "A: B", "A - B" or
        "A; B" when both parts are known (a message and its reason, a verdict and its
        summary, two reasons), then a template."""
        if not text or depth > NESTED:
            return None
        if text in self.exact:
            return self.exact[text]
        if text in KEPT:
            return text
        for separator in SEPARATORS.finditer(text):
            left = self.lookup(text[:separator.start()], depth + 1)
            right = left and self.lookup(text[separator.end():], depth + 1)
            if left is not None and right is not None:
                return f"{left}{separator.group(0)}{right}"
        first = None
        for template in self.templates:
            match = template.pattern.fullmatch(text)
            if match is None:
                continue
            if all(self._fills(value, depth) for value in match.groups()):
                return template.fill(match, self, depth)
            first = first or (template, match)
        return first[0].fill(first[1], self, depth) if first else None

    def _fills(self, value: str, depth: int) -> bool:
        """Whether a hole's value is a value (a name, a number) or a text known here: a
        template whose holes cut a text in the wrong place leaves words no entry knows."""
        return " " not in value or not value.isascii() or self.lookup(value, depth + 1) \
            is not None


def _pairs(english: object, translated: object) -> list[tuple[str, str]]:
    """The (English, translation) text pairs of two catalogues with the same keys."""
    if isinstance(english, str) and isinstance(translated, str):
        return [(english, translated)]
    if isinstance(english, dict) and isinstance(translated, dict):
        return [pair for key in english if key in translated
                for pair in _pairs(english[key], translated[key])]
    if isinstance(english, list) and isinstance(translated, list):
        return [pair for ours, theirs in zip(english, translated, strict=False)
                for pair in _pairs(ours, theirs)]
    return []


PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _exercise_pairs(language_dir: Path) -> list[tuple[str, str]]:
    """Pairs from the exercise catalogues; their named placeholders become numbered holes."""
    found = []
    for translated_path in sorted(language_dir.glob("pitfall*.toml")):
        english_path = TEXTS_DIR / ENGLISH / translated_path.name
        for english, translated in _pairs(tomllib.loads(english_path.read_text("utf-8")),
                                          tomllib.loads(translated_path.read_text("utf-8"))):
            names: dict[str, str] = {}

            def numbered(match: re.Match[str], names: dict[str, str] = names) -> str:
                return "{" + names.setdefault(match.group(1), str(len(names) + 1)) + "}"

            english_template = PLACEHOLDER.sub(numbered, english)
            if names:
                found.append((english_template, PLACEHOLDER.sub(numbered, translated)))
            else:  # no placeholder: braces are the text's own, as the catalogue says
                found.append((english.replace("{", "{{").replace("}", "}}"),
                              translated.replace("{", "{{").replace("}", "}}")))
    return found


def load_messages(path: Path) -> list[tuple[str, str]]:
    """``messages.toml``: ``[[message]]`` tables of ``en`` and its translation."""
    table = tomllib.loads(path.read_text("utf-8")) if path.exists() else {}
    language_key = path.parent.name
    return [(entry["en"], entry.get(language_key, "")) for entry in table.get("message", [])]


@functools.cache
def catalogue(language_code: str) -> Catalogue:
    """The catalogue of a language (empty for English: its texts are the code's own)."""
    if language_code == ENGLISH or language_code not in LANGUAGES:
        return Catalogue({}, [])
    folder = TEXTS_DIR / language_code
    exact: dict[str, str] = {}
    templates = []
    for english, translated in _exercise_pairs(folder) + load_messages(folder / MESSAGES):
        if not translated:
            continue
        if HOLE.search(english):
            pattern, holes, weight = template_pattern(english)
            if weight:  # a template of holes alone would match anything
                templates.append(Template(pattern, holes, translated, weight))
        else:
            exact[_unescaped(english)] = _unescaped(translated)
    return Catalogue(exact, templates)


def translate(text: str, language_code: str | None = None) -> str:
    """``text`` as the learner reads it in ``language_code`` (default: the notebook's)."""
    return catalogue(language_code or language()).translate(text)
