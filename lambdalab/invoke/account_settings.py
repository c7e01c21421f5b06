"""GetAccountSettings: the account's Lambda quotas and usage in the region (moto lacks it).

``ConcurrentExecutions`` is the account's concurrency quota (``LocalCloud``'s
``account_concurrency``: 1000 by default on AWS, lower on new accounts);
``UnreservedConcurrentExecutions`` is what functions without reserved concurrency share.
Code sizes follow AWS's quotas (75 GB of code per region, 50 MB zipped and 250 MB
unzipped per function). https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.awslambda.models import lambda_backends

from lambdalab.invoke.functions import reserved_total

PATH = re.compile(r"^/2016-08-19/account-settings/?$")
TOTAL_CODE_SIZE = 80_530_636_800  # 75 GB
CODE_SIZE_UNZIPPED = 262_144_000  # 250 MB
CODE_SIZE_ZIPPED = 52_428_800  # 50 MB


def settings(region: str, account: str, concurrency_quota: int) -> dict[str, Any]:
    """The GetAccountSettings document for the account's functions in ``region``."""
    functions = lambda_backends[account][region]._lambdas._functions.values()
    code_size = sum(int(version.code_size or 0) for entry in functions
                    for version in [entry["latest"], *entry["versions"]])
    return {
        "AccountLimit": {
            "TotalCodeSize": TOTAL_CODE_SIZE,
            "CodeSizeUnzipped": CODE_SIZE_UNZIPPED,
            "CodeSizeZipped": CODE_SIZE_ZIPPED,
            "ConcurrentExecutions": concurrency_quota,
            "UnreservedConcurrentExecutions":
                concurrency_quota - reserved_total(region, account),
        },
        "AccountUsage": {"TotalCodeSize": code_size, "FunctionCount": len(functions)},
    }


def body(region: str, account: str, concurrency_quota: int) -> bytes:
    return json.dumps(settings(region, account, concurrency_quota)).encode()
