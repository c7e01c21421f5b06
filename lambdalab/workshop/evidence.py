"""What happened to a function's invocations: its environments, a request's attempts, a
destination's records. Helpers for notebooks that show Lambda's own behaviour."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import psutil

from lambdalab.workshop.display import readable_log_line


def wait_until_idle(cloud: Any, function_name: str, timeout: float = 15.0) -> None:
    """Wait until no invocation of the function is running (raises TimeoutError)."""
    started = time.monotonic()
    while cloud.concurrency_in_use(function_name):
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{function_name} is still running after {timeout} s")
        time.sleep(0.05)


def wait_until_reclaimed(cloud: Any, function_name: str, timeout: float = 15.0) -> float:
    """Wait until Lambda has shut down every idle environment of the function; returns the
    seconds waited (raises TimeoutError after ``timeout``)."""
    started = time.monotonic()
    while cloud.environment_pids(function_name):
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{function_name} still has environments after {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - started


def process_states(cloud: Any, function_name: str) -> list[str]:
    """The operating system's state of each environment process of the function
    (``stopped`` while Lambda has frozen it: by SIGSTOP, or in a frozen freezer cgroup,
    whose processes the system shows as in ``disk-sleep``)."""
    from lambdalab.invoke import cgroups

    states: list[str] = []
    for pid in cloud.environment_pids(function_name):
        try:
            state = psutil.Process(pid).status()
        except psutil.NoSuchProcess:
            continue
        states.append(psutil.STATUS_STOPPED if cgroups.frozen(pid) else state)
    return states


def log_blocks(lines: Sequence[str], request_id: str) -> list[list[str]]:
    """Each invocation's lines (START to REPORT) of one request id, in the order they ran.

    An asynchronous event keeps its request id across retries: one block per attempt.
    """
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in lines:
        if line.startswith(f"START RequestId: {request_id}"):
            current = [line]
        elif current is not None:
            current.append(line)
            if line.startswith(f"REPORT RequestId: {request_id}"):
                blocks.append(current)
                current = None
    return blocks


def show_attempts(cloud: Any, function_name: str, request_id: str) -> int:
    """Print the function's log of one request id, attempt by attempt; returns how many."""
    blocks = log_blocks(cloud.logs(function_name), request_id)
    for number, block in enumerate(blocks, start=1):
        print(f"--- attempt {number}")
        for line in block:
            print(readable_log_line(line.replace("\u00a0", " ")))
    return len(blocks)


def receive_records(cloud: Any, queue_url: str, wait: float = 0.0) -> list[Any]:
    """Every message in the queue, decoded from JSON where it is JSON, deleted once read."""
    sqs = cloud.client("sqs")
    found: list[Any] = []
    deadline = time.monotonic() + wait
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                       VisibilityTimeout=30).get("Messages", [])
        for message in messages:
            try:
                found.append(json.loads(message["Body"]))
            except ValueError:
                found.append(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        if messages:
            continue
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(0.1)
