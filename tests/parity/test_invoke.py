"""Invoke, its errors and the concurrency API replayed against AWS's recorded answers
(recorded/lambda.json and lambda_api.json). The handlers do what the recordings' did."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.config import Config
from handlers import CONTEXT_OF
from replay import Replay, cases, without_report

from lambdalab import LocalCloud

pytestmark = pytest.mark.both_runtime_clients  # each recording, on either client

ECHO = "def handler(event, context):\n    return event\n"
PRINTS = "import json\n\ndef handler(event, context):\n    print(json.dumps(event))\n" \
         "    return event\n"
REQUEST_ID = ("import logging\n\nlogger = logging.getLogger()\nlogger.setLevel(logging.INFO)\n\n"
              "def handler(event, context):\n    logger.info('RequestId log message')\n"
              "    return context.aws_request_id\n")
CONTEXT = """\
import logging

logging.getLogger().setLevel(logging.INFO)
""" + CONTEXT_OF + """

def handler(event, context):
    print("Lambda log message - print function")
    logging.info("Lambda log message - logging module")
    return {"event": event, "context": context_of(context)}
"""
HANDLER_ERROR = 'def handler(event, context):\n    raise Exception("Handler fails")\n'
INIT_ERROR = 'raise Exception("Runtime startup fails")\n\n\ndef handler(event, context):\n' \
             '    return event\n'
HANDLER_EXIT = "import sys\n\ndef handler(event, context):\n    sys.exit(0)\n"
INIT_EXIT = "import sys\n\nsys.exit(0)\n\n\ndef handler(event, context):\n    return event\n"
SLEEPS = "import time\n\ndef handler(event, context):\n    time.sleep(2)\n"
TOO_LARGE = "def handler(event, context):\n    return 'a' * (6 * 1024 * 1024 + 100)\n"

KNOWN: dict[str, dict[str, str]] = {  # each one is in README.md's differences
    "init_error": {"invocation_error": "functions run on the machine's Python, not AWS's "
                                      "python3.13: the importlib frames of an init error's "
                                      "stack trace name other lines"},
}


def known(case: str) -> dict[str, str]:
    return KNOWN.get(case, {})


def single(file: str, case: str, key: str, operation: Any, **kwargs: Any) -> Replay:
    replay = Replay(file, case)
    replay.call(key, operation, **kwargs)
    return replay


@pytest.fixture(scope="module")
def lam(cloud: LocalCloud) -> Any:
    return cloud.client("lambda", config=Config(parameter_validation=False,
                                                retries={"total_max_attempts": 1}))


@pytest.fixture(scope="module")
def replays(cloud: LocalCloud, deploy: Any, lam: Any) -> dict[str, Replay]:
    """Every case of this module, replayed once."""
    done: dict[str, Replay] = {}
    deploy("parity-echo", ECHO)
    for key, invocation_type in (("invoke_request_response", "RequestResponse"),
                                 ("invoke_event_202", "Event"),
                                 ("invoke_dry_run_204", "DryRun")):
        done[key] = single("lambda", key, "invoke-result", lam.invoke,
                           FunctionName="parity-echo", Payload=b"{}",
                           InvocationType=invocation_type)

    deploy("parity-prints", PRINTS)
    tail = Replay("lambda", "invoke_log_type_tail")
    answer = tail.call("invoke", lam.invoke, FunctionName="parity-prints", Payload=b"{}",
                       LogType="Tail")
    tail.keep("logs", {"logs": base64.b64decode(answer.get("LogResult", "")).decode()
                       .splitlines(keepends=True)})
    done["invoke_log_type_tail"] = tail

    deploy("parity-context", CONTEXT)
    lam.publish_version(FunctionName="parity-context")
    qualified = Replay("lambda", "invoke_with_qualifier")
    answer = qualified.call("invocation-response", lam.invoke, FunctionName="parity-context",
                            Qualifier="1", LogType="Tail",
                            Payload=json.dumps({"foo": "bar with 'quotes\""}))
    qualified.keep("log_result", {"log_result": without_report(answer["LogResult"])})
    done["invoke_with_qualifier"] = qualified

    deploy("parity-request-id", REQUEST_ID)
    request_id = Replay("lambda", "invoke_request_id")
    request_id.call("invoke_result", lam.invoke, FunctionName="parity-request-id",
                    Payload=b"{}")
    # the recording kept CloudWatch's messages stripped (its REPORT line has no final tab,
    # where the same line in a log tail has one)
    request_id.keep("log_entries", {"logs": [line.strip()
                                             for line in cloud.logs("parity-request-id")]})
    done["invoke_request_id"] = request_id

    for case, source, file in (("handler_error", HANDLER_ERROR, "lambda_handler_error"),
                               ("init_error", INIT_ERROR, "lambda_runtime_error"),
                               ("handler_exit", HANDLER_EXIT, "lambda_handler_exit"),
                               ("init_exit", INIT_EXIT, "lambda_runtime_exit")):
        deploy(f"parity-{case}".replace("_", "-"), {f"{file}.py": source},
               handler=f"{file}.handler")
        done[case] = single("lambda", case, "invocation_error", lam.invoke,
                            FunctionName=f"parity-{case}".replace("_", "-"), Payload=b"{}")

    deploy("parity-sleeps", SLEEPS, Timeout=1)
    done["timeout"] = single("lambda", "timeout", "invoke-result", lam.invoke,
                             FunctionName="parity-sleeps", Payload=b"{}")

    deploy("parity-too-large", TOO_LARGE)
    too_large = Replay("lambda", "response_too_large")
    for key in ("invoke_result", "invoke_result_2"):
        too_large.call(key, lam.invoke, FunctionName="parity-too-large", Payload=b"{}")
    done["response_too_large"] = too_large

    done["invoke_missing_function"] = single(
        "lambda", "invoke_missing_function", "invoke_function_doesnotexist", lam.invoke,
        FunctionName="doesnotexist", Payload=b"{}")
    done["invoke_payload_not_json"] = single(
        "lambda", "invoke_payload_not_json", "invoke_function_invalid_payload_body",
        lam.invoke, FunctionName="parity-echo", Payload=b"n\x87r\x9e\xe9\xb5\xd7I\xee\x9bmt")

    deploy("parity-concurrency", ECHO)
    crud = Replay("lambda", "concurrency_crud")
    crud.call("get_function_concurrency_default", lam.get_function_concurrency,
              FunctionName="parity-concurrency")
    crud.call("put_function_concurrency", lam.put_function_concurrency,
              FunctionName="parity-concurrency", ReservedConcurrentExecutions=0)
    crud.call("get_function_concurrency_updated", lam.get_function_concurrency,
              FunctionName="parity-concurrency")
    lam.delete_function_concurrency(FunctionName="parity-concurrency")
    crud.call("get_function_concurrency_deleted", lam.get_function_concurrency,
              FunctionName="parity-concurrency")
    done["concurrency_crud"] = crud

    api = Replay("lambda_api", "function_concurrency_api")
    put = lam.put_function_concurrency
    api.call("put_function_concurrency_with_reserved_0", put, FunctionName="parity-concurrency",
             ReservedConcurrentExecutions=0)
    api.call("put_function_concurrency_with_reserved_1", put, FunctionName="parity-concurrency",
             ReservedConcurrentExecutions=1)
    api.call("get_function_concurrency", lam.get_function_concurrency,
             FunctionName="parity-concurrency")
    api.call("delete_response", lam.delete_function_concurrency,
             FunctionName="parity-concurrency")
    api.call("get_function_concurrency_after_delete", lam.get_function_concurrency,
             FunctionName="parity-concurrency")
    done["function_concurrency_api"] = api

    errors = Replay("lambda_api", "function_concurrency_exceptions")
    arn = lam.get_function(FunctionName="parity-concurrency")["Configuration"]["FunctionArn"]
    errors.call("put_function_concurrency_with_function_name_doesnotexist", put,
                FunctionName="doesnotexist", ReservedConcurrentExecutions=1)
    errors.call("put_function_concurrency_with_function_name_doesnotexist_and_invalid_"
                "concurrency", put, FunctionName="doesnotexist", ReservedConcurrentExecutions=-1)
    errors.call("put_function_concurrency_with_qualified_arn", put,
                FunctionName=f"{arn}:$LATEST", ReservedConcurrentExecutions=1)
    done["function_concurrency_exceptions"] = errors

    done["invoke_invalid_function_name"] = single(
        "lambda_api", "invoke_invalid_function_name", "invoke_function_name_pattern_exc",
        lam.invoke, FunctionName=f"arn:aws:lambda:{cloud.region}:123400000000@function:myfn",
        Payload=b"{}")
    for case, name, qualifier in (("invoke_qualifier_conflict", "my-function:$LATEST", "1"),
                                  ("invoke_lowercase_latest_qualifier", "my-function",
                                   "$latest")):
        deploy(name.split(":")[0], ECHO) if case == "invoke_qualifier_conflict" else None
        replay = Replay("lambda_api", case)
        response = replay.call(None, lam.invoke, FunctionName=name, Qualifier=qualifier,
                               Payload=b"{}")
        replay.keep("invoke_exception", response.get("Error", response))
        done[case] = replay

    big = Replay("lambda_api", "env_over_4kb")
    big.call("failed_create_fn_result", deploy, name="parity-env-over-4kb", source=ECHO,
             Environment={"Variables": {"LARGE_VAR": "x" * 4081}})  # just past 4 KB
    done["env_over_4kb"] = big
    return done


CASES = [(file, case) for file, case in (
    ("lambda", "invoke_request_response"), ("lambda", "invoke_event_202"),
    ("lambda", "invoke_dry_run_204"), ("lambda", "invoke_log_type_tail"),
    ("lambda", "invoke_request_id"), ("lambda", "handler_error"), ("lambda", "init_error"),
    ("lambda", "handler_exit"), ("lambda", "init_exit"), ("lambda", "timeout"),
    ("lambda", "response_too_large"), ("lambda", "invoke_missing_function"),
    ("lambda", "invoke_payload_not_json"), ("lambda", "concurrency_crud"),
    ("lambda_api", "function_concurrency_api"), ("lambda_api", "function_concurrency_exceptions"),
    ("lambda_api", "invoke_invalid_function_name"), ("lambda_api", "invoke_qualifier_conflict"),
    ("lambda_api", "invoke_lowercase_latest_qualifier"), ("lambda_api", "env_over_4kb"))]
PARAMETERS = [pytest.param(case, key, marks=param.marks if hasattr(param, "marks") else (),
                           id=f"{case}-{key}")
              for file, case in CASES
              for param in cases(file, case, known(case))
              for key in [param.values[0] if hasattr(param, "values") else param]]


@pytest.mark.parametrize("case, key", PARAMETERS)
def test_replayed(replays: dict[str, Replay], case: str, key: str) -> None:
    replays[case].compare(key)


@pytest.mark.parametrize("key", ["invocation-response", "log_result"])
def test_with_qualifier(replays: dict[str, Replay], key: str) -> None:
    replays["invoke_with_qualifier"].compare(key)
