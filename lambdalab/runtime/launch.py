"""Entry point of an execution environment.

Prepares the process the way Lambda's Python runtime does (task root first on the
import path, the function's network), then hands control to awslambdaric's real
bootstrap, which imports the handler and loops on the Runtime API. The cloud's guardian
process (:mod:`lambdalab.invoke.guardian`) ends it if the cloud dies.

Usage: ``python -m lambdalab.runtime.launch <fd>``: the settings (JSON) come through
the inherited pipe ``fd``, not on the command line (every user can read it) nor in the
environment (which must hold only what Lambda puts there). A process forked from the
template environment (:mod:`lambdalab.runtime.template`) calls :func:`run` instead.
"""

from __future__ import annotations

import json
import os
import sys

from lambdalab.runtime import confine, network

LAMBDA_TASK_ROOT_SHOWN = "/var/task"


def _present_task_root_as_var_task(task_root: str) -> None:
    """Make tracebacks name handler files ``/var/task/...``, as they read on AWS.

    Only the file name compiled into the code changes; ``__file__`` stays the real path,
    so code that opens files next to itself keeps working. Bytecode is not cached, as in
    Lambda's read-only task root.
    """
    from importlib.machinery import (
        BYTECODE_SUFFIXES,
        EXTENSION_SUFFIXES,
        SOURCE_SUFFIXES,
        ExtensionFileLoader,
        FileFinder,
        SourceFileLoader,
        SourcelessFileLoader,
    )

    class TaskRootLoader(SourceFileLoader):
        def source_to_code(self, data, path, *, _optimize=-1):  # type: ignore[override]
            shown = LAMBDA_TASK_ROOT_SHOWN + path[len(task_root):]
            return compile(data, shown, "exec", dont_inherit=True, optimize=_optimize)

    loaders = [(ExtensionFileLoader, EXTENSION_SUFFIXES), (TaskRootLoader, SOURCE_SUFFIXES),
               (SourcelessFileLoader, BYTECODE_SUFFIXES)]

    def hook(path: str) -> FileFinder:
        if path == task_root or path.startswith(task_root + os.sep):
            return FileFinder(path, *loaders)
        raise ImportError("not in the task root")

    sys.dont_write_bytecode = True
    sys.path_hooks.insert(0, hook)
    sys.path_importer_cache.clear()


def _install_runtime_client(mode: str, secret: str) -> None:
    """Give awslambdaric the ``runtime_client`` module the cloud chose, with the secret.

    ``native`` is awslambdaric's own compiled module (Linux); it reads its endpoint when it
    loads, so it loads with ``<secret>@host:port`` (libcurl turns that into the Basic
    credentials the Runtime API asks for) and the variable is restored to ``host:port``,
    as Lambda sets it, before any user code runs. ``python`` is ours, which returns the
    same values (macOS, or when asked for).
    """
    address = os.environ["AWS_LAMBDA_RUNTIME_API"]
    if mode == "native":
        os.environ["AWS_LAMBDA_RUNTIME_API"] = f"{secret}@{address}"
        try:
            import runtime_client  # noqa: F401 - fails loudly if the cloud chose wrongly
        finally:
            os.environ["AWS_LAMBDA_RUNTIME_API"] = address
    else:
        from lambdalab.runtime import runtime_client

        runtime_client.use_secret(secret)
        sys.modules["runtime_client"] = runtime_client
    _authenticate_awslambdaric_own_calls(secret)


def _authenticate_awslambdaric_own_calls(secret: str) -> None:
    """awslambdaric posts init errors itself, with http.client: add the credentials."""
    import http.client

    from awslambdaric import lambda_runtime_client

    from lambdalab.runtime.runtime_client import basic_authorization

    def call_rapid(self, http_method, endpoint, expected_http_code, payload=None,
                   headers=None):  # awslambdaric's signature
        connection = http.client.HTTPConnection(self.lambda_runtime_address)
        all_headers = {**(headers or {}), "Authorization": basic_authorization(secret)}
        if http_method == "GET":
            connection.request(http_method, endpoint, headers=all_headers)
        else:
            connection.request(http_method, endpoint,
                               lambda_runtime_client.to_json(payload), headers=all_headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != expected_http_code:
            raise lambda_runtime_client.LambdaRuntimeClientError(endpoint, response.status, body)

    lambda_runtime_client.BaseLambdaRuntimeClient.call_rapid = call_rapid


def _read_settings(fd: int) -> dict:
    """The launch settings, from the pipe the cloud wrote them to."""
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return json.loads(b"".join(chunks))


PR_SET_CHILD_SUBREAPER = 36


def _adopt_orphans() -> None:
    """Become the subreaper of this environment's descendants (Linux).

    A daemon a handler starts (fork, ``setsid``, fork) would otherwise be adopted by init
    and outlive the environment; as a subreaper the environment adopts it, so the cloud
    finds and kills it with the environment. macOS has no subreapers: there such a daemon
    survives its environment (README, platforms).
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _end_adopted() -> None:
    """Kill every process this environment adopted or started, as it ends by itself.

    When the cloud dies before it froze the environment, the runtime loop loses the Runtime
    API and the environment exits; its adopted daemons would pass to init before the cloud's
    guardian reaches them (the guardian kills what descends from a living environment)."""
    import psutil

    try:
        descendants = psutil.Process().children(recursive=True)
    except psutil.Error:
        return
    for process in descendants:
        try:
            process.kill()
        except psutil.Error:
            pass


def main(argv: list[str]) -> None:
    run(_read_settings(int(argv[1])))


def run(settings: dict) -> None:
    """Become the environment: this process's variables and folder are already Lambda's."""
    confinement = settings.get("confine") or {}
    if not confinement.get("cgroup_procs"):
        _adopt_orphans()  # in cgroups, the cgroup names every process; the template reaps
    confine.apply(confinement)  # before any code of the function's
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    os.chdir(task_root)
    if sys.path[0] != task_root:
        sys.path.insert(0, task_root)
    _present_task_root_as_var_task(task_root)
    network.install(network.RouteTable.from_json(settings["routes"]))
    _install_runtime_client(settings["runtime_client"], settings["runtime_secret"])

    from awslambdaric import __main__ as ric

    sys.argv = ["/var/runtime/bootstrap", os.environ["_HANDLER"]]
    try:
        ric.main(sys.argv)
    finally:
        _end_adopted()


if __name__ == "__main__":
    main(sys.argv)
