"""The cloud's single HTTP entry point: who may come in, then where the request goes.

Every request must be signed (SigV4) with credentials the cloud issued, as AWS accepts
only credentials IAM knows; anything else gets the refusal AWS gives, in the protocol of
the service asked (:mod:`lambdalab.access`). moto's admin surface (``/moto-api``) is
closed, and no response allows cross-origin reads, so neither another local user nor a
web page can drive the cloud.

A request from an execution environment also carries the environment's token; before
anything else, the gateway asks whether that environment's network reaches the request's
host now. If not, nothing reaches the service: the environment gets a marker that makes
its SDK call hang until its connect timeout, as on AWS.

Then Invoke goes to the data plane, everything else to moto.
"""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any, Protocol
from urllib.parse import parse_qs, quote, unquote

from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Request, Response

from lambdalab import body_limits
from lambdalab.access import requested_actions, signature
from lambdalab.access.authorization import Denial
from lambdalab.access.credentials import CredentialStore
from lambdalab.access.refusals import access_denied_response, refusal_response
from lambdalab.access.requested_actions import Requested
from lambdalab.invoke import (
    account_settings,
    api,
    error_shapes,
    errors,
    event_invoke_configs,
    names,
)
from lambdalab.invoke.service import InvokeService
from lambdalab.network.model import Verdict
from lambdalab.runtime.network import TOKEN_HEADER, UNREACHABLE_HEADER

TOKEN_ENVIRON_KEY = "HTTP_" + TOKEN_HEADER.upper().replace("-", "_")
log = logging.getLogger(__name__)
SIGNED_ENVIRON_KEY = "lambdalab.signed"  # the checked signature and the body it covered
CLOSED_PATHS = ("/moto-api", "/favicon.ico")
LAMBDA_FUNCTIONS_PATH = re.compile(r"^/\d{4}-\d\d-\d\d/functions(/|$)")  # Lambda's API
FUNCTION_PATH = re.compile(
    r"^/(?P<version>\d{4}-\d\d-\d\d)/functions/(?P<name>[^/]+)(?P<rest>/.*)?$")


class NetworkJudge(Protocol):
    def decide(self, token: str, host: str) -> Verdict: ...


