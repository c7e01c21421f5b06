"""The attendee's path in a real browser: JupyterLab, as ``make lab`` starts it, in Chromium.

JupyterLab is started by ``make lab`` itself (127.0.0.1, its own token, a throwaway
Jupyter config, runtime and settings folder) in a copy of the repository, so that saving
the notebooks changes nothing here. Every notebook is opened, run with *Run All* once its
kernel is idle, and saved; the saved file says what ran (JupyterLab does not render the
cells out of view), the page says whether images loaded and links open. Then, as an
attendee does, in each pitfall notebook: the correct answer to each exercise (from
``notebooks/solutions/``), typed in after Run All, must PASS, and running the first code
cell again must give a fresh cloud without an error.

JupyterLab is started as ``make lab LANG=ja`` starts it (the English copies made first, as
``make lab`` makes them). Under ``make test``, the Japanese edition is run (its code is the
English code, tests/test_japanese_edition.py) and the English one is opened, looked at and
its links followed; ``--full-size`` (``make test-all``) runs both. Each notebook is a unit
of work of its own (conftest.py): the notebooks run side by side on the workers, each
worker with its own JupyterLab. The kernels use the
pure-Python Runtime API client (the one every Mac uses), and nbval runs the same notebooks
with awslambdaric's native one: every notebook runs once on each client. The Run All time
and footprint of each notebook are printed at the end of the run (under ``make test`` they
include the load of the tests running beside them; run this file alone to time a sitting).

Chromium is Debian's (``chromium``), driven by Playwright with ``executable_path``: no
browser is downloaded. Run this test alone with ``.venv/bin/python -m pytest
tests/test_browser.py``; without Chromium it is skipped, saying how to install it.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from lambdalab import progress
from lambdalab.translation import translate

ROOT = Path(__file__).resolve().parents[1]
RUN_ALL_PROPERTY = "browser_run_all"  # a notebook's Run All time and footprint
KERNEL_START_SECONDS = 150  # a deadline: kernels start slowly while other tests load the cores
INSTALL = "sudo apt-get install -y chromium fonts-noto-cjk"
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/lib/chromium/chromium", "/usr/bin/chromium-browser")
# no traffic but to 127.0.0.1: no background updates, sync, field trials or QUIC probes
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic",
                 "--disable-default-apps", "--disable-domain-reliability",
                 "--metrics-recording-only", "--no-pings"]
VIEWPORT = {"width": 1280, "height": 800}  # a laptop's browser window
NOT_COPIED = shutil.ignore_patterns(".venv", ".git", "__pycache__", ".ipynb_checkpoints",
                                    ".pytest_cache", ".ruff_cache", "*.egg-info", "results",
                                    "my-notebooks")


def chromium_path() -> str | None:
    """Debian's Chromium (or ``LAMBDALAB_CHROMIUM``), if this machine has it."""
    candidates = [os.environ.get("LAMBDALAB_CHROMIUM", ""), *CHROMIUM_PATHS]
    return next((path for path in candidates if path and os.access(path, os.X_OK)), None)


pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.skipif(chromium_path() is None,
                       reason=f"no Chromium for the browser test; install it with: {INSTALL} "
                              "(elsewhere: LAMBDALAB_CHROMIUM=<path to Chromium or Chrome>)"),
]

