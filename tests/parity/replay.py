"""Replaying a recorded case: make the same calls, keep each response under the key AWS's
was recorded with, then compare key by key (one test per recorded interaction)."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from matching import Bindings, as_recorded, differences, recorded


class Replay:
    """The responses of one replayed case, by snapshot key."""

    def __init__(self, file: str, case: str) -> None:
        self.file, self.case = file, case
        self.expected = recorded(file, case)
        self.responses: dict[str, Any] = {}
        self.bindings = Bindings()

    def call(self, key: str | None, operation: Callable[..., Any], **kwargs: Any) -> Any:
        """Make one call; keep its response (or its error's) under ``key``."""
        try:
            response = operation(**kwargs)
        except ClientError as error:
            response = error.response
        if key is not None:
            self.responses[key] = as_recorded(response)
        return response

    def keep(self, key: str, response: Any) -> None:
        self.responses[key] = as_recorded(response)

    def compare(self, key: str) -> None:
        """The cloud's response under ``key`` has what AWS's has, in form and value."""
        assert key in self.responses, f"the replay made no call recorded as {key!r}"
        found = differences(self.expected[key], self.responses[key], self.bindings)
        assert not found, (f"{self.file}.json, {self.case}, {key}: differs from AWS\n  "
                           + "\n  ".join(found))


def cases(file: str, case: str, known: dict[str, str] | None = None) -> list[Any]:
    """The case's snapshot keys as test parameters; a key in ``known`` is a difference the
    README lists, expected to fail until it is fixed (strictly: a fix must remove it)."""
    known = known or {}
    return [pytest.param(key, marks=pytest.mark.xfail(reason=known[key], strict=True))
            if key in known else key for key in recorded(file, case)]


def without_report(log_result: str) -> list[str]:
    """A log tail's lines but REPORT, as the recording tests kept them (LocalStack's
    ``test_dead_letter_queue`` filters so in its source)."""
    return [line for line in base64.b64decode(log_result).decode().splitlines()
            if not line.startswith("REPORT")]


def queue(cloud: Any, name: str) -> tuple[str, str]:
    """A new SQS queue for records to reach: its URL and ARN."""
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]


def received(cloud: Any, url: str, **options: Any) -> dict[str, Any]:
    """The first receive that finds the message (a deadline, not a fixed wait)."""
    sqs = cloud.client("sqs")
    deadline = time.monotonic() + 20
    while True:
        answer = sqs.receive_message(QueueUrl=url, **options)
        if answer.get("Messages") or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)
