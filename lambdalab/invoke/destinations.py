"""Where an asynchronous invocation's result goes: destinations and dead-letter queues.

Record shapes follow https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
and the dead-letter message attributes follow
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

SUCCESS = "Success"
RETRIES_EXHAUSTED = "RetriesExhausted"
EVENT_AGE_EXCEEDED = "EventAgeExceeded"
ZERO_RESERVED_CONCURRENCY = "ZeroReservedConcurrency"  # sent at once, never tried

ClientFactory = Callable[[str], Any]  # service name -> boto3 client bound to the cloud
LambdaSubmitter = Callable[[str, bytes], None]  # function ARN, payload -> queued as Event
# (the function's role ARN, its name, action, resource) -> IAM's refusal, or None
RoleCheck = Callable[[str, str, str, str], str | None]

# what Lambda needs on each kind of target, acting as the function's role (developer guide,
# "Adding destinations": the execution role needs the permission for the destination)
SEND_ACTIONS = {"sqs": "sqs:SendMessage", "sns": "sns:Publish",
                "lambda": "lambda:InvokeFunction", "events": "events:PutEvents"}
# the CloudWatch metrics Lambda counts a failed delivery in (developer guide, "Types of
# metrics for Lambda functions": asynchronous invocation metrics)
DESTINATION_FAILURES, DEAD_LETTER_ERRORS = "DestinationDeliveryFailures", "DeadLetterErrors"


class DeliveryDenied(Exception):
    """The function's role may not send to the target: IAM's words."""


def iso_timestamp(seconds: float | None = None) -> str:
    seconds = time.time() if seconds is None else seconds
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + \
        f".{int(seconds * 1000) % 1000:03d}Z"


def invocation_record(*, request_id: str, function_arn: str, condition: str, attempts: int,
                      request_payload: bytes, executed_version: str | None,
                      response_payload: bytes | None, function_error: bool) -> dict[str, Any]:
    """The JSON document a destination receives about one asynchronous invocation."""
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": iso_timestamp(),
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "requestPayload": _json_or_text(request_payload),
    }
    if attempts:
        record["responseContext"] = {"statusCode": 200, "executedVersion": executed_version}
        if function_error:
            record["responseContext"]["functionError"] = "Unhandled"
        record["responsePayload"] = _json_or_text(response_payload or b"null")
    return record


def trace_attribute() -> dict[str, Any]:
    """An X-Ray trace header, as Lambda puts on the SQS messages it sends (the system
    attribute ``AWSTraceHeader``); well formed, though no trace is recorded."""
    header = (f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};"
              f"Parent={secrets.token_hex(8)};Sampled=0")
    return {"AWSTraceHeader": {"DataType": "String", "StringValue": header}}


def _json_or_text(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data.decode("utf-8", "replace")


class DestinationSender:
    """Delivers records to SQS, SNS, Lambda or EventBridge, all served by the same cloud."""

    def __init__(self, clients: ClientFactory, submit_to_lambda: LambdaSubmitter,
                 role_check: RoleCheck | None = None) -> None:
        self._clients = clients
        self._submit_to_lambda = submit_to_lambda
        self._role_check = role_check

    def check_role(self, role: str, function_name: str, target: str) -> None:
        """Raise :class:`DeliveryDenied` if the function's role may not send to ``target``."""
        action = SEND_ACTIONS.get(target.split(":")[2])
        if self._role_check is None or action is None:
            return
        denied = self._role_check(role, function_name, action, target)
        if denied is not None:
            raise DeliveryDenied(denied)

    def count_failure(self, function_name: str, metric: str) -> None:
        """One more failed delivery in the function's metric, where a learner looks for it
        (CloudWatch, namespace ``AWS/Lambda``, dimension ``FunctionName``)."""
        self._clients("cloudwatch").put_metric_data(Namespace="AWS/Lambda", MetricData=[{
            "MetricName": metric, "Value": 1.0, "Unit": "Count",
            "Dimensions": [{"Name": "FunctionName", "Value": function_name}]}])

    def send_record(self, destination: str, record: dict[str, Any], success: bool) -> None:
        service = destination.split(":")[2]
        body = json.dumps(record)
        if service == "sqs":
            self._clients("sqs").send_message(QueueUrl=self._queue_url(destination),
                                              MessageBody=body,
                                              MessageSystemAttributes=trace_attribute())
        elif service == "sns":
            self._clients("sns").publish(TopicArn=destination, Message=body)
        elif service == "lambda":
            self._submit_to_lambda(destination, body.encode())
        elif service == "events":
            outcome = "Success" if success else "Failure"
            self._clients("events").put_events(Entries=[{
                "Source": "lambda", "DetailType": f"Lambda Function Invocation Result - {outcome}",
                "Detail": body, "EventBusName": destination,
                # as AWS lists them: the event bus, then the function
                "Resources": [destination, record["requestContext"]["functionArn"]]}])
        else:
            raise ValueError(f"unsupported destination {destination}")

    def send_dead_letter(self, target: str, payload: bytes, request_id: str,
                         error_message: str) -> None:
        """The original event, with RequestID, ErrorCode and ErrorMessage attributes."""
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": error_message[:1024] or "-"},
        }
        body = payload.decode("utf-8", "replace")
        if target.split(":")[2] == "sqs":
            self._clients("sqs").send_message(QueueUrl=self._queue_url(target), MessageBody=body,
                                              MessageAttributes=attributes,
                                              MessageSystemAttributes=trace_attribute())
        else:
            self._clients("sns").publish(TopicArn=target, Message=body,
                                         MessageAttributes=attributes)

    def _queue_url(self, queue_arn: str) -> str:
        _, _, _, _, account, name = queue_arn.split(":", 5)
        return self._clients("sqs").get_queue_url(
            QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