COPIES = "my-notebooks"  # what `make lab` opens: the attendee's own copies, made empty
ENGLISH = sorted(f"{COPIES}/{p.name}" for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
JAPANESE = sorted(f"{COPIES}/ja/{p.name}"
                  for p in (ROOT / "notebooks" / "ja").glob("[0-9][0-9]_*.ipynb"))
# Run All and the typed answers: the Japanese edition under `make test` (its code is the
# English code, tests/test_japanese_edition.py, which nbval runs), both with --full-size
NOTEBOOKS = JAPANESE + ENGLISH
PITFALLS = [nb for nb in NOTEBOOKS if not Path(nb).name.startswith("00_")]
PASSED = re.compile(r"^(?:Exercise|演習) (\d+) · .*: PASS - ", re.M)
RUNTIME_CLIENT = "python"  # nbval runs the notebooks on the native client


def each(notebooks: list[str]) -> list[Any]:
    """One parameter per notebook, named by its stem (``ja-`` before a Japanese one): each
    notebook's tests are one unit of work for xdist (conftest.py's PER_PARAMETER)."""
    return [pytest.param(nb, id=("ja-" if is_japanese(nb) else "") + Path(nb).stem)
            for nb in notebooks]


def is_japanese(notebook: str) -> bool:
    return Path(notebook).parent.name == "ja"


def committed(notebook: str) -> Path:
    """The committed notebook (with its stored outputs) an attendee's copy was made from."""
    return ROOT / "notebooks" / ("ja" if is_japanese(notebook) else "") / Path(notebook).name


def typed_answers(notebook: str) -> list[tuple[str, str]]:
    """For each exercise of the notebook that ``solutions/`` answers: the text that marks
    its cell (``def name(`` for a function, ``name = `` for a text such as a template's
    YAML), and the cell as an attendee completes it (the solution's imports and answer,
    then the cell's own check line)."""
    found = sorted((ROOT / "notebooks" / "solutions").glob(f"{Path(notebook).stem}.py"))
    if not found:
        return []
    solutions = found[0].read_text()
    tree = ast.parse(solutions)
    imports = "\n".join(ast.get_source_segment(solutions, node) or "" for node in tree.body
                        if isinstance(node, ast.Import | ast.ImportFrom))
    cells = ["".join(c["source"]) for c in json.loads(committed(notebook).read_text())["cells"]
             if c["cell_type"] == "code"]
    answers = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            marker = f"def {node.name}("
        elif (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
              and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            marker = f"{node.targets[0].id} = "  # a text answered as a value: a template's YAML
        else:
            continue
        cell = next((c for c in cells if marker in c and ".check(" in c), None)
        if cell is None:
            continue
        check = cell[cell.rindex("\n\n\n") + 3:]  # the line(s) after the exercise's answer
        solution = re.sub(r"  # noqa: \w+", "", ast.get_source_segment(solutions, node) or "")
        answers.append((marker, f"{imports}\n\n\n{solution}\n\n\n{check}\n"))
    return answers


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

    def end_sessions(self, notebook: str) -> None:
        """Shut the notebook's kernel down, as *Kernel > Shut Down Kernel* does."""
        for session in self.api("api/sessions"):
            if session["path"] == notebook:
                request = urllib.request.Request(f"{self.url}api/sessions/{session['id']}",
                                                 method="DELETE",
                                                 headers={"Authorization": f"token {self.token}"})
                urllib.request.urlopen(request, timeout=30).close()  # noqa: S310 - loopback


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
           "IPYTHONDIR": str(home / "ipython"), "LAMBDALAB_RUNTIME_CLIENT": RUNTIME_CLIENT,
           "LAMBDALAB_PROGRESS": str(home / "lambdalab-progress.jsonl")}
    notification = home / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false"}))  # no "Jupyter news?" pop-up over the cells
    log = (home / "jupyter.log").open("wb")
    # the English copies as `make lab` makes them; then the Japanese edition's, and
    # JupyterLab, as `make lab LANG=ja` makes and starts them
    subprocess.run([ROOT / ".venv" / "bin" / "python", "-m", "lambdalab", "notebooks",
                    "--into", COPIES], cwd=root, env=env, check=True, capture_output=True)
    # -o: never reinstall from the copy (that would point the editable package at it)
    process = subprocess.Popen(["make", "--no-print-directory", "-o", ".venv/.installed", "lab",
                                "LANG=ja", "JUPYTER_ARGS=--no-browser --port=0"],
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
    installed = subprocess.run([ROOT / ".venv" / "bin" / "python", "-c",
                                "import lambdalab; print(lambdalab.__file__)"],
                               capture_output=True, text=True, check=True).stdout
    assert Path(installed.strip()).is_relative_to(ROOT), "the copy must not be installed"


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
    footprint: Footprint | None = None
    as_opened: dict[str, Any] = field(default_factory=dict)  # the copy before anything ran
    screens: list[Screen] = field(default_factory=list)  # at each guess, before Run All


class Footprint:
    """The processes a notebook adds under the Jupyter server (its kernel, the kernel's
    cloud, every execution environment) and their peak memory, sampled while it runs."""

    def __init__(self, server_pid: int) -> None:
        import psutil

        self._server = psutil.Process(server_pid)
        self._before = {p.pid for p in self._tree()}
        self.processes: set[tuple[int, float]] = set()  # pid and start time: pids are reused
        self.peak_mb = 0.0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _tree(self) -> list[Any]:
        return self._server.children(recursive=True)

    def _sample(self) -> None:
        import psutil

        while not self._stop.wait(0.25):
            total, count = 0, 0
            try:
                tree = self._tree()
            except psutil.Error:  # a process ended while the tree was read: read it again
                continue
            for process in tree:
                if process.pid in self._before:
                    continue
                try:
                    total += process.memory_info().rss
                    self.processes.add((process.pid, process.create_time()))
                except psutil.Error:
                    continue
                count += 1
            self.peak_mb = max(self.peak_mb, total / 2**20)
            self.peak_processes = max(self.peak_processes, count)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def open_and_run_all(lab: Lab, browser: Any, notebook: str, shots: Path) -> Opened:
    started = time.monotonic()
    footprint = Footprint(lab.process.pid)
    page = browser.new_page()
    page.goto(f"{lab.url}lab/tree/{notebook}?token={lab.token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell")
    wait_until(lambda: lab.kernel_state(notebook) == "idle", f"{notebook}: kernel idle",
               timeout=KERNEL_START_SECONDS)
    as_opened = lab.saved(notebook)
    looked = time.monotonic()
    screens = [screen for step in predict_steps(notebook, as_opened)
               for screen in screens_at(page, step, shots / Path(notebook).stem)]
    looked = time.monotonic() - looked  # an attendee's reading time: not Run All's
    menu_command(page, "Run", "runmenu:run-all")
    code_cells = sum(c["cell_type"] == "code" for c in as_opened["cells"])
    try:
        wait_until(lambda: finished(page, lab, notebook, code_cells),
                   f"{notebook}: Run All done", timeout=240)
    except AssertionError:
        page.screenshot(path=str(shots / f"{Path(notebook).stem}-run-all-timeout.png"))
        waiting = [p.strip() for p in prompts(page) if not re.fullmatch(r"\[\d+\]:", p.strip())]
        raise AssertionError(
            f"{notebook}: Run All not done after 240 s; kernel {lab.kernel_state(notebook)}, "
            f"{len(prompts(page))} prompts in the page for {code_cells} code cells, not done: "
            f"{waiting[:5]} (screenshot in {shots})") from None
    seconds = time.monotonic() - started - looked
    footprint.stop()
    saved = save(page, lab, notebook)
    return Opened(notebook, page, saved, seconds, images_on(page), local_links_on(page, lab),
                  footprint, as_opened, screens)


# --- what is on screen while the attendee guesses -----------------------------------------

@dataclass(frozen=True)
class PredictStep:
    """A "predict first" step: the guess cell, the answer its reveal gives, and the texts of
    the reveal that would give that answer away if they were on screen before it."""

    cell: int  # the guess cell's index among the notebook's cells
    question: int  # the index of the Markdown cell that asks (it lists every option)
    answer: str
    choices: tuple[str, ...]
    giveaways: tuple[str, ...]


@dataclass(frozen=True)
class Screen:
    step: PredictStep
    where: str  # the guess cell at the window's "start" (top) or "end" (bottom)
    shot: Path
    visible: dict[int, str]  # cell index -> its text, for every cell at least partly in view


def guess_cells(cells: list[dict[str, Any]]) -> list[int]:
    return [i for i, cell in enumerate(cells)
            if cell["cell_type"] == "code" and "".join(cell["source"]).startswith("prediction")]


def predict_steps(notebook: str, copy: dict[str, Any] | None = None) -> list[PredictStep]:
    """Every guess cell of the attendee's copy (``copy``; by default the committed notebook),
    with what its reveal says: the reveal's object and the answer stored in the committed
    notebook's output."""
    import importlib

    stored = json.loads(committed(notebook).read_text())["cells"]
    cells = (copy or {"cells": stored})["cells"]
    steps = []
    for i, at in zip(guess_cells(stored), guess_cells(cells), strict=True):
        reveal = next(c for c in stored[i + 1:] if ".reveal(prediction" in "".join(c["source"]))
        owner, name = re.search(r"(\w+)\.(\w+)\.reveal\(prediction",
                                "".join(reveal["source"])).groups()
        prediction = getattr(importlib.import_module(f"lambdalab.workshop.{owner}"), name)
        said = " ".join(json.dumps(o["data"], ensure_ascii=False)  # the reveal, not a print
                        for o in reveal.get("outputs", []) if "data" in o)
        answer = re.search(r"(?:it was|結果は) (?:\\)?'([^'\\]+)", said).group(1)
        question = max(j for j in range(at) if cells[j]["cell_type"] == "markdown")
        giveaways = (prediction.why, prediction.choices[answer])
        if is_japanese(notebook):  # what the reveal says there
            giveaways = tuple(translate(text, "ja") for text in giveaways)
        steps.append(PredictStep(at, question, answer, tuple(prediction.choices), giveaways))
    return steps


VISIBLE_CELLS = """() => {
  const panel = [...document.querySelectorAll('.jp-NotebookPanel')]
    .find(p => !p.classList.contains('lm-mod-hidden'));
  const cells = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')];
  const height = window.innerHeight;
  return cells.map((el, i) => [Number(el.dataset.windowedListIndex ?? i), el,
                               el.getBoundingClientRect()])
    .filter(([, , r]) => r.height > 0 && r.bottom > 0 && r.top < height)
    .map(([i, el]) => [i, el.innerText]);
}"""


def screens_at(page: Any, step: PredictStep, folder: Path) -> list[Screen]:
    """The guess cell scrolled to the top of the window, then to its bottom, as an attendee
    reading down to it or past it sees it: a screenshot and the text of every cell in view."""
    folder.mkdir(parents=True, exist_ok=True)
    cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(
        step.cell)
    screens = []
    for where in ("start", "end"):
        cell.evaluate(f"el => el.scrollIntoView({{block: '{where}'}})")
        page.wait_for_timeout(400)  # JupyterLab renders the cells that came into view
        shot = folder / f"cell{step.cell:02d}-{where}.png"
        page.screenshot(path=str(shot))
        visible = {int(i): text for i, text in page.evaluate(VISIBLE_CELLS)}
        screens.append(Screen(step, where, shot, visible))
    return screens


RUN = 6  # words in a row of the reveal's texts that count as repeating it
RUN_CHARACTERS = 16  # the same in a language written without spaces: characters in a row


def names(text: str, choice: str, bare: bool) -> bool:
    """Whether ``text`` names ``choice``: quoted as the reveal quotes it, or, when ``bare``,
    as a word of four letters or more ("2" or "on" alone say nothing)."""
    word = re.escape(choice)
    pattern = rf"['\"`]{word}['\"`]"
    if bare and len(choice) >= 4 and not choice.isdigit():
        pattern += rf"|(?<![\w-]){word}(?![\w-])"
    return re.search(pattern, text) is not None


def giveaway_on(screen: Screen) -> list[str]:
    """What on screen names the answer, apart from the question and the guess cell (they
    list every option): the answer quoted, anywhere; the answer as a bare word, below the
    guess (above it, "charged" may tell an earlier part of the story); or six words in a
    row of the reveal's texts (16 characters in a row, in Japanese). A cell that names
    every option (``"x" if ... else "y"``) names none. A paraphrase escapes this: the
    screenshots are for a human eye."""
    step = screen.step
    shown = {i: text for i, text in screen.visible.items() if i not in (step.cell, step.question)}
    found = []
    for i, text in shown.items():
        below = i > step.cell
        if names(text, step.answer, below) and not all(
                names(text, choice, below) for choice in step.choices):
            found.append(f"cell {i}: {step.answer!r}")
    words = " ".join(shown.values()).lower()
    solid = re.sub(r"\s+", "", words)
    for giveaway in step.giveaways:
        if not giveaway.isascii():  # Japanese: no spaces between words
            text = re.sub(r"\s+", "", giveaway.lower())
            run = next((text[n:n + RUN_CHARACTERS] for n in range(len(text) - RUN_CHARACTERS + 1)
                        if text[n:n + RUN_CHARACTERS] in solid), None)
            if run:
                found.append(f"the reveal's words: {run!r}")
            continue
        tokens = re.findall(r"[\w']+", giveaway.lower())
        for n in range(len(tokens) - RUN + 1):
            run = tokens[n:n + RUN]
            if re.search(r"\b" + r"\W+".join(map(re.escape, run)) + r"\b", words):
                found.append(f"the reveal's words: {' '.join(run)!r}")
                break
    return found


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
    wait_until(lambda: (lab.root / notebook).stat().st_mtime_ns != before and
               parses(lab.root / notebook), f"{notebook} saved")
    return lab.saved(notebook)


def parses(path: Path) -> bool:
    """Whether the file holds whole JSON yet (the server may still be writing it)."""
    try:
        json.loads(path.read_text())
    except ValueError:
        return False
    return True


def wait_until(condition: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for: {what}")


def read_to_the_end(page: Any) -> None:
    """Scroll the open notebook down a window at a time to its end, as a reader does."""
    scroller = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer")
    for _ in range(200):
        at_end = scroller.evaluate("el => { const before = el.scrollTop; "
                                   "el.scrollTop += el.clientHeight * 0.8; "
                                   "return el.scrollTop === before; }")
        page.wait_for_timeout(150)
        if at_end:
            return


def images_on(page: Any) -> list[dict[str, Any]]:
    """Every image of the rendered notebook, after scrolling it into view."""
    shown = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook on screen, not a restored tab
    images = page.locator(f"{shown} .jp-RenderedMarkdown img, {shown} .jp-RenderedImage img")
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
    hrefs = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown a[href]"
                         ).evaluate_all(
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
def run_all(lab: Lab, browser: Any, tmp_path_factory: pytest.TempPathFactory,
            request: pytest.FixtureRequest) -> Any:
    """Opens a notebook and runs it with Run All, once per test session; by path. An
    English notebook only with --full-size (make test-all): its code is the Japanese one's,
    run here, and nbval runs it; under `make test` it is opened without running
    (test_an_english_notebook_opens_with_its_images_and_links)."""
    opened: dict[str, Opened] = {}
    failed: dict[str, AssertionError] = {}  # a second try would open what autosave stored
    shots = tmp_path_factory.mktemp("predict-screens")
    full_size = request.config.getoption("--full-size")

    def get(notebook: str) -> Opened:
        if not (is_japanese(notebook) or full_size):
            pytest.skip("Run All of the English edition: make test-all (its code runs in "
                        "the Japanese edition here, and under nbval)")
        if notebook in failed:
            raise AssertionError(f"Run All failed before this test: {failed[notebook]}")
        if notebook not in opened:
            try:
                opened[notebook] = open_and_run_all(lab, browser, notebook, shots)
            except AssertionError as error:
                failed[notebook] = error
                raise
        return opened[notebook]
    return get


# --- the tests -----------------------------------------------------------------------------

@pytest.mark.parametrize("notebook", each(NOTEBOOKS))
def test_run_all_runs_every_cell_and_fails_only_where_meant_to(notebook, run_all,
                                                               record_property):
    opened: Opened = run_all(notebook)
    assert opened.footprint is not None
    record_property(RUN_ALL_PROPERTY, {  # printed at the end of the run (conftest.py)
        "notebook": Path(notebook).stem, "seconds": round(opened.seconds, 1),
        "processes": opened.footprint.peak_processes,
        "megabytes": round(opened.footprint.peak_mb)})
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


def assert_nothing_run(copy: dict[str, Any]) -> None:
    code = [c for c in copy["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)


def assert_no_giveaway(screens: list[Screen]) -> None:
    leaks = [f"guess cell {s.step.cell} at the window's {s.where} ({s.shot}): {leak}"
             for s in screens for leak in giveaway_on(s)]
    assert not leaks, "\n".join(leaks)


def assert_images_load_and_links_open(images: list[dict[str, Any]], links: list[str],
                                      lab: Lab) -> None:
    assert images, "the notebook shows a diagram"
    for image in images:
        assert image["width"] > 0, f"image did not load: {image['src']}"
    assert links, "the notebook links to files of the repository"
    for path in links:
        assert (lab.root / path).exists(), f"broken link to {path}"
        found = lab.api(f"api/contents/{urllib.parse.quote(path)}?content=0")
        assert found["path"] == path, f"JupyterLab cannot open {path}"


@pytest.mark.parametrize("notebook", each(NOTEBOOKS))
def test_make_lab_opens_the_attendees_copy_with_nothing_run(notebook, run_all):
    assert_nothing_run(run_all(notebook).as_opened)


@pytest.mark.parametrize("notebook", each(NOTEBOOKS))
def test_nothing_on_screen_at_a_guess_gives_the_answer_away(notebook, run_all):
    """On a laptop's window, the guess cell at the top or at the bottom of it: no cell in
    view but the question and the guess names the answer, or repeats the reveal's words
    (the screenshots are in the test's temporary folder)."""
    opened: Opened = run_all(notebook)
    assert len(opened.screens) == 2 * len(predict_steps(notebook, opened.as_opened))
    assert_no_giveaway(opened.screens)


@pytest.mark.parametrize("notebook", each(PITFALLS))
def test_the_giveaway_check_catches_the_committed_notebooks_stored_reveal(notebook):
    """The check above can fail: the committed notebook, outputs stored, shows the reveal
    right under each guess, and a window holding the guess and the two cells after it is
    caught at every predict step."""
    cells = json.loads(committed(notebook).read_text())["cells"]
    assert predict_steps(notebook)
    for step in predict_steps(notebook):
        visible = {i: "".join(cells[i]["source"]) + "\n" + outputs(cells[i])
                   for i in range(step.question, step.cell + 3)}
        screen = Screen(step, "start", Path("none.png"), visible)
        assert giveaway_on(screen), f"guess cell {step.cell}: the stored reveal was missed"


@pytest.mark.parametrize("notebook", each(NOTEBOOKS))
def test_every_image_loads_and_every_relative_link_resolves(notebook, run_all, lab):
    opened: Opened = run_all(notebook)
    assert_images_load_and_links_open(opened.images, opened.links, lab)


@pytest.mark.parametrize("notebook", each(ENGLISH))
def test_an_english_notebook_opens_with_its_images_and_links(notebook, lab, browser, tmp_path,
                                                             request):
    """Under `make test`, the English edition is opened, not run: the attendee's copy with
    nothing run, its diagrams, its links, and nothing at a guess that gives the answer
    away; its cells run under nbval and, as the Japanese edition's, above."""
    if request.config.getoption("--full-size"):
        pytest.skip("run in full above (--full-size)")
    page = browser.new_page()
    try:  # ?reset: the workspace's other tabs are not restored
        page.goto(f"{lab.url}lab/tree/{notebook}?reset&token={lab.token}")
        page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell")
        as_opened = lab.saved(notebook)
        assert_nothing_run(as_opened)
        assert_no_giveaway([screen for step in predict_steps(notebook, as_opened)
                            for screen in screens_at(page, step, tmp_path)])
        expected = sum(len(re.findall(r"!\[|<img\b", "".join(c["source"])))
                       for c in as_opened["cells"] if c["cell_type"] == "markdown")
        deadline = time.monotonic() + 60  # a loaded machine renders the cells slowly
        while True:
            read_to_the_end(page)  # JupyterLab renders the cells that come into view
            images = images_on(page)
            if len(images) >= expected or time.monotonic() > deadline:
                break
        assert expected and len(images) == expected, images
        assert_images_load_and_links_open(images, local_links_on(page, lab), lab)
    finally:  # closed, so that no later page restores it (and starts its kernel again)
        menu_command(page, "File", "application:close-all")
        page.wait_for_timeout(500)
        page.close()
        lab.end_sessions(notebook)  # the kernel the page started


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


def answer_exercise(opened: Opened, lab: Lab, marker: str, answer: str) -> str:
    """Type ``answer`` into the exercise cell that holds ``marker``, run it, and return
    what the saved cell shows; also checks that the rendered (HTML) verdict says PASS."""
    cell = cell_with(opened.page, marker)
    type_into(opened.page, cell, answer)
    saved = run_in_place(opened.page, lab, opened.path, cell)
    shown = outputs(saved_cell(saved, marker))
    if ": PASS" in shown:
        assert "PASS" in cell.locator(".jp-OutputArea").inner_text()  # the coloured one
    return shown


@pytest.mark.parametrize("notebook", each([nb for nb in PITFALLS if typed_answers(nb)]))
def test_correct_answers_typed_after_run_all_pass(notebook, run_all, lab):
    opened: Opened = run_all(notebook)
    started = time.monotonic()
    passed = []
    for marker, answer in typed_answers(notebook):
        shown = answer_exercise(opened, lab, marker, answer)
        found = PASSED.search(shown)
        assert found, shown
        passed.append(f"exercise {found.group(1)}")
    print(f"{notebook}: exercises answered and checked in {time.monotonic() - started:.1f} s")
    recorded = progress.read(lab.root.parent / progress.FILE_NAME).records  # the attendee's
    assert {r.item for r in recorded if r.notebook == Path(notebook).stem
            and r.verdict == "PASS"} >= set(passed), "each PASS is in the progress file"


@pytest.mark.parametrize("notebook", each(PITFALLS))
def test_running_the_first_cell_again_gives_a_fresh_cloud_without_error(notebook, run_all,
                                                                         lab):
    opened: Opened = run_all(notebook)
    stored = next(c for c in opened.saved["cells"] if c["cell_type"] == "code")
    saved = run_in_place(opened.page, lab, notebook, opened.page.locator(".jp-CodeCell").first)
    again = next(c for c in saved["cells"] if c["cell_type"] == "code")
    assert not [o for o in again["outputs"] if o["output_type"] == "error"], outputs(again)
    assert outputs(again) == outputs(stored), "the first cell prints what it printed before"
    for marker, answer in typed_answers(notebook)[:1]:  # the fresh cloud serves the checks
        shown = answer_exercise(opened, lab, marker, answer)
        assert PASSED.search(shown), shown


@pytest.mark.parametrize("notebook", each(NOTEBOOKS))
def test_shutting_the_kernel_down_ends_every_process_the_notebook_started(notebook, run_all,
                                                                         lab):
    """The attendee's last step: shut the notebook's kernel down (its session); every process
    the notebook started (the kernel, its cloud, the execution environments) must end."""
    import psutil

    opened: Opened = run_all(notebook)
    assert opened.footprint is not None
    seen = opened.footprint.processes
    assert seen, "the notebook started processes"
    lab.end_sessions(notebook)

    def still_running() -> list[int]:
        alive = []
        for pid, started in seen:
            try:
                process = psutil.Process(pid)
                if process.create_time() == started and \
                        process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.Error:
                continue
        return alive

    deadline = time.monotonic() + 30
    while (alive := still_running()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not alive, f"processes outlived their notebook's kernel: {alive}"
