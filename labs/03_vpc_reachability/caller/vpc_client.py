"""A Lambda client for code that runs in a VPC: it fails fast, and says where to look.

With boto3's defaults a call to an endpoint that nothing answers waits 60 seconds to
connect, then retries: the function's own timeout ends it first, and its log says only
"Task timed out". This client gives up connecting after CONNECT_TIMEOUT seconds and
does not retry, so the caller fails by itself, naming the URL it could not reach.
``LAMBDA_ENDPOINT_URL``, when set, is the DNS name of an interface VPC endpoint for
Lambda whose private DNS is off.
"""

import os

import boto3
from botocore.config import Config

CONNECT_TIMEOUT = 1  # seconds: in the VPC or via NAT, Lambda's endpoint answers in ms
READ_TIMEOUT = 4  # more than the inventory function's 3 s timeout, less than our 5 s
FAIL_FAST = Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                   retries={"mode": "standard", "total_max_attempts": 1})


class LambdaApiUnreachable(Exception):
    """No connection to Lambda's API: the function's subnets have no way there."""

    def __init__(self, cause: str) -> None:
        super().__init__(f"{cause}. Nothing answered: give the function's subnets a "
                         "way to Lambda's API (an interface VPC endpoint for lambda, "
                         "or a NAT gateway), and allow TCP 443 out of its group")


def lambda_client_for_vpc():
    """A Lambda client for a function in a VPC (``LAMBDA_ENDPOINT_URL`` honoured)."""
    endpoint_url = os.environ.get("LAMBDA_ENDPOINT_URL") or None
    return boto3.client("lambda", endpoint_url=endpoint_url, config=FAIL_FAST)
