"""The order service's stock check: the stock level of every item of a batch, at once.

Each item is one synchronous call to the inventory function, which reads the stock
database. ``handler_wrong`` makes the calls from 10 threads; ``handler_fixed`` makes no
more at once than the inventory function may run and backs off when Lambda still
refuses one; ``handler_async`` queues the calls and lets Lambda run them when it can.
``handler_with_replacements`` (notebook 05's exercise 2) checks the ordered items and their
replacements side by side, each list bounded as ``handler_fixed`` bounds its batch.
"""

import json
import os
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from fan_out import invoke_all_bounded

lambda_client = boto3.client("lambda")
# fan_out retries refused calls itself: this client must not retry them a second time
single_attempt_client = boto3.client(
    "lambda", config=Config(retries={"total_max_attempts": 1}))
INVENTORY_FUNCTION = os.environ["INVOKED_FUNCTION_NAME"]
THREADS = 10


def invoke_all(client, function_name, payloads):
    """Invoke the function once per payload, 10 calls at a time; the answers in order
    (a call that failed gives its ClientError instead)."""

    def invoke(payload):
        try:
            response = client.invoke(FunctionName=function_name,
                                     Payload=json.dumps(payload))
        except ClientError as error:
            return error
        return json.loads(response["Payload"].read())

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(invoke, payloads))


def stock_report(items, answers):
    stock, failed = {}, {}
    for item, answer in zip(items, answers, strict=True):
        if isinstance(answer, ClientError):
            print(f"stock check failed for {item['sku']}: {answer}")
            failed[item["sku"]] = answer.response["Error"]["Code"]
        else:
            stock[item["sku"]] = answer["in_stock"]
    return {"stock": stock, "failed": failed}


def handler_wrong(event, context):
    items = event["items"]
    return stock_report(items, invoke_all(lambda_client, INVENTORY_FUNCTION, items))


def handler_fixed(event, context):
    items = event["items"]
    answers = invoke_all_bounded(single_attempt_client, INVENTORY_FUNCTION, items)
    return stock_report(items, answers)


def handler_with_replacements(event, context):
    """Stock levels of the ordered items and of the replacements offered for them."""
    items, replacements = event["items"], event["replacements"]
    with ThreadPoolExecutor(max_workers=2) as lists:
        ordered = lists.submit(invoke_all_bounded, single_attempt_client,
                               INVENTORY_FUNCTION, items)
        offered = lists.submit(invoke_all_bounded, single_attempt_client,
                               INVENTORY_FUNCTION, replacements)
        return {"items": stock_report(items, ordered.result()),
                "replacements": stock_report(replacements, offered.result())}


def handler_async(event, context):
    for item in event["items"]:
        lambda_client.invoke(FunctionName=INVENTORY_FUNCTION, InvocationType="Event",
                             Payload=json.dumps(item))
    return {"queued": len(event["items"])}
