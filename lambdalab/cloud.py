"""LocalCloud: moto in server mode plus Lambda's data plane, on one loopback port."""

from __future__ import annotations

import functools
import os
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from lambdalab.import_speed import defer_iri_grammars

defer_iri_grammars()  # before moto imports jsonschema: seconds off every kernel's first cell

import boto3
import psutil
from botocore.config import Config
from moto.logs.models import logs_backends
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, ThreadedWSGIServer

from lambdalab import DEFAULT_REGION, connections
from lambdalab.access import authorization, role_sessions
from lambdalab.access.credentials import CredentialStore, owner_credentials
from lambdalab.access.requested_actions import Requested
from lambdalab.control.hooks import LambdaBackendHooks
from lambdalab.gateway import Gateway
from lambdalab.invoke import confinement as confinement_mod
from lambdalab.invoke import fork_server, runtime_client_mode
from lambdalab.invoke.async_queue import AsyncQueue, AsyncResult
from lambdalab.invoke.clock import LambdaClock
from lambdalab.invoke.codecache import CodeCache, remove_tree
from lambdalab.invoke.concurrency import ConcurrencyLimiter
from lambdalab.invoke.destinations import DestinationSender
from lambdalab.invoke.environment import EnvironmentSettings, ExecutionEnvironment
from lambdalab.invoke.fork_server import ForkServer
from lambdalab.invoke.functions import DEFAULT_ACCOUNT, FunctionSpec, reserved_total
from lambdalab.invoke.guardian import Guardian
from lambdalab.invoke.pool import IDLE_TIMEOUT_S, MAX_IDLE_ENVIRONMENTS, EnvironmentPool
from lambdalab.invoke.records import RECORDS_LIMIT, InvocationLog, InvocationRecord
from lambdalab.invoke.service import InvokeService
from lambdalab.owned_state import STATE
from lambdalab.reachability import Reachability, ReachabilityExplanation

LOOPBACK = "127.0.0.1"

class QuietRequestHandler(MotoRequestHandler):
    """moto's request handler without an access-log line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def parse_request(self) -> bool:
        parsed = super().parse_request()
        connections.headers_done(self)
        return parsed


class CloudServer(connections.BoundedServerMixin, ThreadedWSGIServer):
    """The cloud's endpoint: a thread per connection, as many as :mod:`connections` allows."""

    def __init__(self, port: int, app: Any) -> None:
        self.limits = connections.ConnectionLimits()
        self._users = {}
        super().__init__(LOOPBACK, port, app, handler=QuietRequestHandler)

    def server_close(self) -> None:
        self.limits.close()
        super().server_close()


WORKDIR_PREFIX = "lambdalab-"


def _remove_orphaned_workdirs() -> None:
    """Delete the code folders of clouds whose process died without stopping them."""
    for folder in Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*-*"):
        owner = folder.name[len(WORKDIR_PREFIX):].split("-", 1)[0]
        if owner.isdigit() and not psutil.pid_exists(int(owner)):
            remove_tree(folder)


_client_lock = threading.Lock()


@functools.cache
def _session() -> boto3.session.Session:
    """One boto3 session for the cloud's clients, so service models load once."""
    return boto3.session.Session()


# moto keeps its state in process-wide globals: one running cloud per process.
_running_lock = threading.Lock()
_running: LocalCloud | None = None


def running_cloud() -> LocalCloud | None:
    """This process's running cloud, however it was started (None if there is none)."""
    return _running


