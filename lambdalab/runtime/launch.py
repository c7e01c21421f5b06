"""Entry point of an execution environment.

Prepares the process the way Lambda's Python runtime does (task root first on the
import path, the function's network), then hands control to awslambdaric's real
bootstrap, which imports the handler and loops on the Runtime API. The cloud's guardian
process (:mod:`lambdalab.invoke.guardian`) ends it if the cloud dies.

Usage: ``python -m lambdalab.runtime.launch '<json settings>'``; the settings travel on
the command line, not in the environment, so the function's environment holds only
what Lambda would put there.
"""

from __future__ import annotations

import json
import os
import sys

from lambdalab.runtime import network

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


def _install_runtime_client(mode: str) -> None:
    """Give awslambdaric the ``runtime_client`` module the cloud chose for it.

    ``native`` is awslambdaric's own compiled module (Linux); ``python`` is ours, which
    returns the same values (macOS, or when asked for).
    """
    if mode == "native":
        import runtime_client  # noqa: F401 - fails loudly if the cloud chose wrongly

        return
    from lambdalab.runtime import runtime_client

    sys.modules["runtime_client"] = runtime_client


def main(argv: list[str]) -> None:
    settings = json.loads(argv[1])
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    os.chdir(task_root)
    if sys.path[0] != task_root:
        sys.path.insert(0, task_root)
    _present_task_root_as_var_task(task_root)
    network.install(network.RouteTable.from_json(settings["routes"]))
    _install_runtime_client(settings["runtime_client"])

    from awslambdaric import __main__ as ric

    sys.argv = ["/var/runtime/bootstrap", os.environ["_HANDLER"]]
    ric.main(sys.argv)


if __name__ == "__main__":
    main(sys.argv)
