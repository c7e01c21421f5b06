"""An order's invoice: priced, signed with HMAC-SHA256, stored in the orders table.

Shared by ``app.py`` (the invoice function) and ``split.py`` (the same function as it was
first split off the order service). The signature covers the invoice's JSON with sorted
keys, without the ``signature`` field, so anyone who holds the key can check it.
"""

import hashlib
import hmac
import json
import logging

import boto3

PRICES_YEN = {"apple": 120, "pear": 150, "melon": 980}

logger = logging.getLogger("invoice")
dynamodb = boto3.client("dynamodb")


def invoice_for(order):
    total = 0
    for item in order["items"]:
        price = PRICES_YEN[item["sku"]]
        logger.debug("%s x %d at %d yen", item["sku"], item["qty"], price)
        total += price * item["qty"]
    return {"invoice_id": f"INV-{order['order_id']}", "order_id": order["order_id"],
            "total_yen": total}


def sign(invoice, key):
    body = json.dumps(invoice, sort_keys=True).encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def store(table_name, invoice):
    logger.debug("writing %s to table %s", invoice["invoice_id"], table_name)
    dynamodb.put_item(TableName=table_name, Item={
        "pk": {"S": f"INVOICE#{invoice['order_id']}"},
        "invoice": {"S": json.dumps(invoice, sort_keys=True)},
    })
