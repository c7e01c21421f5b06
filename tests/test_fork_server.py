"""Environments forked from the template are the environments a new interpreter would be.

The template (lambdalab/runtime/template.py) saves every cold start an interpreter's start;
nothing a handler can see may differ for that: its variables, folder, import path, session,
standard streams, time zone. Functions configured with variables an interpreter reads
when it starts get a new interpreter, and the cloud survives a handler that kills the
template.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator

import psutil
import pytest

from conftest import Deployer, read_json
from lambdalab import LocalCloud

PROBE = """
import os, sys, time

def handler(event, context):
    return {
        "variables": {k: v for k, v in os.environ.items()
                      if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                   "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API",
                                   "AWS_LAMBDA_LOG_STREAM_NAME", "_X_AMZN_TRACE_ID")},
        "cwd": os.getcwd(),
        "path": sys.path[:2],
        "own_session": os.getsid(0) == os.getpid(),
        "stdin": os.path.realpath("/proc/self/fd/0") if os.path.exists("/proc") else None,
        "zone": time.strftime("%Z"),
        "utf8_mode": sys.flags.utf8_mode,
        "encoding": sys.stdout.encoding,
        "main_module": "__main__" in sys.modules,
        "pid": os.getpid(),
    }
"""


def probe(fork: bool, **config) -> dict:
    with LocalCloud(fork_environments=fork) as cloud:
        Deployer(cloud)("probe", PROBE, **config)
        found = read_json(cloud.client("lambda").invoke(FunctionName="probe"))
        found["code_dir"] = str(cloud._code.root) if hasattr(cloud._code, "root") else ""
        return found


def comparable(found: dict) -> dict:
    """What must be equal whichever way the environment started (paths vary per cloud)."""
    folder = found["cwd"]
    return {**found, "cwd": "TASK_ROOT", "pid": None, "code_dir": None,
            "path": [p.replace(folder, "TASK_ROOT") for p in found["path"]],
            "variables": {k: v.replace(folder, "TASK_ROOT") for k, v in
                          found["variables"].items() if k not in ("HOME",)}}


def test_a_forked_environment_sees_what_a_new_interpreter_sees():
    forked, spawned = probe(True), probe(False)
    assert comparable(forked) == comparable(spawned)
    assert forked["own_session"] and forked["zone"] == "UTC"
    assert forked["path"][0] == forked["cwd"]  # the task root first, as Lambda puts it


def test_a_function_with_interpreter_start_variables_gets_a_new_interpreter():
    """PYTHONUTF8 takes effect only when an interpreter starts: Lambda's own runtime
    starts one per environment, so the function must see it applied."""
    found = probe(True, Environment={"Variables": {"PYTHONUTF8": "1"}})
    assert found["utf8_mode"] == 1
    assert found["variables"]["PYTHONUTF8"] == "1"


@pytest.fixture
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud() as running:
        yield running


def template_pids(cloud: LocalCloud) -> list[int]:
    return [p.pid for p in psutil.Process().children()
            if "lambdalab.runtime.template" in " ".join(p.cmdline())]


def test_a_handler_that_kills_the_template_leaves_the_cloud_serving(cloud):
    deploy = Deployer(cloud)
    lam = cloud.client("lambda")
    deploy("parricide", "import os, signal\ndef handler(event, context):\n"
                        "    parent = os.getppid()  # read before the kill: it changes after\n"
                        "    os.kill(parent, signal.SIGKILL)\n    return parent\n")
    deploy("later", "def handler(event, context):\n    return 'still here'\n")
    assert read_json(lam.invoke(FunctionName="later")) == "still here"
    [template] = template_pids(cloud)  # started with the first environment
    assert read_json(lam.invoke(FunctionName="parricide")) == template
    psutil.Process(template).wait(10)
    lam.update_function_configuration(FunctionName="later", Description="a cold start")
    assert read_json(lam.invoke(FunctionName="later")) == "still here"  # a new template
    assert len(template_pids(cloud)) == 1 and template_pids(cloud) != [template]
    orphan = cloud.environment_pids("parricide")
    lam.update_function_configuration(FunctionName="parricide", Description="retire")
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"
                   for pid in orphan)  # ended although its parent could not report it


def test_an_exit_status_reaches_the_caller_through_the_template(cloud):
    Deployer(cloud)("exits", "import os\ndef handler(event, context):\n    os._exit(3)\n")
    response = cloud.client("lambda").invoke(FunctionName="exits")
    assert json.loads(response["Payload"].read())["errorMessage"].endswith(
        "Runtime exited with error: exit status 3")


def test_the_template_ends_with_its_cloud():
    with LocalCloud() as cloud:
        Deployer(cloud)("f", "def handler(event, context):\n    return 1\n")
        cloud.client("lambda").invoke(FunctionName="f")
        [template] = template_pids(cloud)
    assert not psutil.pid_exists(template) or \
        psutil.Process(template).status() == psutil.STATUS_ZOMBIE


def test_signals_a_handler_sends_itself_are_reported_as_lambda_does(cloud):
    Deployer(cloud)("killed", "import os, signal\ndef handler(event, context):\n"
                              f"    os.kill(os.getpid(), {int(signal.SIGKILL)})\n")
    response = cloud.client("lambda").invoke(FunctionName="killed")
    assert json.loads(response["Payload"].read())["errorMessage"].endswith(
        "Runtime exited with error: signal: killed")
    assert os.getpid() not in cloud.environment_pids()


def reads_variables_as_it_loads(module: str) -> list[str]:
    """Lines of the module's code that run as it loads (not inside a function) and read
    the process's variables."""
    import ast
    import importlib.util

    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin
    source = open(spec.origin).read()  # noqa: SIM115
    found = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return  # runs when called, with the child's variables
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
        if name in ("environ", "getenv", "environb") and hasattr(node, "lineno"):
            found.append(f"{module}:{node.lineno}: {ast.get_source_segment(source, node)}")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def test_what_the_template_loads_reads_no_variable_as_it_loads():
    """A module the template loads keeps what it read then for every child: it must read
    the function's variables only when called, or the children would see the template's.
    (awslambdaric's bootstrap reads AWS_LAMBDA_LOG_FORMAT as it loads: it loads in each
    child, after the fork.)"""
    from lambdalab.runtime.template import PRELOADED

    assert [line for module in PRELOADED if not module.startswith(("base64", "decimal"))
            for line in reads_variables_as_it_loads(module)] == []
    assert reads_variables_as_it_loads("awslambdaric.bootstrap")  # the check sees them


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "new interpreter"])
def test_a_runtime_that_asks_before_its_environment_is_whole_is_answered(monkeypatch, fork):
    """Regression: a runtime can ask for its first event while the cloud's thread is still
    building the environment (a forked runtime is there within milliseconds; a new
    interpreter when the machine is loaded). It used to find no output collector, its
    request closed without an answer, and it exited: Runtime.ExitError, exit status 1."""
    from lambdalab.invoke import environment

    real_start_time = environment.start_time

    def slow_start_time(pid: int) -> float | None:  # the cloud's thread, held up
        import time

        time.sleep(1.0)
        return real_start_time(pid)

    monkeypatch.setattr(environment, "start_time", slow_start_time)
    with LocalCloud(fork_environments=fork) as cloud:
        Deployer(cloud)("early", "def handler(event, context):\n    return 'answered'\n")
        response = cloud.client("lambda").invoke(FunctionName="early")
        assert "FunctionError" not in response, response["Payload"].read()
        assert read_json(response) == "answered"


