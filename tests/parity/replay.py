"""Replaying a recorded case: make the same calls, keep each response under the key AWS's
was recorded with, then compare key by key (one test per recorded interaction)."""

from __future__ import annotations

import base64
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
