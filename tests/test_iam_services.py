"""A function calls every service as its execution role, and each refuses in its own words.

What each service answers a role without the permission, as recorded in public reports of
AWS's errors (the message's form is IAM's, "Access denied error messages" in the IAM user
guide): DynamoDB 400 ``AccessDeniedException`` (e.g. sst#4469, aws-serverless-workshop-
innovator-island#97); SQS ``AccessDenied``, the action in lower case (SAM#3633,
Rebus.AmazonSQS#45); SNS ``AuthorizationError`` with ``SNS:Publish``; S3 ``AccessDenied`` with
the resource in quotes; SSM, CloudWatch Logs, EventBridge and Lambda's other APIs
``AccessDeniedException``. ``sts:GetCallerIdentity`` needs no permission.

And what Lambda does as the role: writes the function's logs (nothing written without
``logs:CreateLogStream``/``logs:PutLogEvents``), sends destination records and dead letters
(a refusal drops the record and counts one in CloudWatch's ``DestinationDeliveryFailures``
or ``DeadLetterErrors``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import Deployer, wait_until
from lambdalab import LocalCloud
from lambdalab.workshop.functions import TRUST  # Lambda may assume the role

pytestmark = pytest.mark.both_runtime_clients

CALLER = """
import boto3
from botocore.exceptions import ClientError

def handler(event, context):
    print("handler ran")
    client = boto3.client(event["service"])
    try:
        getattr(client, event["operation"])(**event["params"])
    except ClientError as error:
        return {"status": error.response["ResponseMetadata"]["HTTPStatusCode"],
                "code": error.response["Error"]["Code"],
                "message": error.response["Error"]["Message"]}
    return {"status": 200}
"""
ROLE = "service-caller-role"


@pytest.fixture(scope="module")
def cloud(runtime_client: str | None) -> Iterator[LocalCloud]:
    with LocalCloud(runtime_client=runtime_client, iam=True) as running:
        yield running


@pytest.fixture(scope="module")
def world(cloud: LocalCloud) -> dict[str, str]:
    """A function with a role of its own, and one resource of each service to call."""
    region, account = cloud.region, cloud.account_id
    role = cloud.client("iam").create_role(RoleName=ROLE, AssumeRolePolicyDocument=TRUST)
    deploy = Deployer(cloud)
    deploy.role_arn = role["Role"]["Arn"]
    deploy("caller", CALLER, Timeout=30)
    cloud.client("dynamodb").create_table(
        TableName="orders", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    queue = cloud.client("sqs").create_queue(QueueName="jobs")["QueueUrl"]
    topic = cloud.client("sns").create_topic(Name="news")["TopicArn"]
    cloud.client("s3").create_bucket(Bucket="files", CreateBucketConfiguration={
        "LocationConstraint": region})
    cloud.client("ssm").put_parameter(Name="/app/colour", Value="blue", Type="String")
    cloud.client("logs").create_log_group(logGroupName="/custom/app")
    return {"queue": queue, "topic": topic, "region": region, "account": account}


def call(cloud: LocalCloud, service: str, operation: str, **params: Any) -> dict[str, Any]:
    answer = cloud.client("lambda").invoke(FunctionName="caller", Payload=json.dumps(
        {"service": service, "operation": operation, "params": params}))
    return json.loads(answer["Payload"].read())


def grant(cloud: LocalCloud, action: str, resource: str) -> None:
    cloud.client("iam").put_role_policy(
        RoleName=ROLE, PolicyName=action.replace(":", "-"), PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": action, "Resource": resource}]}))


@pytest.fixture
def bare(cloud: LocalCloud, world: dict[str, str]) -> Iterator[dict[str, str]]:
    iam = cloud.client("iam")
    for name in iam.list_role_policies(RoleName=ROLE)["PolicyNames"]:
        iam.delete_role_policy(RoleName=ROLE, PolicyName=name)
    yield world


def principal(cloud: LocalCloud) -> str:
    return f"arn:aws:sts::{cloud.account_id}:assumed-role/{ROLE}/caller"


# service, operation, its parameters, status, code, action as worded, resource as worded,
# the action a policy grants, the resource it names
CASES = [
    ("dynamodb", "put_item", {"TableName": "orders", "Item": {"id": {"S": "1"}}}, 400,
     "AccessDeniedException", "dynamodb:PutItem",
     "arn:aws:dynamodb:{region}:{account}:table/orders",
     "dynamodb:PutItem", "arn:aws:dynamodb:{region}:{account}:table/orders"),
    ("sqs", "send_message", {"QueueUrl": "{queue}", "MessageBody": "hi"}, 403, "AccessDenied",
     "sqs:sendmessage", "arn:aws:sqs:{region}:{account}:jobs",
     "sqs:SendMessage", "arn:aws:sqs:{region}:{account}:jobs"),
    ("sns", "publish", {"TopicArn": "{topic}", "Message": "hi"}, 403, "AuthorizationError",
     "SNS:Publish", "{topic}", "sns:Publish", "{topic}"),
    ("s3", "put_object", {"Bucket": "files", "Key": "report.txt", "Body": "hi"}, 403,
     "AccessDenied", "s3:PutObject", '"arn:aws:s3:::files/report.txt"',
     "s3:PutObject", "arn:aws:s3:::files/*"),
    ("ssm", "get_parameter", {"Name": "/app/colour"}, 400, "AccessDeniedException",
     "ssm:GetParameter", "arn:aws:ssm:{region}:{account}:parameter/app/colour",
     "ssm:GetParameter", "arn:aws:ssm:{region}:{account}:parameter/app/*"),
    ("logs", "create_log_stream", {"logGroupName": "/custom/app", "logStreamName": "s1"}, 400,
     "AccessDeniedException", "logs:CreateLogStream",
     "arn:aws:logs:{region}:{account}:log-group:/custom/app:log-stream:s1",
     "logs:CreateLogStream", "arn:aws:logs:{region}:{account}:log-group:/custom/app:*"),
    ("events", "put_events", {"Entries": [{"Source": "shop", "DetailType": "t", "Detail": "{}"}]},
     400, "AccessDeniedException", "events:PutEvents",
     "arn:aws:events:{region}:{account}:event-bus/default",
     "events:PutEvents", "arn:aws:events:{region}:{account}:event-bus/default"),
    ("lambda", "get_function", {"FunctionName": "caller"}, 403, "AccessDeniedException",
     "lambda:GetFunction", "arn:aws:lambda:{region}:{account}:function:caller",
     "lambda:GetFunction", "arn:aws:lambda:{region}:{account}:function:caller"),
]


def filled(value: Any, world: dict[str, str]) -> Any:
    """The case's value with ``{queue}``, ``{topic}``, ``{region}``, ``{account}`` filled."""
    if isinstance(value, str):
        for key, known in world.items():
            value = value.replace("{" + key + "}", known)
        return value
    if isinstance(value, dict):
        return {key: filled(item, world) for key, item in value.items()}
    if isinstance(value, list):
        return [filled(item, world) for item in value]
    return value


