"""The Japanese edition is the English one in Japanese, and never silently out of step.

- every English notebook has its translation in ``notebooks/ja/``, whose code is the
  English code (only comments and the words a cell prints may differ), which records the
  fingerprint of the English notebook it was made from, and which is current;
- every text the code shows has its Japanese (``texts/ja/messages.toml``), every exercise
  catalogue has its Japanese twin key for key, holes and placeholders kept;
- the checks speak the notebook's language: Japanese in ``notebooks/ja/`` (chosen by the
  folder the kernel runs in, never by the machine's locale), English elsewhere;
- each document and lab README has its Japanese edition, linked both ways, links resolving;
- each diagram has its Japanese drawing; matplotlib finds a CJK font or says how to get one.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from lambdalab import translation
from lambdalab.workshop.checks import CaseResult, Report, Verdict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import messages  # noqa: E402
import translation_status  # noqa: E402

ENGLISH_NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
JAPANESE_NOTEBOOKS = sorted((ROOT / "notebooks" / "ja").glob("[0-9][0-9]_*.ipynb"))
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
TEXTS = ROOT / "lambdalab" / "workshop" / "texts"
DOCUMENTS = {  # English -> Japanese edition
    ROOT / "README.md": ROOT / "README.ja.md",
    **{path: path.with_name("README.ja.md") for path in sorted(ROOT.glob("labs/*/README.md"))},
    **{ROOT / "notebooks" / name: ROOT / "notebooks" / "ja" / name
       for name in ("GLOSSARY.md", "INSTRUCTORS.md", "README.md")},
}
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|(?:src|href)=\"([^\"]+)\"")


# --- the notebooks --------------------------------------------------------------------------

def test_every_english_notebook_has_its_translation():
    assert [path.name for path in JAPANESE_NOTEBOOKS] == [path.name for path in
                                                          ENGLISH_NOTEBOOKS]


@pytest.mark.parametrize("notebook", JAPANESE_NOTEBOOKS, ids=lambda path: path.name)
def test_a_translation_runs_the_english_code(notebook):
    assert translation_status.code_differences(notebook) == []


@pytest.mark.parametrize("notebook", JAPANESE_NOTEBOOKS, ids=lambda path: path.name)
def test_a_translation_is_of_the_english_notebook_as_it_is_now(notebook):
    assert translation_status.stale(notebook) == [], (
        "the English notebook changed: bring the Japanese one up to date, then "
        f"python tools/translation_status.py --mark {notebook.name}")


def test_the_code_comparison_lets_words_differ_and_nothing_else():
    shape = translation_status.code_shape
    english = 'x = f(1)  # call it\nprint("done:", x)\nassert x, f"got {x} back"\n'
    assert shape(english) == shape('x = f(1)  # 呼び出す\nprint("完了:", x)\n'
                                   'assert x, f"{x} が返りました"\n')
    assert shape(english) != shape(english.replace("f(1)", "f(2)"))
    assert shape(english) != shape(english.replace('print("done:", x)', 'print("done:", y)'))
    assert shape('deploy("a b")') != shape('deploy("ア")')  # only print and assert words


def test_the_status_tool_names_a_stale_translation(tmp_path, monkeypatch):
    import nbformat

    english = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    (tmp_path / "ja").mkdir()
    nbformat.write(english, tmp_path / "01_x.ipynb")
    nbformat.write(english, tmp_path / "ja" / "01_x.ipynb")
    monkeypatch.setattr(translation_status, "NOTEBOOKS", tmp_path)
    translated = tmp_path / "ja" / "01_x.ipynb"
    assert "records no English notebook" in str(translation_status.stale(translated)[0])
    translation_status.mark(translated)
    assert translation_status.stale(translated) == []
    english.cells[0].source = "x = 2"
    nbformat.write(english, tmp_path / "01_x.ipynb")
    assert "changed since it was translated" in str(translation_status.stale(translated)[0])
    assert "differs from the English one" in str(
        translation_status.code_differences(translated)[0])


@pytest.mark.parametrize("notebook", JAPANESE_NOTEBOOKS, ids=lambda path: path.name)
def test_every_markdown_cell_with_words_is_in_japanese(notebook):
    import nbformat

    for number, cell in enumerate(nbformat.read(notebook, as_version=4).cells, 1):
        prose = re.sub(r"```.*?```|`[^`]*`|\(http[^)]*\)|<[^>]+>", "", cell.source, flags=re.S)
        if cell.cell_type == "markdown" and len(re.findall(r"[A-Za-z]{3,}", prose)) > 3:
            assert JAPANESE.search(prose), f"cell {number} reads as English only"


# --- what the checks say --------------------------------------------------------------------

def test_every_text_the_code_shows_has_its_japanese():
    assert messages.problems("ja") == []


@pytest.mark.parametrize("name", sorted(path.name for path in (TEXTS / "en").glob("*.toml")))
def test_each_exercise_catalogue_has_its_japanese_twin_key_for_key(name):
    english = tomllib.loads((TEXTS / "en" / name).read_text("utf-8"))
    japanese = tomllib.loads((TEXTS / "ja" / name).read_text("utf-8"))
    pairs = translation._pairs(english, japanese)
    assert len(pairs) == len(translation._pairs(english, english)), "a text lacks its Japanese"
    for ours, theirs in pairs:
        assert JAPANESE.search(theirs), f"not translated: {ours!r}"
        assert sorted(re.findall(r"\{[a-z_]+\}", ours)) == \
            sorted(re.findall(r"\{[a-z_]+\}", theirs)), f"placeholders differ: {ours!r}"
        assert ours.count("`") == theirs.count("`"), f"code spans differ: {ours!r}"


def report() -> Report:
    return Report("Exercise 1 · which kind of failure?", Verdict.FAIL, "1 of 2 cases right.",
                  (CaseResult("a good order", True, ""),
                   CaseResult("the placeholder is still there", False, "")))


def test_a_report_reads_in_japanese_in_a_japanese_notebook(monkeypatch):
    from lambdalab.workshop.feedback import translated

    monkeypatch.setenv(translation.ENVIRONMENT, "ja")
    shown = translated(report().feedback())
    assert shown.headline.startswith("演習 1 · ")  # the title's template, its topic in turn
    assert "FAIL" in shown.headline and JAPANESE.search(shown.headline.split("FAIL")[1])
    assert all(JAPANESE.search(line.text) for line in shown.lines)
    assert report().feedback().headline.startswith("Exercise 1 · ")  # decided in English


def test_the_language_is_the_notebooks_folder_not_the_machines_locale(tmp_path, monkeypatch):
    monkeypatch.delenv(translation.ENVIRONMENT, raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    monkeypatch.chdir(tmp_path)
    assert translation.language() == "en"
    (tmp_path / "ja").mkdir()
    monkeypatch.chdir(tmp_path / "ja")
    assert translation.language() == "ja"
    monkeypatch.setenv(translation.ENVIRONMENT, "en")
    assert translation.language() == "en"
    monkeypatch.setenv(translation.ENVIRONMENT, "xx")
    assert translation.language() == "en"


def test_a_kernel_in_the_japanese_folder_shows_its_hints_in_japanese():
    code = ("from lambdalab.workshop import pitfall01\n"
            "pitfall01.exercise1.hint(1)\n")
    shown = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "notebooks" / "ja",
                           capture_output=True, text=True, timeout=120,
                           env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT)})
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("演習 1 · "), shown.stdout
    assert JAPANESE.search(shown.stdout.splitlines()[1])


def test_a_hole_is_translated_in_turn_and_an_unknown_text_stays_english():
    catalogue = translation.Catalogue({"a good order": "正しい注文"}, [
        translation.Template(*translation.template_pattern("checked {1} in {2} s")[:2],
                             "{1} を {2} 秒で確認", 14)])
    assert catalogue.translate("checked a good order in 3 s") == "正しい注文を 3 秒で確認"
    assert catalogue.translate("something new here") == "something new here"
    assert catalogue.missed == {"something new here"}


# --- the documents, labs and diagrams ------------------------------------------------------

@pytest.mark.parametrize("english", list(DOCUMENTS), ids=lambda path: str(path.relative_to(ROOT)))
def test_each_document_has_its_japanese_edition_linked_both_ways(english):
    japanese = DOCUMENTS[english]
    assert japanese.exists(), f"{japanese.relative_to(ROOT)} is missing"
    text = japanese.read_text("utf-8")
    assert JAPANESE.search(text)
    back = re.match(r"\[English\]\(([^)]+)\)", text)
    assert back, "the first line links back: [English](<the English file>)"
    assert (japanese.parent / back.group(1)).resolve() == english.resolve()
    if english == ROOT / "README.md":  # the way in, from the English side
        assert "](README.ja.md)" in "\n".join(english.read_text("utf-8").splitlines()[:5])


@pytest.mark.parametrize("document", [*DOCUMENTS.values(), ROOT / "notebooks/ja/STYLE.md"],
                         ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_of_a_japanese_document_resolves(document):
    prose = re.sub(r"```.*?```|`[^`\n]*`", "", document.read_text("utf-8"), flags=re.S)
    for match in LINK.finditer(prose):
        target = match.group(1) or match.group(2)
        if re.match(r"^([a-z][a-z0-9+.-]*:|#)", target, re.I):
            continue
        assert (document.parent / target.split("#")[0]).exists(), f"{target} does not exist"


def test_every_diagram_has_its_japanese_drawing():
    english = sorted(path.name for path in (ROOT / "images").glob("*.png"))
    assert sorted(path.name for path in (ROOT / "images" / "ja").glob("*.png")) == english


def test_every_diagram_label_has_its_japanese():
    sys.path.insert(0, str(ROOT / "images"))
    import make_diagrams

    table = make_diagrams.labels("ja")
    assert table and all(japanese or not english for english, japanese in table.items())
    assert sum(bool(JAPANESE.search(text)) for text in table.values()) > len(table) / 2


def test_matplotlib_draws_japanese_with_a_cjk_font_or_warns(monkeypatch):
    from lambdalab import cjk_font

    found = cjk_font.installed_cjk_font()
    if found:
        assert cjk_font.use_cjk_font() == found
    monkeypatch.setattr(cjk_font, "installed_cjk_font", lambda: None)
    with pytest.warns(UserWarning, match="no Japanese font for matplotlib.*Install one"):
        assert cjk_font.use_cjk_font() is None


def test_a_figure_in_a_japanese_notebook_is_labelled_in_japanese(monkeypatch):
    from lambdalab import cjk_font
    from lambdalab.plots import invocation_timeline

    monkeypatch.setenv(translation.ENVIRONMENT, "ja")
    if cjk_font.installed_cjk_font() is None:
        pytest.skip("no CJK font here: the figure stays English, with a warning")
    title = invocation_timeline([], "three orders, each invoice waited for").axes[0].title
    assert title.get_text() == "注文 3 件、請求書を 1 通ずつ待つ"
    assert cjk_font.installed_cjk_font() in title.get_fontfamily()
    monkeypatch.setenv(translation.ENVIRONMENT, "en")
    english = invocation_timeline([], "three orders, each invoice waited for").axes[0].title
    assert english.get_text() == "three orders, each invoice waited for"


def test_a_wrong_answer_checked_in_japanese_shows_no_english_sentence(cloud, monkeypatch):
    """Exercise 1 of 01 with a wrong answer, as the check shows it in a Japanese notebook:
    every case, reason and hint has its Japanese (the catalogue records what it missed)."""
    from lambdalab.workshop import pitfall01
    from lambdalab.workshop.feedback import translated

    monkeypatch.setenv(translation.ENVIRONMENT, "ja")
    report = pitfall01.exercise1.evaluate(lambda lam, name, payload: "ok", cloud)
    assert report.verdict is Verdict.FAIL
    catalogue = translation.catalogue("ja")
    catalogue.missed.clear()
    shown = translated(report.feedback())
    assert catalogue.missed == set()
    assert "正しくは" in shown.text() and "ヒント" in shown.text()
