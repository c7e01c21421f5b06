"""What a request asks IAM for: each action and the resource it names, as AWS evaluates it.

The operation comes from the request's protocol (``X-Amz-Target`` for JSON services, the
``Action`` parameter for query services, method and path for Lambda's REST API and for
S3), the action from the Service Authorization Reference
(docs.aws.amazon.com/service-authorization/latest/reference/), and the resource from the
parameters that name it (a table, a queue, a topic, a log group, a parameter, an event bus,
a bucket or object, a function). An operation whose resource is not known here is asked
for on ``*``: a policy must then allow it on every resource, as AWS requires for actions
with no resource types (``sqs:ListQueues``, ``dynamodb:ListTables``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

# operations that need no permission at all (sts:GetCallerIdentity, STS API reference)
FREE = {("sts", "GetCallerIdentity")}
# the IAM prefix where it is not the service's signing name
PREFIXES = {"monitoring": "cloudwatch", "email": "ses"}
# operations authorized as another action (each service's authorization reference)
ACTIONS = {
    ("sqs", "SendMessageBatch"): "SendMessage",
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
    ("sns", "PublishBatch"): "Publish",
    ("lambda", "Invoke"): "InvokeFunction",
    ("lambda", "InvokeAsync"): "InvokeFunction",
    ("lambda", "InvokeWithResponseStream"): "InvokeFunction",
    ("ssm", "GetParametersByPath"): "GetParametersByPath",
}


@dataclass(frozen=True)
class Requested:
    """One permission a request needs."""

    service: str  # the signing name: which error shape a refusal takes
    operation: str
    action: str  # as policies name it: ``dynamodb:PutItem``
    resource: str


@dataclass(frozen=True)
class Request:
    """The parts of an HTTP request that say what it asks for."""

    service: str
    method: str
    path: str
    query: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    region: str
    account: str

    def parameters(self) -> dict[str, Any]:
        """The operation's parameters: a JSON body, or a query's form fields."""
        if self.headers.get("x-amz-target"):
            try:
                found = json.loads(self.body or b"{}")
            except ValueError:
                return {}
            return found if isinstance(found, dict) else {}
        fields = parse_qs(self.query) | parse_qs(self.body.decode(errors="replace"))
        return {key: values[0] for key, values in fields.items()}


def requested(request: Request) -> list[Requested]:
    """Every permission ``request`` needs (none for an operation that needs none)."""
    service = request.service
    if service == "s3":
        operation, resources = _s3(request)
    elif service == "lambda":
        operation, resources = _lambda(request)
    else:
        parameters = request.parameters()
        target = request.headers.get("x-amz-target", "")
        operation = target.rpartition(".")[2] if target else str(parameters.get("Action", ""))
        resources = _resources(request, operation, parameters)
    if not operation or (service, operation) in FREE:
        return []
    prefix = PREFIXES.get(service, service)
    action = f"{prefix}:{ACTIONS.get((service, operation), operation)}"
    needed = [Requested(service, operation, action, resource) for resource in resources or ["*"]]
    return needed + (_s3_copy_source(request) if service == "s3" else [])


def _resources(request: Request, operation: str, parameters: dict[str, Any]) -> list[str]:
    region, account, service = request.region, request.account, request.service
    arn = f"arn:aws:{service}:{region}:{account}:"
    if service == "dynamodb":
        tables: list[str] = []
        if isinstance(parameters.get("RequestItems"), dict):
            tables += list(parameters["RequestItems"])
        for item in parameters.get("TransactItems") or []:
            for part in item.values() if isinstance(item, dict) else []:
                if isinstance(part, dict) and part.get("TableName"):
                    tables.append(part["TableName"])
        if parameters.get("TableName"):
            tables.append(parameters["TableName"])
        return [name if name.startswith("arn:") else f"{arn}table/{name}"
                for name in dict.fromkeys(tables)]
    if service == "sqs":
        if parameters.get("QueueUrl"):
            parts = urlparse(str(parameters["QueueUrl"])).path.strip("/").split("/")
            if len(parts) == 2:
                return [f"arn:aws:sqs:{region}:{parts[0]}:{parts[1]}"]
        if parameters.get("QueueName"):
            return [f"{arn}{parameters['QueueName']}"]
        return []
    if service == "sns":
        for key in ("TopicArn", "TargetArn", "ResourceArn"):
            if parameters.get(key):
                return [str(parameters[key])]
        if operation == "CreateTopic" and parameters.get("Name"):
            return [f"{arn}{parameters['Name']}"]
        return []
    if service == "logs":
        group = parameters.get("logGroupName")
        if not group:
            return []
        stream = parameters.get("logStreamName")
        if stream:
            return [f"{arn}log-group:{group}:log-stream:{stream}"]
        return [f"{arn}log-group:{group}:*"]  # as DescribeLogGroups gives a group's ARN
    if service == "ssm":
        names = parameters.get("Names") or ([parameters["Name"]] if parameters.get("Name")
                                             else [parameters["Path"]]
                                             if parameters.get("Path") else [])
        return [f"{arn}parameter/{str(name).lstrip('/')}" for name in names]
    if service == "events":
        if operation == "PutEvents":
            buses = [entry.get("EventBusName") or "default"
                     for entry in parameters.get("Entries") or [] if isinstance(entry, dict)]
            return [bus if bus.startswith("arn:") else f"{arn}event-bus/{bus}"
                    for bus in dict.fromkeys(buses)]
        return []
    if service == "sts" and operation == "AssumeRole" and parameters.get("RoleArn"):
        return [str(parameters["RoleArn"])]
    return []


S3_BUCKET_OPERATIONS = {"GET": "ListBucket", "HEAD": "ListBucket", "PUT": "CreateBucket",
                        "DELETE": "DeleteBucket"}
S3_OBJECT_OPERATIONS = {"GET": "GetObject", "HEAD": "GetObject", "PUT": "PutObject",
                        "POST": "PutObject", "DELETE": "DeleteObject"}


def _s3(request: Request) -> tuple[str, list[str]]:
    """S3's action, from method, bucket and key (virtual-hosted or path style)."""
    host = request.headers.get("host", "")
    path = unquote(request.path).lstrip("/")
    if ".s3." in host:  # bucket.s3.region.amazonaws.com
        bucket, key = host.split(".s3.", 1)[0], path
    else:
        bucket, _, key = path.partition("/")
    if not bucket:
        return "ListAllMyBuckets", ["*"]
    if key:
        return S3_OBJECT_OPERATIONS.get(request.method, "GetObject"), [
            f"arn:aws:s3:::{bucket}/{key}"]
    if request.method == "POST" and "delete" in parse_qs(request.query, keep_blank_values=True):
        return "DeleteObject", [f"arn:aws:s3:::{bucket}/*"]
    return S3_BUCKET_OPERATIONS.get(request.method, "ListBucket"), [f"arn:aws:s3:::{bucket}"]


