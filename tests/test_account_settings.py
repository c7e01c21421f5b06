"""GetAccountSettings reports the account's concurrency quota and what stays unreserved.

Source: https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html
(AccountLimit: TotalCodeSize, CodeSizeUnzipped, CodeSizeZipped, ConcurrentExecutions,
UnreservedConcurrentExecutions; AccountUsage: TotalCodeSize, FunctionCount) and
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html (75 GB of code per
Region, 50 MB zipped and 250 MB unzipped per function; 1,000 concurrent executions by
default, less on new accounts).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lambdalab import LocalCloud

ECHO = "def handler(event, context):\n    return event\n"


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud(account_concurrency=150) as running:
        yield running


def test_account_settings_report_the_concurrency_quota_and_code_size_limits(cloud):
    settings = cloud.client("lambda").get_account_settings()
    assert settings["AccountLimit"] == {
        "TotalCodeSize": 80_530_636_800, "CodeSizeUnzipped": 262_144_000,
        "CodeSizeZipped": 52_428_800, "ConcurrentExecutions": 150,
        "UnreservedConcurrentExecutions": 150}
    assert settings["AccountUsage"] == {"TotalCodeSize": 0, "FunctionCount": 0}
    assert settings["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_reserved_concurrency_leaves_the_pool_and_usage_counts_each_version(cloud, deploy,
                                                                          lam):
    created = deploy("reserving", ECHO)
    lam.put_function_concurrency(FunctionName="reserving", ReservedConcurrentExecutions=30)
    lam.publish_version(FunctionName="reserving")
    settings = lam.get_account_settings()
    assert settings["AccountLimit"]["UnreservedConcurrentExecutions"] == 120
    assert settings["AccountUsage"] == {"TotalCodeSize": 2 * created["CodeSize"],
                                        "FunctionCount": 1}
    lam.delete_function_concurrency(FunctionName="reserving")
    assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 150

