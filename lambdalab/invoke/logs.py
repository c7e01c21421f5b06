"""Function logs as Lambda writes them: into CloudWatch Logs (moto), and as a tail.

Lambda frames every invocation with START / END / REPORT lines around what the code
printed, stores it in log group ``/aws/lambda/<name>``, one stream per execution
environment, and can return the last 4 KB base64-encoded in ``X-Amz-Log-Result``.
The local cloud keeps the newest 20,000 events (16 MB at most) of each log group.
"""

from __future__ import annotations

import base64
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.logs.exceptions import ResourceAlreadyExistsException
from moto.logs.models import logs_backends

from lambdalab.invoke.limits import LOG_TAIL_BYTES

# The newest log lines the local cloud keeps per function (a memory bound; AWS keeps all).
GROUP_EVENTS_LIMIT = 20_000
GROUP_BYTES_LIMIT = 16 * 1024 * 1024

_lock = threading.Lock()


@dataclass
class LogLine:
    timestamp_ms: int
    message: str


def now_ms() -> int:
    return int(time.time() * 1000)


def new_stream_name(version: str) -> str:
    """``2026/11/28/[$LATEST]<32 hex>``, the shape of a Lambda log stream name."""
    return time.strftime("%Y/%m/%d/", time.gmtime()) + f"[{version}]" + secrets.token_hex(16)


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def report_line(request_id: str, duration_ms: float, memory_size: int, max_memory_mb: int,
                init_duration_ms: float | None, status: str | None = None,
                error_type: str | None = None) -> str:
    """The REPORT line; billed duration is the handler's time plus a cold start's init,
    rounded up to the millisecond once (AWS does not round each part up)."""
    billed = math.ceil(duration_ms + (init_duration_ms or 0.0))
    parts = [f"REPORT RequestId: {request_id}", f"Duration: {duration_ms:.2f} ms",
             f"Billed Duration: {billed} ms", f"Memory Size: {memory_size} MB",
             f"Max Memory Used: {max_memory_mb} MB"]
    if init_duration_ms is not None:
        parts.append(f"Init Duration: {init_duration_ms:.2f} ms")
    if status:
        parts.append(f"Status: {status}")
    if error_type:
        parts.append(f"Error Type: {error_type}")
    return "\t".join(parts) + "\t"


def tail(lines: list[LogLine]) -> str:
    """The last 4 KB of an invocation's log, base64-encoded, for ``LogType=Tail``."""
    text = "".join(line.message + "\n" for line in lines).encode()
    return base64.b64encode(text[-LOG_TAIL_BYTES:]).decode()


def write(account: str, region: str, group: str, stream: str, lines: list[LogLine],
          allowed: Callable[[str, str], bool] | None = None) -> None:
    """Append lines to CloudWatch Logs, creating the group and stream as Lambda does.

    Lambda does so as the function's execution role (``allowed`` says whether the role may
    perform an action on a resource): without ``logs:CreateLogGroup`` there is no group to
    write to (unless one exists), without ``logs:CreateLogStream`` or ``logs:PutLogEvents``
    nothing is written, and the function runs all the same (developer guide, "Sending
    Lambda function logs to CloudWatch Logs").
    """
    if not lines:
        return
    backend = logs_backends[account][region]
    group_arn = f"arn:aws:logs:{region}:{account}:log-group:{group}"
    stream_arn = f"{group_arn}:log-stream:{stream}"
    may = allowed or (lambda action, resource: True)
    # decided before taking the lock, which every function's logs share
    create_group = may("logs:CreateLogGroup", f"{group_arn}:*")
    create_stream = may("logs:CreateLogStream", stream_arn)
    if not may("logs:PutLogEvents", stream_arn):
        return
    with _lock:
        if group not in backend.groups:
            if not create_group:
                return
            try:
                backend.create_log_group(group, tags={})
            except ResourceAlreadyExistsException:
                pass
        log_group = backend.groups[group]
        if stream not in log_group.streams:
            if not create_stream:
                return
            log_group.create_log_stream(stream)
        events = [{"timestamp": line.timestamp_ms, "message": line.message} for line in lines]
        log_group.put_log_events(stream, events)
        _keep_newest(log_group, GROUP_EVENTS_LIMIT, GROUP_BYTES_LIMIT)


def _keep_newest(log_group: Any, max_events: int, max_bytes: int) -> None:
    """Drop a log group's oldest events beyond ``max_events`` or ``max_bytes``.

    AWS keeps logs for as long as the group's retention says; a laptop cannot. One
    environment writes one stream, in time order, so a stream's first events are its
    oldest, and the stream whose first event is oldest holds the group's oldest lines.
    """
    streams = [s for s in log_group.streams.values() if s.events]
    events = sum(len(s.events) for s in streams)
    size = sum(s.stored_bytes for s in streams)
    for stream in sorted(streams, key=lambda s: s.events[0].timestamp):
        dropped = 0
        while dropped < len(stream.events) and (events > max_events or size > max_bytes):
            size -= len(stream.events[dropped].message)
            events -= 1
            dropped += 1
        if dropped:
            stream.stored_bytes -= sum(len(e.message) for e in stream.events[:dropped])
            del stream.events[:dropped]
        if events <= max_events and size <= max_bytes:
            return
