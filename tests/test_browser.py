"""The attendee's path in a real browser: JupyterLab, as ``make lab`` starts it, in Chromium.

JupyterLab is started by ``make lab`` itself (127.0.0.1, its own token, a throwaway
Jupyter config, runtime and settings folder) in a copy of the repository, so that saving
the notebooks changes nothing here. Each notebook is opened, run with *Run All* once its
kernel is idle, and saved; the saved file says what ran (JupyterLab does not render the
cells out of view). Then, as an attendee does: a correct answer typed into each exercise of
01 after Run All must PASS, and running the first code cell again must give a fresh cloud
without an error.

Chromium is Debian's (``chromium``), driven by Playwright with ``executable_path``: no
browser is downloaded. Run this test alone with ``.venv/bin/python -m pytest
tests/test_browser.py``; without Chromium it is skipped, saying how to install it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTALL = "sudo apt-get install -y chromium fonts-noto-cjk"
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/lib/chromium/chromium", "/usr/bin/chromium-browser")
# no traffic but to 127.0.0.1: no background updates, sync, field trials or QUIC probes
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic",
                 "--disable-default-apps", "--disable-domain-reliability",
                 "--metrics-recording-only", "--no-pings"]
VIEWPORT = {"width": 1280, "height": 800}  # a laptop's browser window
NOT_COPIED = shutil.ignore_patterns(".venv", ".git", "__pycache__", ".ipynb_checkpoints",
                                    ".pytest_cache", ".ruff_cache", "*.egg-info", "results")


def chromium_path() -> str | None:
    """Debian's Chromium (or ``LAMBDALAB_CHROMIUM``), if this machine has it."""
    candidates = [os.environ.get("LAMBDALAB_CHROMIUM", ""), *CHROMIUM_PATHS]
    return next((path for path in candidates if path and os.access(path, os.X_OK)), None)


pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.skipif(chromium_path() is None,
                       reason=f"no Chromium for the browser test; install it with: {INSTALL}"),
]

# answers an attendee types after Run All (the solutions, as a learner would write them)
SOLUTIONS = (ROOT / "notebooks" / "solutions" / "01_function_error.py").read_text()
FAILURE_KIND = "import json\n\nfrom botocore.exceptions import ClientError\n\n" + \
    SOLUTIONS[SOLUTIONS.index("def failure_kind"):SOLUTIONS.index("\n\n\n# Exercise 2")] + \
    "\n\n\npitfall01.exercise1.check(failure_kind)\n"
FIXED_HANDLER = SOLUTIONS[SOLUTIONS.index("def handler_wrong"):].replace("  # noqa: F821", "") + \
    "\n\npitfall01.exercise2.check(handler_wrong)\n"


# --- JupyterLab, started by `make lab` in a copy of the repository ------------------------

