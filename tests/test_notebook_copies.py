"""The attendee works in copies: no stored answer in sight, and no fight with git.

``make lab`` opens ``my-notebooks/``: copies of ``notebooks/`` made without outputs, never
overwritten, reported when their notebook changes upstream, reset on request with a
backup. The committed notebooks keep their outputs for nbval, the site and instructors.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lambdalab.notebook_copies import Copies, fingerprint, relinked, report_lines

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "notebooks"
COMMAND = [sys.executable, "-m", "lambdalab", "notebooks"]


@pytest.fixture
def workshop(tmp_path: Path) -> Path:
    """A copy of the parts of the repository the notebooks link to."""
    for part in ("notebooks", "images", "labs"):
        shutil.copytree(ROOT / part, tmp_path / part,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    shutil.copy(ROOT / "README.md", tmp_path)
    return tmp_path


def copies_in(root: Path) -> Copies:
    return Copies(root / "notebooks", root / "my-notebooks")


def relative_links(notebook: nbformat.NotebookNode) -> list[str]:
    found = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            found += re.findall(r"\]\(([^)\s#]+)", cell.source)
            found += re.findall(r"src=\"([^\"]+)\"", cell.source)
    return [link for link in found if not re.match(r"^[a-z][a-z0-9+.-]*:", link, re.I)]


def test_copies_start_empty_and_every_link_resolves(workshop):
    copies = copies_in(workshop)
    report = copies.update()
    assert report.made == [p.name for p in copies.notebooks()] and len(report.made) >= 8
    for source in copies.notebooks():
        original = nbformat.read(source, as_version=4)
        copy = nbformat.read(copies.copy_dir / source.name, as_version=4)
        code = [cell for cell in copy.cells if cell.cell_type == "code"]
        assert code and all(c.outputs == [] and c.execution_count is None for c in code)
        assert [c.source for c in copy.cells if c.cell_type == "code"] == \
            [c.source for c in original.cells if c.cell_type == "code"]
        links = relative_links(copy)
        assert links, f"{source.name} links to nothing"
        for link in links:
            assert (copies.copy_dir / link).exists(), f"{source.name}: broken link {link}"
    assert relative_links(nbformat.read(copies.copy_dir / "01_function_error.ipynb",
                                        as_version=4)).count(
        "../notebooks/solutions/01_function_error.py") == 1  # what stays in notebooks/


def test_below_every_reveal_a_screenful_of_room_to_guess(workshop):
    """The text after a reveal explains the answer: in a copy, a screen of blank space
    keeps it out of sight while the guess cell is in sight (the browser test looks)."""
    copies = copies_in(workshop)
    copies.update()
    for source in copies.notebooks():
        cells = nbformat.read(copies.copy_dir / source.name, as_version=4).cells
        reveals = [i for i, c in enumerate(cells) if ".reveal(prediction" in c.source]
        assert all("room-to-guess" in cells[i + 1].metadata.get("tags", [])
                   and cells[i + 1].source.count("<br>") >= 30 for i in reveals)
        if not source.name.startswith("00_"):
            assert reveals, f"{source.name} has no guess to make"


def test_a_copy_is_never_overwritten_and_a_stored_output_change_is_no_news(workshop):
    copies = copies_in(workshop)
    copies.update()
    mine = copies.copy_dir / "01_function_error.ipynb"
    work = nbformat.read(mine, as_version=4)
    work.cells[7].source = 'prediction = "failed"'
    nbformat.write(work, mine)
    source = copies.source_dir / "01_function_error.ipynb"
    rerun = nbformat.read(source, as_version=4)
    rerun.cells[2].execution_count = 99  # make notebooks refreshed the stored outputs
    nbformat.write(rerun, source)
    report = copies.update()
    assert "01_function_error.ipynb" in report.kept and not report.changed
    assert nbformat.read(mine, as_version=4).cells[7].source == 'prediction = "failed"'


def test_a_notebook_changed_upstream_is_reported_and_the_copy_kept(workshop):
    copies = copies_in(workshop)
    copies.update()
    source = copies.source_dir / "03_vpc_reachability.ipynb"
    changed = nbformat.read(source, as_version=4)
    changed.cells[0].source += "\n\nA clarified sentence."
    nbformat.write(changed, source)
    report = copies.update()
    assert report.changed == ["03_vpc_reachability.ipynb"]
    [line] = [line for line in report_lines(report, copies, "make reset NB={number}")
              if "changed" in line]
    assert line == ("  notebooks/03_vpc_reachability.ipynb has changed since your copy was "
                    "made; your copy is kept. For the new version: make reset NB=03 (your "
                    "copy goes to my-notebooks/backup/)")
    assert "A clarified sentence." not in (copies.copy_dir / source.name).read_text()


@pytest.mark.parametrize("which", ["3", "03", "03_vpc_reachability",
                                   "03_vpc_reachability.ipynb"])
def test_reset_starts_afresh_and_keeps_the_old_copy(workshop, which):
    copies = copies_in(workshop)
    copies.update()
    mine = copies.copy_dir / "03_vpc_reachability.ipynb"
    mine.write_text(mine.read_text().replace('"prediction = ...', '"prediction = \\"mine\\"'))
    backup, fresh = copies.reset(which)
    assert backup is not None and backup.parent == copies.copy_dir / "backup"
    assert '\\"mine\\"' in backup.read_text() and '\\"mine\\"' not in fresh.read_text()
    assert copies.update().changed == []


def test_reset_of_an_unknown_notebook_names_the_notebooks(workshop):
    with pytest.raises(LookupError, match="no single notebook matches '42'.*00_setup"):
        copies_in(workshop).reset("42")


def test_links_that_need_no_change_are_left_as_written(tmp_path):
    (tmp_path / "notebooks" / "solutions").mkdir(parents=True)
    (tmp_path / "notebooks" / "solutions" / "a.py").write_text("")
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "d.png").write_text("")
    (tmp_path / "copies").mkdir()
    (tmp_path / "copies" / "02_x.ipynb").write_text("{}")
    text = ("[s](solutions/a.py) ![d](../images/d.png) [n](02_x.ipynb#top) "
            "[w](https://aws.amazon.com/) [t](#key-points) <img src=\"../images/d.png\">")
    assert relinked(text, tmp_path / "notebooks", tmp_path / "copies") == (
        "[s](../notebooks/solutions/a.py) ![d](../images/d.png) [n](02_x.ipynb#top) "
        "[w](https://aws.amazon.com/) [t](#key-points) <img src=\"../images/d.png\">")


def test_the_fingerprint_is_the_cells_not_their_outputs():
    notebook = nbformat.read(SOURCE / "01_function_error.ipynb", as_version=4)
    before = fingerprint(notebook)
    notebook.cells[2].outputs = []
    assert fingerprint(notebook) == before
    notebook.cells[2].source += "\n# changed"
    assert fingerprint(notebook) != before


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=True, env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x",
                                           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x",
                                           "HOME": str(repo.parent), "PATH": "/usr/bin:/bin"})


def test_an_answer_survives_a_pull_that_changes_its_notebook(workshop, tmp_path):
    """The attendee's path: clone, make lab (the copies), answer in 01, upstream changes 01,
    git pull (no conflict), make lab again (01 reported, the answer still there)."""
    upstream = workshop
    shutil.copy(ROOT / ".gitignore", upstream)
    git(upstream, "init", "-q", "-b", "main")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-q", "-m", "workshop")
    attendee = tmp_path / "attendee"
    subprocess.run(["git", "clone", "-q", str(upstream), str(attendee)], check=True)
    run = subprocess.run(COMMAND, cwd=attendee, capture_output=True, text=True, check=True)
    assert "made: 00_setup.ipynb" in run.stdout
    mine = attendee / "my-notebooks" / "01_function_error.ipynb"
    answered = json.loads(mine.read_text())
    answered["cells"][7]["source"] = ['prediction = "failed"  # my guess']
    mine.write_text(json.dumps(answered, indent=1))
    assert git(attendee, "status", "--porcelain").stdout == ""  # git does not see it

    notebook = upstream / "notebooks" / "01_function_error.ipynb"
    corrected = nbformat.read(notebook, as_version=4)
    corrected.cells[0].source += "\n\nA corrected sentence."
    nbformat.write(corrected, notebook)
    git(upstream, "commit", "-q", "-am", "a correction to 01")

    git(attendee, "pull", "-q")
    again = subprocess.run(COMMAND, cwd=attendee, capture_output=True, text=True, check=True)
    assert ("notebooks/01_function_error.ipynb has changed since your copy was made; your "
            "copy is kept. For the new version: make reset NB=01") in again.stdout
    assert "# my guess" in mine.read_text()


def test_make_lab_opens_the_copies_and_make_reset_needs_a_notebook():
    dry = subprocess.run(["make", "-n", "-o", ".venv/.installed", "lab"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert dry.index("-m lambdalab notebooks --source notebooks --into my-notebooks ") < \
        dry.index("jupyter lab")
    assert "default_url=/lab/tree/my-notebooks/00_setup.ipynb" in dry
    refused = subprocess.run(["make", "-s", "-o", ".venv/.installed", "reset"], cwd=ROOT,
                             capture_output=True, text=True)
    assert refused.returncode != 0 and "make reset NB=03" in refused.stdout
    assert subprocess.run(["git", "check-ignore", "-q", "my-notebooks/x.ipynb"],
                          cwd=ROOT).returncode == 0


def test_make_lab_lang_ja_opens_the_japanese_copies_in_a_locale_that_exists():
    dry = subprocess.run(["make", "-n", "-o", ".venv/.installed", "lab", "LANG=ja"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert "-m lambdalab notebooks --source notebooks/ja --into my-notebooks/ja" in dry
    assert '"make reset NB={number} LANG=ja"' in dry
    assert "default_url=/lab/tree/my-notebooks/ja/00_setup.ipynb" in dry
    locale = subprocess.run(["make", "-s", "--eval", "show: ; @echo $$LANG", "show", "LANG=ja"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert locale.strip() == "C.UTF-8", "the recipes must not run in a locale named ja"
    unknown = subprocess.run(["make", "-n", "lab", "LANG=fr"], cwd=ROOT, capture_output=True,
                             text=True)
    assert unknown.returncode != 0 and "the workshop is in en (the default) and ja" in \
        unknown.stderr


def test_a_japanese_copy_gives_room_to_guess_in_japanese(tmp_path):
    copies = Copies(ROOT / "notebooks" / "ja", tmp_path / "my-notebooks" / "ja")
    copies.update()
    copy = nbformat.read(tmp_path / "my-notebooks" / "ja" / "01_function_error.ipynb", 4)
    [room] = [c for c in copy.cells if "room-to-guess" in c.metadata.get("tags", [])]
    assert room.source.startswith("*上のセルを実行し")
    solutions = [t for c in copy.cells if c.cell_type == "markdown"
                 for t in re.findall(r"\]\(([^)]*solutions/[^)]*)\)", c.source)]
    assert solutions and all((copies.copy_dir / t).exists() for t in solutions)


def test_binder_makes_the_copies_its_link_opens(workshop):
    shutil.copytree(ROOT / "binder", workshop / "binder")
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    subprocess.run(["bash", "binder/start", "true"], cwd=workshop, env=env, check=True)
    readme = (ROOT / "README.md").read_text()
    [path] = set(re.findall(r"urlpath=lab/tree/([^)\s&\]]+)", readme))
    assert (workshop / path).is_file() and path.startswith("my-notebooks/")
