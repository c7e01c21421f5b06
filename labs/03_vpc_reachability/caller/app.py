"""The caller: an order service in the VPC's private subnets that reserves stock by
invoking another function of the same account.

``handler_wrong`` uses a default boto3 client, as everywhere else in the code base.
``handler_fixed`` uses the client of ``vpc_client.py``, which gives up on a connection
after one second and names what to check; the network itself is fixed by the stack's
``Network`` parameter (an interface endpoint or a NAT gateway), not by code.
"""

import json
import os

import boto3
from botocore.exceptions import ConnectTimeoutError
from vpc_client import LambdaApiUnreachable, lambda_client_for_vpc

INVENTORY_FUNCTION = os.environ["INVENTORY_FUNCTION_NAME"]
lambda_client = boto3.client("lambda")
vpc_lambda_client = lambda_client_for_vpc()


def handler_wrong(event, context):
    print(f"order {event['order_id']}: reserving stock")
    response = lambda_client.invoke(FunctionName=INVENTORY_FUNCTION,
                                    Payload=json.dumps(event))
    reservation = json.loads(response["Payload"].read())
    return {"status": "accepted", "reservation": reservation}


def handler_fixed(event, context):
    print(f"order {event['order_id']}: reserving stock")
    try:
        response = vpc_lambda_client.invoke(FunctionName=INVENTORY_FUNCTION,
                                            Payload=json.dumps(event))
    except ConnectTimeoutError as error:
        raise LambdaApiUnreachable(str(error)) from error
    reservation = json.loads(response["Payload"].read())
    return {"status": "accepted", "reservation": reservation}
