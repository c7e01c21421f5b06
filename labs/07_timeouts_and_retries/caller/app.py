"""The caller: a checkout service that asks the payment function to capture an order.

``handler_wrong`` waits READ_TIMEOUT_SECONDS for the answer, the rest is boto3's;
``handler_fixed`` waits longer than the payment function may run, and sends the
capture once.
"""

import json
import os

import boto3
from botocore.config import Config

PAYMENT_FUNCTION = os.environ["PAYMENT_FUNCTION_NAME"]
READ_TIMEOUT = float(os.environ.get("READ_TIMEOUT_SECONDS", "60"))  # boto3's default
PAYMENT_TIMEOUT = int(os.environ.get("PAYMENT_FUNCTION_TIMEOUT", "5"))  # its Timeout

lambda_client = boto3.client("lambda", config=Config(read_timeout=READ_TIMEOUT))


def handler_wrong(event, context):
    response = lambda_client.invoke(FunctionName=PAYMENT_FUNCTION,
                                    Payload=json.dumps(event))
    capture = json.loads(response["Payload"].read())
    return {"status": "paid", "order_id": event["order_id"],
            "capture_id": capture["capture_id"]}


class PaymentFailed(Exception):
    """The payment function failed, or Lambda ended it: there is no capture."""


INIT_LIMIT = 10  # seconds of Init a cold start may take before the timeout starts
once_client = boto3.client("lambda", config=Config(
    read_timeout=PAYMENT_TIMEOUT + INIT_LIMIT + 2,  # Lambda answers before this
    retries={"total_max_attempts": 1},  # a capture is sent once, never repeated
))


def handler_fixed(event, context):
    response = once_client.invoke(FunctionName=PAYMENT_FUNCTION,
                                  Payload=json.dumps(event))
    capture = json.loads(response["Payload"].read())
    if "FunctionError" in response:
        raise PaymentFailed(f"{capture.get('errorType')}: "
                            f"{capture.get('errorMessage')}")
    return {"status": "paid", "order_id": event["order_id"],
            "capture_id": capture["capture_id"]}
