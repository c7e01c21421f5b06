"""The invoice function: writes the signed invoice of an order to the orders table.

Everything it needs comes from its own configuration (``LOG_LEVEL``, ``TABLE_NAME``, the
name of its signing key's parameter) or from the request (the order, and a log level
for this one request). The signing key is a SecureString in Parameter Store, read once
per execution environment, at init, and kept for the environment's life.
"""

import logging
import os

import boto3
from invoices import invoice_for, sign, store

logger = logging.getLogger("invoice")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
ssm = boto3.client("ssm")


class MissingSetting(Exception):
    """A variable this function needs is not in its configuration."""


def setting(name):
    value = os.environ.get(name)
    if not value:
        function = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        raise MissingSetting(f"{name} is not set in the configuration of {function}: "
                             f"add it to this function's Environment")
    return value


def signing_key():
    name = setting("SIGNING_KEY_PARAMETER")
    parameter = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    return parameter["Value"].encode()


SIGNING_KEY = signing_key()  # at init: once per execution environment


def handler(event, context):
    logger.setLevel(event.get("log_level") or LOG_LEVEL)  # this request's, else ours
    table = setting("TABLE_NAME")
    invoice = invoice_for(event["order"])
    invoice["signature"] = sign(invoice, SIGNING_KEY)
    store(table, invoice)
    logger.info("invoice %s: %d yen", invoice["invoice_id"], invoice["total_yen"])
    return invoice
