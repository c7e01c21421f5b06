"""An execution environment: one child process running one function version.

The process runs awslambdaric's real bootstrap against a Runtime API served here. It
handles one invocation at a time, stays warm between invocations, and is discarded
after a timeout or a crash, as on AWS.

Between invocations the environment is frozen, as Lambda freezes it: when the runtime
asks for its next event and none is waiting, its whole process group gets SIGSTOP, and
SIGCONT when the next event is handed over. Threads and child processes that the handler
left running make no progress meanwhile, and die unfinished with the environment.

A frozen process cannot notice that its cloud died, so the cloud's guardian process
(:mod:`lambdalab.invoke.guardian`) kills every environment, and all it started, when that
happens. Each environment is a session of its own, so that nothing else (a terminal's
hang-up, the kernel's signals to an orphaned process group) ends it first and hides its
descendants from the guardian.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambdalab.access.credentials import Credentials
from lambdalab.invoke import invocation as inv_mod
from lambdalab.invoke.confinement import MIB, Confinement, Limits, ProcessTreeMeter, Watched
from lambdalab.invoke.fork_server import ForkedProcess, ForkServer, ForkUnavailable, forkable
from lambdalab.invoke.functions import FunctionSpec
from lambdalab.invoke.guardian import Guardian
from lambdalab.invoke.invocation import Invocation, Outcome
from lambdalab.invoke.limits import INIT_TIMEOUT_S, SYNC_PAYLOAD_BYTES
from lambdalab.invoke.logs import LogLine, new_stream_name
from lambdalab.invoke.output import ProcessOutput
from lambdalab.invoke.process_tree import kill_environment, start_time
from lambdalab.invoke.runtime_api import RuntimeApiServer
from lambdalab.runtime.network import RouteTable


@dataclass
class EnvironmentSettings:
    """What the cloud gives every environment it starts."""

    routes: RouteTable
    code_dir: Path
    home_dir: Path
    credentials: Credentials  # the environment's own temporary credentials
    runtime_client: str = "native"  # or "python": see runtime_client_mode
    guardian: Guardian | None = None  # kills the environment if the cloud dies
    forker: ForkServer | None = None  # starts environments from the template, if set
    confinement: Confinement | None = None  # bounds memory, processes and /tmp, if set
    on_end: Callable[[], None] | None = None  # called once the process is gone
    python: str = field(default_factory=lambda: sys.executable)


def lambda_variables(spec: FunctionSpec, stream: str, runtime_api: str, code_dir: Path,
                     home_dir: Path, credentials: Credentials) -> dict[str, str]:
    """The function's own variables plus Lambda's reserved ones, and nothing else."""
    return {
        **spec.variables,
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": stream,
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        "AWS_SESSION_TOKEN": credentials.session_token or "",
        "LAMBDA_TASK_ROOT": str(code_dir),
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_HANDLER": spec.handler,
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        # An empty home keeps the host's ~/.aws files out of the function.
        "HOME": str(home_dir),
    }


def _exit_description(returncode: int) -> str:
    if returncode < 0:
        number = signal.Signals(-returncode)
        named = {signal.SIGKILL: "killed", signal.SIGTERM: "terminated",
                 signal.SIGSEGV: "segmentation fault", signal.SIGABRT: "aborted"}
        return f"signal: {named.get(number, number.name.lower())}"
    return f"exit status {returncode}"


def peak_memory_mb(pid: int, proc: Path = Path("/proc")) -> int:
    """Peak resident memory of the process, the figure REPORT calls Max Memory Used.

    Linux keeps the peak (``VmHWM``) in ``/proc``; macOS offers no peak for another
    process, so there the figure is the resident memory at the moment of asking (the end
    of the invocation), which is what REPORT shows on a Mac.
    """
    try:
        with open(proc / str(pid) / "status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return max(1, round(int(line.split()[1]) / 1024))
    except OSError:
        pass
    try:
        import psutil

        return max(1, round(psutil.Process(pid).memory_info().rss / 1024 / 1024))
    except Exception:
        return 0


class ExecutionEnvironment:
    """A warm child process for one function version, one invocation at a time."""

    def __init__(self, spec: FunctionSpec, settings: EnvironmentSettings) -> None:
        self.spec = spec
        self.id = secrets.token_hex(8)
        self.log_stream = new_stream_name(spec.version)
        self.init_duration_ms: float | None = None
        self.init_lines: list[LogLine] = []
        self.cold = True  # until its first invocation has been reported
        self._settings = settings
        self._cond = threading.Condition()
        self._pending: Invocation | None = None
        self._closed = False
        self._init_error: bytes | None = None
        self._final_peak_mb: int | None = None
        self._peak_seen_mb = 0
        self._started_at = time.monotonic()
        self._out_of_memory = False
        self._limits: Limits | None = None
        self._watched: Watched | None = None  # what the memory guard measures
        # The runtime may call its API before this constructor is done (a forked runtime
        # is there in a few milliseconds, a new interpreter when this thread is slow): the
        # API waits until the environment is whole.
        self._whole = threading.Event()
        self._runtime_api = RuntimeApiServer(self, self.id)
        try:
            confinement = settings.confinement
            if confinement is not None:
                self._limits = confinement.limits(
                    self.id, spec.memory_size, spec.ephemeral_storage_mb,
                    str(settings.code_dir), str(settings.home_dir))
            self._process = self._spawn()
            self.output = ProcessOutput(self._process.stdout, self.id)  # type: ignore[arg-type]
            self._monitor = threading.Thread(target=self._watch_process,
                                             name=f"env-{self.id}", daemon=True)
            self._monitor.start()
        except BaseException:
            self._runtime_api.close()
            if self._limits is not None:
                self._limits.close()
            raise
        finally:
            self._whole.set()
        self._guard_memory(True)

    # --- process -------------------------------------------------------------------------

    def _spawn(self) -> subprocess.Popen[bytes] | ForkedProcess:
        """The environment's process: forked from the template when the function allows,
        else a new interpreter. Either way it sees Lambda's variables and nothing else."""
        settings = self._settings
        # Secrets (the Runtime API's, the network token) travel through a pipe or socket
        # the child inherits: a command line is readable by every user of the machine.
        launch: dict[str, Any] = {"routes": settings.routes.to_json(),
                                  "runtime_client": settings.runtime_client,
                                  "runtime_secret": self._runtime_api.secret,
                                  "confine": self._limits.launch if self._limits else {}}
        env = lambda_variables(self.spec, self.log_stream, self._runtime_api.address,
                               settings.code_dir, settings.home_dir, settings.credentials)
        process: subprocess.Popen[bytes] | ForkedProcess | None = None
        if settings.forker is not None and forkable(self.spec.variables):
            try:
                process = settings.forker.fork(env, settings.code_dir, launch)
            except ForkUnavailable:
                process = None
        if process is None:
            process = self._new_interpreter(env, launch)
        self._process_started = start_time(process.pid)
        if settings.guardian is not None and self._process_started is not None:
            settings.guardian.watch(process.pid, self._process_started)
        return process

    def _new_interpreter(self, env: dict[str, str],
                         launch: dict[str, Any]) -> subprocess.Popen[bytes]:
        settings = self._settings
        read_end, write_end = os.pipe()
        try:
            os.write(write_end, json.dumps(launch).encode())  # far below a pipe's buffer
            os.close(write_end)
            return subprocess.Popen(
                [settings.python, "-m", "lambdalab.runtime.launch", str(read_end)],
                cwd=settings.code_dir, env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                pass_fds=(read_end,))
        finally:
            os.close(read_end)

    def _guard_memory(self, on: bool) -> None:
        """Have the memory guard measure the environment (while it may run) or not."""
        confinement = self._settings.confinement
        if confinement is None:
            return
        if not on:
            confinement.guard.forget(self)
            return
        if self._watched is None:
            cgroup = self._limits.cgroup if self._limits else None
            measure = cgroup.anonymous_bytes if cgroup else ProcessTreeMeter(self._process.pid)
            self._watched = Watched(self.spec.memory_size * MIB, measure, self._exceeded_memory)
        confinement.guard.watch(self, self._watched)

    def _exceeded_memory(self, used: int) -> None:
        """Over ``MemorySize``: the environment dies at once, as Lambda's OOM kill does."""
        self._out_of_memory = True
        self._kill_processes()

    def _kill_processes(self) -> None:
        kill_environment(self._process.pid, self._process_started)
        if self._limits is not None and self._limits.cgroup is not None:
            self._limits.cgroup.kill_all()  # daemons that left the group, too

    def _ran_out_of_memory(self) -> bool:
        cgroup = self._limits.cgroup if self._limits else None
        return self._out_of_memory or (cgroup is not None and cgroup.oom_kills() > 0)

    def _watch_process(self) -> None:
        self._process.wait()
        with self._cond:
            self._closed = True
            pending = self._pending
            self._cond.notify_all()
        if pending is not None:
            pending.finish(self._exit_outcome(pending))

    def _exit_outcome(self, invocation: Invocation) -> Outcome:
        """What the invoker sees when the runtime process is gone."""
        if self._init_error is not None:
            return Outcome(inv_mod.INIT_ERROR, self._init_error,
                           inv_mod.error_type_of(self._init_error))
        returncode = self._process.poll()
        if self._ran_out_of_memory():
            message = (f"RequestId: {invocation.request_id} Error: Runtime exited with error: "
                       "signal: killed")
            return Outcome(inv_mod.EXIT, inv_mod.platform_error("Runtime.OutOfMemory", message),
                           "Runtime.OutOfMemory")
        if returncode == 0:  # as AWS words a runtime that ended without an error
            message = (f"RequestId: {invocation.request_id} Error: Runtime exited without "
                       "providing a reason")
        else:
            description = _exit_description(returncode) if returncode is not None else "killed"
            message = (f"RequestId: {invocation.request_id} Error: Runtime exited with error: "
                       f"{description}")
        return Outcome(inv_mod.EXIT, inv_mod.platform_error("Runtime.ExitError", message),
                       "Runtime.ExitError")

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return not self._closed and self._process.poll() is None

    def peak_memory_mb(self) -> int:
        """The process's peak so far; for a process that died, the highest peak seen."""
        if self._final_peak_mb is not None:
            return self._final_peak_mb
        if self._ran_out_of_memory():  # as REPORT shows it on AWS: all of it
            return self.spec.memory_size
        return max(peak_memory_mb(self._process.pid), self._peak_seen_mb)

    def kill(self) -> None:
        """Discard the environment: its processes, and all they started, die at once."""
        if self._final_peak_mb is None:
            self._final_peak_mb = self.peak_memory_mb()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._guard_memory(False)
        self._kill_processes()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        if self._limits is not None:
            self._limits.close()
        if self._settings.guardian is not None:
            self._settings.guardian.forget(self._process.pid)
        if self._settings.on_end is not None:
            self._settings.on_end()
        self._monitor.join(timeout=2)
        self.output.close()
        self._runtime_api.close()

    # --- invocations -----------------------------------------------------------------------

    def run(self, invocation: Invocation) -> Outcome:
        """Hand ``invocation`` to the runtime and wait, within the function's timeout."""
        invocation.reached_environment_at = time.monotonic()
        with self._cond:
            self._pending = invocation
            closed = self._closed
            self._cond.notify_all()
        if closed:  # died during init, before it was given work
            self._monitor.join(timeout=5)
            invocation.finish(self._exit_outcome(invocation))
        if not invocation.wait_handed_over(INIT_TIMEOUT_S + self.spec.timeout):
            self._time_out(invocation)
        elif invocation.outcome is None:
            elapsed = time.monotonic() - (invocation.handed_at or time.monotonic())
            if not invocation.wait_finished(self.spec.timeout - elapsed):
                self._time_out(invocation)
        with self._cond:
            self._pending = None
        assert invocation.outcome is not None
        return invocation.outcome

    def _time_out(self, invocation: Invocation) -> None:
        message = (f"RequestId: {invocation.request_id} Error: Task timed out after "
                   f"{self.spec.timeout:.2f} seconds")
        outcome = Outcome(inv_mod.TIMEOUT, inv_mod.platform_error("Sandbox.Timedout", message),
                          "Sandbox.Timedout")
        if invocation.finish(outcome):
            self.kill()

    # --- Runtime API (called from the runtime's requests) ----------------------------------

    def next_invocation(self) -> tuple[bytes, dict[str, str]] | None:
        self._whole.wait()
        with self._cond:
            if self.init_duration_ms is None:
                self.init_duration_ms = (time.monotonic() - self._started_at) * 1000
                self.init_lines = self.output.take()
            ready = lambda: self._closed or (  # noqa: E731
                self._pending is not None and self._pending.handed_at is None)
            if not ready():
                self._guard_memory(False)  # frozen: it cannot grow
                self._freeze(True)
                self._cond.wait_for(ready)
                if not self._closed:
                    self._freeze(False)
                    self._guard_memory(True)
            if self._closed:
                return None
            invocation = self._pending
            assert invocation is not None
            # Remember the peak while the process is alive: if the invocation crashes it,
            # REPORT still shows the peak seen (a dead process has no /proc entry).
            self._peak_seen_mb = max(self._peak_seen_mb, peak_memory_mb(self._process.pid))
            invocation.hand_over(self.spec.timeout)
            return invocation.payload, invocation.runtime_headers()

    def _freeze(self, frozen: bool) -> None:
        """Freeze or thaw every process of the environment: its freezer cgroup where there
        is one (daemons in sessions of their own too), else its process group (SIGSTOP,
        SIGCONT).

        Only while the process has not been reaped: a reaped one's id may be recycled.
        """
        if self._process.returncode is not None:
            return
        cgroup = self._limits.cgroup if self._limits else None
        if cgroup is not None and frozen:
            cgroup.freeze()
        elif cgroup is not None:
            cgroup.thaw()
        else:
            self._signal_group(signal.SIGSTOP if frozen else signal.SIGCONT)

    def _signal_group(self, signum: int) -> None:
        try:
            os.killpg(self._process.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass

    def _active(self, request_id: str) -> Invocation | None:
        self._whole.wait()
        with self._cond:
            pending = self._pending
        if pending is None or pending.request_id != request_id or pending.handed_at is None:
            return None
        return pending

    def post_response(self, request_id: str, body: bytes) -> bool:
        invocation = self._active(request_id)
        if invocation is None:
            return False
        if len(body) > SYNC_PAYLOAD_BYTES:
            message = ("Response payload size exceeded maximum allowed payload size "
                       "(6291556 bytes).")
            invocation.finish(Outcome(
                inv_mod.FUNCTION_ERROR,
                inv_mod.platform_error("Function.ResponseSizeTooLarge", message),
                "Function.ResponseSizeTooLarge"))
        else:
            invocation.finish(Outcome(inv_mod.SUCCESS, body))
        return True

    def post_error(self, request_id: str, body: bytes) -> bool:
        invocation = self._active(request_id)
        if invocation is None:
            return False
        invocation.finish(Outcome(inv_mod.FUNCTION_ERROR, body, inv_mod.error_type_of(body)))
        return True

    def post_init_error(self, body: bytes) -> None:
        self._whole.wait()
        with self._cond:
            self._init_error = body
            pending = self._pending
            if self.init_duration_ms is None:
                self.init_duration_ms = (time.monotonic() - self._started_at) * 1000
        if pending is not None:
            pending.finish(Outcome(inv_mod.INIT_ERROR, body, inv_mod.error_type_of(body)))
