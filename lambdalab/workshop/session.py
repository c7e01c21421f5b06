"""The one local cloud of a notebook's kernel: started by the first code cell, safe to re-run.

A notebook's first code cell calls :func:`start_cloud`. Running that cell again (the
first thing attendees do when something looks wrong) stops the kernel's previous cloud
and gives a fresh one, instead of failing because moto keeps one state per process.
The cloud then runs until the kernel ends: no cell stops it, so exercises still work
after *Run All*, and checks find it with :func:`current_cloud`.
"""

from __future__ import annotations

import atexit
from typing import Any

from lambdalab import LocalCloud
from lambdalab.cloud import running_cloud

_current: LocalCloud | None = None
_stop_registered = False


def is_running(cloud: Any) -> bool:
    """Whether ``cloud`` is a started, not yet stopped LocalCloud."""
    try:
        return isinstance(cloud, LocalCloud) and bool(cloud.port)
    except RuntimeError:  # LocalCloud.port: "The cloud is not running"
        return False


def start_cloud(**options: Any) -> LocalCloud:
    """Stop this kernel's running cloud, if any, and start a fresh, empty one.

    ``options`` go to :class:`LocalCloud` (``time_scale``, ``account_concurrency``, ...).
    The cloud stopped first may be one a cell started by hand: one runs per process.
    """
    global _current, _stop_registered
    for cloud in (_current, running_cloud()):
        if cloud is not None and is_running(cloud):
            cloud.stop()
    _current = None
    cloud = LocalCloud(**options).start()
    _current = cloud
    if not _stop_registered:  # a kernel that shuts down stops its cloud cleanly
        atexit.register(stop_cloud)
        _stop_registered = True
    return cloud


def current_cloud() -> LocalCloud | None:
    """The cloud :func:`start_cloud` started last, if it is still running."""
    return _current if is_running(_current) else None


def stop_cloud() -> None:
    """Stop the kernel's cloud (the kernel's end does it too)."""
    global _current
    if _current is not None and is_running(_current):
        _current.stop()
    _current = None
