"""The template environment: a process forked once for every new execution environment.

Starting a Python interpreter and importing the runtime took most of a cold start (about
70 ms of a trivial handler's 90 ms on a 2-core laptop, measured by bench/cold_start.py).
The cloud starts this process once; it imports what every environment needs, then waits.
For each new environment the cloud sends the environment's variables, its folder and its
launch settings, with the write end of its output pipe; the template forks, and the child
becomes the environment exactly as ``python -m lambdalab.runtime.launch`` would: a session
of its own, output to the pipe, the function's variables and nothing else, then
:func:`lambdalab.runtime.launch.run`. The template tells the cloud each child's process id
and, later, how it ended.

What reads the function's variables when it loads (awslambdaric's bootstrap, its runtime
client, the native client that takes the Runtime API's address) is imported only after the
fork, so that it sees the environment's own variables. Variables an interpreter reads when
it starts (``PYTHON*``, ``LC_*``, ``LD_*``, ...) cannot reach a forked child: the cloud
starts such a function's environments the slow way (:mod:`lambdalab.invoke.fork_server`).

Usage: ``python -m lambdalab.runtime.template <socket fd> <JSON list of the variables
given>``. Protocol, on the Unix stream socket. Cloud to template: a frame (4
bytes of big-endian length, then JSON ``{"id", "env", "cwd", "settings"}``) that carries one
file descriptor. Template to cloud, one JSON object a line: ``{"started": id, "pid": n}``,
``{"failed": id, "error": text}``, ``{"exited": pid, "code": n}`` (``code`` as
``subprocess`` gives it: negative for a signal). The template ends when the socket closes.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import signal
import socket
import sys
import time
from typing import Any, NoReturn

HEADER_BYTES = 4
MAX_FDS = 4


# Loaded once, before any environment exists: none of them reads a variable as it loads
# (tests/test_fork_server.py checks awslambdaric's), so every child sees its own.
PRELOADED = (
    "base64", "decimal", "hmac", "http.client", "logging", "traceback",
    "awslambdaric.lambda_config", "awslambdaric.lambda_context",
    "awslambdaric.lambda_literals", "awslambdaric.lambda_runtime_exception",
    "awslambdaric.lambda_runtime_hooks_runner", "awslambdaric.lambda_runtime_log_utils",
    "awslambdaric.lambda_runtime_marshaller",
    "lambdalab.runtime.confine", "lambdalab.runtime.launch", "lambdalab.runtime.network",
    "lambdalab.runtime.runtime_client",
)
# Not the native runtime_client: its library takes the Runtime API's address as it loads.


def preload() -> None:
    """Import, once, what every environment needs."""
    for module in PRELOADED:
        importlib.import_module(module)


def receive(control: socket.socket) -> tuple[dict[str, Any], list[int]] | None:
    """The next request and the descriptors it carries; None when the cloud is gone."""
    header, fds, _, _ = socket.recv_fds(control, HEADER_BYTES, MAX_FDS)
    while header and len(header) < HEADER_BYTES:
        header += control.recv(HEADER_BYTES - len(header))
    if len(header) < HEADER_BYTES:
        return None
    length = int.from_bytes(header, "big")
    body = b""
    while len(body) < length:
        chunk = control.recv(length - len(body))
        if not chunk:
            return None
        body += chunk
    return json.loads(body), fds


def tell(control: socket.socket, message: dict[str, Any]) -> None:
    control.sendall(json.dumps(message).encode() + b"\n")


def report_exits(control: socket.socket) -> None:
    """Reap every child that has ended and tell the cloud how."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        tell(control, {"exited": pid, "code": os.waitstatus_to_exitcode(status)})


def serve(control: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """Fork on request until the cloud goes away; returns only in a forked child."""
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that it wakes select
    while True:
        readable, _, _ = select.select([control.fileno(), wake_read], [], [])
        if wake_read in readable:
            os.read(wake_read, 4096)
            report_exits(control)
        if control.fileno() not in readable:
            continue
        received = receive(control)
        if received is None:
            sys.exit(0)  # the cloud stopped; its guardian ends what is left
        request, fds = received
        try:
            pid = os.fork()
        except OSError as error:
            for fd in fds:
                os.close(fd)
            tell(control, {"failed": request["id"], "error": str(error)})
            continue
        if pid == 0:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.close(wake_read)
            os.close(wake_write)
            control.close()
            return request, fds
        for fd in fds:
            os.close(fd)
        tell(control, {"started": request["id"], "pid": pid})


def become_environment(request: dict[str, Any], fds: list[int],
                       started_with: dict[str, str]) -> NoReturn:
    """What ``python -m lambdalab.runtime.launch`` does, in this forked child.

    ``started_with`` is what the template's interpreter added to its variables as it
    started (``LC_CTYPE``, when it coerced a locale the machine lacks: PEP 538): a new
    interpreter started with the environment's variables would add the same.
    """
    from lambdalab.runtime import launch

    os.setsid()
    (output,) = fds
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.environ.clear()
    os.environ.update({**started_with, **request["env"]})
    time.tzset()
    os.chdir(request["cwd"])
    launch.run(request["settings"])
    sys.exit(0)  # the runtime's loop does not return; if it did, end as the process would


def become_subreaper() -> None:
    """Adopt the orphans of the environments' processes (Linux), and reap them as they end
    (:func:`report_exits` waits for any child): a process whose parent in an environment
    ended is not left a zombie. An environment without cgroups adopts its own orphans
    instead (:mod:`lambdalab.runtime.launch`), so that it can find and kill them."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def main(argv: list[str]) -> None:
    given = json.loads(argv[2]) if len(argv) > 2 else []
    started_with = {k: v for k, v in os.environ.items() if k not in given}
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is for the cloud, not for us
    become_subreaper()
    if sys.path and sys.path[0] == os.getcwd():
        del sys.path[0]  # `-m` put the template's folder first; a child puts its task root
    control = socket.socket(fileno=int(argv[1]))
    preload()
    request, fds = serve(control)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as a fresh interpreter has it
    become_environment(request, fds, started_with)


if __name__ == "__main__":
    main(sys.argv)