class Gateway:
    """A WSGI application: authenticate, route by network, then dispatch by path."""

    def __init__(self, service: InvokeService, moto_app: Any,
                 network: NetworkJudge | None = None, credentials: CredentialStore | None = None,
                 account_id: str = "", region: str = "") -> None:
        self._service = service
        self._moto = moto_app
        self._network = network
        self._credentials = credentials
        self._account_id = account_id
        self._region = region
        self.iam: Callable[[str, list[Requested]], Denial | None] | None = None  # when enforced

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(CLOSED_PATHS):
            return Response("Not Found", 404, {"Content-Type": "text/plain"})(
                environ, start_response)
        token = environ.pop(TOKEN_ENVIRON_KEY, None)
        if token is not None and self._network is not None:
            verdict = self._network.decide(token, environ.get("HTTP_HOST", ""))
            if not verdict.reachable:
                return _black_hole(verdict)(environ, start_response)
        if self._credentials is not None:
            refused = self._authenticate(environ)
            if refused is not None:
                return refused(environ, start_response)
        refused = _normalize_function_name(environ, self._region, self._account_id)
        if refused is None and self.iam is not None and SIGNED_ENVIRON_KEY in environ:
            refused = self._authorize(environ)  # on the name as Lambda reads it
        if refused is not None:
            return refused(environ, start_response)
        path = environ.get("PATH_INFO", "")
        if account_settings.PATH.match(path) and environ.get("REQUEST_METHOD") == "GET":
            return self._account_settings()(environ, start_response)
        configs = event_invoke_configs.PATH.match(path)
        if configs is not None:
            return self._event_invoke_config(environ, configs)(environ, start_response)
        found = api.match(path)
        if found is None and LAMBDA_FUNCTIONS_PATH.match(path):
            return _with_aws_error_shapes(self._moto, environ, _without_cors(start_response))
        if found is None:
            return self._moto(environ, _without_cors(start_response))
        response = api.handle(self._service, Request(environ), found)
        return response(environ, start_response)

    def _authenticate(self, environ: dict[str, Any]) -> Response | None:
        """None if the request is signed by credentials the cloud knows, else AWS's answer.

        The headers are checked first: the body of a request that is unsigned, signed by a
        stranger, for another region or at another time is never read. The rest is read
        up to the cap of its API (:func:`body_limits.cap`), then the signature is checked.
        """
        assert self._credentials is not None
        headers = dict(Request(environ).headers)
        try:
            if environ.get("REQUEST_METHOD") == "OPTIONS":  # no cross-origin preflight
                raise signature.Refusal(signature.UNSIGNED)
            signed = signature.check_headers(headers, self._credentials, self._account_id,
                                             self._region)
        except signature.Refusal as refusal:
            return refusal_response(refusal, environ, b"")
        too_large = body_limits.refusal(environ)
        if too_large is not None:
            return too_large
        try:
            body = _buffer_body(environ, body_limits.cap(environ))
        except ClientDisconnected:
            return Response(b"", 400)  # nobody is left to read an answer; nothing runs
        except body_limits.TooLarge:
            return body_limits.too_large(environ)
        except (OSError, ValueError):  # a chunked body that breaks its own encoding
            return body_limits.malformed()
        try:
            signature.check_signature(signed, environ.get("REQUEST_METHOD", "GET"),
                                      _raw_path(environ), headers, body)
        except signature.Refusal as refusal:
            return refusal_response(refusal, environ, body)
        environ[SIGNED_ENVIRON_KEY] = (signed, body)
        return None

    def _authorize(self, environ: dict[str, Any]) -> Response | None:
        """IAM's decision on a call signed by a function's role (an Invoke is decided by
        the data plane, which knows the qualifier); None if it may go on."""
        assert self.iam is not None
        signed, body = environ[SIGNED_ENVIRON_KEY]
        path = environ.get("PATH_INFO", "")
        if signed.service == "lambda" and api.match(path):
            return None
        request = requested_actions.Request(
            signed.service, environ.get("REQUEST_METHOD", "GET"), path,
            environ.get("QUERY_STRING", ""),
            {name.lower(): value for name, value in Request(environ).headers.items()},
            body, self._region, self._account_id)
        try:
            needed = requested_actions.requested(request)
        except Exception:  # never a traceback: what cannot be read is asked for whole
            log.exception("could not tell what a request asks IAM for")
            needed = [Requested(signed.service, requested_actions.UNKNOWN,
                                f"{signed.service}:{requested_actions.UNKNOWN}", "*")]
        denied = self.iam(signed.credentials.access_key, needed)
        if denied is None:
            return None
        return access_denied_response(signed.service, environ, body, denied.message)

    def _event_invoke_config(self, environ: dict[str, Any], found: re.Match[str]) -> Response:
        """The event-invoke configuration API, answered as AWS does (moto's is partial)."""
        request = Request(environ)
        try:
            status, body = event_invoke_configs.handle(
                request.method, self._region, self._account_id, unquote(found["name"]),
                dict(request.args), request.get_data(cache=False), bool(found["list"]))
        except errors.LambdaError as refusal:
            return Response(refusal.body(), refusal.status, refusal.headers(str(uuid.uuid4())))
        return Response(body, status, {"Content-Type": "application/json",
                                       "x-amzn-RequestId": str(uuid.uuid4())})

    def _account_settings(self) -> Response:
        """GetAccountSettings, from the quota the cloud enforces (moto does not answer it)."""
        document = account_settings.body(self._service.region, self._account_id,
                                         self._service.limiter.account_limit)
        return Response(document, 200, {"Content-Type": "application/json",
                                         "x-amzn-RequestId": str(uuid.uuid4())})


FUNCTIONS_ONLY = ("This operation is permitted on Lambda functions only. Aliases and versions "
                  "do not support this operation. Please specify either a function name or an "
                  "unqualified function ARN.")


