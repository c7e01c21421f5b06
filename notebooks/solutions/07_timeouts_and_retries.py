"""Solutions to the exercises of notebook 07 (try them yourself first)."""

from botocore.config import Config


# Exercise 1: how many times does the payment run?
def payment_runs(config, payment_seconds):
    if config.read_timeout > payment_seconds:
        return 1  # the answer came in time: an answer is never retried
    retries = config.retries or {}
    if "total_max_attempts" in retries:
        return retries["total_max_attempts"]  # every attempt, the first one included
    if "max_attempts" in retries:
        return retries["max_attempts"] + 1  # retries only: add the first attempt
    return 5 if retries.get("mode") == "legacy" else 3  # standard, the default: 3


# Exercise 2: wait longer than Lambda may take to answer (a cold start's Init, up to 10 s,
# then the payment's own timeout), and send the capture once.
def safe_config(payment_timeout):
    return Config(read_timeout=payment_timeout + 12, retries={"total_max_attempts": 1})


# Exercise 3: the lab's handler, idempotent. It runs inside
# labs/07_timeouts_and_retries/invoked/app.py, which defines json, captures, claims,
# charge_card, record and first_result.
def handler(event, context):
    key = event["idempotency_key"]
    try:  # claim the key before charging: DynamoDB lets exactly one run write it
        claims.put_item(Item={"id": key, "status": "IN_PROGRESS"},  # noqa: F821
                        ConditionExpression="attribute_not_exists(id)")
    except claims.meta.client.exceptions.ConditionalCheckFailedException:  # noqa: F821
        # another run holds the key: its result, or CaptureInProgress while it runs
        return first_result(key)  # noqa: F821
    try:
        capture_id = charge_card(event)  # noqa: F821
    except Exception:
        # nothing was charged: free the key, so that a retry may try again
        claims.delete_item(Key={"id": key})  # noqa: F821
        raise
    captures.put_item(Item={"capture_id": capture_id,  # noqa: F821
                            "order_id": event["order_id"],
                            "amount": event["amount"], "currency": event["currency"]})
    result = {"order_id": event["order_id"], "capture_id": capture_id}
    claims.put_item(Item={"id": key, "status": "COMPLETED",  # noqa: F821
                          "result": json.dumps(result)})  # noqa: F821
    return result
