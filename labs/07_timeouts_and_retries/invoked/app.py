"""The invoked function: captures an order's payment (charges the card), records it.

``handler`` records one capture per invocation. ``handler_idempotent`` captures once
per idempotency key: a conditional write to DynamoDB claims the key before the card
is charged, and a repeat gets the first capture's result. The claim is given up only
when charging failed: once the card is charged, a failure to store the capture leaves
it claimed, so that a retry answers CaptureInProgress instead of charging again.
"""

import json
import os
import time
import uuid

import boto3

dynamodb = boto3.resource("dynamodb")
captures = dynamodb.Table(os.environ["CAPTURES_TABLE"])
claims = dynamodb.Table(os.environ["IDEMPOTENCY_TABLE"])
PROVIDER_SECONDS = float(os.environ.get("PROVIDER_SECONDS", "2"))


class CardDeclined(Exception):
    """The provider refused the capture: nothing was charged."""


def charge_card(payment):
    """The payment provider's capture call (a stand-in: it takes PROVIDER_SECONDS, and
    declines an amount that is not positive)."""
    if payment["amount"] <= 0:
        raise CardDeclined(f"the provider declined an amount of {payment['amount']}")
    time.sleep(PROVIDER_SECONDS)
    return f"cap_{uuid.uuid4().hex[:12]}"


def handler(event, context):
    capture_id = charge_card(event)
    return record(event, capture_id)


def record(event, capture_id):
    """Store a capture the provider made; the result the caller gets."""
    captures.put_item(Item={"capture_id": capture_id, "order_id": event["order_id"],
                            "amount": event["amount"], "currency": event["currency"]})
    print(f"captured {event['amount']} {event['currency']} for {event['order_id']}: "
          f"{capture_id}")
    return {"order_id": event["order_id"], "capture_id": capture_id}


class CaptureInProgress(Exception):
    """Another invocation holds this idempotency key and has not finished yet."""


def handler_idempotent(event, context):
    key = event["idempotency_key"]
    try:
        claims.put_item(Item={"id": key, "status": "IN_PROGRESS"},
                        ConditionExpression="attribute_not_exists(id)")
    except claims.meta.client.exceptions.ConditionalCheckFailedException:
        return first_result(key)
    try:
        capture_id = charge_card(event)
    except Exception:
        claims.delete_item(Key={"id": key})  # nothing charged: a retry may try again
        raise
    # charged: the claim stays whatever happens next, so that no retry charges again
    result = record(event, capture_id)
    claims.put_item(Item={"id": key, "status": "COMPLETED",
                          "result": json.dumps(result)})
    return result


def first_result(key):
    """The result stored for ``key``; CaptureInProgress while the first one runs."""
    claim = claims.get_item(Key={"id": key}, ConsistentRead=True)["Item"]
    if claim["status"] != "COMPLETED":
        raise CaptureInProgress(f"payment {key} is being captured by another run")
    print(f"payment {key} was captured before: returning its first result")
    return json.loads(claim["result"])
