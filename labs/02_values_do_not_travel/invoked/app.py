"""The invoked function: charges an order's amount to the user's card, for a tenant.

It must know for whom it charges (the tenant's merchant account, the user) and the
correlation id that ties its logs to the order service's. ``handler_wrong`` reads
them from the request scope, as this code did when payments were a module of the
order service; ``handler_fixed`` reads them from the envelope that the caller sends,
and moves no money once the caller has stopped waiting.
"""

import payment_provider
import request_scope
from envelope import unwrap


def handler_wrong(event, context):
    order_id, amount = event["order_id"], event["amount_yen"]
    tenant, user_id = request_scope.get("tenant"), request_scope.get("user_id")
    print(f"charging {amount} yen for order {order_id}: "
          f"tenant {tenant}, user {user_id}")
    print(f"correlation id: {request_scope.get('correlation_id')}")
    authorization = payment_provider.authorize(event["card"], amount)
    payment_provider.capture(authorization, order_id=order_id, tenant=tenant,
                             user_id=user_id, amount_yen=amount)
    return {"status": "charged", "order_id": order_id, "tenant": tenant}


def handler_fixed(event, context):
    meta, order = unwrap(event)
    order_id, amount = order["order_id"], order["amount_yen"]
    print(f"charging {amount} yen for order {order_id}: "
          f"tenant {meta.tenant}, user {meta.user_id}")
    print(f"correlation id: {meta.correlation_id}")
    if meta.time_left_ms() <= 0:  # it waited somewhere: nobody waits for it now
        print(f"the caller stopped waiting before order {order_id} arrived")
        return {"status": "abandoned", "order_id": order_id}
    authorization = payment_provider.authorize(order["card"], amount)
    if meta.time_left_ms() <= 0:  # nobody waits for the answer: move no money
        payment_provider.void(authorization)
        print(f"the caller stopped waiting: order {order_id} voided, not captured")
        return {"status": "abandoned", "order_id": order_id}
    payment_provider.capture(authorization, order_id=order_id, tenant=meta.tenant,
                             user_id=meta.user_id, amount_yen=amount)
    return {"status": "charged", "order_id": order_id, "tenant": meta.tenant}
