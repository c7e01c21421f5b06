"""What a request asks IAM for, read as moto reads the request: the operation where moto
finds it (a query ``Action`` first), the queue, bucket and key as moto parses them.

The actions are those of the Service Authorization Reference; DynamoDB's transactions and
PartiQL statements ask for each item's action ("Using IAM with DynamoDB transactions",
"IAM policies with PartiQL for DynamoDB").
"""

from __future__ import annotations

import json

import pytest

from lambdalab.access.authorization import _effect
from lambdalab.access.requested_actions import Request, requested
from lambdalab.access.resource_policies import Invoker, allows

REGION, ACCOUNT = "ap-northeast-1", "123456789012"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/"


def asked(service: str, method: str = "POST", path: str = "/", query: str = "",
          headers: dict[str, str] | None = None, body: object = b"") -> list[tuple[str, str]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = Request(service, method, path, query, headers or {}, data, REGION, ACCOUNT)
    return [(needed.action, needed.resource) for needed in requested(request)]


def target(operation: str, prefix: str = "DynamoDB_20120810") -> dict[str, str]:
    return {"x-amz-target": f"{prefix}.{operation}"}


def test_a_query_action_is_the_operation_moto_runs_whatever_the_target_says():
    assert asked("dynamodb", query="Action=DeleteTable", headers=target("ListTables"),
                 body={"TableName": "victim"}) == [("dynamodb:DeleteTable", "*")]
    assert asked("lambda", "GET", "/2015-03-31/functions/victim", "Action=DeleteFunction") \
        == [("lambda:DeleteFunction", "*")]


def test_a_request_whose_operation_cannot_be_told_asks_for_an_unknown_action():
    assert asked("lambda", "GET", "/2015-03-31/nothing-here") == [
        ("lambda:UnknownOperation", "*")]


@pytest.mark.parametrize("body", [{"TableName": 5}, {"TableName": ["a"]},
                                  {"TransactItems": 5}, [1, 2], b"not json"])
def test_malformed_parameters_ask_for_the_operation_on_every_resource(body):
    operation = "TransactWriteItems" if "TransactItems" in str(body) else "PutItem"
    assert asked("dynamodb", headers=target(operation), body=body) == [
        (f"dynamodb:{operation}", "*")]


def test_a_transaction_asks_for_each_items_action_on_its_table():
    assert asked("dynamodb", headers=target("TransactWriteItems"), body={"TransactItems": [
        {"Put": {"TableName": "orders"}}, {"ConditionCheck": {"TableName": "stock"}},
        {"Delete": {"TableName": "orders"}}]}) == [
        ("dynamodb:PutItem", TABLE + "orders"), ("dynamodb:ConditionCheckItem", TABLE + "stock"),
        ("dynamodb:DeleteItem", TABLE + "orders")]


def test_a_partiql_statement_asks_for_the_partiql_action_of_its_verb():
    assert asked("dynamodb", headers=target("ExecuteStatement"), body={
        "Statement": 'SELECT * FROM "orders" WHERE id = ?'}) == [
        ("dynamodb:PartiQLSelect", TABLE + "orders")]


def test_a_queue_url_names_its_queue_as_moto_reads_it():
    url = f"http://127.0.0.1:4566/{ACCOUNT}/allowed?/victim"
    assert asked("sqs", headers=target("SendMessage", "AmazonSQS"), body={
        "QueueUrl": url, "MessageBody": "x"}) == [
        ("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:victim")]


def test_ssm_names_must_be_a_list_of_strings():
    """A string is not read letter by letter as three parameters."""
    assert asked("ssm", headers=target("GetParameters", "AmazonSSM"), body={"Names": "abc"}) \
        == [("ssm:GetParameters", "*")]
    assert asked("ssm", headers=target("GetParameters", "AmazonSSM"), body={
        "Names": ["/a", "b"]}) == [
        ("ssm:GetParameters", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/a"),
        ("ssm:GetParameters", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/b")]


@pytest.mark.parametrize("method, path, query, host, expected", [
    ("PUT", "/files/a%41", "", "127.0.0.1:4566", ("s3:PutObject", "arn:aws:s3:::files/a%41")),
    ("PUT", "/files", "policy", "127.0.0.1:4566", ("s3:PutBucketPolicy", "arn:aws:s3:::files")),
    ("GET", "/files", "acl", "127.0.0.1:4566", ("s3:GetBucketAcl", "arn:aws:s3:::files")),
    ("DELETE", "/files", "policy", "127.0.0.1:4566",
     ("s3:DeleteBucketPolicy", "arn:aws:s3:::files")),
    ("PUT", "/files/k", "acl", "127.0.0.1:4566", ("s3:PutObjectAcl", "arn:aws:s3:::files/k")),
    ("POST", "/files", "", "127.0.0.1:4566", ("s3:PutObject", "arn:aws:s3:::files/*")),
    ("GET", "/files", "list-type=2", "127.0.0.1:4566", ("s3:ListBucket", "arn:aws:s3:::files")),
    ("GET", "/files", "object-lock", "127.0.0.1:4566",
     ("s3:UnknownOperation", "arn:aws:s3:::files")),
    ("GET", "/", "", "127.0.0.1:4566", ("s3:ListAllMyBuckets", "*")),
    ("PUT", "/mybucket/k", "", "victim.example",
     ("s3:PutObject", "arn:aws:s3:::victim/mybucket/k")),
    ("GET", "/k", "", "logs.s3.backup.s3.ap-northeast-1.amazonaws.com",
     ("s3:GetObject", "arn:aws:s3:::logs.s3.backup/k")),
])
def test_s3_names_bucket_key_and_subresource_as_moto_reads_them(method, path, query, host,
                                                                 expected):
    assert asked("s3", method, path, query, {"host": host}) == [expected]


def test_a_copy_asks_to_read_its_source_too():
    assert asked("s3", "PUT", "/files/copy", "", {"host": "127.0.0.1:4566",
                                                  "x-amz-copy-source": "/other/original"}) == [
        ("s3:PutObject", "arn:aws:s3:::files/copy"),
        ("s3:GetObject", "arn:aws:s3:::other/original")]


@pytest.mark.parametrize("path, query, expected", [
    ("/2018-10-31/layers", "", "lambda:ListLayers"),
    ("/2019-09-30/functions/f/provisioned-concurrency", "List=ALL",
     "lambda:ListProvisionedConcurrencyConfigs"),
    ("/2019-09-30/functions/f/provisioned-concurrency", "Qualifier=1",
     "lambda:GetProvisionedConcurrencyConfig"),
    ("/2018-10-31/layers", "find=LayerVersion&Arn=x", "lambda:GetLayerVersion"),
])
def test_lambda_routes_that_differ_only_by_their_query_are_told_apart(path, query, expected):
    assert asked("lambda", "GET", path, query)[0][0] == expected


def effect(statement: dict, action: str = "s3:GetObject",
           resource: str = "arn:aws:s3:::files/k") -> str | None:
    return _effect(statement, action, resource)


def test_not_resource_excludes_and_a_statement_without_resource_never_applies():
    deny_elsewhere = {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::files/*"}
    assert effect(deny_elsewhere) is None
    assert effect(deny_elsewhere, resource="arn:aws:s3:::other/k") == "Deny"
    assert effect({"Effect": "Deny", "Action": "s3:*"}) is None


def test_a_condition_whose_key_the_cloud_does_not_supply_does_not_hold():
    condition = {"StringEquals": {"aws:RequestedRegion": REGION}}
    assert effect({"Effect": "Allow", "Action": "*", "Resource": "*",
                   "Condition": condition}) is None
    assert effect({"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {
        "StringEqualsIfExists": {"aws:RequestedRegion": "us-east-1"}}}) == "Deny"


def test_resource_patterns_are_iam_wildcards_not_regular_expressions():
    allow = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my.bucket/*"}
    assert effect(allow, resource="arn:aws:s3:::myxbucket/k") is None
    assert effect({"Effect": "Allow", "Action": "s3:GetObject",
                   "Resource": "arn:aws:s3:::files/[x]"}, resource="arn:aws:s3:::files/[x]") \
        == "Allow"


FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:orders"


def statement(operator: str, value: str) -> list[dict]:
    return [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
             "Action": "lambda:InvokeFunction", "Resource": FUNCTION,
             "Condition": {operator: {"AWS:SourceArn": value}}}]


@pytest.mark.parametrize("operator, value, expected", [
    ("ArnLike", TOPIC, True), ("ArnLike", TOPIC[:-3] + "*", True), ("ArnEquals", TOPIC, True),
    ("ArnNotLike", TOPIC, False), ("ArnNotEquals", TOPIC + "x", True),
    ("StringNotEquals", TOPIC, False), ("ArnLikeIfExists", TOPIC, True),
    ("NumericEquals", "1", False),
])
def test_resource_policy_conditions_follow_their_operator(operator, value, expected):
    assert allows(statement(operator, value), Invoker("sns.amazonaws.com", TOPIC), FUNCTION,
                  ACCOUNT) is expected
