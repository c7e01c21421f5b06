"""The invoked function: renders an order's invoice as a PDF, stores it and sends it.

Rendering is slow (``INVOICE_SECONDS``, 3 seconds by default): that is why the order
service must not wait for it. Sending needs a valid address; an order without one fails
after its invoice was stored.
"""

import os
import time
import uuid

import boto3

s3 = boto3.client("s3")
BUCKET = os.environ["INVOICE_BUCKET"]
RENDER_SECONDS = float(os.environ.get("INVOICE_SECONDS", "3"))


class InvoiceNotSent(Exception):
    """The invoice exists but did not reach the customer."""


def render_pdf(order):
    time.sleep(RENDER_SECONDS)  # stands in for the PDF library's work
    return f"%PDF-1.7 invoice for order {order['order_id']}".encode()


def send_to_customer(order, key):
    address = order.get("email", "")
    if "@" not in address:
        raise InvoiceNotSent(f"order {order['order_id']}: no invoice can reach "
                             f"{address!r}")
    print(f"sent {key} to {address}")


def handler(event, context):
    invoice_number = f"INV-{uuid.uuid4().hex[:8].upper()}"
    key = f"invoices/{event['order_id']}/{invoice_number}.pdf"
    s3.put_object(Bucket=BUCKET, Key=key, Body=render_pdf(event),
                  ContentType="application/pdf")
    print(f"stored {key}")
    send_to_customer(event, key)
    return {"order_id": event["order_id"], "invoice": key}
