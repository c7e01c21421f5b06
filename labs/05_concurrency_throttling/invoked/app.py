"""The inventory function: the stock level of one item, read from the stock database.

The database accepts two connections at a time, so the template gives this function a
reserved concurrency of 2: Lambda never runs more than two of it at once.
"""

import os
import time

QUERY_SECONDS = float(os.environ.get("QUERY_SECONDS", "0.6"))
STOCK = {"apple": 12, "banana": 0, "cherry": 40, "durian": 3, "fig": 7, "grape": 25,
         "kiwi": 18, "lemon": 9, "mango": 4, "peach": 11}


def handler(event, context):
    sku = event["sku"]
    time.sleep(QUERY_SECONDS)  # the stock database's query
    in_stock = STOCK.get(sku, 0)
    print(f"{sku}: {in_stock} in stock")
    return {"sku": sku, "in_stock": in_stock}
