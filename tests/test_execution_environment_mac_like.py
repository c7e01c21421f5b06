"""The memory limit where the OS gives no cgroup (a Mac; Linux as a user), on any machine.

``isolate_environments=False`` turns the OS's means off, so the memory guard measures the
environment's processes, as it does on a Mac. The same tests as with them
(tests/test_execution_environment.py), with this module's cloud.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_execution_environment import (  # noqa: F401 - the fixture, and the tests to run again
    probe,
    test_a_handler_over_its_memory_size_ends_in_runtime_out_of_memory,
    test_memory_within_the_size_is_no_error,
)

from lambdalab import LocalCloud

pytestmark = pytest.mark.both_runtime_clients


@pytest.fixture(scope="module")
def cloud(runtime_client: str | None) -> Iterator[LocalCloud]:
    with LocalCloud(runtime_client=runtime_client, isolate_environments=False) as running:
        assert running.isolation == {"cgroups": False, "private_tmp": False}
        yield running
