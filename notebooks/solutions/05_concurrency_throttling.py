"""Solutions to the exercises of notebook 05 (try them yourself first)."""

import json
import random
import time

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


# Exercise 2: one fan-out for both lists, so that the limit holds for all the calls. It
# runs inside labs/05_concurrency_throttling/caller/app.py, which defines
# invoke_all_bounded, single_attempt_client, INVENTORY_FUNCTION and stock_report.
def handler_with_replacements(event, context):
    """Stock levels of the ordered items and of the replacements offered for them."""
    items, replacements = event["items"], event["replacements"]
    answers = invoke_all_bounded(single_attempt_client, INVENTORY_FUNCTION,  # noqa: F821
                                 items + replacements)
    return {"items": stock_report(items, answers[:len(items)]),  # noqa: F821
            "replacements": stock_report(replacements, answers[len(items):])}  # noqa: F821
