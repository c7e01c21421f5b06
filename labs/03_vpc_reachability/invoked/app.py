"""The invoked function: reserves stock for an order. It runs outside any VPC.

Nothing here is special: the pitfall is on the caller's side, in how its call gets out
of the VPC to Lambda's API.
"""

STOCK = {"apple": 40, "pear": 12, "melon": 3}


def handler(event, context):
    order_id = event.get("order_id", "?")
    reserved = []
    for item in event.get("items") or []:
        if STOCK.get(item["sku"], 0) < item["qty"]:
            return {"order_id": order_id, "reserved": [], "short": item["sku"]}
        reserved.append({"sku": item["sku"], "qty": item["qty"]})
    print(f"reserved stock for order {order_id}: {reserved}")
    return {"order_id": order_id, "reserved": reserved}
