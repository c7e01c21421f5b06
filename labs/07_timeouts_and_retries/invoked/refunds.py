"""The refund function: gives an order's payment back (refunds the card), records it.

Its team keeps everything in one S3 bucket, no database. ``handler`` refunds once per
invocation, so a repeated request refunds twice; notebook 07's exercise 3 makes it
idempotent with the bucket alone (S3 conditional writes).
"""

import json
import os
import time
import uuid

import boto3
from botocore.exceptions import ClientError  # noqa: F401 - for the exercise's answers

s3 = boto3.client("s3")
BUCKET = os.environ["REFUNDS_BUCKET"]
PROVIDER_SECONDS = float(os.environ.get("PROVIDER_SECONDS", "2"))


class ProviderUnavailable(Exception):
    """The provider could not be reached: nothing was refunded."""


class RefundInProgress(Exception):
    """Another invocation is refunding this request and has not finished yet."""


def refund_card(refund):
    """The payment provider's refund call (a stand-in: it takes PROVIDER_SECONDS, and fails
    while PROVIDER_DOWN is set)."""
    if os.environ.get("PROVIDER_DOWN"):
        raise ProviderUnavailable("the payment provider did not answer")
    time.sleep(PROVIDER_SECONDS)
    refund_id = f"ref_{uuid.uuid4().hex[:12]}"
    print(f"provider: refunded {refund['amount']} {refund['currency']} to the card of "
          f"{refund['order_id']} ({refund_id})")
    return refund_id


def handler(event, context):
    refund_id = refund_card(event)
    return record(event, refund_id)


def record(event, refund_id):
    """Store a refund the provider made, under refunds/; the result the caller gets."""
    result = {"order_id": event["order_id"], "refund_id": refund_id}
    s3.put_object(Bucket=BUCKET, Key=f"refunds/{refund_id}.json",
                  Body=json.dumps({**result, "amount": event["amount"],
                                   "currency": event["currency"]}))
    print(f"recorded refund {refund_id} of {event['order_id']}")
    return result
