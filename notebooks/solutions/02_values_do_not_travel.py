"""Solutions to the exercises of notebook 02 (try them yourself first)."""

import json
from datetime import datetime
from decimal import Decimal

# Exercise 1: what does the payment function see?
answer = {
    "remaining_ms": 5000,   # its own 5 s timeout: the caller's 1 s left does not travel
    "warm_tenant": "acme",  # a warm environment keeps the first request's ContextVar value
    "thread_tenant": "-",   # a worker thread has a context of its own: the default
}


# Exercise 2: carry the request's metadata, in an envelope in the Payload.
def invoke_with_meta(lam, function_name, body, meta, invocation_type="RequestResponse"):
    def as_json(value):  # JSON has no datetime or Decimal: say what they become
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        raise TypeError(f"{type(value).__name__} is not JSON")

    envelope = json.dumps({"meta": meta, "body": body}, default=as_json)
    return lam.invoke(FunctionName=function_name, InvocationType=invocation_type,
                      Payload=envelope)


# Exercise 3: the lab's payment function, fixed. It runs inside
# labs/02_values_do_not_travel/invoked/app.py, which defines payment_provider and unwrap.
def handler_wrong(event, context):
    meta, order = unwrap(event)  # noqa: F821
    order_id, amount = order["order_id"], order["amount_yen"]
    print(f"charging {amount} yen for order {order_id}: tenant {meta.tenant}, "
          f"user {meta.user_id}")
    print(f"correlation id: {meta.correlation_id}")
    if meta.time_left_ms() <= 0:  # the order waited somewhere: nobody waits for it now
        return {"status": "abandoned", "order_id": order_id}
    authorization = payment_provider.authorize(order["card"], amount)  # noqa: F821
    if meta.time_left_ms() <= 0:  # the caller has stopped waiting: move no money
        payment_provider.void(authorization)  # noqa: F821
        return {"status": "abandoned", "order_id": order_id}
    payment_provider.capture(authorization, order_id=order_id,  # noqa: F821
                             tenant=meta.tenant, user_id=meta.user_id, amount_yen=amount)
    return {"status": "charged", "order_id": order_id, "tenant": meta.tenant}