def _query_qualifier(environ: dict[str, Any]) -> str | None:
    """The ``Qualifier`` a Lambda call sends beside the function's name, if any."""
    values = parse_qs(environ.get("QUERY_STRING", "")).get("Qualifier")
    return values[0] if values else None


def _normalize_function_name(environ: dict[str, Any], region: str,
                             account_id: str) -> Response | None:
    """Check a Lambda path's function name as Lambda does; hand moto a form it reads.

    A partial ARN becomes a full one and ``name:$LATEST`` the name alone (moto answers
    both with an HTML error page); a name Lambda would refuse gets Lambda's JSON error.
    """
    found = FUNCTION_PATH.match(environ.get("PATH_INFO", ""))
    if found is None:
        return None
    try:
        ref = names.parse(found["name"])
        names.locate(ref, region, account_id, _query_qualifier(environ))
        if ref.qualifier and (found["rest"] or "").startswith("/concurrency"):
            raise errors.invalid_parameter(FUNCTIONS_ONLY)
    except errors.LambdaError as refusal:
        return Response(refusal.body(), refusal.status, refusal.headers(str(uuid.uuid4())))
    name = f"arn:aws:lambda:{region}:{ref.account}:function:{ref.name}" if ref.account else (
        ref.name)
    if ref.qualifier and ref.qualifier != "$LATEST":
        name += f":{ref.qualifier}"
    if name != found["name"]:
        path = f"/{found['version']}/functions/{name}{found['rest'] or ''}"
        query = environ.get("QUERY_STRING")
        environ["PATH_INFO"] = path
        environ["RAW_URI"] = environ["REQUEST_URI"] = quote(path) + (f"?{query}" if query else "")
    return None


def _buffer_body(environ: dict[str, Any], cap: int) -> bytes:
    """Read the request body once, ``cap`` bytes at most, and put it back for whoever reads
    it next (raises :class:`body_limits.TooLarge` past the cap)."""
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):
        body = stream.read(cap + 1)
        if len(body) > cap:
            raise body_limits.TooLarge()
    else:
        length = body_limits.content_length(environ)
        body = stream.read(length) if length > 0 else b""
        if len(body) < length:
            raise ClientDisconnected()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("wsgi.input_terminated", None)
    # the body is whole now: a request that came chunked (boto3 streams S3 uploads over
    # HTTPS so) must not say so any more, or werkzeug reads an empty body
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return body


def _raw_path(environ: dict[str, Any]) -> str:
    """The path and query exactly as the client sent (and signed) them."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return raw
    query = environ.get("QUERY_STRING")
    return quote(environ.get("PATH_INFO", "")) + (f"?{query}" if query else "")


def _with_aws_error_shapes(app: Any, environ: dict[str, Any],
                           start_response: Any) -> Iterable[bytes]:
    """moto's answer to a Lambda call, with an error's body as AWS shapes it."""
    answered: list[Any] = []

    def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        answered[:] = [status, headers]
        return lambda data: None  # moto returns its body; it never writes through this

    body = b"".join(app(environ, keep))
    status, headers = answered
    if int(status.split()[0]) >= 400:
        code = dict((k.lower(), v) for k, v in headers).get("x-amzn-errortype", "")
        if not code:
            try:
                code = str(json.loads(body).get("__type", ""))
            except (ValueError, AttributeError):
                code = ""
        better = error_shapes.reshaped(code.split(":")[0], body) if code else None
        if better is not None:
            body = better
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
    start_response(status, headers)
    return [body]


def _without_cors(start_response: Any) -> Any:
    """Drop moto's ``Access-Control-*`` headers: no web page may read the cloud's answers."""

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
        return start_response(status, kept, exc_info) if exc_info else start_response(
            status, kept)

    return start


def _black_hole(verdict: Verdict) -> Response:
    """What the environment turns into a connect timeout; the reason helps a human reading."""
    return Response(str(verdict), 504, {UNREACHABLE_HEADER: "1", "Content-Type": "text/plain"})
