"""Build a static HTML rendering of the workshop, to read without running anything.

    .venv/bin/python tools/build_site.py [--out site]

Every notebook becomes an HTML page with its stored outputs (nbconvert, no execution);
every lab README, the notebooks' README and the instructor notes become HTML pages; the
labs' code files and the diagrams are copied beside them, the Japanese edition's pages
beside the English ones; relative links are rewritten to
the rendered pages (``x.ipynb`` → ``x.html``, ``README.md`` → ``README.html``, a folder →
its ``README.html``). The repository's README is the landing page (``index.html``). Then
every image and relative link of every page is checked; a broken one fails the build.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import mistune
import nbformat
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r'(?P<attr>href|src)="(?P<url>[^"#]*)(?P<fragment>#[^"]*)?"')
PAGE = """<!doctype html>
<html lang="{language}"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;line-height:1.5}} pre,code{{background:#f4f4f4}} pre{{padding:.5rem;
overflow-x:auto}} table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;
padding:.2rem .5rem}}</style></head><body>
{body}
</body></html>
"""


def _is_local(url: str) -> bool:
    return bool(url) and not urlsplit(url).scheme and not url.startswith(("//", "mailto:"))


def _rewrite(url: str, page_dir: Path) -> str:
    """The rendered counterpart of a relative link made in the repository."""
    if not _is_local(url):
        return url
    target = (page_dir / unquote(url)).resolve()
    if url.endswith("/") or target.is_dir():
        return url.rstrip("/") + "/README.html"
    for source, rendered in ((".ipynb", ".html"), (".md", ".html")):
        if url.endswith(source):
            return url[: -len(source)] + rendered
    return url


def _rewrite_links(page: str, source_dir: Path) -> str:
    def replace(found: re.Match[str]) -> str:
        url = _rewrite(found["url"], source_dir)
        return f'{found["attr"]}="{url}{found["fragment"] or ""}"'

    return LINK.sub(replace, page)


def render_notebook(path: Path, out: Path) -> Path:
    notebook = nbformat.read(path, as_version=4)
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(notebook)
    target = out / path.relative_to(ROOT).with_suffix(".html")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(_rewrite_links(body, path.parent))
    return target


def render_markdown(path: Path, out: Path) -> Path:
    text = path.read_text()
    title = next((line.lstrip("# ") for line in text.splitlines() if line.startswith("#")),
                 path.stem)
    body = mistune.html(text)
    target = out / path.relative_to(ROOT).with_suffix(".html")
    target.parent.mkdir(parents=True, exist_ok=True)
    language = "ja" if path.name.endswith(".ja.md") or path.parent.name == "ja" else "en"
    target.write_text(PAGE.format(title=html.escape(title), language=language,
                                  body=_rewrite_links(body, path.parent)))
    return target


def broken_links(out: Path) -> list[str]:
    """Every image or relative link of every page that names no file of the site."""
    broken = []
    for page in sorted(out.rglob("*.html")):
        for found in LINK.finditer(page.read_text()):
            url = found["url"]
            if _is_local(url) and not (page.parent / unquote(url)).resolve().exists():
                broken.append(f"{page.relative_to(out)}: {found['attr']}={url}")
    return broken


def build(out: Path) -> list[Path]:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    notebooks = [*sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")),
                 *sorted((ROOT / "notebooks" / "ja").glob("[0-9]*.ipynb"))]  # both editions
    pages = [render_notebook(p, out) for p in notebooks]
    documents = ["README.md", "INSTRUCTORS.md", "GLOSSARY.md"]
    markdown = [ROOT / "README.md", ROOT / "README.ja.md",
                *(ROOT / "notebooks" / name for name in documents),
                *(ROOT / "notebooks" / "ja" / name for name in [*documents, "STYLE.md"]),
                *sorted((ROOT / "labs").glob("*/README*.md")),
                *sorted((ROOT / "docs").glob("*.md"))]
    pages += [render_markdown(p, out) for p in markdown if p.exists()]
    shutil.copytree(ROOT / "images", out / "images",
                    ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    for lab in sorted((ROOT / "labs").iterdir()):
        if lab.is_dir():
            shutil.copytree(lab, out / "labs" / lab.name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.md", ".*"))
    shutil.copytree(ROOT / "hosting", out / "hosting",  # the files docs/hosting.md links
                    ignore=shutil.ignore_patterns("__pycache__"))
    solutions = ROOT / "notebooks" / "solutions"
    if solutions.is_dir():
        shutil.copytree(solutions, out / "notebooks" / "solutions",
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(out / "README.html", out / "index.html")  # the README is the landing page
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "site")
    args = parser.parse_args(argv)
    pages = build(args.out)
    broken = broken_links(args.out)
    for line in broken:
        print(f"broken: {line}", file=sys.stderr)
    print(f"{len(pages)} pages in {args.out}; {len(broken)} broken images or links")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
