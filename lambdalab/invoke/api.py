"""The Invoke HTTP endpoint: turns Lambda's REST request into an :class:`InvokeRequest`."""

from __future__ import annotations

import logging
import re
import uuid
from urllib.parse import unquote

from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Request, Response

from lambdalab.invoke import errors
from lambdalab.invoke.service import InvokeRequest, InvokeService

log = logging.getLogger(__name__)

INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")
INVOKE_ASYNC_PATH = re.compile(r"^/2014-11-13/functions/(?P<name>[^/]+)/invoke-async/?$")


def signing_key(authorization: str) -> str | None:
    """The access key a SigV4 ``Authorization`` header names."""
    credential = authorization.partition("Credential=")[2].partition("/")[0]
    return credential or None


def match(path: str) -> re.Match[str] | None:
    return INVOKE_PATH.match(path) or INVOKE_ASYNC_PATH.match(path)


def handle(service: InvokeService, request: Request, found: re.Match[str]) -> Response:
    """Answer one Invoke (or InvokeAsync) call, with AWS's error for any bad input."""
    request_id = str(uuid.uuid4())
    try:
        if request.method != "POST":
            raise errors.LambdaError(405, "MethodNotAllowedException", "Method not allowed")
        is_async_api = found.re is INVOKE_ASYNC_PATH
        invoke = InvokeRequest(
            function_name=unquote(found["name"]),
            qualifier=request.args.get("Qualifier"),
            payload=request.get_data(cache=False),
            invocation_type="Event" if is_async_api else request.headers.get(
                "X-Amz-Invocation-Type", "RequestResponse"),
            log_type=request.headers.get("X-Amz-Log-Type", "None"),
            client_context=request.headers.get("X-Amz-Client-Context"),
            caller_key=signing_key(request.headers.get("Authorization", "")),
        )
        result = service.invoke(invoke)
        if is_async_api:  # the deprecated API answers with a status document
            return Response(b'{"Status": 202}', 202, {"Content-Type": "application/json"})
        return Response(result.body, result.status, result.headers)
    except errors.LambdaError as e:
        return Response(e.body(), e.status, e.headers(request_id))
    except ClientDisconnected:  # the client went away mid-request (a killed environment
        return Response(b"", 400)  # whose thread was sending): nobody left to answer
    except Exception:  # never a traceback to the client: log it, answer as AWS would
        log.exception("Invoke failed inside the local cloud")
        failure = errors.service_error(
            "The local cloud failed to run this invocation; see its log.")
        return Response(failure.body(), failure.status, failure.headers(request_id))
