"""Who sent a request: the token the cloud gives each execution environment, and its place.

Every execution environment gets a random token when it starts; its SDK requests carry it,
and the cloud looks the token up to learn which function sent the request and from which
subnet. A random token (not a guessable id) is what a later authentication of environments
can build on. A token lives as long as its environment.

Subnets: AWS spreads a function's environments over the subnets of its VpcConfig. Here the
choice is round-robin, fixed for an environment's life: the first environment of a
function uses the first subnet listed, the second the next one, and so on.
"""

from __future__ import annotations

import secrets
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Protocol

from lambdalab.network.model import Placement

UNKNOWN_VPC = "vpc-unknown"  # the function's subnet was deleted: nothing is reachable


class Environment(Protocol):
    @property
    def alive(self) -> bool: ...


@dataclass
class PlacedEnvironment:
    placement: Placement
    account: str
    region: str
    environment: Environment | None = None  # known once the process is started


class EnvironmentPlacements:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_token: dict[str, PlacedEnvironment] = {}
        self._turns: dict[str, int] = defaultdict(int)

    def place(self, function_arn: str, function_name: str, vpc_config: dict[str, Any] | None,
              vpc_id: str | None, account: str, region: str) -> str:
        """Choose a new environment's subnet and return its token."""
        subnets = list((vpc_config or {}).get("SubnetIds") or [])
        groups = tuple((vpc_config or {}).get("SecurityGroupIds") or [])
        with self._lock:
            self._forget_dead()
            if subnets:
                turn = self._turns[function_arn]
                self._turns[function_arn] = turn + 1
                placement = Placement(function_name, vpc_id or UNKNOWN_VPC,
                                      subnets[turn % len(subnets)], groups)
            else:
                placement = Placement(function_name)
            token = secrets.token_urlsafe(32)
            self._by_token[token] = PlacedEnvironment(placement, account, region)
        return token

    def attach(self, token: str, environment: Environment) -> None:
        with self._lock:
            placed = self._by_token.get(token)
            if placed is not None:
                placed.environment = environment

    def forget(self, token: str) -> None:
        with self._lock:
            self._by_token.pop(token, None)

    def lookup(self, token: str) -> PlacedEnvironment | None:
        """The environment holding ``token``, if it is still alive."""
        placed = self._by_token.get(token)
        if placed is None or (placed.environment is not None and not placed.environment.alive):
            return None
        return placed

    def _forget_dead(self) -> None:
        dead = [t for t, p in self._by_token.items()
                if p.environment is not None and not p.environment.alive]
        for token in dead:
            del self._by_token[token]