def test_a_failure_of_the_runtime_api_itself_is_a_500_never_a_dropped_connection():
    import http.client

    from lambdalab.invoke.runtime_api import RuntimeApiServer, basic_authorization

    class Broken:
        def next_invocation(self):
            raise RuntimeError("a bug in the cloud")

    server = RuntimeApiServer(Broken(), "broken")  # type: ignore[arg-type]
    try:
        connection = http.client.HTTPConnection(server.address, timeout=10)
        connection.request("GET", "/2018-06-01/runtime/invocation/next",
                           headers={"Authorization": basic_authorization(server.secret)})
        response = connection.getresponse()
        assert response.status == 500
        assert json.loads(response.read())["errorType"] == "ServiceError"
    finally:
        server.close()


def test_the_template_can_be_turned_off_by_the_environment(monkeypatch):
    """``LAMBDALAB_FORK_ENVIRONMENTS=0``: every environment from a new interpreter, the way
    to rule the template out when something looks wrong."""
    monkeypatch.setenv("LAMBDALAB_FORK_ENVIRONMENTS", "0")
    with LocalCloud() as cloud:
        Deployer(cloud)("plain", "def handler(event, context):\n    return 2\n")
        assert read_json(cloud.client("lambda").invoke(FunctionName="plain")) == 2
        assert template_pids(cloud) == []