class LocalCloud:
    """A local AWS: every API from moto, Invoke running real handler code.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`. Starting gives a
    fresh, empty cloud; stopping ends every process it started.

    ``time_scale`` multiplies Lambda's own waits (async retry delays, throttle backoff,
    event age): 0.01 shows a 1-minute retry after 0.6 s. Handler code and function
    timeouts always run in real time. ``account_concurrency`` is the account's
    concurrency quota (1000 on AWS by default). ``runtime_client`` picks the Runtime API
    client of the execution environments: ``"native"`` (awslambdaric's, Linux only),
    ``"python"`` (ours, the macOS path) or ``"auto"``; the default comes from
    ``$LAMBDALAB_RUNTIME_CLIENT``, else ``"auto"``. :attr:`runtime_client` tells which runs.

    Memory stays bounded on a laptop: an environment idle for ``idle_timeout`` seconds of
    Lambda's clock is shut down (Lambda too reclaims idle environments), at most
    ``max_warm_environments`` stay warm (the longest idle goes first), and
    :meth:`invocations` keeps the newest ``records_limit`` records.

    New execution environments are forked from a template process that has already loaded
    the runtime (``fork_environments``, default ``$LAMBDALAB_FORK_ENVIRONMENTS``, else on
    where the platform can fork): a cold start then costs what the function's own module
    costs, not an interpreter's start as well.

    Each environment is bounded as Lambda bounds it: a handler over ``MemorySize`` ends in
    ``Runtime.OutOfMemory``; where the OS offers it (Linux as root), also at most 1,024
    processes and threads, a ``/tmp`` of its own of ``EphemeralStorage`` MB and a read-only
    code folder (``isolate_environments``, default ``$LAMBDALAB_ISOLATE_ENVIRONMENTS``, else
    on; off gives what a Mac gives: :mod:`lambdalab.invoke.confinement`).

    Functions call AWS as their execution role (``sts get-caller-identity`` names the
    session). With ``iam`` on (default ``$LAMBDALAB_IAM``, else on), IAM decides
    whether a function may invoke another, from its role's policies, as on AWS
    (:mod:`lambdalab.access.authorization`); the owner's credentials keep full access.

    Only requests signed with :attr:`credentials` (random at each construction, or
    ``access_key_id``/``secret_access_key``, or ``$LAMBDALAB_ACCESS_KEY_ID`` and
    ``$LAMBDALAB_SECRET_ACCESS_KEY``) or with the temporary credentials the cloud gives each
    execution environment get in; :meth:`client` signs with them.
    """

    def __init__(self, region: str = DEFAULT_REGION, port: int = 0, *,
                 time_scale: float = 1.0, account_concurrency: int = 1000,
                 runtime_client: str | None = None, idle_timeout: float = IDLE_TIMEOUT_S,
                 max_warm_environments: int = MAX_IDLE_ENVIRONMENTS,
                 records_limit: int = RECORDS_LIMIT, access_key_id: str | None = None,
                 secret_access_key: str | None = None,
                 fork_environments: bool | None = None,
                 isolate_environments: bool | None = None, iam: bool | None = None) -> None:
        self.region = region
        self.account_id = DEFAULT_ACCOUNT
        self.clock = LambdaClock(time_scale)
        if account_concurrency < 1:
            raise ValueError(f"account_concurrency must be at least 1, not {account_concurrency}")
        self.account_concurrency = account_concurrency
        self._requested_port = port
        self.runtime_client = runtime_client_mode.resolve(runtime_client)
        self._queue: AsyncQueue | None = None
        self._internal_clients: dict[str, Any] = {}
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._workdir: Path | None = None
        self._hooks: LambdaBackendHooks | None = None
        self._pool: EnvironmentPool | None = None
        self._guardian: Guardian | None = None
        if idle_timeout <= 0 or max_warm_environments < 0:
            raise ValueError("idle_timeout must be positive and max_warm_environments at least 0")
        self._idle_timeout = idle_timeout
        self._max_warm = max_warm_environments
        self._reachability: Reachability | None = None
        self.records = InvocationLog(records_limit)
        self.credentials = owner_credentials(access_key_id, secret_access_key)
        self._credentials: CredentialStore | None = None
        self._fork_environments = fork_server.wanted(fork_environments)
        self._forker: ForkServer | None = None
        self._isolate = confinement_mod.wanted(isolate_environments)
        self.iam = authorization.wanted(iam)
        self._confinement: confinement_mod.Confinement | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> LocalCloud:
        if self._server is not None:
            return self
        global _running
        if not _running_lock.acquire(blocking=False):
            raise RuntimeError("Another LocalCloud is already running in this process; stop it "
                               "first (moto keeps one state per process).")
        try:
            self._start()
        except BaseException:
            self._stop()
            _running_lock.release()
            raise
        _running = self
        return self

    def _start(self) -> None:
        moto_api_backend.reset()
        STATE.clear()
        _remove_orphaned_workdirs()
        self._workdir = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-"))
        (self._workdir / "home").mkdir()
        self._code = CodeCache(self._workdir / "code")
        self._guardian = Guardian()
        self._confinement = confinement_mod.Confinement(self._isolate)
        if self._confinement.root is not None:  # the freezer first: it stops, then kills
            folders = self._confinement.root.folders
            for controller in sorted(folders, key=lambda name: name != "freezer"):
                self._guardian.remove_at_end(str(folders[controller]))
        self._guardian.remove_at_end(str(self._workdir))
        if self._fork_environments:
            self._forker = ForkServer(self._workdir / "home")
        self._pool = EnvironmentPool(self._new_environment, self.clock,
                                     idle_timeout_s=self._idle_timeout, max_idle=self._max_warm)
        self._limiter = ConcurrencyLimiter(self.account_concurrency)
        self._hooks = LambdaBackendHooks(self._pool.retire, self._max_reservable, self.region,
                                         self._role_may_act if self.iam else None)
        self._hooks.install()
        self._reachability = Reachability(self.region, self.account_id)
        service = InvokeService(self.region, self._pool, self.records, self._limiter)
        if self.iam:
            service.authorize = self._authorize
            service.role_may = self._role_may
        self._queue = AsyncQueue(service, self.clock, DestinationSender(
            self._internal_client, self._submit_to_arn,
            self._role_refusal if self.iam else None))
        service.event_queue = self._queue
        self._hooks.route_service_invocations(service)
        self._credentials = CredentialStore(self.credentials)
        gateway = Gateway(service, DomainDispatcherApplication(create_backend_app),
                          self._reachability, self._credentials, self.account_id,
                          self.region)
        if self.iam:
            gateway.iam = self._authorize_request
        self._server = CloudServer(self._requested_port, gateway)
        self._thread = threading.Thread(target=self._server.serve_forever, name="lambdalab-cloud",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, end every execution environment, forget all state."""
        global _running
        if self._server is None and self._pool is None:
            return
        self._stop()
        _running = None
        _running_lock.release()

    def _stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._queue is not None:
            self._queue.close()
        if self._pool is not None:
            self._pool.shutdown()
        if self._forker is not None:  # after the pool: it reports the environments' ends
            self._forker.close()
        if self._confinement is not None:
            self._confinement.close()
        if self._guardian is not None:
            self._guardian.close()
        if self._hooks is not None:
            self._hooks.uninstall()
        if self._workdir is not None:
            remove_tree(self._workdir)
        STATE.clear()
        self._server = self._thread = self._pool = self._hooks = self._workdir = None
        self._guardian = self._forker = self._confinement = None
        self._queue = self._reachability = None
        self._internal_clients.clear()

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget every resource, queued event and environment; keep the same endpoint."""
        port = self.port
        self._stop()
        self.records.clear()
        self._requested_port, requested = port, self._requested_port
        try:
            self._start()
        finally:
            self._requested_port = requested

    # --- access ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("The cloud is not running; call start() first.")
        return int(self._server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def client(self, service_name: str, **kwargs: Any) -> Any:
        """A boto3 client bound to this cloud, signing with :attr:`credentials`, retries off.

        Pass ``config=botocore.config.Config(...)`` to study retry behaviour.
        """
        kwargs.setdefault("config", Config(retries={"total_max_attempts": 1}))
        new_client: Any = _session().client  # any service name (the stubs list literals)
        with _client_lock:  # creating clients is not thread-safe; using them is
            return new_client(
                service_name, region_name=self.region, endpoint_url=self.endpoint_url,
                aws_access_key_id=self.credentials.access_key_id,
                aws_secret_access_key=self.credentials.secret_access_key, **kwargs)

    def logs(self, function_name: str) -> list[str]:
        """Every CloudWatch log message of the function, in the order Lambda wrote them."""
        group = logs_backends[self.account_id][self.region].groups.get(
            f"/aws/lambda/{function_name}")
        if group is None:
            return []
        events = [event for stream in group.streams.values() for event in stream.events]
        return [event.message for event in sorted(events, key=lambda e: e.event_id)]

    def invocations(self, function_name: str | None = None) -> list[InvocationRecord]:
        """What ran: one record per invocation attempt, oldest first (the newest
        ``records_limit``; throttled attempts included)."""
        return self.records.all(function_name)

    def async_results(self, function_name: str | None = None) -> list[AsyncResult]:
        """How each accepted asynchronous event ended, in the order they ended."""
        results = self._queue.results if self._queue else []
        return [r for r in results if function_name is None or r.function == function_name]

    def wait_for_async(self, timeout: float = 30.0) -> None:
        """Block until every accepted asynchronous event has ended (raises on timeout)."""
        if self._queue is not None and not self._queue.wait_idle(timeout):
            raise TimeoutError(f"{self._queue.pending()} asynchronous events still pending "
                               f"after {timeout} s")

    def concurrency_in_use(self, function_name: str) -> int:
        arn = f"arn:aws:lambda:{self.region}:{self.account_id}:function:{function_name}"
        return self._limiter.in_use(arn)

    def explain_reachability(self, function_name: str,
                             host: str | None = None) -> ReachabilityExplanation:
        """Can the function's code reach ``host`` (default: the Lambda API) now, and why?

        AWS answers this only through VPC Reachability Analyzer; here one sentence says
        which route, gateway, endpoint or security group decides. A function in several
        subnets is judged from each (``by_subnet``); it is reachable only from all of them.
        """
        if self._reachability is None:
            raise RuntimeError("The cloud is not running; call start() first.")
        return self._reachability.explain(function_name, host)

    @property
    def isolation(self) -> dict[str, bool]:
        """Which of the OS's means bound the environments here: ``cgroups`` (1,024 processes,
        a hard memory ceiling) and ``private_tmp`` (a /tmp of their own, a read-only code
        folder). The memory limit holds either way."""
        confined = self._confinement
        return {"cgroups": confined is not None and confined.root is not None,
                "private_tmp": confined is not None and confined.private_tmp}

    def environment_pids(self, function_name: str | None = None) -> list[int]:
        """Process ids of the live execution environments (for leak checks and tours),
        of one function's only when ``function_name`` is given."""
        environments = self._pool.environments() if self._pool else []
        return [env.pid for env in environments
                if function_name is None or env.spec.name == function_name]

    # --- internals ------------------------------------------------------------------------

    def _internal_client(self, service_name: str) -> Any:
        """Clients the cloud uses to deliver to its own services (destinations, DLQs)."""
        if service_name not in self._internal_clients:
            self._internal_clients[service_name] = self.client(service_name)
        return self._internal_clients[service_name]

    def _submit_to_arn(self, function_arn: str, payload: bytes) -> None:
        assert self._queue is not None
        self._queue.submit_to_arn(function_arn, payload)

    def _authorize(self, access_key_id: str, action: str, resource: str) -> str | None:
        denied = authorization.check(access_key_id, self.account_id, self.region, action,
                                     resource)
        return None if denied is None else denied.message

    def _role_may(self, spec: FunctionSpec, action: str, resource: str) -> bool:
        """Whether Lambda, acting as the function's role, may do this (its logs)."""
        return self._role_may_act(spec.role, spec.name, action, resource)

    def _role_may_act(self, role: str, function_name: str, action: str,
                      resource: str) -> bool:
        return self._role_refusal(role, function_name, action, resource) is None

    def _role_refusal(self, role: str, function_name: str, action: str,
                      resource: str) -> str | None:
        """IAM's refusal of what Lambda does as a function's role (logs, destinations)."""
        denied = authorization.role_check(role, function_name, self.account_id, self.region,
                                          action, resource, action.partition(":")[0])
        return None if denied is None else denied.message

    def _authorize_request(self, access_key_id: str,
                           needed: list[Requested]) -> authorization.Denial | None:
        return authorization.check_all(access_key_id, self.account_id, self.region, needed)

    def _max_reservable(self, function_name: str) -> int:
        return self._limiter.max_reservable(
            reserved_total(self.region, self.account_id, excluding=function_name))

    def _new_environment(self, spec: FunctionSpec) -> ExecutionEnvironment:
        assert self._workdir is not None and self._reachability is not None
        assert self._credentials is not None
        code_dir = self._code.task_root(spec.code_bytes, spec.arn)  # may refuse the package
        routes = self._reachability.route_table(f"{LOOPBACK}:{self.port}", spec)
        store = self._credentials
        credentials, end_session = role_sessions.assume(spec.role, spec.name, spec.region,
                                                        spec.account)
        store.accept(credentials)

        def revoke() -> None:
            store.revoke(credentials.access_key_id)
            end_session()

        settings = EnvironmentSettings(
            routes=routes,
            code_dir=code_dir,
            home_dir=self._workdir / "home",
            credentials=credentials,
            runtime_client=self.runtime_client,
            guardian=self._guardian,
            forker=self._forker,
            confinement=self._confinement,
            on_end=revoke)
        try:
            environment = ExecutionEnvironment(spec, settings)
        except BaseException:
            self._reachability.placements.forget(routes.token or "")
            revoke()
            raise
        self._reachability.placements.attach(routes.token or "", environment)
        return environment
