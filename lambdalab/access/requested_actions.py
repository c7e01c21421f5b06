"""What a request asks IAM for: each action and the resource it names, as AWS evaluates it.

The operation is found where moto will find it, in moto's order (a query or form ``Action``
parameter, then ``X-Amz-Target``, then method and path, matched against botocore's model
for Lambda, by hand for S3), so that IAM decides on what moto will do. The action comes
from the Service Authorization Reference
(docs.aws.amazon.com/service-authorization/latest/reference/), the resource from the
parameters that name it (a table, a queue, a topic, a log group or stream, a parameter, an
event bus, a bucket or object, a function). An operation whose resource is not known here
is asked for on ``*``: a policy must then allow it on every resource, as AWS requires for
actions with no resource types (``sqs:ListQueues``, ``dynamodb:ListTables``). A request
whose operation cannot be told is asked for as ``<service>:UnknownOperation``: only a
policy that allows every action of the service lets it through.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs

# operations that need no permission at all (sts:GetCallerIdentity, STS API reference)
FREE = {("sts", "GetCallerIdentity")}
# the IAM prefix where it is not the service's signing name
PREFIXES = {"monitoring": "cloudwatch", "email": "ses"}
UNKNOWN = "UnknownOperation"
# operations authorized as another action (each service's authorization reference)
ACTIONS = {
    ("sqs", "SendMessageBatch"): "SendMessage",
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
    ("sns", "PublishBatch"): "Publish",
    ("lambda", "GetLayerVersionByArn"): "GetLayerVersion",
}
# DynamoDB's transactions ask for each item's own action (DynamoDB developer guide, "Using
# IAM with DynamoDB transactions"); PartiQL statements for the PartiQL action of their verb
TRANSACT_ITEM_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                         "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
PARTIQL = re.compile(r'^\s*(SELECT|INSERT|UPDATE|DELETE)\b.*?(?:FROM|INTO|UPDATE)\s+"?'
                     r'([A-Za-z0-9_.-]+)"?', re.I | re.S)


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
    path: str  # as decoded by the server (PATH_INFO), as moto reads it
    query: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    region: str
    account: str

    def form(self) -> dict[str, str]:
        """Query and form fields, the first value of each: where moto looks for ``Action``."""
        fields = parse_qs(self.query)
        if "x-www-form-urlencoded" in self.headers.get("content-type", ""):
            fields = parse_qs(self.body.decode(errors="replace")) | fields
        return {key: values[0] for key, values in fields.items()}

    def json_body(self) -> dict[str, Any]:
        try:
            found = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}


def requested(request: Request) -> list[Requested]:
    """Every permission ``request`` needs (none for an operation that needs none)."""
    service = request.service
    prefix = PREFIXES.get(service, service)
    form = request.form()
    target = request.headers.get("x-amz-target", "")
    if service == "s3":
        needed = _s3(request)
    elif form.get("Action"):  # moto reads this first, whatever the protocol
        needed = _named(request, form["Action"], form)
    elif target:
        needed = _named(request, target.rpartition(".")[2], request.json_body())
    elif service == "lambda":
        needed = _lambda(request)
    else:
        needed = []
    if not needed:
        return [Requested(service, UNKNOWN, f"{prefix}:{UNKNOWN}", "*")]
    return [permission for permission in needed
            if (service, permission.operation) not in FREE]


def _named(request: Request, operation: str, parameters: dict[str, Any]) -> list[Requested]:
    """The permissions of an operation named by ``Action`` or ``X-Amz-Target``."""
    service = request.service
    prefix = PREFIXES.get(service, service)
    try:
        pairs = _resources(request, operation, parameters)
    except (AttributeError, TypeError, ValueError):  # a malformed parameter: moto refuses it
        pairs = []
    pairs = pairs or [(ACTIONS.get((service, operation), operation), "*")]
    return [Requested(service, operation, f"{prefix}:{action}", resource)
            for action, resource in pairs]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _resources(request: Request, operation: str,
               parameters: dict[str, Any]) -> list[tuple[str, str]]:
    """(action, resource) pairs the operation needs; [] if its resource is not known."""
    region, account, service = request.region, request.account, request.service
    arn = f"arn:aws:{service}:{region}:{account}:"
    action = ACTIONS.get((service, operation), operation)
    if service == "dynamodb":
        return _dynamodb(arn, operation, parameters)
    if service == "sqs":
        url, name = _text(parameters.get("QueueUrl")), _text(parameters.get("QueueName"))
        if url:  # as moto reads it: the last part is the queue
            parts = url.rstrip("/").split("/")
            owner = parts[-2] if len(parts) > 1 and parts[-2].isdigit() else account
            return [(action, f"arn:aws:sqs:{region}:{owner}:{parts[-1]}")]
        return [(action, f"{arn}{name}")] if name else []
    if service == "sns":
        for key in ("TopicArn", "TargetArn", "ResourceArn"):
            if _text(parameters.get(key)):
                return [(action, parameters[key])]
        name = _text(parameters.get("Name"))
        return [(action, f"{arn}{name}")] if operation == "CreateTopic" and name else []
    if service == "logs":
        group = _text(parameters.get("logGroupName"))
        if not group:
            return []
        stream = _text(parameters.get("logStreamName"))
        if stream:
            return [(action, f"{arn}log-group:{group}:log-stream:{stream}")]
        return [(action, f"{arn}log-group:{group}:*")]  # as DescribeLogGroups gives its ARN
    if service == "ssm":
        names = parameters.get("Names")
        if not isinstance(names, list):
            names = [parameters.get("Name") or parameters.get("Path")]
        return [(action, f"{arn}parameter/{name.lstrip('/')}") for name in names
                if _text(name)]
    if service == "events" and operation == "PutEvents":
        entries = parameters.get("Entries")
        buses = [entry.get("EventBusName") or "default" for entry in
                 entries if isinstance(entry, dict)] if isinstance(entries, list) else []
        return [(action, bus if bus.startswith("arn:") else f"{arn}event-bus/{bus}")
                for bus in dict.fromkeys(bus for bus in buses if _text(bus))]
    if service == "sts" and operation == "AssumeRole" and _text(parameters.get("RoleArn")):
        return [(action, parameters["RoleArn"])]
    return []


def _dynamodb(arn: str, operation: str, parameters: dict[str, Any]) -> list[tuple[str, str]]:
    def table(name: Any) -> str | None:
        if not _text(name):
            return None
        return name if name.startswith("arn:") else f"{arn}table/{name}"

    if operation in ("TransactWriteItems", "TransactGetItems"):
        items = parameters.get("TransactItems")
        pairs = []
        for item in items if isinstance(items, list) else []:
            for kind, part in (item.items() if isinstance(item, dict) else ()):
                named = table(part.get("TableName")) if isinstance(part, dict) else None
                if named and kind in TRANSACT_ITEM_ACTIONS:
                    pairs.append((TRANSACT_ITEM_ACTIONS[kind], named))
        return list(dict.fromkeys(pairs))
    if operation == "ExecuteStatement":
        found = PARTIQL.match(_text(parameters.get("Statement")) or "")
        named = table(found.group(2)) if found else None
        return [(f"PartiQL{found.group(1).capitalize()}", named)] if found and named else []
    items = parameters.get("RequestItems")
    tables = list(items) if isinstance(items, dict) else [parameters.get("TableName")]
    return [(operation, named) for named in dict.fromkeys(map(table, tables)) if named]


# S3: the action of each method on a bucket or an object, and of each subresource
# (Amazon S3 API reference and the S3 actions of the Service Authorization Reference)
S3_BUCKET = {"GET": "ListBucket", "HEAD": "ListBucket", "PUT": "CreateBucket",
             "DELETE": "DeleteBucket"}
S3_OBJECT = {"GET": "GetObject", "HEAD": "GetObject", "PUT": "PutObject", "POST": "PutObject",
             "DELETE": "DeleteObject"}
S3_BUCKET_SUBRESOURCES = {
    "policy": ("GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"),
    "acl": ("GetBucketAcl", "PutBucketAcl", None),
    "notification": ("GetBucketNotification", "PutBucketNotification", None),
    "tagging": ("GetBucketTagging", "PutBucketTagging", "PutBucketTagging"),
    "versioning": ("GetBucketVersioning", "PutBucketVersioning", None),
    "cors": ("GetBucketCORS", "PutBucketCORS", "PutBucketCORS"),
    "lifecycle": ("GetLifecycleConfiguration", "PutLifecycleConfiguration",
                  "PutLifecycleConfiguration"),
    "encryption": ("GetEncryptionConfiguration", "PutEncryptionConfiguration",
                   "PutEncryptionConfiguration"),
    "location": ("GetBucketLocation", None, None),
    "versions": ("ListBucketVersions", None, None),
    "uploads": ("ListBucketMultipartUploads", None, None),
    "delete": (None, None, None),  # POST ?delete: DeleteObject on each key
}
S3_OBJECT_SUBRESOURCES = {
    "acl": ("GetObjectAcl", "PutObjectAcl", None),
    "tagging": ("GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging"),
    "uploadId": ("ListMultipartUploadParts", "PutObject", "AbortMultipartUpload"),
    "uploads": (None, "PutObject", None),  # POST ?uploads starts a multipart upload
    "versionId": ("GetObjectVersion", None, "DeleteObjectVersion"),
}


def _s3(request: Request) -> list[Requested]:
    """S3's permissions: bucket and key found as moto finds them (virtual-hosted or path
    style), the action from method and subresource."""
    from moto.s3.responses import S3Response
    from moto.s3.utils import bucket_name_from_url

    host = request.headers.get("host", "")
    url = f"http://{host}{request.path}"
    path = request.path.lstrip("/")
    if S3Response.subdomain_based_buckets(_S3Probe(request.headers, url)):
        bucket, key = bucket_name_from_url(url) or "", path
    else:
        bucket, _, key = path.partition("/")
    query = parse_qs(request.query, keep_blank_values=True)
    method = request.method
    column = {"GET": 0, "HEAD": 0, "PUT": 1, "POST": 1, "DELETE": 2}.get(method)

    def one(action: str | None, resource: str) -> list[Requested]:
        action = action or UNKNOWN
        return [Requested("s3", action, f"s3:{action}", resource)]

    if not bucket:
        return one("ListAllMyBuckets", "*")
    if key:
        resource = f"arn:aws:s3:::{bucket}/{key}"
        for name, actions in S3_OBJECT_SUBRESOURCES.items():
            if name in query:
                return one(actions[column] if column is not None else None, resource)
        needed = one(S3_OBJECT.get(method), resource)
        source = request.headers.get("x-amz-copy-source")
        if method == "PUT" and source:  # CopyObject reads its source too
            needed += one("GetObject", f"arn:aws:s3:::{source.lstrip('/').split('?')[0]}")
        return needed
    resource = f"arn:aws:s3:::{bucket}"
    if method == "POST" and "delete" in query:
        return one("DeleteObject", f"{resource}/*")
    for name, actions in S3_BUCKET_SUBRESOURCES.items():
        if name in query:
            return one(actions[column] if column is not None else None, resource)
    if any(name not in ("list-type", "prefix", "delimiter", "max-keys", "marker",
                        "continuation-token", "start-after", "encoding-type", "fetch-owner",
                        "x-id") for name in query):
        return one(None, resource)  # a subresource not modelled here: refused unless s3:*
    if method == "POST":
        return one("PutObject", f"{resource}/*")  # a browser-form upload
    return one(S3_BUCKET.get(method), resource)


@dataclass(frozen=True)
class _S3Probe:
    """What moto's ``subdomain_based_buckets`` reads of a request."""

    headers: dict[str, str]
    url: str


