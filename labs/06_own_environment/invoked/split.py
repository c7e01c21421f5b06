"""The invoice function as it was first split off the order service.

The code moved from the order service, where it ran with that function's configuration
(``LOG_LEVEL``, ``TABLE_NAME``, ``SIGNING_KEY``). ``app.py`` is the same function as it
should be.
"""

import logging
import os

from invoices import invoice_for, sign, store

logger = logging.getLogger("invoice")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))


def signing_key():
    return os.environ["SIGNING_KEY"].encode()


def table_name():
    return os.environ["TABLE_NAME"]


SIGNING_KEY = signing_key()


def handler(event, context):
    table = table_name()
    invoice = invoice_for(event["order"])
    invoice["signature"] = sign(invoice, SIGNING_KEY)
    store(table, invoice)
    logger.info("invoice %s: %d yen", invoice["invoice_id"], invoice["total_yen"])
    return invoice
