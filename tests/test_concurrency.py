"""Synchronous invokes beyond a function's concurrency are throttled at once.

Source: https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html and
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html (TooManyRequestsException).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import read_json
from lambdalab import LocalCloud

SLOW = "import time\ndef handler(event, context):\n    time.sleep(event.get('sleep', 0))\n" \
       "    return 'done'\n"


@pytest.fixture(scope="module")
def cloud(runtime_client) -> Iterator[LocalCloud]:
    with LocalCloud(account_concurrency=110, runtime_client=runtime_client) as running:
        yield running


def burst(cloud: LocalCloud, name: str, count: int, sleep: float) -> list[object]:
    """``count`` simultaneous invokes, each from its own client; results in order."""
    results: list[object] = [None] * count
    start = threading.Barrier(count)

    def call(i: int) -> None:
        lam = cloud.client("lambda", config=Config(retries={"total_max_attempts": 1},
                                                   read_timeout=30))
        start.wait()
        try:
            results[i] = read_json(lam.invoke(FunctionName=name,
                                              Payload=f'{{"sleep": {sleep}}}'.encode()))
        except ClientError as e:
            results[i] = e

    threads = [threading.Thread(target=call, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def throttles(results: list[object]) -> list[ClientError]:
    return [r for r in results if isinstance(r, ClientError)]


def test_burst_beyond_reserved_concurrency_gets_exactly_the_excess_throttled(cloud, deploy):
    deploy("reserved3", SLOW)
    cloud.client("lambda").put_function_concurrency(FunctionName="reserved3",
                                                    ReservedConcurrentExecutions=3)
    results = burst(cloud, "reserved3", 8, sleep=1.5)
    assert results.count("done") == 3
    throttled = throttles(results)
    assert len(throttled) == 5
    for error in throttled:
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert error.response["Error"]["Code"] == "TooManyRequestsException"
        assert error.response["Error"]["Message"] == "Rate Exceeded."
        assert error.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
        assert error.response["Type"] == "User"
    records = cloud.invocations("reserved3")
    assert sorted(r.outcome for r in records) == ["success"] * 3 + ["throttled"] * 5


def test_reserved_concurrency_zero_throttles_every_call_with_the_modeled_exception(
        cloud, deploy, lam):
    deploy("zero", SLOW)
    lam.put_function_concurrency(FunctionName="zero", ReservedConcurrentExecutions=0)
    for _ in range(3):
        with pytest.raises(lam.exceptions.TooManyRequestsException) as caught:
            lam.invoke(FunctionName="zero")
        assert caught.value.response["Reason"] == (
            "ReservedFunctionConcurrentInvocationLimitExceeded")
    assert [r.outcome for r in cloud.invocations("zero")] == ["throttled"] * 3
    assert cloud.logs("zero") == []


def test_reserving_into_the_last_100_unreserved_units_is_rejected(cloud, lam):
    # quota 110: 100 must stay unreserved, so at most 10 may be reserved in all
    with pytest.raises(ClientError) as caught:
        lam.put_function_concurrency(FunctionName="reserved3", ReservedConcurrentExecutions=11)
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert caught.value.response["Error"]["Message"] == (
        "Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100].")
    lam.put_function_concurrency(FunctionName="reserved3", ReservedConcurrentExecutions=10)


def test_throttle_leaves_warm_environments_serving(cloud, lam):
    assert read_json(lam.invoke(FunctionName="reserved3")) == "done"
    assert cloud.concurrency_in_use("reserved3") == 0
