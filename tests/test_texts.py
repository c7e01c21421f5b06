"""The exercise checks' texts (lambdalab/workshop/texts/<language>/pitfall0N.toml): each
notebook's module uses every text of its catalogue and finds every text it asks for; a missing
or broken text stops the import, naming the file and the key; templates are filled in and other
braces left alone; a new language is a new folder; and the wheel carries the catalogues."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from notebook_material import NOTEBOOKS, ROOT

from lambdalab.workshop import pitfall01, texts
from lambdalab.workshop.labs import import_file
from lambdalab.workshop.texts import TEXTS_DIR, Texts, load_texts

MODULES = list(NOTEBOOKS)


def name_of(module) -> str:
    return module.__name__.rsplit(".", 1)[-1]


def catalogue(tmp_path: Path, text: str, name: str = "pitfall99", language: str = "en") -> Path:
    """A catalogue file under ``tmp_path`` laid out as ``texts/`` is."""
    path = tmp_path / language / f"{name}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def every_text(table: dict) -> list[str]:
    """The texts of a parsed catalogue, hints one by one."""
    found = []
    for entry in table.values():
        for value in entry.values():
            found += value if isinstance(value, list) else [value]
    return found


# --- the catalogues and their modules ----------------------------------------------------------

def test_each_notebook_module_has_its_catalogue_and_no_catalogue_is_left_over():
    assert sorted(path.stem for path in (TEXTS_DIR / "en").glob("*.toml")) == \
        [name_of(module) for module in MODULES]


@pytest.mark.parametrize("module", MODULES, ids=name_of)
def test_a_module_asks_for_every_text_of_its_catalogue_and_each_is_there(module):
    loaded = module.T
    assert loaded.path == TEXTS_DIR / "en" / f"{name_of(module)}.toml"
    assert loaded.requested - loaded.keys() == set(), "asked for, missing from the file"
    assert loaded.keys() - loaded.requested == set(), "in the file, used by no exercise"
    assert module.EXERCISES.texts is loaded


@pytest.mark.parametrize("module", MODULES, ids=name_of)
def test_no_catalogue_text_has_stray_spaces(module):
    """A double space, or a space at either end of a text, is a slip (a continued line's
    `word  \\`) that the notebook would show."""
    for text in every_text(tomllib.loads(module.T.path.read_text())):
        assert text == text.strip() and "  " not in text, text


# --- the loader ----------------------------------------------------------------------------

def test_topic_hints_and_mistakes_are_read_by_exercise_and_by_key(tmp_path):
    loaded = Texts(catalogue(tmp_path, '[exercise1]\ntopic = "double it"\n'
                                       'hints = ["first?", "then"]\n\n'
                                       '[mistakes]\nadded = "multiply, don\'t add"\n'))
    assert (loaded.topic(1), loaded.hints(1), loaded.mistake("added")) == (
        "double it", ("first?", "then"), "multiply, don't add")
    assert loaded.requested == loaded.keys() == {"exercise1.topic", "exercise1.hints",
                                                 "mistakes.added"}


def test_a_missing_text_is_a_key_error_naming_the_file_and_the_key(tmp_path):
    path = catalogue(tmp_path, '[exercise1]\ntopic = "double it"\n')
    loaded = Texts(path)
    for ask, key in ((lambda: loaded.hints(1), "exercise1.hints"),
                     (lambda: loaded.topic(2), "exercise2.topic"),
                     (lambda: loaded.mistake("added"), "mistakes.added")):
        with pytest.raises(KeyError) as missing:
            ask()
        assert str(path) in str(missing.value) and key in str(missing.value)


@pytest.mark.parametrize("entry", ['topic = ""', 'topic = "  "', "topic = 3", "hints = []",
                                   'hints = "one hint, not a list"', 'hints = ["first?", ""]'])
def test_an_empty_text_is_never_shown(tmp_path, entry):
    loaded = Texts(catalogue(tmp_path, f"[exercise1]\n{entry}\n"))
    ask = loaded.topic if entry.startswith("topic") else loaded.hints
    with pytest.raises(KeyError, match="exercise1"):
        ask(1)


def test_a_template_is_filled_in_and_other_braces_are_left_as_written(tmp_path):
    loaded = Texts(catalogue(tmp_path, (
        "[mistakes]\n"
        "template = \"answer {{'status': ...}}; the solution is in {solutions}.\"\n"
        "plain = \"map it to `{'Destination': arn}`, or `.get('Environment', {})`\"\n")),
        {"solutions": "notebooks/solutions/99.py"})
    assert loaded.mistake("template") == \
        "answer {'status': ...}; the solution is in notebooks/solutions/99.py."
    assert loaded.mistake("plain") == \
        "map it to `{'Destination': arn}`, or `.get('Environment', {})`"


def test_a_placeholder_its_module_does_not_fill_in_names_the_file_the_key_and_the_placeholder(
        tmp_path):
    path = catalogue(tmp_path, '[mistakes]\nlate = "see {solutions}"\n')
    with pytest.raises(KeyError) as missing:
        Texts(path, {"platform": "..."}).mistake("late")
    assert all(part in str(missing.value) for part in (str(path), "mistakes.late",
                                                       "{solutions}"))


def test_a_brace_left_single_in_a_template_names_the_file_and_the_key(tmp_path):
    path = catalogue(tmp_path, "[mistakes]\nodd = \"answer {'status': 1} from {solutions}\"\n")
    with pytest.raises(KeyError, match="mistakes.odd"):
        Texts(path, {"solutions": "x.py"}).mistake("odd")


def test_a_catalogue_that_is_not_toml_names_its_file(tmp_path):
    path = catalogue(tmp_path, '[exercise1]\ntopic = "an unclosed quote\n')
    with pytest.raises(ValueError, match=re.escape(f"{path} is not valid TOML")):
        Texts(path)


def test_a_language_is_a_folder_of_catalogues(tmp_path, monkeypatch):
    catalogue(tmp_path, '[exercise1]\ntopic = "それを二倍に"\n', language="ja")
    monkeypatch.setattr(texts, "TEXTS_DIR", tmp_path)
    assert load_texts("pitfall99", language="ja").topic(1) == "それを二倍に"
    with pytest.raises(FileNotFoundError):
        load_texts("pitfall99")  # no English catalogue in this folder


def test_a_module_whose_catalogue_lacks_a_text_fails_at_import(tmp_path, monkeypatch):
    english = (TEXTS_DIR / "en" / "pitfall01.toml").read_text()
    assert "\nstream_read_twice = " in english
    path = catalogue(tmp_path, english.replace("\nstream_read_twice = ", "\nread_twice = "),
                     name="pitfall01")
    monkeypatch.setattr(texts, "TEXTS_DIR", tmp_path)
    name = "pitfall01_with_a_text_missing"
    try:
        with pytest.raises(KeyError) as missing:
            import_file(Path(pitfall01.__file__), name)
    finally:
        sys.modules.pop(name, None)
    assert f"{path} has no mistakes.stream_read_twice" in str(missing.value)


# --- packaging -----------------------------------------------------------------------------

def test_the_wheel_would_carry_the_catalogues():
    """hatchling puts every file under the wheel's package folders in the wheel, Python or
    not, unless the build configuration selects files otherwise or .gitignore leaves them
    out. (Building a wheel here would need the network for hatchling: to see it, run
    `python -m pip wheel --no-deps -w /tmp/wheel . && python -m zipfile -l /tmp/wheel/*.whl`.)"""
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]
    wheel = build["targets"]["wheel"]
    assert "lambdalab" in wheel["packages"]
    selecting = {"only-include", "include", "exclude", "only-packages", "sources"}
    for options in (build, wheel):
        assert not selecting & set(options), (
            "the wheel's file selection changed: check that it still holds "
            "lambdalab/workshop/texts/**/*.toml, then update this test")
    catalogues = sorted(TEXTS_DIR.rglob("*.toml"))
    assert catalogues and all(path.is_relative_to(ROOT / "lambdalab") for path in catalogues)
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("no git checkout to read .gitignore with")
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *map(str, catalogues)],
                             cwd=ROOT, capture_output=True, text=True)
    assert ignored.returncode == 1 and not ignored.stdout, ignored.stdout + ignored.stderr
