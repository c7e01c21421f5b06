"""Invocations by other services (SNS, S3, EventBridge, SQS, …) run the real handler.

moto's services invoke a function through ``LambdaFunction.invoke``, which needs Docker
(without it moto logs a Docker error and writes it to the function's log). In the local
cloud these invocations go through the same data plane as an ``Invoke`` call, as AWS
documents them (https://docs.aws.amazon.com/lambda/latest/dg/lambda-services.html):

- services that push events (SNS, S3, EventBridge, CloudWatch Logs subscriptions) invoke
  asynchronously: the event is queued, retried and sent to destinations like any
  ``InvocationType=Event`` call;
- event source mappings (SQS, DynamoDB and Kinesis streams) invoke synchronously: the
  poller sees the function's error, and moto's SQS keeps a failed batch's messages.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from moto.awslambda.models import LambdaFunction

from lambdalab.access import resource_policies
from lambdalab.control.patcher import Patcher
from lambdalab.invoke import errors
from lambdalab.invoke.functions import unqualified_arn
from lambdalab.invoke.service import InvokeRequest, InvokeService

POLLED_SOURCES = ("aws:sqs", "aws:dynamodb", "aws:kinesis")
log = logging.getLogger(__name__)


def invocation_type(event: Any) -> str:
    """``RequestResponse`` for an event source mapping's batch, ``Event`` otherwise."""
    records = event.get("Records") if isinstance(event, dict) else None
    if records and isinstance(records[0], dict) and records[0].get("eventSource") in (
            POLLED_SOURCES):
        return "RequestResponse"
    return "Event"


def _refused_by_resource_policy(service: InvokeService, fn: LambdaFunction, event: Any,
                                version: str) -> errors.LambdaError | None:
    """A pushing service (SNS, S3, EventBridge, CloudWatch Logs) may invoke the function
    only if its resource-based policy says so, when IAM decides (the invocation is then not
    made, and the cloud's log says why)."""
    invoker = resource_policies.invoker_of(event)
    if service.authorize is None or invoker is None:
        return None
    arn = unqualified_arn(fn) + ("" if version == "$LATEST" else f":{version}")
    if resource_policies.allows(fn.policy.statements, invoker, arn, fn.account_id):
        return None
    message = (f"{invoker.principal} is not authorized to perform: lambda:InvokeFunction on "
               f"resource: {arn} because no resource-based policy allows the "
               "lambda:InvokeFunction action")
    log.warning("not invoked: %s", message)
    return errors.LambdaError(403, "AccessDeniedException", message, message_key="Message")


def install(patcher: Patcher, service: InvokeService) -> None:
    def invoke(original: Any, fn: LambdaFunction, body: Any, request_headers: Any,
               response_headers: Any) -> bytes:
        payload = body if isinstance(body, str | bytes) else json.dumps(body)
        payload = payload.encode() if isinstance(payload, str) else payload
        event = json.loads(payload or b"{}")
        kind = invocation_type(event)
        version = str(fn.version)
        refusal = _refused_by_resource_policy(service, fn, event, version)
        if refusal is not None:
            response_headers["x-amz-function-error"] = refusal.code
            return refusal.body()
        request = InvokeRequest(unqualified_arn(fn), None if version == "$LATEST" else version,
                                payload, kind)
        try:
            result = service.invoke(request)
        except errors.LambdaError as refused:  # throttled, too large: the batch failed
            response_headers["x-amz-function-error"] = refused.code
            return refused.body()
        if "X-Amz-Function-Error" in result.headers:
            response_headers["x-amz-function-error"] = result.headers["X-Amz-Function-Error"]
        return result.body

    patcher.wrap(LambdaFunction, "invoke", invoke)
