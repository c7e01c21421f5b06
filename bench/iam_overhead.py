"""What IAM's decision costs a function's call: the same calls with IAM on and off.

A handler makes 200 DynamoDB ``GetItem`` calls with its role's credentials and times each.
With IAM on, the cloud evaluates the role's policies (two inline statements and one
attached managed policy) before each; with IAM off, it does not. Clouds with IAM on and
off alternate, three rounds each, so both see the same machine. Also timed: the decision
alone, called directly, for the same role and request.

    .venv/bin/python bench/iam_overhead.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lambdalab import LocalCloud  # noqa: E402
from lambdalab.access import authorization  # noqa: E402
from lambdalab.access.requested_actions import Requested  # noqa: E402
from lambdalab.packaging import zip_files  # noqa: E402

CALLER = """
import time, boto3

def handler(event, context):
    table = boto3.client("dynamodb")
    times = []
    for _ in range(event["calls"]):
        started = time.perf_counter()
        table.get_item(TableName="orders", Key={"id": {"S": "1"}})
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)[len(times) // 2]
"""
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def median_call_ms(iam: bool, calls: int) -> tuple[float, float | None]:
    """The handler's median call, and (IAM on) the decision's median, in ms."""
    with LocalCloud(iam=iam) as cloud:
        iam_client = cloud.client("iam")
        role = iam_client.create_role(RoleName="reader", AssumeRolePolicyDocument=TRUST)
        table_arn = f"arn:aws:dynamodb:{cloud.region}:{cloud.account_id}:table/orders"
        for name, action, resource in (("read", "dynamodb:GetItem", table_arn),
                                       ("logs", "logs:*", "*")):
            iam_client.put_role_policy(RoleName="reader", PolicyName=name, PolicyDocument=(
                json.dumps({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": action, "Resource": resource}]})))
        iam_client.attach_role_policy(
            RoleName="reader",
            PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
        cloud.client("dynamodb").create_table(
            TableName="orders", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        lam = cloud.client("lambda")
        lam.create_function(FunctionName="caller", Runtime="python3.12",
                            Role=role["Role"]["Arn"], Handler="app.handler", Timeout=60,
                            Code={"ZipFile": zip_files({"app.py": CALLER})})
        lam.invoke(FunctionName="caller", Payload=json.dumps({"calls": 5}))  # warm
        answer = lam.invoke(FunctionName="caller", Payload=json.dumps({"calls": calls}))
        call_ms = float(json.loads(answer["Payload"].read()))
        decision_ms = None
        if iam:
            session = cloud.client("sts")  # the owner's: make a session of the role
            key = session.assume_role(RoleArn=role["Role"]["Arn"], RoleSessionName="bench")[
                "Credentials"]["AccessKeyId"]
            needed = [Requested("dynamodb", "GetItem", "dynamodb:GetItem", table_arn)]
            times = []
            for _ in range(calls * 5):
                started = time.perf_counter()
                authorization.check_all(key, cloud.account_id, cloud.region, needed)
                times.append((time.perf_counter() - started) * 1000)
            decision_ms = statistics.median(times)
        return call_ms, decision_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 calls, one round")
    args = parser.parse_args()
    calls, rounds = (50, 1) if args.quick else (200, 3)
    on, off, decisions = [], [], []
    for _ in range(rounds):
        call_ms, decision_ms = median_call_ms(True, calls)
        on.append(call_ms)
        decisions.append(decision_ms or 0.0)
        off.append(median_call_ms(False, calls)[0])
    print(f"{calls} DynamoDB GetItem calls from a handler, median per call, {rounds} rounds")
    for number, (with_iam, without) in enumerate(zip(on, off, strict=True), 1):
        print(f"  round {number}: IAM on {with_iam:.2f} ms, off {without:.2f} ms, "
              f"ratio {with_iam / without:.2f}x")
    print(f"the decision alone: {statistics.median(decisions):.3f} ms (median)")


if __name__ == "__main__":
    main()
