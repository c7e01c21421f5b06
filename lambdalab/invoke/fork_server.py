"""The cloud's side of the template environment: new execution environments by fork.

:class:`ForkServer` starts :mod:`lambdalab.runtime.template` once per cloud and asks it for
each new environment; a :class:`ForkedProcess` is the environment's process as the cloud
sees it, with what the cloud asks of a ``subprocess.Popen``: its id, its output, whether
and how it ended. The template is the processes' parent, so it reaps them and reports each
exit; if the template itself is gone (a handler killed its parent, say), the processes it
forked are watched until they are gone too, and the next environment gets a new template.

A function whose variables an interpreter reads when it starts (:func:`forkable`) gets its
environments the slow way, from a new interpreter, as before.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from lambdalab.invoke.guardian import await_end

# read by an interpreter (or the C library under it) when it starts, so a forked child of
# the template could not honour them
STARTUP_PREFIXES = ("PYTHON", "LC_", "LD_", "DYLD_", "MALLOC_")
STARTUP_NAMES = ("LANG", "GLIBC_TUNABLES")
# the template's own variables: those Lambda sets to the same values in every environment
# that matter at interpreter start (stdio encoding); the rest arrive with each child
TEMPLATE_VARIABLES = {"LANG": "en_US.UTF-8", "TZ": ":UTC", "PATH": "/usr/local/bin:/usr/bin:/bin"}

REPLY_TIMEOUT_S = 10.0
GONE_POLL_S = 0.05


class ForkUnavailable(RuntimeError):
    """The template could not give an environment: start one the slow way."""


def forkable(variables: Mapping[str, str]) -> bool:
    """Whether a function with these configured variables can start from the template."""
    return not any(name.startswith(STARTUP_PREFIXES) or name in STARTUP_NAMES
                   for name in variables)


ENV_VAR = "LAMBDALAB_FORK_ENVIRONMENTS"  # 0: a new interpreter for every environment


def available() -> bool:
    return hasattr(os, "fork") and hasattr(socket, "send_fds")


def wanted(requested: bool | None) -> bool:
    """Whether to fork environments: as asked, else as ``$LAMBDALAB_FORK_ENVIRONMENTS``
    says (``0`` turns it off), and only where the platform can."""
    if requested is None:
        requested = os.environ.get(ENV_VAR, "1").strip().lower() not in ("0", "false", "no")
    return requested and available()


class ForkedProcess:
    """An environment's process, forked by the template: the parts of ``Popen`` we use."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdout: IO[bytes] | None = None
        self._ended = threading.Event()

    def ended(self, code: int) -> None:
        if self.returncode is None:
            self.returncode = code
        self._ended.set()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired(f"environment {self.pid}", timeout or 0.0)
        assert self.returncode is not None
        return self.returncode


class _Request:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.process: ForkedProcess | None = None
        self.error = ""


class ForkServer:
    """Starts the template (lazily again if it is gone) and forks environments from it."""

    def __init__(self, home: Path, python: str = sys.executable) -> None:
        self._home = home  # the environments' empty home: no user site-packages either
        self._python = python
        self._lock = threading.Lock()  # one template at a time; one request written at a time
        self._ids = itertools.count(1)
        self._template: _Template | None = None
        self._closed = False

    def fork(self, env: Mapping[str, str], cwd: Path, settings: dict[str, Any]) -> ForkedProcess:
        """A new process that becomes an environment with these variables, folder and launch
        settings; its output (stdout and stderr) is the returned process's ``stdout``."""
        read_end, write_end = os.pipe()
        try:
            request_id = next(self._ids)
            with self._lock:
                template = self._running_template()
                pending = template.expect(request_id)
                template.send({"id": request_id, "env": dict(env), "cwd": str(cwd),
                               "settings": settings}, write_end)
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)
        if not pending.done.wait(REPLY_TIMEOUT_S):
            template.abandon(request_id)  # a late child is killed, never half-adopted
        if pending.process is None:
            os.close(read_end)
            raise ForkUnavailable(pending.error or "the template did not answer")
        pending.process.stdout = open(read_end, "rb", buffering=0)  # noqa: SIM115
        return pending.process

    def close(self) -> None:
        """End the template (the environments were ended first, by the cloud)."""
        with self._lock:
            self._closed = True
            template, self._template = self._template, None
        if template is not None:
            template.close()

    def _running_template(self) -> _Template:
        if self._closed:
            raise ForkUnavailable("the cloud is stopping")
        if self._template is None or not self._template.alive:
            if self._template is not None:
                self._template.close()  # gone already: this frees its socket
            try:
                self._template = _Template(self._python, self._home)
            except OSError as error:
                raise ForkUnavailable(f"the template did not start: {error}") from error
        return self._template


