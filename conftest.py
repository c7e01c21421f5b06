"""How the suite shares out its work when pytest-xdist runs it on several workers (`-n`).

Most of the suite waits (on handlers, Lambda's clock, kernels, a browser), so several
workers on two cores finish it in a fraction of the time. Three rules keep that safe:

- **A unit of work is a file** (a test module, or a notebook, whose cells share one
  kernel): a module's tests share module-scoped clouds and run in order on one worker. The
  browser test is the exception: each notebook is a unit of its own (its tests are
  parametrized by notebook and need nothing from the others' runs).
- **The longest units start first** (longest-processing-time order, from
  ``tests/durations.json``), so that no long unit starts last and holds up the end.
  ``pytest --store-durations`` rewrites that file from the run's own timings.
- **Each worker has its own temporary folder** (``TMPDIR``): a cloud cleans up the code
  folders that dead clouds left there, and must not mistake another worker's for them. It
  is under /var/tmp, not /tmp, which an isolated execution environment does not share.
  The attendee's progress file (``LAMBDALAB_PROGRESS``) is in it too: the notebooks that
  nbval runs record their verdicts there, never in the repository, and each notebook's
  last line reads only what its own run recorded.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

DURATIONS = Path(__file__).parent / "tests" / "durations.json"
UNKNOWN_UNIT_SECONDS = 10.0  # a unit not yet measured: placed among the middling ones
BROWSER_RUN_ALL = "browser_run_all"  # the property tests/test_browser.py records


PER_PARAMETER = ("tests/test_browser.py",)  # files whose every parameter is a unit


def work_unit(nodeid: str) -> str:
    """The unit a test belongs to: its file, or its file and parameter (PER_PARAMETER).

    Read from the node id alone, which is all the scheduler sees (xdist's ``xdist_group``
    marks would do this, but its ``loadgroup`` mode no longer tags node ids on pytest 9).
    """
    path, _, test = nodeid.partition("::")
    if path in PER_PARAMETER and test.endswith("]") and "[" in test:
        return f"{path}[{test[test.index('[') + 1:]}"
    return path


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--store-durations", action="store_true",
                     help=f"write each work unit's measured seconds to {DURATIONS.name}")
    parser.addoption("--full-size", action="store_true",
                     help="run the load tests at their full size (make test-all)")


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class ByUnit(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    config.option.loadscopereorder = False  # keep the order collection gave (below)
    return ByUnit(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest units first; a unit's own tests keep their order."""
    try:
        seconds = json.loads(DURATIONS.read_text())
    except (OSError, ValueError):
        return
    first_seen = {unit: i for i, unit in reversed(list(enumerate(
        work_unit(item.nodeid) for item in items)))}

    def rank(item: pytest.Item) -> tuple[float, int]:
        unit = work_unit(item.nodeid)
        return -float(seconds.get(unit, UNKNOWN_UNIT_SECONDS)), first_seen[unit]

    items.sort(key=rank)


SHARED_WITH_HANDLERS = Path("/var/tmp")


def _temporary_base() -> str | None:
    """Where the suite's temporary folders go: not in /tmp where another one is at hand,
    since an isolated execution environment has a /tmp of its own (as on Lambda), and the
    files a test shares with its handlers must be seen by both."""
    if SHARED_WITH_HANDLERS.is_dir() and os.access(SHARED_WITH_HANDLERS, os.W_OK):
        return str(SHARED_WITH_HANDLERS)
    return None


def pytest_configure(config: pytest.Config) -> None:
    worker = getattr(config, "workerinput", None)
    name = worker["workerid"] if worker is not None else "main"
    own = Path(tempfile.mkdtemp(prefix=f"pytest-{name}-", dir=_temporary_base()))
    config.stash[_worker_tmp] = own
    os.environ["TMPDIR"] = str(own)
    tempfile.tempdir = None  # gettempdir() reads TMPDIR again
    os.environ["LAMBDALAB_PROGRESS"] = str(own / "lambdalab-progress.jsonl")


def pytest_unconfigure(config: pytest.Config) -> None:
    own = config.stash.get(_worker_tmp, None)
    if own is not None:
        shutil.rmtree(own, ignore_errors=True)


_worker_tmp = pytest.StashKey[Path]()
_unit_seconds: defaultdict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _unit_seconds[work_unit(report.nodeid)] += report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not session.config.getoption("store_durations") or hasattr(session.config, "workerinput"):
        return
    DURATIONS.write_text(json.dumps({unit: round(seconds, 1) for unit, seconds in sorted(
        _unit_seconds.items(), key=lambda item: -item[1])}, indent=1) + "\n")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The browser test's Run All time and footprint of each notebook, as one table."""
    rows = sorted((value for reports in terminalreporter.stats.values() for report in reports
                   if getattr(report, "when", "") == "call"
                   for name, value in report.user_properties
                   if name == BROWSER_RUN_ALL), key=lambda row: row["notebook"])
    if not rows:
        return
    write = terminalreporter.write_line
    terminalreporter.section("Run All in the browser, kernel start included")
    write(f"{'notebook':<36} {'Run All':>8}   {'peak processes':>14}   {'peak MB':>7}")
    for row in rows:
        write(f"{row['notebook']:<36} {row['seconds']:6.1f} s   {row['processes']:14d}   "
              f"{row['megabytes']:7d}")
    heaviest = max(rows, key=lambda row: row["megabytes"])
    write(f"total Run All: {sum(row['seconds'] for row in rows):.1f} s; heaviest: "
          f"{heaviest['notebook']} ({heaviest['megabytes']} MB)")
