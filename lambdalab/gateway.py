"""The cloud's single HTTP entry point: Invoke goes to the data plane, the rest to moto.

A request from an execution environment carries the environment's token; before anything
else, the gateway asks whether that environment's network reaches the request's host
now. If not, nothing reaches the service: the environment gets a marker that makes its
SDK call hang until its connect timeout, as on AWS.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, Protocol

from werkzeug.wrappers import Request, Response

from lambdalab.invoke import account_settings, api
from lambdalab.invoke.functions import DEFAULT_ACCOUNT
from lambdalab.invoke.service import InvokeService
from lambdalab.network.model import Verdict
from lambdalab.runtime.network import TOKEN_HEADER, UNREACHABLE_HEADER

TOKEN_ENVIRON_KEY = "HTTP_" + TOKEN_HEADER.upper().replace("-", "_")


class NetworkJudge(Protocol):
    def decide(self, token: str, host: str) -> Verdict: ...


class Gateway:
    """A WSGI application dispatching by path, as Lambda's invoke endpoint is distinct."""

    def __init__(self, service: InvokeService, moto_app: Any,
                 network: NetworkJudge | None = None) -> None:
        self._service = service
        self._moto = moto_app
        self._network = network

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        token = environ.pop(TOKEN_ENVIRON_KEY, None)
        if token is not None and self._network is not None:
            verdict = self._network.decide(token, environ.get("HTTP_HOST", ""))
            if not verdict.reachable:
                return _black_hole(verdict)(environ, start_response)
        path = environ.get("PATH_INFO", "")
        if account_settings.PATH.match(path) and environ.get("REQUEST_METHOD") == "GET":
            return self._account_settings()(environ, start_response)
        found = api.match(path)
        if found is None:
            return self._moto(environ, start_response)
        response = api.handle(self._service, Request(environ), found)
        return response(environ, start_response)


    def _account_settings(self) -> Response:
        """GetAccountSettings, from the quota the cloud enforces (moto does not answer it)."""
        document = account_settings.body(self._service.region, DEFAULT_ACCOUNT,
                                         self._service.limiter.account_limit)
        return Response(document, 200, {"Content-Type": "application/json",
                                         "x-amzn-RequestId": str(uuid.uuid4())})


def _black_hole(verdict: Verdict) -> Response:
    """What the environment turns into a connect timeout; the reason helps a human reading."""
    return Response(str(verdict), 504, {UNREACHABLE_HEADER: "1", "Content-Type": "text/plain"})