@pytest.mark.parametrize(
    "service, operation, params, status, code, action, resource, grants, on", CASES,
    ids=[case[0] for case in CASES])
def test_each_service_refuses_a_role_without_the_permission_in_its_own_words(
        cloud, bare, service, operation, params, status, code, action, resource, grants, on):
    params, resource, on = filled(params, bare), filled(resource, bare), filled(on, bare)
    assert call(cloud, service, operation, **params) == {
        "status": status, "code": code,
        "message": f"User: {principal(cloud)} is not authorized to perform: {action} on "
                   f"resource: {resource} because no identity-based policy allows the "
                   f"{action} action"}
    grant(cloud, grants, on)  # least privilege: the one action, on that resource
    assert call(cloud, service, operation, **params) == {"status": 200}


def test_the_callers_identity_needs_no_permission(cloud, bare):
    assert call(cloud, "sts", "get_caller_identity") == {"status": 200}


def test_a_permission_on_another_resource_does_not_cover_this_one(cloud, bare):
    grant(cloud, "dynamodb:PutItem", f"arn:aws:dynamodb:{bare['region']}:{bare['account']}:"
                                     "table/other")
    answer = call(cloud, "dynamodb", "put_item", TableName="orders", Item={"id": {"S": "1"}})
    assert answer["code"] == "AccessDeniedException"


def test_actions_are_compared_without_regard_to_case(cloud, bare):
    grant(cloud, "DynamoDB:putitem", "*")
    answer = call(cloud, "dynamodb", "put_item", TableName="orders", Item={"id": {"S": "1"}})
    assert answer == {"status": 200}


def test_a_batch_needs_the_permission_on_every_table_it_names(cloud, bare):
    grant(cloud, "dynamodb:BatchWriteItem", f"arn:aws:dynamodb:{bare['region']}:"
                                            f"{bare['account']}:table/orders")
    put = {"PutRequest": {"Item": {"id": {"S": "2"}}}}
    assert call(cloud, "dynamodb", "batch_write_item",
                RequestItems={"orders": [put]}) == {"status": 200}
    denied = call(cloud, "dynamodb", "batch_write_item",
                  RequestItems={"orders": [put], "archive": [put]})
    assert denied["code"] == "AccessDeniedException"
    assert "table/archive because" in denied["message"]


def log_streams(cloud: LocalCloud, group: str) -> list[str]:
    try:
        streams = cloud.client("logs").describe_log_streams(logGroupName=group)
    except cloud.client("logs").exceptions.ResourceNotFoundException:
        return []
    return [stream["logStreamName"] for stream in streams["logStreams"]]


def test_without_log_permissions_the_function_runs_and_writes_no_log(cloud, bare):
    """Lambda writes a function's logs as its role: a bare role runs, and logs nothing."""
    assert call(cloud, "sts", "get_caller_identity") == {"status": 200}  # it ran
    assert log_streams(cloud, "/aws/lambda/caller") == []
    grant(cloud, "logs:*", f"arn:aws:logs:{bare['region']}:{bare['account']}:"
                           "log-group:/aws/lambda/caller:*")  # the same warm environment
    assert call(cloud, "sts", "get_caller_identity") == {"status": 200}
    events = cloud.client("logs").filter_log_events(logGroupName="/aws/lambda/caller")
    assert any("handler ran" in event["message"] for event in events["events"])


