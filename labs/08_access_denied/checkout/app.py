"""The checkout function: asks the pricing function's alias for a total.

It does not catch ``ClientError``: a call Lambda refuses (no permission) makes the checkout
fail, and whoever invoked it sees why. The same code runs under two roles; only the role
decides whether the call is allowed. ``{"probe": true}`` asks Lambda whether the call would
be allowed (``InvocationType="DryRun"``: checked, nothing runs).
"""

import json
import os

import boto3

lambda_client = boto3.client("lambda")
PRICING = {"FunctionName": os.environ["PRICING_FUNCTION"],
           "Qualifier": os.environ["PRICING_QUALIFIER"]}


def handler(event, context):
    if event.get("probe"):
        lambda_client.invoke(**PRICING, InvocationType="DryRun")
        return {"status": "may invoke", "function": ":".join(PRICING.values())}
    response = lambda_client.invoke(**PRICING, Payload=json.dumps(event))
    pricing = json.loads(response["Payload"].read())
    print(f"order {event.get('order_id')}: {pricing}")
    return {"status": "priced", "pricing": pricing}