def _lambda(request: Request) -> list[Requested]:
    """Lambda's operation, matched against the request URIs of botocore's model."""
    query = parse_qs(request.query, keep_blank_values=True)
    for method, pattern, required, operation in _lambda_routes():
        found = pattern.match(request.path)
        if method != request.method or not found or not all(
                query.get(key, [None])[0] == value for key, value in required.items()):
            continue
        action = f"lambda:{ACTIONS.get(('lambda', operation), operation)}"
        name = found.groupdict().get("FunctionName")
        if name is None:
            return [Requested("lambda", operation, action, "*")]
        if not name.startswith("arn:"):
            name = f"arn:aws:lambda:{request.region}:{request.account}:function:{name}"
        return [Requested("lambda", operation, action, name)]
    return []


@cache
def _lambda_routes() -> list[tuple[str, re.Pattern[str], dict[str, str], str]]:
    """(method, path pattern, required query values, operation), the most specific first:
    more required query values, then more literal path segments."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri, _, query = http["requestUri"].partition("?")
        required = {key: values[0] for key, values in
                    parse_qs(query, keep_blank_values=True).items()}
        regex = re.sub(r"\\{(\w+)\+?\\}", r"(?P<\1>[^/]+)", re.escape(uri.rstrip("/")))
        literal = sum(1 for part in uri.split("/") if part and not part.startswith("{"))
        routes.append((len(required), literal, http["method"], re.compile(f"^{regex}/?$"),
                       required, name))
    routes.sort(key=lambda route: (-route[0], -route[1], route[5]))
    return [(method, pattern, required, name)
            for _, _, method, pattern, required, name in routes]