def _s3_copy_source(request: Request) -> list[Requested]:
    """CopyObject reads its source too: ``s3:GetObject`` on it."""
    source = request.headers.get("x-amz-copy-source")
    if request.method != "PUT" or not source:
        return []
    source = unquote(source).lstrip("/").split("?")[0]
    return [Requested("s3", "GetObject", "s3:GetObject", f"arn:aws:s3:::{source}")]


def _lambda(request: Request) -> tuple[str, list[str]]:
    """Lambda's operation, matched against the request URIs of botocore's model."""
    for method, pattern, operation in _lambda_routes():
        found = pattern.match(request.path)
        if method == request.method and found:
            name = found.groupdict().get("FunctionName")
            if name is None:
                return operation, ["*"]
            name = unquote(name)
            if name.startswith("arn:"):
                return operation, [name]
            base = f"arn:aws:lambda:{request.region}:{request.account}:function:"
            return operation, [base + name]
    return "", []


@cache
def _lambda_routes() -> list[tuple[str, re.Pattern[str], str]]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http["requestUri"].split("?")[0]
        regex = re.sub(r"\\{(\w+)\+?\\}", r"(?P<\1>[^/]+)", re.escape(uri.rstrip("/")))
        routes.append((http["method"], re.compile(f"^{regex}/?$"), name))
    # the most literal first: /functions/{FunctionName}/policy before /functions/{Name}
    routes.sort(key=lambda route: -len(route[1].pattern.replace("[^/]+", "")))
    return routes
