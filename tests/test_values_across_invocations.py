"""What reaches an invoked function, and what does not, as on AWS Lambda (notebook 02).

Each test names the AWS behaviour it checks. Sources:
- Invoke API (ClientContext "for synchronous invocations only"):
  https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
- The Python context object: https://docs.aws.amazon.com/lambda/latest/dg/python-context.html
- Execution environment reuse (state outside the handler survives between invocations):
  https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
- Function timeout, the only end Lambda puts to an invocation:
  https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
"""

from __future__ import annotations

import base64
import json
import time

import pytest
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError

from conftest import read_json

pytestmark = pytest.mark.both_runtime_clients

READS_CLIENT_CONTEXT = """
def handler(event, context):
    custom = context.client_context.custom if context.client_context else None
    print(f"custom: {custom}")
    return custom
"""


def client_context(custom: dict) -> str:
    return base64.b64encode(json.dumps({"custom": custom}).encode()).decode()


def test_client_context_is_passed_to_synchronous_invocations_only(cloud, deploy, lam):
    """AWS: "Lambda passes the ClientContext object to your function for synchronous
    invocations only"; an Event call with one is accepted, and the function sees None."""
    deploy("reads-client-context", READS_CLIENT_CONTEXT)
    header = client_context({"tenant": "acme"})
    synchronous = lam.invoke(FunctionName="reads-client-context", ClientContext=header)
    assert read_json(synchronous) == {"tenant": "acme"}
    asynchronous = lam.invoke(FunctionName="reads-client-context", ClientContext=header,
                              InvocationType="Event")
    assert asynchronous["StatusCode"] == 202
    cloud.wait_for_async()
    assert cloud.logs("reads-client-context")[-3:-1] == [
        "custom: None", f"END RequestId: {asynchronous['ResponseMetadata']['RequestId']}"]


def test_each_invocation_gets_a_context_of_its_own(deploy, lam):
    """A caller's context stays with the caller: the invoked function's context has its
    own request id, counts down its own timeout, and has no attribute the caller set."""
    deploy("own-context", """
        def handler(event, context):
            return {"request_id": context.aws_request_id,
                    "remaining_ms": context.get_remaining_time_in_millis(),
                    "tenant": getattr(context, "tenant", None)}
        """, Timeout=5)
    deploy("sets-its-context", """
        import json

        import boto3

        lam = boto3.client("lambda")

        def handler(event, context):
            context.tenant = "acme"
            answer = lam.invoke(FunctionName="own-context")["Payload"].read()
            return {"request_id": context.aws_request_id, "seen": json.loads(answer)}
        """, Timeout=2)
    result = read_json(lam.invoke(FunctionName="sets-its-context"))
    seen = result["seen"]
    assert seen["request_id"] != result["request_id"]
    assert seen["tenant"] is None
    assert 4000 < seen["remaining_ms"] <= 5000  # its own 5 s, not the caller's 2 s


def test_a_warm_environment_keeps_module_state_and_context_variables(deploy, lam):
    """Lambda reuses a warm environment: what the previous invocation left in module
    globals and in the ContextVars of the runtime's thread is still there."""
    deploy("warm-scope", """
        from contextvars import ContextVar

        TENANT = ContextVar("tenant", default="-")
        seen = []

        def handler(event, context):
            if "tenant" in event:
                TENANT.set(event["tenant"])
            seen.append(context.aws_request_id)
            return {"tenant": TENANT.get(), "invocations": len(seen)}
        """)
    first = read_json(lam.invoke(FunctionName="warm-scope", Payload=b'{"tenant": "acme"}'))
    second = read_json(lam.invoke(FunctionName="warm-scope", Payload=b"{}"))
    assert first == {"tenant": "acme", "invocations": 1}
    assert second == {"tenant": "acme", "invocations": 2}


def test_a_caller_that_stops_waiting_does_not_stop_the_invocation(cloud, deploy, tmp_path):
    """A client's read timeout ends the client's wait only: the function runs to its end
    (its own timeout is the only limit Lambda puts on it) and its output is logged."""
    deploy("slow-side-effect", """
        import os, time

        def handler(event, context):
            while not os.path.exists(event["gate"]):  # until the test lets it finish
                time.sleep(0.01)
            print("side effect done")
            return "done"
        """, Timeout=60)
    gate = tmp_path / "gate"
    impatient = cloud.client("lambda", config=Config(read_timeout=0.5,
                                                     retries={"total_max_attempts": 1}))
    with pytest.raises(ReadTimeoutError):
        impatient.invoke(FunctionName="slow-side-effect",
                         Payload=json.dumps({"gate": str(gate)}).encode())
    gave_up = time.time()
    assert "side effect done" not in cloud.logs("slow-side-effect")
    gate.touch()
    deadline = time.monotonic() + 30
    while not cloud.invocations("slow-side-effect") and time.monotonic() < deadline:
        time.sleep(0.05)
    [record] = cloud.invocations("slow-side-effect")
    assert record.outcome == "success"
    assert record.end > gave_up
    assert "side effect done" in cloud.logs("slow-side-effect")


def test_a_read_timeout_in_handler_code_names_the_aws_endpoint(deploy, lam):
    """botocore's ReadTimeoutError names the URL its client asked for: on AWS,
    https://lambda.<region>.amazonaws.com/..., never the local cloud's address."""
    deploy("sleeps-a-second", "import time\n\ndef handler(event, context):\n"
                              "    time.sleep(1)\n", Timeout=5)
    deploy("impatient-caller", """
        import boto3
        from botocore.config import Config
        from botocore.exceptions import ReadTimeoutError

        lam = boto3.client("lambda", config=Config(read_timeout=0.3,
                                                   retries={"total_max_attempts": 1}))

        def handler(event, context):
            try:
                lam.invoke(FunctionName="sleeps-a-second")
            except ReadTimeoutError as error:
                return str(error)
        """)
    assert read_json(lam.invoke(FunctionName="impatient-caller")) == (
        'Read timeout on endpoint URL: "https://lambda.ap-northeast-1.amazonaws.com'
        '/2015-03-31/functions/sleeps-a-second/invocations"')
