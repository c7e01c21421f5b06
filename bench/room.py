"""How many attendees a host takes: N simulated attendees doing Run All at once.

Each attendee is a kernel of its own (started by nbclient, as JupyterLab starts one) that
runs every cell of a notebook with its own local cloud and its own progress file. While
they run, every process of each attendee's tree (kernel, cloud, execution environments)
is sampled: its peak memory (the tree's resident set at its largest) and the CPU seconds it
used. The figures are per attendee and per notebook, for N = 1, 2, 4... at once, so that
the growth of Run All's time with N shows where the host's cores run out. A peer is the
same run with one attendee: the growth is a ratio against it, measured in the same script.

    .venv/bin/python bench/room.py                      # notebooks 01-08, 1, 2 and 4 attendees
    .venv/bin/python bench/room.py --notebooks 05,08 --attendees 1,4,8
    .venv/bin/python bench/room.py --json room.json

docs/hosting.md turns the figures into a sizing table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SAMPLE_SECONDS = 0.2


@dataclass
class Attendee:
    notebook: str
    seconds: float = 0.0
    peak_mb: float = 0.0
    cpu_seconds: float = 0.0
    errors: int = 0


class TreeSampler(threading.Thread):
    """Samples a process tree until stopped: peak resident memory, CPU seconds per process."""

    def __init__(self, root_pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(root_pid)
        self.peak_bytes = 0
        self.cpu: dict[tuple[int, float], float] = {}  # (pid, start time): CPU seconds seen
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(SAMPLE_SECONDS):
            self.sample()

    def sample(self) -> None:
        try:
            tree = [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        total = 0
        for process in tree:
            try:
                with process.oneshot():
                    total += process.memory_info().rss
                    times = process.cpu_times()
                    key = (process.pid, process.create_time())
                    self.cpu[key] = max(self.cpu.get(key, 0.0), times.user + times.system)
            except psutil.Error:
                continue
        self.peak_bytes = max(self.peak_bytes, total)


def attend(notebook: Path, folder: Path, result: Attendee) -> None:
    """Run All of ``notebook`` as one attendee, measured."""
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    env = {**os.environ, "LAMBDALAB_PROGRESS": str(folder / "progress.jsonl"),
           "TMPDIR": str(folder)}
    started = time.monotonic()
    with client.setup_kernel(env=env):
        assert client.km is not None and client.km.provisioner is not None
        sampler = TreeSampler(client.km.provisioner.process.pid)  # type: ignore[attr-defined]
        sampler.start()
        try:
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
        finally:
            sampler.sample()
            sampler.stopped.set()
    result.seconds = time.monotonic() - started
    result.peak_mb = sampler.peak_bytes / 2**20
    result.cpu_seconds = sum(sampler.cpu.values())
    result.errors = sum(output.get("output_type") == "error" for cell in nb.cells
                        if "raises-exception" not in cell.get("metadata", {}).get("tags", [])
                        for output in cell.get("outputs", []))  # the deliberate failures aside


def room(notebook: Path, attendees: int) -> list[Attendee]:
    """``attendees`` kernels doing Run All of ``notebook`` at once."""
    results = [Attendee(notebook.stem) for _ in range(attendees)]
    with tempfile.TemporaryDirectory(prefix="lambdalab-room-") as base:
        folders = [Path(base) / f"attendee{n}" for n in range(attendees)]
        for folder in folders:
            folder.mkdir()
        runs = [threading.Thread(target=attend, args=(notebook, folder, result))
                for folder, result in zip(folders, results, strict=True)]
        for run in runs:
            run.start()
        for run in runs:
            run.join()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", default="01,02,03,04,05,06,07,08",
                        help="comma-separated numbers (default: every pitfall notebook)")
    parser.add_argument("--attendees", default="1,2,4",
                        help="comma-separated room sizes, run one after the other")
    parser.add_argument("--json", help="also write every measurement to this file")
    args = parser.parse_args()
    sizes = [int(n) for n in args.attendees.split(",")]
    chosen = [next(NOTEBOOKS.glob(f"{number.strip()}_*.ipynb"))
              for number in args.notebooks.split(",")]
    print(f"{psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB; "
          f"per attendee: median Run All, peak memory of the kernel's tree, CPU seconds")
    print(f"{'notebook':26} {'N':>3} {'Run All s':>10} {'vs N=1':>7} {'peak MB':>8} "
          f"{'CPU s':>6} {'errors':>6}")
    measured: dict[str, dict[int, list[Attendee]]] = {}
    for notebook in chosen:
        measured[notebook.stem] = {}
        for size in sizes:
            results = room(notebook, size)
            measured[notebook.stem][size] = results
            median = statistics.median(r.seconds for r in results)
            alone = statistics.median(r.seconds for r in measured[notebook.stem][sizes[0]])
            print(f"{notebook.stem:26} {size:>3} {median:>10.1f} {median / alone:>6.2f}x "
                  f"{max(r.peak_mb for r in results):>8.0f} "
                  f"{statistics.median(r.cpu_seconds for r in results):>6.1f} "
                  f"{sum(r.errors for r in results):>6}", flush=True)
    peak = max(r.peak_mb for runs in measured.values() for results in runs.values()
               for r in results)
    cpu = sum(statistics.median(r.cpu_seconds for r in runs[sizes[0]])
              for runs in measured.values())
    print(f"\nheaviest attendee: {peak:.0f} MB at peak; Run All of these notebooks costs one "
          f"attendee {cpu:.0f} CPU seconds in all")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {stem: {str(size): [asdict(r) for r in results] for size, results in runs.items()}
             for stem, runs in measured.items()}, indent=1))


if __name__ == "__main__":
    main()
