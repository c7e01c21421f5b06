"""The caller: an order service that starts an invoice for each order and answers at once.

``handler_wrong`` invokes the invoice function the default way; ``handler_thread``
invokes it from background threads; ``handler_fixed`` asks Lambda to queue the event.
"""

import json
import os
import threading

import boto3

lambda_client = boto3.client("lambda")
INVOICE_FUNCTION = os.environ["INVOICE_FUNCTION_NAME"]


def handler_wrong(event, context):
    for order in event["orders"]:
        lambda_client.invoke(FunctionName=INVOICE_FUNCTION, Payload=json.dumps(order))
    return {"status": "accepted", "orders": [o["order_id"] for o in event["orders"]]}


def request_invoice(order):
    session = boto3.session.Session()  # sessions are not thread-safe: one per thread
    session.client("lambda").invoke(FunctionName=INVOICE_FUNCTION,
                                    Payload=json.dumps(order))


def handler_thread(event, context):
    for order in event["orders"]:
        threading.Thread(target=request_invoice, args=(order,)).start()
    return {"status": "accepted", "orders": [o["order_id"] for o in event["orders"]]}


def handler_fixed(event, context):
    for order in event["orders"]:
        lambda_client.invoke(FunctionName=INVOICE_FUNCTION, InvocationType="Event",
                             Payload=json.dumps(order))  # 202: Lambda queued it
    return {"status": "accepted", "orders": [o["order_id"] for o in event["orders"]]}