FAILING = "def handler(event, context):\n    raise ValueError('no')\n"


def failures(cloud: LocalCloud, function: str, metric: str) -> float:
    statistics = cloud.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda", MetricName=metric, Statistics=["Sum"], Period=60,
        Dimensions=[{"Name": "FunctionName", "Value": function}],
        StartTime="2000-01-01T00:00:00Z", EndTime="2100-01-01T00:00:00Z")
    return sum(point["Sum"] for point in statistics["Datapoints"])


@pytest.mark.parametrize("kind", ["destination", "dead-letter queue"])
def test_a_role_that_may_not_send_loses_the_record_and_the_metric_counts_it(cloud, bare,
                                                                             kind):
    name = "fails-" + kind.split()[0].replace("-", "")
    queue = cloud.client("sqs").create_queue(QueueName=f"{name}-q")["QueueUrl"]
    queue_arn = f"arn:aws:sqs:{bare['region']}:{bare['account']}:{name}-q"
    deploy = Deployer(cloud)
    deploy.role_arn = f"arn:aws:iam::{bare['account']}:role/{ROLE}"
    lam = cloud.client("lambda")
    if kind == "destination":
        deploy(name, FAILING)
        lam.put_function_event_invoke_config(
            FunctionName=name, MaximumRetryAttempts=0,
            DestinationConfig={"OnFailure": {"Destination": queue_arn}})
        metric = "DestinationDeliveryFailures"
    else:  # AWS checks this permission at create: it is taken away afterwards
        grant(cloud, "sqs:SendMessage", queue_arn)
        deploy(name, FAILING, DeadLetterConfig={"TargetArn": queue_arn})
        cloud.client("iam").delete_role_policy(RoleName=ROLE, PolicyName="sqs-SendMessage")
        lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
        metric = "DeadLetterErrors"
    sqs = cloud.client("sqs")
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
    assert wait_until(lambda: failures(cloud, name, metric) == 1, 30)
    assert sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages") is None
    ending, = cloud.async_results(name)  # where the cloud says why
    assert ending.delivery_error == (
        f"{metric}: DeliveryDenied: User: arn:aws:sts::{bare['account']}:assumed-role/{ROLE}/"
        f"{name} is not authorized to perform: sqs:sendmessage on resource: {queue_arn} "
        "because no identity-based policy allows the sqs:sendmessage action")
    grant(cloud, "sqs:SendMessage", queue_arn)
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
    assert wait_until(lambda: sqs.receive_message(QueueUrl=queue).get("Messages"), 30)
    assert failures(cloud, name, metric) == 1



def test_a_dead_letter_queue_the_role_may_not_write_is_refused_at_create(cloud, bare):
    """As AWS refuses it: "The provided execution role does not have permissions to call
    SendMessage on SQS" (InvalidParameterValueException), at create and at update."""
    queue_arn = f"arn:aws:sqs:{bare['region']}:{bare['account']}:jobs"
    deploy = Deployer(cloud)
    deploy.role_arn = f"arn:aws:iam::{bare['account']}:role/{ROLE}"
    lam = cloud.client("lambda")
    with pytest.raises(lam.exceptions.InvalidParameterValueException, match=(
            "^An error occurred .*: The provided execution role does not have permissions to "
            "call SendMessage on SQS$")):
        deploy("dlq-refused", FAILING, DeadLetterConfig={"TargetArn": queue_arn})
    deploy("dlq-later", FAILING)
    with pytest.raises(lam.exceptions.InvalidParameterValueException, match="SendMessage"):
        lam.update_function_configuration(FunctionName="dlq-later",
                                          DeadLetterConfig={"TargetArn": queue_arn})
    grant(cloud, "sqs:SendMessage", queue_arn)
    lam.update_function_configuration(FunctionName="dlq-later",
                                      DeadLetterConfig={"TargetArn": queue_arn})


def test_an_sqs_event_source_the_role_may_not_poll_is_refused(cloud, bare):
    """Lambda polls the queue as the function's role: ReceiveMessage, DeleteMessage and
    GetQueueAttributes (developer guide, "Using Lambda with Amazon SQS": execution role
    permissions)."""
    queue_arn = f"arn:aws:sqs:{bare['region']}:{bare['account']}:jobs"
    lam = cloud.client("lambda")
    with pytest.raises(lam.exceptions.InvalidParameterValueException, match=(
            "The provided execution role does not have permissions to call ReceiveMessage "
            "on SQS$")):
        lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="caller")
    grant(cloud, "sqs:ReceiveMessage", queue_arn)
    with pytest.raises(lam.exceptions.InvalidParameterValueException, match="DeleteMessage"):
        lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="caller")
    cloud.client("iam").put_role_policy(
        RoleName=ROLE, PolicyName="poll", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": queue_arn,
                "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage",
                           "sqs:GetQueueAttributes"]}]}))
    mapping = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="caller",
                                              Enabled=False)
    lam.delete_event_source_mapping(UUID=mapping["UUID"])
