"""The invoked function: prices an order, and rejects an order it cannot price.

Rejecting means raising, as handler code usually does. Lambda turns the exception into
an error document for the caller; it does not turn it into an exception in the caller.
"""

PRICES_YEN = {"apple": 120, "pear": 150, "melon": 980}


class OrderRejected(Exception):
    """The order cannot be priced; whoever asked must not treat it as done."""


def handler(event, context):
    order_id = event.get("order_id", "?")
    items = event.get("items") or []
    if not items:
        raise OrderRejected(f"order {order_id} has no items")
    unknown = sorted({item["sku"] for item in items} - PRICES_YEN.keys())
    if unknown:
        raise OrderRejected(f"order {order_id}: unknown sku {', '.join(unknown)}")
    total = sum(PRICES_YEN[item["sku"]] * item["qty"] for item in items)
    print(f"priced order {order_id}: {total} yen")
    return {"order_id": order_id, "total_yen": total}
