"""The caller: an order service that has the payment function charge an order.

It handles one checkout request of a tenant (a shop on the platform) for one of its
users. ``handler_wrong`` keeps the request's values where Python code usually keeps
them, in the request scope; ``handler_fixed`` sends them with the call, in an
envelope, together with the moment it stops waiting for the answer.
"""

import json
import os
import time

import boto3
import request_scope
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError
from envelope import Meta, wrap

PAYMENT_FUNCTION = os.environ["INVOKED_FUNCTION_NAME"]
PAYMENT_TIMEOUT_S = float(os.environ.get("PAYMENT_TIMEOUT_SECONDS", "2"))
lambda_client = boto3.client("lambda", config=Config(
    read_timeout=PAYMENT_TIMEOUT_S,  # the checkout page must answer quickly
    retries={"total_max_attempts": 1}))  # a charge is sent once, never again


class PaymentFailed(Exception):
    """The payment function failed (it raised, or Lambda ended it)."""


def pay(payload: str) -> dict:
    """The payment function's answer; PaymentFailed when the function failed."""
    response = lambda_client.invoke(FunctionName=PAYMENT_FUNCTION, Payload=payload)
    answer = json.loads(response["Payload"].read())
    if "FunctionError" in response:
        raise PaymentFailed(f"{answer.get('errorType')}: "
                            f"{answer.get('errorMessage')}")
    return answer


def payment_request(order: dict) -> dict:
    return {key: order[key] for key in ("order_id", "amount_yen", "card")}


def handler_wrong(event, context):
    order_id = event["order_id"]
    request_scope.start(tenant=event["tenant"], user_id=event["user_id"],
                        correlation_id=context.aws_request_id)
    print(f"order {order_id}: tenant {event['tenant']}, user {event['user_id']}")
    try:
        payment = pay(json.dumps(payment_request(event)))
    except Exception as error:  # no payment: the customer must try again
        return {"status": "failed", "order_id": order_id, "reason": str(error)}
    return {"status": "paid", "order_id": order_id, "payment": payment}


def handler_fixed(event, context):
    order_id = event["order_id"]
    wait_s = min(PAYMENT_TIMEOUT_S,
                 context.get_remaining_time_in_millis() / 1000 - 0.5)
    meta = Meta(correlation_id=context.aws_request_id, tenant=event["tenant"],
                user_id=event["user_id"],
                deadline_ms=int((time.time() + wait_s) * 1000))
    print(f"order {order_id}: tenant {meta.tenant}, user {meta.user_id}")
    print(f"correlation id: {meta.correlation_id}")
    try:
        payment = pay(wrap(payment_request(event), meta))
    except ReadTimeoutError:  # we stopped waiting; the payment function did not
        return {"status": "pending", "order_id": order_id,
                "reason": "outcome unknown: look it up before charging again"}
    except Exception as error:  # no payment: the customer must try again
        return {"status": "failed", "order_id": order_id, "reason": str(error)}
    if payment["status"] != "charged":  # it gave up at our deadline: no charge
        return {"status": "failed", "order_id": order_id,
                "reason": payment["status"]}
    return {"status": "paid", "order_id": order_id, "payment": payment}
