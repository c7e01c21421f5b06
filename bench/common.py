"""Helpers shared by the benchmarks in this folder.

Everything here talks to 127.0.0.1 only: servers are bound to loopback and
clients are pointed at loopback endpoints.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import math
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import boto3
import psutil
from botocore.config import Config

LOOPBACK = "127.0.0.1"
REGION = "ap-northeast-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/lambda-role"
MINISTACK_VERSION = "1.5.33"

# The handler every target runs: small enough that what we time is the
# platform's invoke path, not the user's code.
ECHO_HANDLER_SOURCE = 'def handler(event, context):\n    return {"ok": True, "echo": event}\n'


# --------------------------------------------------------------------------
# Small utilities
# --------------------------------------------------------------------------


def free_port() -> int:
    """Ask the kernel for a loopback port that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def percentile(values: Sequence[float], pct: float) -> float:
    """Percentile with linear interpolation (numpy's default), without numpy."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def zip_handler(source: str = ECHO_HANDLER_SOURCE, filename: str = "app.py") -> bytes:
    """Build a deployment package in memory; fixed timestamps keep it byte-stable."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(filename, date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        archive.writestr(info, source)
    return buf.getvalue()


def log(message: str) -> None:
    """Progress goes to stderr so stdout holds only the report."""
    print(message, file=sys.stderr, flush=True)


def fmt(value: float | None, digits: int) -> str:
    """A figure for a report table; '-' where it was not measured."""
    return "-" if value is None else f"{value:.{digits}f}"


def table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Report rows as text: first column left-aligned (the target), the figures
    right-aligned, a rule under the header row."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join([row[0].ljust(widths[0])]
                       + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]).rstrip()
             for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return lines


def environment_info() -> dict[str, Any]:
    """What the figures depend on, so runs on different machines are comparable."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "ministack_version": MINISTACK_VERSION,
    }


class ErrorLog:
    """Counts failed calls across threads and keeps the first message."""

    def __init__(self) -> None:
        self.count = 0
        self.first = ""
        self._lock = threading.Lock()

    def add(self, message: str) -> None:
        with self._lock:
            self.count += 1
            self.first = self.first or message


def run_together(threads: int, warm_up: Callable[[int], None], work: Callable[[int], None],
                 timeout: float) -> tuple[float, float, float]:
    """Run ``work(i)`` on ``threads`` threads that start it together, each after an
    untimed ``warm_up(i)`` (connections, scale-out), so only the work is timed.

    Returns (wall clock and perf counter at the start, seconds until the last ended).
    """
    ready = threading.Barrier(threads + 1)

    def run(index: int) -> None:
        warm_up(index)
        ready.wait(timeout=timeout)
        work(index)

    workers = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    ready.wait(timeout=timeout)
    wall0, perf0 = time.time(), time.perf_counter()
    for worker in workers:
        worker.join()
    return wall0, perf0, time.perf_counter() - perf0


def client_config() -> Config:
    """One attempt per call and a bounded read, so retries never hide a failure."""
    return Config(retries={"total_max_attempts": 1}, read_timeout=30, connect_timeout=5)


# Every target accepts these: MiniStack and moto take any key; lambdalab's cloud is started
# with them (``LocalCloud(**FIXED_CREDENTIALS)``), since it refuses keys it did not issue.
FIXED_CREDENTIALS = {"access_key_id": "testing", "secret_access_key": "testing"}


def make_client(endpoint_url: str, service: str = "lambda", region: str = REGION) -> Any:
    """A boto3 client with the benchmark's fixed credentials, on its own session (thread-safe
    use)."""
    session = boto3.session.Session()
    return session.client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=FIXED_CREDENTIALS["access_key_id"],
        aws_secret_access_key=FIXED_CREDENTIALS["secret_access_key"],
        config=client_config(),
    )


def wait_for_http(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Poll a URL until it answers 2xx; fail early if the server process died."""
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if 200 <= resp.status < 300:
                    return
                last_error = f"HTTP {resp.status}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last_error = str(exc)
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout:.0f}s ({last_error})")


