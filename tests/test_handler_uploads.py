"""A handler's S3 uploads arrive whole, as on AWS.

Inside a function, boto3 talks HTTPS to AWS, so it streams an upload's body in
``aws-chunked`` encoding with a trailing checksum (botocore's default
``request_checksum_calculation=when_supported``); the cloud must store the decoded bytes,
not an empty object. S3 conditional writes: ``IfNoneMatch="*"`` fails with 412
``PreconditionFailed`` when the key exists
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
"""

from __future__ import annotations

import json

from conftest import read_json

BUCKET = "handler-uploads"

UPLOADER = '''
import boto3
from botocore.exceptions import ClientError

s3 = boto3.client("s3")


def handler(event, context):
    s3.put_object(Bucket=event["bucket"], Key="bytes", Body=b"hello from a handler")
    s3.put_object(Bucket=event["bucket"], Key="text", Body="text body")
    s3.put_object(Bucket=event["bucket"], Key="large", Body=b"x" * (1 << 20))
    try:
        s3.put_object(Bucket=event["bucket"], Key="bytes", Body=b"again", IfNoneMatch="*")
        again = "written"
    except ClientError as error:
        again = [error.response["ResponseMetadata"]["HTTPStatusCode"],
                 error.response["Error"]["Code"]]
    return {"again": again,
            "read back": s3.get_object(Bucket=event["bucket"], Key="bytes")["Body"].read().decode()}
'''


def test_a_handlers_uploads_are_stored_whole_and_conditional_writes_refuse_a_second(
        cloud, deploy, lam):
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket=BUCKET,
                     CreateBucketConfiguration={"LocationConstraint": s3.meta.region_name})
    deploy("uploader", UPLOADER)
    answer = read_json(lam.invoke(FunctionName="uploader",
                                  Payload=json.dumps({"bucket": BUCKET})))
    assert answer == {"again": [412, "PreconditionFailed"], "read back": "hello from a handler"}
    stored = {key: s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
              for key in ("bytes", "text", "large")}
    assert stored == {"bytes": b"hello from a handler", "text": b"text body",
                      "large": b"x" * (1 << 20)}
