"""How much of a request body the cloud reads, per API, before it refuses the rest.

The body is read only once the headers are known to be signed by credentials the cloud
issued (:mod:`lambdalab.gateway`), and at most up to its API's cap: Invoke takes what
Lambda takes (6 MB, 413 ``RequestEntityTooLargeException`` past it, answered from the
declared ``Content-Length`` without reading a byte); every other API takes
:data:`DEFAULT_CAP_BYTES`, which holds a 50 MB zip sent as base64 JSON
(CreateFunction's own limit) and refuses the rest with a plain 413.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Response

from lambdalab.invoke import errors
from lambdalab.invoke.limits import ASYNC_PAYLOAD_BYTES, SYNC_PAYLOAD_BYTES

INVOKE_PATH = re.compile(r"^/2015-03-31/functions/[^/]+/invocations/?$")
DEFAULT_CAP_BYTES = 128 * 1024 * 1024


class TooLarge(Exception):
    """A body that went past its cap while it was read (sent without a length)."""


class BadLength(ValueError):
    """A ``Content-Length`` that is not a number of bytes."""


def content_length(environ: dict[str, Any]) -> int:
    text = (environ.get("CONTENT_LENGTH") or "0").strip()
    if not text.isdigit():
        raise BadLength(text)
    return int(text)


def _is_invoke(environ: dict[str, Any]) -> bool:
    return bool(INVOKE_PATH.match(environ.get("PATH_INFO", "")))


def cap(environ: dict[str, Any]) -> int:
    """The most of this request's body the cloud will read."""
    return SYNC_PAYLOAD_BYTES if _is_invoke(environ) else DEFAULT_CAP_BYTES


def refusal(environ: dict[str, Any]) -> Response | None:
    """AWS's answer to a body declared larger than its cap, or to a length that is none;
    None when the body may be read."""
    try:
        declared = content_length(environ)
    except BadLength:
        return malformed()
    if declared > cap(environ):
        return too_large(environ, declared)
    return None


def malformed() -> Response:
    """A body that cannot be read as its headers say (a broken chunked encoding)."""
    return Response('{"message": "The request body is not well formed"}', 400,
                    {"Content-Type": "application/json"})


def too_large(environ: dict[str, Any], size: int | None = None) -> Response:
    """413, in Lambda's words for an Invoke (``size`` unknown: the body came chunked)."""
    if not _is_invoke(environ):
        return Response("Request Entity Too Large", 413, {"Content-Type": "text/plain"})
    kind = environ.get("HTTP_X_AMZ_INVOCATION_TYPE") or "RequestResponse"
    limit = ASYNC_PAYLOAD_BYTES if kind == "Event" else SYNC_PAYLOAD_BYTES
    error = errors.payload_too_large(size if size is not None else SYNC_PAYLOAD_BYTES + 1,
                                     kind, limit)
    return Response(error.body(), error.status, error.headers("-"))
