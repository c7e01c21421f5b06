"""Every way to run or read the workshop is set up by files that parse and point at files
that exist: Codespaces / Dev Containers, Binder, and the static HTML rendering."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import build_site  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w.-]*):", (ROOT / "Makefile").read_text(), re.M))


def test_the_dev_container_sets_up_with_the_readmes_command_and_opens_the_workshop():
    config = json.loads((ROOT / ".devcontainer" / "devcontainer.json").read_text())
    assert re.match(r"mcr\.microsoft\.com/devcontainers/python:\d+-3\.1[1-9]", config["image"])
    setup = config["postCreateCommand"]
    assert setup == "make setup" and f"`{setup}`" in README
    assert config["postAttachCommand"].startswith("make lab")
    assert {"setup", "lab", "test"} <= make_targets()
    assert 8888 in config["forwardPorts"]


def test_binder_installs_the_workshops_own_requirements_on_a_supported_python():
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    major, minor = map(int, re.fullmatch(r"python-(\d+)\.(\d+)", runtime).groups())
    assert (major, minor) >= (3, 11)
    requirements = (ROOT / "binder" / "requirements.txt").read_text()
    assert "-r ../requirements.txt" in requirements
    assert (ROOT / "requirements.txt").exists()


def test_the_readmes_binder_link_opens_the_attendees_copy_of_the_first_notebook():
    """Binder's start script makes the copies (tests/test_notebook_copies.py runs it)."""
    urlpaths = set(re.findall(r"mybinder\.org/v2/gh/[^)\s]*\?urlpath=lab/tree/([^)\s&]+)",
                              README))
    assert urlpaths == {"my-notebooks/00_setup.ipynb"}
    assert (ROOT / "notebooks" / "00_setup.ipynb").is_file()
    assert os.access(ROOT / "binder" / "start", os.X_OK)


def test_the_readme_is_a_landing_page_with_an_agenda_of_every_notebook():
    """Who it is for, what to know, and every notebook with its minutes and link."""
    assert "## Who it is for" in README and "## Agenda" in README
    agenda = README[README.index("## Agenda"):README.index("## Two commands")]
    rows = re.findall(r"^\| (\d\d) \| \[[^]]+\]\((notebooks/[^)]+)\) \| (\d+) \|", agenda, re.M)
    notebooks = sorted(p.relative_to(ROOT).as_posix()
                       for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(path for _, path, _ in rows) == notebooks
    for number, path, minutes in rows:
        assert Path(path).name.startswith(number) and int(minutes) > 0
    labs = {p.name for p in (ROOT / "labs").iterdir() if (p / "template.yaml").exists()}
    assert labs and all(f"labs/{lab}/" in agenda for lab in labs)


def test_the_static_rendering_builds_with_no_broken_image_or_link(tmp_path):
    pages = build_site.build(tmp_path / "site")
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))
    assert sorted(p.stem for p in pages if p.parent.name == "notebooks"
                  and p.stem[:2].isdigit()) == notebooks
    japanese = sorted(p.stem for p in pages if p.parent.name == "ja" and p.stem[:2].isdigit())
    assert japanese == notebooks, "the Japanese edition beside the English one"
    assert (tmp_path / "site" / "index.html").exists()
    assert (tmp_path / "site" / "README.ja.html").exists()
    assert build_site.broken_links(tmp_path / "site") == []


def test_the_link_check_catches_a_broken_link(tmp_path):
    (tmp_path / "page.html").write_text('<a href="missing.html">x</a><img src="gone.png">')
    assert build_site.broken_links(tmp_path) == ["page.html: href=missing.html",
                                                 "page.html: src=gone.png"]
