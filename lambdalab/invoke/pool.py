"""Warm execution environments, kept per function version and reused one request at a time.

Reuse is what makes a second invoke warm; the fingerprint check is what makes a code
or configuration change start fresh environments, as on AWS.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from lambdalab.invoke.environment import ExecutionEnvironment
from lambdalab.invoke.functions import FunctionSpec

EnvironmentFactory = Callable[[FunctionSpec], ExecutionEnvironment]


class EnvironmentPool:
    def __init__(self, factory: EnvironmentFactory) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._idle: dict[tuple[str, str], list[ExecutionEnvironment]] = defaultdict(list)
        self._busy: set[ExecutionEnvironment] = set()
        self._retired: set[str] = set()  # ids of busy environments to discard when released
        self._closed = False

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
        with self._lock:
            self._busy.discard(env)
            keep = env.alive and not self._closed and env.id not in self._retired
            self._retired.discard(env.id)
            if keep:
                self._idle[env.spec.pool_key].append(env)
        if not keep:
            env.kill()

    def retire(self, function_arn: str) -> None:
        """Discard the function's environments: idle ones now, busy ones when released."""
        with self._lock:
            doomed = []
            for key in [k for k in self._idle if k[0] == function_arn]:
                doomed.extend(self._idle.pop(key))
            self._retired.update(env.id for env in self._busy if env.spec.arn == function_arn)
        self._kill_all(doomed)

    def environments(self) -> list[ExecutionEnvironment]:
        with self._lock:
            return [env for envs in self._idle.values() for env in envs] + list(self._busy)

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            everything = [env for envs in self._idle.values() for env in envs]
            everything += list(self._busy)
            self._idle.clear()
        self._kill_all(everything)

    @staticmethod
    def _kill_all(envs: list[ExecutionEnvironment]) -> None:
        if len(envs) == 1:
            envs[0].kill()
        elif envs:
            with ThreadPoolExecutor(max_workers=min(16, len(envs))) as executor:
                list(executor.map(ExecutionEnvironment.kill, envs))
