"""The glossary explains the workshop's words, each with its source, and every notebook
links to it; a link to one of its terms lands on a term that exists."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "notebooks" / "GLOSSARY.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def terms() -> dict[str, str]:
    """Each term's anchor as GitHub makes it from the heading, and the term's text."""
    parts = re.split(r"^### (.+)$", GLOSSARY.read_text(), flags=re.M)[1:]
    return {re.sub(r"[^\w\- ]", "", heading).strip().lower().replace(" ", "-"): text
            for heading, text in zip(parts[0::2], parts[1::2], strict=True)}


def markdown_of(notebook: Path) -> str:
    return "\n".join("".join(cell["source"]) for cell in json.loads(notebook.read_text())["cells"]
                     if cell["cell_type"] == "markdown")


def test_about_thirty_terms_in_order_each_with_a_source():
    found = terms()
    assert len(found) >= 30
    headings = re.findall(r"^### (.+)$", GLOSSARY.read_text(), flags=re.M)
    assert headings == sorted(headings, key=lambda h: (h[0].isalnum(), h.lower()))  # $LATEST first
    unsourced = [anchor for anchor, text in found.items()
                 if not re.search(r"^(AWS|Project): \[", text, flags=re.M)]
    assert unsourced == []


def test_every_notebook_links_the_glossary_and_its_term_links_land():
    anchors = terms()
    for notebook in NOTEBOOKS:
        text = markdown_of(notebook)
        assert "](GLOSSARY.md)" in text, f"{notebook.name} does not link the glossary"
        for anchor in re.findall(r"\]\(GLOSSARY\.md#([^)]+)\)", text):
            assert anchor in anchors, f"{notebook.name} links a term that is not there: {anchor}"


def test_jargon_is_linked_where_a_notebook_first_uses_it():
    firsts = {"00_setup": "moto", "01_function_error": "event-source-mapping",
              "05_concurrency_throttling": "retry-mode-and-retry-quota"}
    for stem, anchor in firsts.items():
        assert f"(GLOSSARY.md#{anchor})" in markdown_of(ROOT / "notebooks" / f"{stem}.ipynb")
