"""Solutions to the exercises of notebook 05 (try them yourself first)."""

import json
import random
import time
from concurrent.futures import ThreadPoolExecutor

from botocore.exceptions import ClientError


# Exercise 1: back off with full jitter, within a deadline.
def invoke_patiently(lam, function_name, payload, seconds):
    deadline = time.monotonic() + seconds
    refusals = 0
    while True:
        try:
            response = lam.invoke(FunctionName=function_name, Payload=json.dumps(payload))
            return json.loads(response["Payload"].read())
        except ClientError as error:
            if error.response["Error"]["Code"] != "TooManyRequestsException":
                raise  # only a refusal is worth another try
            refusals += 1
            wait = random.uniform(0, min(1, 0.05 * 2 ** refusals))  # full jitter
            if time.monotonic() + wait > deadline:
                raise  # the wait would end past the deadline: give up now
        time.sleep(wait)


# Exercise 2: the lab's invoke_all, bounded to what the invoked function may run. It runs
# inside labs/05_concurrency_throttling/caller/app.py, which defines json,
# ThreadPoolExecutor, ClientError and THREADS.
def invoke_all(client, function_name, payloads):
    """Invoke the function once per payload, 10 calls at a time; the answers in order
    (a call that failed gives its ClientError instead)."""
    settings = client.get_function_concurrency(FunctionName=function_name)
    threads = max(1, min(settings.get("ReservedConcurrentExecutions", THREADS),  # noqa: F821
                         THREADS))  # noqa: F821

    def invoke(payload):
        try:
            response = client.invoke(FunctionName=function_name,
                                     Payload=json.dumps(payload))
        except ClientError as error:
            return error
        return json.loads(response["Payload"].read())

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(invoke, payloads))
