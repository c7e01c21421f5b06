"""The order service: records an order, then has the invoice function write its invoice.

Some orders come flagged ``"debug": true``, to be followed in the logs.
``handler_wrong`` turns debug logging on by setting ``LOG_LEVEL`` in its own
``os.environ``; ``handler_fixed`` sends the log level with the request, in the payload.
"""

import json
import logging
import os

import boto3

logger = logging.getLogger("orders")
dynamodb = boto3.client("dynamodb")
lambda_client = boto3.client("lambda")
TABLE_NAME = os.environ["TABLE_NAME"]
INVOICE_FUNCTION = os.environ["INVOKED_FUNCTION_NAME"]


class InvoiceFailed(Exception):
    """The invoice function failed; the message carries its errorType and errorMessage."""


def handler_wrong(event, context):
    if event.get("debug"):
        os.environ["LOG_LEVEL"] = "DEBUG"  # this order: log everything, everywhere
    logger.setLevel(os.environ["LOG_LEVEL"])
    record(event)
    return {"status": "invoiced", "invoice": create_invoice({"order": event})}


def handler_fixed(event, context):
    request = {"order": event}
    if event.get("debug"):
        request["log_level"] = "DEBUG"  # this request's setting: it travels with it
    logger.setLevel(request.get("log_level") or os.environ["LOG_LEVEL"])
    record(event)
    return {"status": "invoiced", "invoice": create_invoice(request)}


def record(order):
    logger.debug("recording order %s in %s", order["order_id"], TABLE_NAME)
    dynamodb.put_item(TableName=TABLE_NAME, Item={
        "pk": {"S": f"ORDER#{order['order_id']}"},
        "order": {"S": json.dumps(order, sort_keys=True)},
    })


def create_invoice(request):
    response = lambda_client.invoke(FunctionName=INVOICE_FUNCTION,
                                    Payload=json.dumps(request))
    result = json.loads(response["Payload"].read())
    if "FunctionError" in response:
        raise InvoiceFailed(f"{result.get('errorType')}: {result.get('errorMessage')}")
    return result