def listening_addresses(pid: int) -> list[str]:
    """The ip:port of every listening TCP socket of a process and its children."""
    procs = [psutil.Process(pid)]
    procs += procs[0].children(recursive=True)
    found: list[str] = []
    for proc in procs:
        try:
            conns = proc.net_connections(kind="inet")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        for conn in conns:
            if conn.status == psutil.CONN_LISTEN and conn.laddr:
                found.append(f"{conn.laddr.ip}:{conn.laddr.port}")
    return found


def is_loopback(address: str) -> bool:
    """True for 127.0.0.0/8 and ::1 listeners (address given as ip:port)."""
    ip = address.rsplit(":", 1)[0].strip("[]")
    return ip.startswith("127.") or ip == "::1"


def rss_mb(procs: Sequence[psutil.Process]) -> list[float]:
    """Resident set size of each live process, in MB (10^6 bytes)."""
    sizes: list[float] = []
    for proc in procs:
        try:
            sizes.append(proc.memory_info().rss / 1e6)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return sizes


def stop_process_group(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM the process group we started, then SIGKILL whatever is left in it."""
    _signal_group(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    deadline = time.monotonic() + grace
    while group_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if group_members(proc.pid) or proc.poll() is None:
        _signal_group(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes still in a process group."""
    members = []
    for proc in psutil.process_iter(["status"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                members.append(proc.pid)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return members


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so every target's finally-block stops its processes."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def add_run_options(parser: argparse.ArgumentParser, targets: str, targets_help: str) -> None:
    """The options of a script that compares targets: --json, --ministack-venv, --targets."""
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument("--ministack-venv", type=Path, metavar="DIR",
                        help="install MiniStack here and keep it for the next run "
                             "(default: a temp dir removed at the end)")
    parser.add_argument("--targets", default=targets, help=targets_help)


def target_names(targets: str) -> list[str]:
    """The names in a comma-separated --targets value."""
    return [n.strip() for n in targets.split(",") if n.strip()]


def ensure_iam_role(endpoint_url: str, role_arn: str = ROLE_ARN) -> None:
    """Create the execution role if the emulator checks that it exists (moto does)."""
    iam = make_client(endpoint_url, "iam")
    name = role_arn.rsplit("/", 1)[-1]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    try:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    except iam.exceptions.EntityAlreadyExistsException:
        pass


def create_function(client: Any, name: str, zip_bytes: bytes, **config: Any) -> None:
    """Create a function the way every benchmark does: python3.11, 128 MB, 30 s."""
    client.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE_ARN,
                           Handler="app.handler", Code={"ZipFile": zip_bytes},
                           Timeout=30, MemorySize=128, **config)


def wait_until_active(client: Any, name: str, timeout: float = 60.0) -> None:
    """Functions start Pending on some emulators (as on AWS); invoke only once Active."""
    deadline = time.monotonic() + timeout
    while True:
        state = client.get_function_configuration(FunctionName=name).get("State")
        if state in (None, "Active"):
            return
        if state == "Failed" or time.monotonic() > deadline:
            raise RuntimeError(f"function {name} stuck in state {state}")
        time.sleep(0.02)


# --------------------------------------------------------------------------
# Targets that may not run here
# --------------------------------------------------------------------------


class TargetUnavailable(RuntimeError):
    """The target cannot run on this machine; the message is printed as the reason."""


def import_local_cloud() -> Any:
    """lambdalab's LocalCloud, imported only when its target runs: any import-time
    failure means "not usable" and is raised as TargetUnavailable."""
    try:
        from lambdalab import LocalCloud
    except Exception as exc:
        raise TargetUnavailable(f"{type(exc).__name__}: {exc}") from exc
    return LocalCloud


# --------------------------------------------------------------------------
# moto floor: moto's Docker-free Lambda backend, served in-process
# --------------------------------------------------------------------------


class MotoFloorServer:
    """moto in server mode with ``lambda.use_docker=False``.

    That backend answers Invoke with canned text and runs nothing, so its
    latency is the cost of boto3 + HTTP + moto's routing alone: the floor any
    emulator that really executes handlers is compared against.
    """

    def __init__(self) -> None:
        self.port = 0
        self._server: Any = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        """Start the threaded server on a free loopback port and switch Docker off."""
        from moto.server import ThreadedMotoServer

        # moto's request log goes through werkzeug's logger even with verbose=False.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.port = free_port()
        self._server = ThreadedMotoServer(ip_address=LOOPBACK, port=self.port, verbose=False)
        self._server.start()
        self._post_moto_api("/moto-api/config", {"lambda": {"use_docker": False}})
        ensure_iam_role(self.endpoint_url)

    def stop(self) -> None:
        """Reset moto's process-global state so later in-process users start clean."""
        if self._server is None:
            return
        try:
            self._post_moto_api("/moto-api/config", {"lambda": {"use_docker": True}})
            self._post_moto_api("/moto-api/reset", None)
        finally:
            self._server.stop()
            self._server = None

    def _post_moto_api(self, path: str, body: dict[str, Any] | None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        req = urllib.request.Request(
            self.endpoint_url + path,
            data=data,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()


# --------------------------------------------------------------------------
# MiniStack: installed into its own venv, run as a loopback-only subprocess
# --------------------------------------------------------------------------


class MiniStackUnavailable(RuntimeError):
    """MiniStack cannot be installed or cannot be run safely (the message says why)."""


class MiniStackVenv:
    """A virtualenv holding ``ministack``, kept away from the project's own venv.

    With ``path=None`` the venv lives in a temp dir that ``cleanup()`` removes;
    with a path it is reused across runs (and never removed).
    """

    def __init__(self, path: Path | None = None, version: str = MINISTACK_VERSION) -> None:
        self.version = version
        self._owned = path is None
        self.path = Path(tempfile.mkdtemp(prefix="ministack-venv-")) if path is None else path
        self.python = self.path / "bin" / "python"

    def ensure(self, timeout: float = 600.0) -> None:
        """Create the venv and install the pinned MiniStack unless already there."""
        if self._installed():
            return
        self.path.mkdir(parents=True, exist_ok=True)
        self._run([sys.executable, "-m", "venv", str(self.path)], timeout, "venv creation")
        self._run(
            [str(self.python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
             f"ministack=={self.version}"],
            timeout,
            "pip install",
        )
        if not self._installed():
            raise MiniStackUnavailable(f"ministack=={self.version} not importable after install")

    def package_dir(self) -> Path:
        """Where the installed ``ministack`` package lives, to read its source.

        ``find_spec`` locates the package without importing (running) it.
        """
        probe = subprocess.run(
            [str(self.python), "-c",
             "import importlib.util as u; "
             "print(u.find_spec('ministack').submodule_search_locations[0])"],
            capture_output=True, text=True, timeout=60,
        )
        if probe.returncode != 0 or not probe.stdout.strip():
            raise MiniStackUnavailable("ministack package not found in its venv")
        return Path(probe.stdout.strip())

    def cleanup(self) -> None:
        """Remove the venv if it is a throwaway one."""
        if self._owned:
            shutil.rmtree(self.path, ignore_errors=True)

    def _installed(self) -> bool:
        if not self.python.exists():
            return False
        probe = subprocess.run(
            [str(self.python), "-c",
             "import importlib.metadata as m; print(m.version('ministack'))"],
            capture_output=True, text=True, timeout=60,
        )
        return probe.returncode == 0 and probe.stdout.strip() == self.version

    @staticmethod
    def _run(cmd: list[str], timeout: float, what: str) -> None:
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise MiniStackUnavailable(f"{what} timed out after {timeout:.0f}s") from exc
        if done.returncode != 0:
            lines = [ln for ln in (done.stderr or done.stdout).splitlines()
                     if ln.strip() and not ln.startswith("WARNING: Location")]
            tail = lines[-1] if lines else f"exit code {done.returncode}"
            raise MiniStackUnavailable(f"{what} failed: {tail}")


class MiniStackServer:
    """One MiniStack process bound to 127.0.0.1 on a free port.

    MiniStack's gateway binds ``BIND_HOST`` (default 0.0.0.0) on
    ``GATEWAY_PORT``; its IoT mTLS broker binds 0.0.0.0:8883 by default and is
    switched off here, as is the Transfer SFTP listener. After start-up every
    listening socket of the process tree is checked: anything not on loopback
    stops the server and raises ``MiniStackUnavailable``.
    """

    def __init__(self, venv: MiniStackVenv, workdir: Path, region: str = REGION) -> None:
        self.venv = venv
        self.workdir = workdir
        self.region = region
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "ministack.log"

    def start(self, timeout: float = 60.0) -> None:
        """Launch in a new process group, wait for health, verify loopback-only binds."""
        self.port = free_port()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(self.venv.python), "-m", "ministack"],
            env=self._env(),
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for_http(f"{self.endpoint_url}/_ministack/health", timeout, self.proc)
            self._check_loopback_only()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop MiniStack and the handler workers it forked (same process group)."""
        if self.proc is not None:
            stop_process_group(self.proc)
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def worker_processes(self) -> list[psutil.Process]:
        """MiniStack's children: one persistent interpreter per warm environment."""
        if self.proc is None:
            return []
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            BIND_HOST=LOOPBACK,
            GATEWAY_PORT=str(self.port),
            MINISTACK_REGION=self.region,
            IOT_MTLS_ENABLED="0",
            SFTP_ENABLED="0",
            LOG_LEVEL="WARNING",
            # Keep its pid file and unpacked function code inside our work dir.
            TMPDIR=str(self.workdir),
            # Never talk to a Docker daemon, even if one appears on this host.
            DOCKER_HOST="unix:///nonexistent/docker.sock",
            LAMBDA_EXECUTOR="local",
        )
        env.pop("AWS_ENDPOINT_URL", None)
        return env

    def _check_loopback_only(self) -> None:
        assert self.proc is not None
        exposed = [a for a in listening_addresses(self.proc.pid) if not is_loopback(a)]
        if exposed:
            raise MiniStackUnavailable(
                "listens beyond loopback despite BIND_HOST=127.0.0.1: " + ", ".join(exposed)
            )


class MiniStackRun:
    """MiniStack for one benchmark target: its venv, a work dir and the server.

    ``start`` raises TargetUnavailable with the reason when MiniStack cannot be installed
    or run here; ``stop`` removes everything ``start`` made (a named venv is kept).
    """

    def __init__(self, venv_dir: Path | None, workdir_prefix: str) -> None:
        self.venv = MiniStackVenv(venv_dir)
        self.workdir = Path(tempfile.mkdtemp(prefix=workdir_prefix))
        self.server = MiniStackServer(self.venv, self.workdir)

    @property
    def endpoint_url(self) -> str:
        return self.server.endpoint_url

    def start(self, read_source: Callable[[Path], None] | None = None) -> None:
        """Install (unless the venv has it) and start MiniStack. ``read_source`` is given
        the installed package's directory before the server starts, to inspect its code."""
        try:
            self.venv.ensure()
            if read_source is not None:
                read_source(self.venv.package_dir())
            self.server.start()
        except (MiniStackUnavailable, TimeoutError, RuntimeError, OSError) as exc:
            raise TargetUnavailable(str(exc)) from exc

    def stop(self) -> None:
        try:
            self.server.stop()
        finally:
            self.venv.cleanup()
            shutil.rmtree(self.workdir, ignore_errors=True)

    def worker_processes(self) -> list[psutil.Process]:
        return self.server.worker_processes()
