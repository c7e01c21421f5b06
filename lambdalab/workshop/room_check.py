"""The checks an instructor needs at the door, each with its fix (notebook 00, section 1).

Every check is quick (no network beyond binding a loopback socket) and says OK, WARN (the
workshop runs, with a caveat) or FAIL (it will not), with what to do in the attendee's
words. Thresholds come from measured runs: the heaviest notebook keeps about twenty
execution environments of 30 to 60 MB each alive at once.
"""

from __future__ import annotations

import importlib
import os
import shutil
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from lambdalab.translation import ENGLISH, language, translate

PACKAGES = ("boto3", "moto", "awslambdaric", "matplotlib", "psutil", "lambdalab")
MIN_PYTHON = (3, 11)
MIN_AVAILABLE_MB = 1024  # below this, the heaviest notebook may be killed for memory
LOW_AVAILABLE_MB = 2048
MIN_FREE_DISK_MB = 300  # logs and the notebooks' saved outputs
SERVE_PORT = 4566  # where `python -m lambdalab serve` listens by default


@dataclass(frozen=True)
class Check:
    """One line of the room check: its status, what was checked, and the fix."""

    status: str  # "OK", "WARN" or "FAIL"
    label: str
    fix: str = ""

    def __str__(self) -> str:
        """The line shown, in the notebook's language (the status stays as written)."""
        shown = f"{self.status:<4}  {translate(self.label)}"
        return f"{shown}  -> {translate(self.fix)}" if self.fix else shown


def python_version(version: tuple[int, ...] | None = None) -> Check:
    version = tuple(sys.version_info[:3]) if version is None else version
    label = f"Python {version[0]}.{version[1]} (3.11 or newer)"
    if tuple(version[:2]) >= MIN_PYTHON:
        return Check("OK", label)
    return Check("FAIL", label, "install Python 3.11+ and run `make lab` again")


def package(name: str) -> Check:
    try:
        importlib.import_module(name)
    except ImportError as error:
        return Check("FAIL", f"package {name}",
                     f"run `make lab` from the repository folder ({error})")
    return Check("OK", f"package {name}")


def memory(available_mb: float | None = None) -> Check:
    """Free memory, as the operating system counts what it can give without swapping."""
    if available_mb is None:
        import psutil

        available_mb = psutil.virtual_memory().available / 2**20
    label = f"memory available: {available_mb / 1024:.1f} GB"
    if available_mb < MIN_AVAILABLE_MB:
        return Check("FAIL", label, "close other applications (browsers with many tabs, "
                     "Docker, IDEs) until 1 GB is free, then run this cell again")
    if available_mb < LOW_AVAILABLE_MB:
        return Check("WARN", label, "enough for one notebook at a time: shut down the "
                     "kernels of notebooks you finished (Kernel > Shut Down Kernel)")
    return Check("OK", label)


def cores(count: int | None = None) -> Check:
    if count is None:
        count = os.cpu_count() or 1
    label = f"CPU cores: {count}"
    if count >= 2:
        return Check("OK", label)
    return Check("WARN", label, "the notebooks run, more slowly; timings in 04, 05 and 07 "
                 "stretch, their lessons hold")


def disk(folder: Path | None = None, free_mb: float | None = None) -> Check:
    if free_mb is None:
        free_mb = shutil.disk_usage(folder or Path.cwd()).free / 2**20
    label = f"disk space free: {free_mb / 1024:.1f} GB"
    if free_mb >= MIN_FREE_DISK_MB:
        return Check("OK", label)
    return Check("FAIL", label, "free at least 300 MB on this disk")


def loopback() -> Check:
    """The local cloud and every function talk over 127.0.0.1: a firewall or an antivirus
    that blocks loopback sockets stops the workshop."""
    label = "loopback networking (127.0.0.1)"
    try:
        with socket.socket() as server, socket.socket() as client:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            client.settimeout(2)
            client.connect(server.getsockname())
    except OSError as error:
        return Check("FAIL", label, f"allow Python to use local connections in your firewall "
                     f"or antivirus ({error})")
    return Check("OK", label)


def proxy(url: str = f"http://127.0.0.1:{SERVE_PORT}") -> Check:
    """boto3 sends even loopback traffic through HTTP_PROXY unless NO_PROXY exempts it
    (botocore's own rule, used here): behind a corporate proxy the local cloud is
    unreachable until 127.0.0.1 is exempted."""
    from botocore.utils import get_environ_proxies

    through = get_environ_proxies(url).get("http")
    if not through:
        return Check("OK", "no proxy between boto3 and 127.0.0.1")
    return Check("FAIL", f"boto3 would send the local cloud's traffic to the proxy {through}",
                 "stop JupyterLab, `export NO_PROXY=127.0.0.1,localhost`, run `make lab` "
                 "again")


def serve_port(port: int = SERVE_PORT) -> Check:
    """Port 4566, used only by `python -m lambdalab serve` (the AWS CLI path of the labs);
    the notebooks pick a free port themselves."""
    label = f"port {port} free for `python -m lambdalab serve`"
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return Check("WARN", label, "something listens there (LocalStack? another "
                         "serve?): the notebooks do not need it; for the CLI use "
                         f"`serve --port {port + 1}` and that port in AWS_ENDPOINT_URL")
    return Check("OK", label)


def japanese_font(found: str | None = None) -> Check:
    """The Japanese edition draws its figures in Japanese: matplotlib needs a font with
    Japanese glyphs, or it draws boxes (lambdalab/cjk_font.py falls back to English)."""
    from lambdalab.cjk_font import INSTALL, installed_cjk_font

    label = "a Japanese font for the figures"
    if (found or installed_cjk_font()) is not None:
        return Check("OK", label)
    return Check("WARN", label, "the figures stay in English until one is installed: "
                 + INSTALL.get(sys.platform, INSTALL["linux"]) + "; then restart the kernel")


def machine() -> list[Check]:
    """Everything checked before the cloud starts, in the order an instructor reads it
    (and, in a Japanese notebook, its figures' font)."""
    checks = [python_version(), *(package(name) for name in PACKAGES), memory(), cores(),
              disk(), loopback(), proxy(), serve_port()]
    return checks + [japanese_font()] if language() != ENGLISH else checks


def show(checks: list[Check]) -> None:
    """Print each check, then one line to act on."""
    for check in checks:
        print(check)
    failed = [c for c in checks if c.status == "FAIL"]
    warned = [c for c in checks if c.status == "WARN"]
    if failed:
        print("\n" + translate(f"FAIL: {len(failed)}. Fix each before going on (the "
                                "instructor notes list the usual causes)"))
    elif warned:
        print("\n" + translate(f"ready; WARN: {len(warned)}, to keep in mind"))
    else:
        print("\n" + translate("ready"))
