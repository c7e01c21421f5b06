"""Warm execution environments, kept per function version and reused one request at a time.

Reuse is what makes a second invoke warm; the fingerprint check is what makes a code
or configuration change start fresh environments, as on AWS.

Like Lambda, the pool lets idle environments go: one left idle longer than the idle
timeout (Lambda's schedule, so it follows the cloud's ``time_scale``) is shut down, and
the next invocation of its function starts cold. A laptop also needs a bound Lambda does
not have: at most ``max_idle`` environments stay warm, and when one more would, the one
idle the longest goes first. Busy environments are never evicted: how many run at once
is decided by the concurrency limits alone, as on AWS.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable

from lambdalab.invoke.clock import LambdaClock
from lambdalab.invoke.environment import ExecutionEnvironment
from lambdalab.invoke.functions import FunctionSpec

EnvironmentFactory = Callable[[FunctionSpec], ExecutionEnvironment]

IDLE_TIMEOUT_S = 300.0  # Lambda-clock seconds an environment stays warm without work
MAX_IDLE_ENVIRONMENTS = 50  # warm environments kept at most, across all functions
KILLED_AT_ONCE = 16  # environments killed side by side when many go at once


class EnvironmentPool:
    def __init__(self, factory: EnvironmentFactory, clock: LambdaClock | None = None, *,
                 idle_timeout_s: float = IDLE_TIMEOUT_S,
                 max_idle: int = MAX_IDLE_ENVIRONMENTS) -> None:
        self._factory = factory
        self._clock = clock or LambdaClock()
        self._idle_timeout_s = idle_timeout_s
        self._max_idle = max_idle
        self._lock = threading.Lock()
        self._idle: dict[tuple[str, str], list[ExecutionEnvironment]] = defaultdict(list)
        self._idle_since: OrderedDict[ExecutionEnvironment, float] = OrderedDict()  # oldest first
        self._busy: set[ExecutionEnvironment] = set()
        self._retired: set[str] = set()  # ids of busy environments to discard when released
        self._closed = False
        self._wake = threading.Event()
        self._reaper = threading.Thread(target=self._reap_idle, name="lambdalab-idle-reaper",
                                        daemon=True)
        self._reaper.start()

    def acquire(self, spec: FunctionSpec) -> ExecutionEnvironment:
        """A warm idle environment for ``spec`` if one exists, else a new (cold) one."""
        stale: list[ExecutionEnvironment] = []
        chosen = None
        with self._lock:
            if self._closed:
                raise RuntimeError("the cloud is stopped")
            idle = self._idle[spec.pool_key]
            while idle:
                env = idle.pop()
                self._idle_since.pop(env, None)
                if env.alive and env.spec.fingerprint == spec.fingerprint:
                    chosen = env
                    break
                stale.append(env)
            if chosen is not None:
                self._busy.add(chosen)
        self._kill_all(stale)
        if chosen is None:
            chosen = self._factory(spec)
            with self._lock:
                self._busy.add(chosen)
        return chosen

    def release(self, env: ExecutionEnvironment) -> None:
        """Return ``env`` after an invocation; dead or retired environments are discarded."""
        evicted: list[ExecutionEnvironment] = []
        with self._lock:
            self._busy.discard(env)
            keep = env.alive and not self._closed and env.id not in self._retired
            self._retired.discard(env.id)
            if keep:
                self._idle[env.spec.pool_key].append(env)
                self._idle_since[env] = time.monotonic()
                while len(self._idle_since) > self._max_idle:
                    evicted.append(self._take_idle(next(iter(self._idle_since))))
        if not keep:
            evicted.append(env)
        self._kill_all(evicted)

    def retire(self, function_arn: str) -> None:
        """Discard the function's environments: idle ones now, busy ones when released."""
        with self._lock:
            doomed = [self._take_idle(env) for env in list(self._idle_since)
                      if env.spec.arn == function_arn]
            self._retired.update(env.id for env in self._busy if env.spec.arn == function_arn)
        self._kill_all(doomed)

    def environments(self) -> list[ExecutionEnvironment]:
        with self._lock:
            return list(self._idle_since) + list(self._busy)

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            everything = list(self._idle_since) + list(self._busy)
            self._idle.clear()
            self._idle_since.clear()
        self._wake.set()
        self._reaper.join(timeout=5)
        self._kill_all(everything)

    def _take_idle(self, env: ExecutionEnvironment) -> ExecutionEnvironment:
        """Remove an idle environment from the pool (the caller holds the lock)."""
        self._idle_since.pop(env, None)
        idle = self._idle.get(env.spec.pool_key, [])
        if env in idle:
            idle.remove(env)
        return env

    def _reap_idle(self) -> None:
        """Shut down environments idle longer than the idle timeout, until shutdown."""
        timeout = self._clock.real_seconds(self._idle_timeout_s)
        while not self._wake.wait(min(max(timeout / 4, 0.05), 5.0)):
            now = time.monotonic()
            with self._lock:
                expired = [self._take_idle(env) for env, since in list(self._idle_since.items())
                           if now - since >= timeout]
            self._kill_all(expired)

    @staticmethod
    def _kill_all(envs: list[ExecutionEnvironment]) -> None:
        """Kill environments side by side, 16 at a time. Plain threads, not an executor:
        a kernel's exit stops its cloud from an atexit callback, when concurrent.futures
        no longer takes work."""
        if len(envs) == 1:
            envs[0].kill()
            return
        for start in range(0, len(envs), KILLED_AT_ONCE):
            killers = [threading.Thread(target=env.kill, name="lambdalab-kill", daemon=True)
                       for env in envs[start:start + KILLED_AT_ONCE]]
            for killer in killers:
                killer.start()
            for killer in killers:
                killer.join()