class _Template:
    """One running template process and the reader of its replies."""

    def __init__(self, python: str, home: Path) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        variables = {**TEMPLATE_VARIABLES, "HOME": str(home)}
        try:
            self._process = subprocess.Popen(
                [python, "-m", "lambdalab.runtime.template", str(theirs.fileno()),
                 json.dumps(sorted(variables))],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/",
                env=variables, process_group=0)
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self._socket = ours
        self._expected: dict[int, _Request] = {}
        self._abandoned: set[int] = set()
        self._children: dict[int, ForkedProcess] = {}
        self._state = threading.Lock()
        self.alive = True
        self._reader = threading.Thread(target=self._read, name="lambdalab-template",
                                        daemon=True)
        self._reader.start()

    def expect(self, request_id: int) -> _Request:
        pending = _Request()
        with self._state:
            if not self.alive:
                raise ForkUnavailable("the template is gone")
            self._expected[request_id] = pending
        return pending

    def abandon(self, request_id: int) -> None:
        """The cloud stopped waiting for this request: whatever it still starts dies."""
        with self._state:
            if self._expected.pop(request_id, None) is not None:
                self._abandoned.add(request_id)

    def send(self, request: dict[str, Any], fd: int) -> None:
        body = json.dumps(request).encode()
        frame = len(body).to_bytes(4, "big") + body
        try:
            sent = socket.send_fds(self._socket, [frame], [fd])
            if sent < len(frame):
                self._socket.sendall(frame[sent:])
        except OSError as error:
            raise ForkUnavailable(f"the template is gone: {error}") from error

    def close(self) -> None:
        try:
            self._socket.shutdown(socket.SHUT_WR)  # the template sees the end and exits
        except OSError:
            pass
        await_end(self._process)
        self._reader.join(timeout=5)
        self._socket.close()

    def _read(self) -> None:
        with self._socket.makefile("rb") as replies:
            for line in replies:
                try:
                    self._handle(json.loads(line))
                except (ValueError, KeyError, TypeError):
                    continue
        self._gone()

    def _handle(self, reply: dict[str, Any]) -> None:
        with self._state:
            if "started" in reply:
                process = ForkedProcess(int(reply["pid"]))
                self._children[process.pid] = process
                request_id = int(reply["started"])
                if request_id in self._abandoned:
                    self._abandoned.discard(request_id)
                    os.kill(process.pid, signal.SIGKILL)  # not yet reaped: still ours
                    return
                pending = self._expected.pop(request_id)
                pending.process = process
                pending.done.set()
            elif "failed" in reply:
                self._abandoned.discard(int(reply["failed"]))
                pending = self._expected.pop(int(reply["failed"]))
                pending.error = str(reply["error"])
                pending.done.set()
            elif "exited" in reply:
                ended = self._children.pop(int(reply["exited"]), None)
                if ended is not None:
                    ended.ended(int(reply["code"]))

    def _gone(self) -> None:
        """The template ended: no more forks, and its orphans are watched until they end."""
        with self._state:
            self.alive = False
            waiting, self._expected = list(self._expected.values()), {}
            orphans, self._children = list(self._children.values()), {}
        for pending in waiting:
            pending.error = "the template ended"
            pending.done.set()
        if orphans:
            threading.Thread(target=_watch_orphans, args=(orphans,), daemon=True,
                             name="lambdalab-template-orphans").start()


def _watch_orphans(orphans: list[ForkedProcess]) -> None:
    """Processes whose parent (the template) is gone: nobody can learn their exit status,
    so each ends as killed once its id no longer names it."""
    import psutil

    started = {}
    for process in orphans:
        try:
            started[process.pid] = psutil.Process(process.pid).create_time()
        except psutil.Error:
            process.ended(-9)
    while remaining := [p for p in orphans if p.returncode is None]:
        for process in remaining:
            try:
                alive = (psutil.Process(process.pid).create_time() == started.get(process.pid)
                         and psutil.Process(process.pid).status() != psutil.STATUS_ZOMBIE)
            except psutil.Error:
                alive = False
            if not alive:
                process.ended(-9)
        time.sleep(GONE_POLL_S)