@dataclass
class Lab:
    root: Path
    url: str
    token: str
    process: subprocess.Popen[bytes]

    def api(self, path: str) -> Any:
        request = urllib.request.Request(f"{self.url}{path}",
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return json.loads(response.read())

    def kernel_state(self, notebook: str) -> str | None:
        sessions = [s for s in self.api("api/sessions") if s["path"] == notebook]
        return sessions[0]["kernel"]["execution_state"] if sessions else None

    def saved(self, notebook: str) -> dict[str, Any]:
        return json.loads((self.root / notebook).read_text())


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    home = tmp_path_factory.mktemp("browser")
    root = home / "workshop"
    shutil.copytree(ROOT, root, ignore=NOT_COPIED, symlinks=True)
    (root / ".venv").symlink_to(ROOT / ".venv")
    token = os.urandom(16).hex()
    runtime = home / "runtime"
    env = {**os.environ, "JUPYTER_TOKEN": token, "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(runtime), "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
           "IPYTHONDIR": str(home / "ipython")}
    notification = home / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false"}))  # no "Jupyter news?" pop-up over the cells
    log = (home / "jupyter.log").open("wb")
    process = subprocess.Popen(["make", "--no-print-directory", "lab",
                                "JUPYTER_ARGS=--no-browser --port=0"],
                               cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        info = _server_info(runtime, process, home / "jupyter.log")
        yield Lab(root, info["url"], token, process)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _server_info(runtime: Path, process: subprocess.Popen[bytes], log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        for found in runtime.glob("jpserver-*.json"):
            info = json.loads(found.read_text() or "{}")
            if info.get("url"):
                assert info["hostname"] == "127.0.0.1" and info["url"].startswith(
                    "http://127.0.0.1:"), f"JupyterLab must bind 127.0.0.1 only: {info}"
                return info
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")


# --- the browser ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                              args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport=VIEWPORT)
        context.set_default_timeout(60_000)
        yield context
        context.close()
        chromium.close()


@dataclass
class Opened:
    """A notebook as the attendee left it after Run All and Save."""

    path: str
    page: Any
    saved: dict[str, Any]
    seconds: float
    images: list[dict[str, Any]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


def open_and_run_all(lab: Lab, browser: Any, notebook: str) -> Opened:
    started = time.monotonic()
    page = browser.new_page()
    page.goto(f"{lab.url}lab/tree/{notebook}?token={lab.token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell")
    wait_until(lambda: lab.kernel_state(notebook) == "idle", f"{notebook}: kernel idle")
    menu_command(page, "Run", "runmenu:run-all")
    code_cells = sum(c["cell_type"] == "code" for c in lab.saved(notebook)["cells"])
    wait_until(lambda: finished(page, lab, notebook, code_cells), f"{notebook}: Run All done",
               timeout=240)
    seconds = time.monotonic() - started
    saved = save(page, lab, notebook)
    return Opened(notebook, page, saved, seconds, images_on(page), local_links_on(page, lab))


def menu_command(page: Any, menu: str, command: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(f'li.lm-Menu-item[data-command="{command}"]').first.click()


def prompts(page: Any) -> list[str]:
    return page.locator(".jp-CodeCell .jp-InputPrompt").all_text_contents()  # also off-screen


def finished(page: Any, lab: Lab, notebook: str, code_cells: int) -> bool:
    shown = [p.strip() for p in prompts(page)]
    done = [p for p in shown if re.fullmatch(r"\[\d+\]:", p)]
    return len(done) == code_cells and lab.kernel_state(notebook) == "idle"


def save(page: Any, lab: Lab, notebook: str) -> dict[str, Any]:
    before = (lab.root / notebook).stat().st_mtime_ns
    menu_command(page, "File", "docmanager:save")
    wait_until(lambda: (lab.root / notebook).stat().st_mtime_ns != before, f"{notebook} saved")
    time.sleep(0.3)  # the file is written in one go, but let the write finish
    return lab.saved(notebook)


def wait_until(condition: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for: {what}")


def images_on(page: Any) -> list[dict[str, Any]]:
    """Every image of the rendered notebook, after scrolling it into view."""
    images = page.locator(".jp-RenderedMarkdown img, .jp-RenderedImage img")
    found = []
    for i in range(images.count()):
        image = images.nth(i)
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete", arg=image.element_handle())
        found.append(image.evaluate("img => ({src: img.getAttribute('src'), "
                                    "width: img.naturalWidth})"))
    return found


def local_links_on(page: Any, lab: Lab) -> list[str]:
    """The repository paths that the notebook's relative links point to.

    JupyterLab rewrites a relative link (``../labs/x/README.md``) into a link to the
    server's ``files/`` URL of that path, which it opens in a tab when clicked.
    """
    hrefs = page.locator(".jp-RenderedMarkdown a[href]").evaluate_all(
        "links => links.map(a => a.href)")
    files = f"{lab.url}files/"
    return [urllib.parse.unquote(urllib.parse.urlparse(h).path[len("/files/"):])
            for h in hrefs if h.startswith(files)]


def outputs(cell: dict[str, Any]) -> str:
    """Everything a saved cell shows, as text."""
    shown = []
    for output in cell.get("outputs", []):
        shown.append("".join(output.get("text", "")))
        shown.append("".join(output.get("data", {}).get("text/plain", "")))
        if output["output_type"] == "error":
            shown.append(f"{output['ename']}: {output['evalue']}")
    return "\n".join(shown)


@pytest.fixture(scope="module")
def setup_notebook(lab: Lab, browser: Any) -> Opened:
    return open_and_run_all(lab, browser, "notebooks/00_setup.ipynb")


@pytest.fixture(scope="module")
def pitfall_notebook(lab: Lab, browser: Any) -> Opened:
    return open_and_run_all(lab, browser, "notebooks/01_function_error.ipynb")


# --- the tests -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["setup_notebook", "pitfall_notebook"])
def test_run_all_runs_every_cell_and_fails_only_where_meant_to(name, request):
    opened: Opened = request.getfixturevalue(name)
    print(f"{opened.path}: Run All in the browser, kernel start included: "
          f"{opened.seconds:.1f} s")
    for i, cell in enumerate(opened.saved["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert cell["execution_count"] is not None, f"cell {i} did not run"
        errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
        meant_to_fail = "raises-exception" in cell.get("metadata", {}).get("tags", [])
        assert [e["ename"] for e in errors] == (["AssertionError"] if meant_to_fail else []), \
            f"cell {i}: {[(e['ename'], e['evalue']) for e in errors]}"
        stderr = [o for o in cell["outputs"] if o.get("name") == "stderr"]
        assert not stderr, f"cell {i} wrote to stderr: {''.join(stderr[0]['text'])[:500]}"


@pytest.mark.parametrize("name", ["setup_notebook", "pitfall_notebook"])
def test_every_image_loads_and_every_relative_link_resolves(name, request, lab):
    opened: Opened = request.getfixturevalue(name)
    assert opened.images, "the notebook shows a diagram"
    for image in opened.images:
        assert image["width"] > 0, f"image did not load: {image['src']}"
    assert opened.links, "the notebook links to files of the repository"
    for path in opened.links:
        assert (lab.root / path).exists(), f"broken link to {path}"
        found = lab.api(f"api/contents/{urllib.parse.quote(path)}?content=0")
        assert found["path"] == path, f"JupyterLab cannot open {path}"


def cell_with(page: Any, containing: str) -> Any:
    """The code cell whose source contains ``containing``."""
    return page.locator(".jp-CodeCell", has=page.locator(".cm-content", has_text=containing))


def type_into(page: Any, cell: Any, text: str) -> None:
    """Replace the cell's source, as a paste would (no auto-indent, no closing brackets)."""
    cell.scroll_into_view_if_needed()
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)


def run_in_place(page: Any, lab: Lab, notebook: str, cell: Any) -> dict[str, Any]:
    """Run the cell (Ctrl+Enter), wait until it has run, save; returns the saved notebook."""
    prompt = cell.locator(".jp-InputPrompt")
    before = prompt.text_content().strip()
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+Enter")

    def ran() -> bool:
        now = prompt.text_content().strip()
        return now != before and re.fullmatch(r"\[\d+\]:", now) is not None and \
            lab.kernel_state(notebook) == "idle"

    wait_until(ran, "the cell ran", timeout=120)
    return save(page, lab, notebook)


def saved_cell(saved: dict[str, Any], containing: str) -> dict[str, Any]:
    return next(c for c in saved["cells"] if containing in "".join(c["source"]))


def test_correct_answers_typed_after_run_all_pass(pitfall_notebook, lab):
    page, notebook = pitfall_notebook.page, pitfall_notebook.path
    started = time.monotonic()
    for containing, answer, verdict in [
            ("def failure_kind", FAILURE_KIND, "Exercise 1 · which kind of failure?: PASS"),
            ("def handler_wrong", FIXED_HANDLER, "Exercise 2 · fix the lab's caller: PASS")]:
        cell = cell_with(page, containing)
        type_into(page, cell, answer)
        shown = outputs(saved_cell(run_in_place(page, lab, notebook, cell), containing))
        assert verdict in shown, shown
        assert "PASS" in cell.locator(".jp-OutputArea").inner_text()  # the coloured HTML
    print(f"both exercises answered and checked: {time.monotonic() - started:.1f} s")


def test_running_the_first_cell_again_gives_a_fresh_cloud_without_error(pitfall_notebook, lab):
    page, notebook = pitfall_notebook.page, pitfall_notebook.path
    saved = run_in_place(page, lab, notebook, page.locator(".jp-CodeCell").first)
    cell = next(c for c in saved["cells"] if c["cell_type"] == "code")
    assert [o["output_type"] for o in cell["outputs"]] == ["stream"], outputs(cell)
    assert outputs(cell).strip() == \
        "deployed: pitfall1-invoked pitfall1-caller-wrong pitfall1-caller-fixed"
    exercise = cell_with(page, "def failure_kind")  # the fresh cloud serves the checks
    type_into(page, exercise, FAILURE_KIND)
    saved = run_in_place(page, lab, notebook, exercise)
    assert "which kind of failure?: PASS" in outputs(saved_cell(saved, "def failure_kind"))
