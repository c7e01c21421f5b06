"""The caller: an order service that asks another function to price an order.

``handler_wrong`` is the pitfall: it treats "invoke() did not raise" as success.
``handler_fixed`` checks the response and reacts to each kind of failure.
"""

import json
import os

import boto3
from checked_invoke import InvokedFunctionCrashed, InvokedFunctionError, invoke_checked

lambda_client = boto3.client("lambda")
INVOKED_FUNCTION = os.environ["INVOKED_FUNCTION_NAME"]


def handler_wrong(event, context):
    try:
        response = lambda_client.invoke(FunctionName=INVOKED_FUNCTION,
                                        Payload=json.dumps(event))
    except Exception as error:  # the pricing call failed: tell the client
        return {"status": "failed", "reason": str(error)}
    return {"status": "accepted", "pricing": json.loads(response["Payload"].read())}


def handler_fixed(event, context):
    try:
        pricing = invoke_checked(lambda_client, INVOKED_FUNCTION, event)
    except InvokedFunctionCrashed:
        raise  # Lambda ended the callee (timeout, crash): fail, our invoker sees it
    except InvokedFunctionError as error:  # the callee's code said no: an answer
        print(f"order rejected by {error.function_name}: "
              f"{error.error_type}: {error.message}")
        return {"status": "rejected", "error_type": error.error_type,
                "reason": error.message}
    return {"status": "accepted", "pricing": pricing}
