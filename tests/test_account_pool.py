"""Functions without reserved concurrency share the account's pool; when it is used up,
calls are throttled with ``ConcurrentInvocationLimitExceeded``.

Source: https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lambdalab import LocalCloud
from test_concurrency import SLOW, burst, throttles


@pytest.fixture(scope="module")
def cloud(runtime_client) -> Iterator[LocalCloud]:
    with LocalCloud(account_concurrency=2, runtime_client=runtime_client) as running:
        yield running


def test_account_pool_exhaustion_throttles_with_concurrent_invocation_limit_exceeded(
        cloud, deploy):
    deploy("a", SLOW)
    deploy("b", SLOW)
    results = burst(cloud, "a", 4, sleep=1.5)
    assert results.count("done") == 2
    assert len(throttles(results)) == 2
    for error in throttles(results):
        assert error.response["Error"]["Code"] == "TooManyRequestsException"
        assert error.response["Reason"] == "ConcurrentInvocationLimitExceeded"
