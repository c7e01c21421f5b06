"""Calls from many threads that stay within what the invoked function may run.

A synchronous call beyond a function's reserved concurrency is refused at once with
``TooManyRequestsException`` (HTTP 429). Two parts keep a fan-out clear of that:

- ``calls_allowed_at_once``: size the thread pool to the function's reserved
  concurrency, read with ``GetFunctionConcurrency``;
- ``invoke_with_backoff``: when Lambda still refuses a call (another caller shares the
  limit), wait a random time whose ceiling doubles at each attempt ("full jitter") and
  try again.
"""

import json
import random
import time
from concurrent.futures import ThreadPoolExecutor

from botocore.exceptions import ClientError

THROTTLED = "TooManyRequestsException"


def calls_allowed_at_once(client, function_name, default=10):
    """The function's reserved concurrency; ``default`` when it has none."""
    settings = client.get_function_concurrency(FunctionName=function_name)
    return settings.get("ReservedConcurrentExecutions", default)


def invoke_with_backoff(client, function_name, payload, *, attempts=12, base=0.2,
                        cap=2.0):
    """Invoke synchronously; after a refusal, sleep uniform(0, min(cap, base * 2**n))
    seconds and try again. Other errors, and the last refusal, are raised.

    Give it a client whose own retries are off, or their attempts multiply.
    """
    for attempt in range(attempts):
        try:
            response = client.invoke(FunctionName=function_name,
                                     Payload=json.dumps(payload))
            return json.loads(response["Payload"].read())
        except ClientError as error:
            refused = error.response["Error"]["Code"] == THROTTLED
            if not refused or attempt + 1 == attempts:
                raise
        time.sleep(random.uniform(0, min(cap, base * 2 ** attempt)))


def invoke_all_bounded(client, function_name, payloads):
    """Invoke the function once per payload, never more at once than it may run; the
    answers in order (a call that failed gives its ClientError instead)."""
    threads = max(1, min(len(payloads), calls_allowed_at_once(client, function_name)))

    def invoke(payload):
        try:
            return invoke_with_backoff(client, function_name, payload)
        except ClientError as error:
            return error

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(invoke, payloads))
