"""The cloud's single HTTP entry point: Invoke goes to the data plane, the rest to moto."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from werkzeug.wrappers import Request

from lambdalab.invoke import api
from lambdalab.invoke.service import InvokeService


class Gateway:
    """A WSGI application dispatching by path, as Lambda's invoke endpoint is distinct."""

    def __init__(self, service: InvokeService, moto_app: Any) -> None:
        self._service = service
        self._moto = moto_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        found = api.match(environ.get("PATH_INFO", ""))
        if found is None:
            return self._moto(environ, start_response)
        response = api.handle(self._service, Request(environ), found)
        return response(environ, start_response)
