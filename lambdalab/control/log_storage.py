"""CloudWatch Logs keeps each log line once.

moto records every instance of its models in a class-level list (``instances_tracked``,
for its dashboard), so each log event a function writes would live twice, and never be
freed until the cloud restarts. While the cloud runs, log events are not tracked there:
the log stream holds the one copy, and trimming a stream frees the lines
(:func:`lambdalab.invoke.logs.write` keeps the newest lines of each function).
"""

from __future__ import annotations

from typing import Any

from moto.logs.models import LogEvent

from lambdalab.control.patcher import Patcher


class _Untracked(list):
    """A list that forgets what is appended to it."""

    def append(self, item: Any) -> None:
        pass


def install(patcher: Patcher) -> None:
    patcher.set(LogEvent, "instances_tracked", _Untracked())
