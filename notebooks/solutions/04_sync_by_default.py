"""Solutions to the exercises of notebook 04 (try them yourself first)."""


# Exercise 1: how long does the caller run?
def caller_seconds(orders, invoice_seconds, caller_timeout, invocation_type):
    if invocation_type == "Event":
        return 0.0  # Lambda answers 202 once the event is queued: no waiting at all
    # each invoke() returns when its invoice is done, one after the other, until the
    # caller's own timeout ends it (Sandbox.Timedout)
    return min(orders * invoice_seconds, caller_timeout)


# Exercise 2: the lab's handler_wrong, fixed. It runs inside labs/04_sync_by_default/caller/
# app.py, which defines json, lambda_client and INVOICE_FUNCTION.
def handler_wrong(event, context):
    for order in event["orders"]:
        lambda_client.invoke(FunctionName=INVOICE_FUNCTION,  # noqa: F821
                             InvocationType="Event",  # queued: 202 at once, runs later
                             Payload=json.dumps(order))  # noqa: F821
    return {"status": "accepted", "orders": [o["order_id"] for o in event["orders"]]}


# Exercise 3: where do failures go?
def send_failures_to(lam, function_name, queue_arn):
    lam.put_function_event_invoke_config(
        FunctionName=function_name,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}})  # an ARN, not a URL


# Exercise 4: the lab's invoice handler, idempotent. It runs inside labs/04_sync_by_default/
# invoked/app.py, which defines s3, BUCKET, render_pdf and send_to_customer.
def handler(event, context):
    key = f"invoices/{event['order_id']}/invoice.pdf"  # one key per order, whatever the attempt
    try:
        s3.head_object(Bucket=BUCKET, Key=key)  # noqa: F821
        print(f"{key} exists: not stored again")
    except s3.exceptions.ClientError:  # noqa: F821
        # not stored yet: render and store it
        s3.put_object(Bucket=BUCKET, Key=key, Body=render_pdf(event),  # noqa: F821
                      ContentType="application/pdf")
        print(f"stored {key}")
    # sending still raises for a bad address, so that Lambda retries and reports it
    send_to_customer(event, key)  # noqa: F821
    return {"order_id": event["order_id"], "invoice": key}


# Exercise 5: what did it cost?
def billed_gb_seconds(log_lines):
    total = 0.0
    for line in log_lines:
        if not line.startswith("REPORT "):
            continue
        fields = dict(field.split(": ", 1) for field in line.strip().split("\t") if ": " in field)
        billed_ms = int(fields["Billed Duration"].split()[0])  # init included, rounded up
        memory_mb = int(fields["Memory Size"].split()[0])
        total += billed_ms / 1000 * memory_mb / 1024
    return total
