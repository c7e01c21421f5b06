"""Synchronous Invoke behaves as AWS Lambda does (DESIGN.md section 3).

Each test names the AWS behaviour it checks. Sources:
- Invoke API: https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
- Python errors: https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html
- Logs: https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html
"""

from __future__ import annotations

import base64
import json
import re
import time

import pytest

from conftest import read_json
from lambdalab.packaging import zip_files

pytestmark = pytest.mark.both_runtime_clients

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def test_success_returns_200_with_the_handler_result_and_executed_version(deploy, lam):
    deploy("ok", "def handler(event, context):\n    return {'echo': event}\n")
    response = lam.invoke(FunctionName="ok", Payload=b'{"n": 1}')
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    assert read_json(response) == {"echo": {"n": 1}}


def test_empty_payload_reaches_the_handler_as_an_empty_object(deploy, lam):
    deploy("empty", "def handler(event, context):\n    return {'event': event}\n")
    assert read_json(lam.invoke(FunctionName="empty")) == {"event": {}}


def test_raised_exception_is_status_200_unhandled_with_the_runtime_error_json(deploy, lam):
    """AWS: the status code doesn't reflect function errors; FunctionError is Unhandled."""
    deploy("raises", """
        class OrderRejected(Exception):
            pass

        def handler(event, context):
            raise OrderRejected("order 42 has no items")
        """)
    response = lam.invoke(FunctionName="raises")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    error = read_json(response)
    assert list(error) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert error["errorType"] == "OrderRejected"
    assert error["errorMessage"] == "order 42 has no items"
    assert error["requestId"] == response["ResponseMetadata"]["RequestId"]
    assert re.fullmatch(UUID, error["requestId"])
    assert error["stackTrace"] == [
        '  File "/var/task/app.py", line 6, in handler\n'
        '    raise OrderRejected("order 42 has no items")\n']


def test_timeout_is_sandbox_timedout_and_discards_the_environment(cloud, deploy, lam):
    deploy("sleepy", """
        import os, time
        def handler(event, context):
            if event.get("sleep"):
                time.sleep(event["sleep"])
            return os.getpid()
        """, Timeout=1)
    warm_pid = read_json(lam.invoke(FunctionName="sleepy"))
    response = lam.invoke(FunctionName="sleepy", Payload=b'{"sleep": 5}')
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    request_id = response["ResponseMetadata"]["RequestId"]
    assert read_json(response) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds"}
    fresh_pid = read_json(lam.invoke(FunctionName="sleepy"))
    assert fresh_pid != warm_pid
    outcomes = [(r.outcome, r.cold) for r in cloud.invocations("sleepy")]
    assert outcomes == [("success", True), ("timeout", False), ("success", True)]
    log = "\n".join(cloud.logs("sleepy"))
    assert re.search(rf"Z {request_id} Task timed out after 1\.00 seconds", log)
    assert re.search(rf"REPORT RequestId: {request_id}\t.*\tStatus: timeout", log)


def test_process_exit_is_runtime_exit_error_with_the_exit_status(deploy, lam):
    deploy("exits", "import sys\ndef handler(event, context):\n    sys.exit(3)\n")
    response = lam.invoke(FunctionName="exits")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["FunctionError"] == "Unhandled"
    assert read_json(response) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
                        "exit status 3"}


def test_killed_process_reports_signal_killed(deploy, lam):
    deploy("killed", "import os, signal\ndef handler(event, context):\n"
                     "    os.kill(os.getpid(), signal.SIGKILL)\n")
    response = lam.invoke(FunctionName="killed")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert read_json(response)["errorMessage"] == (
        f"RequestId: {request_id} Error: Runtime exited with error: signal: killed")


def test_missing_module_is_runtime_import_module_error(deploy, lam):
    deploy("noimport", "import no_such_dependency\ndef handler(event, context):\n    pass\n")
    response = lam.invoke(FunctionName="noimport")
    assert response["FunctionError"] == "Unhandled"
    assert read_json(response) == {
        "errorMessage": "Unable to import module 'app': No module named 'no_such_dependency'",
        "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}


def test_missing_handler_is_runtime_handler_not_found(deploy, lam):
    deploy("nohandler", "def other(event, context):\n    pass\n")
    error = read_json(lam.invoke(FunctionName="nohandler"))
    assert error["errorType"] == "Runtime.HandlerNotFound"
    assert error["errorMessage"] == "Handler 'handler' missing on module 'app'"


def test_syntax_error_is_runtime_user_code_syntax_error(deploy, lam):
    deploy("syntax", "def handler(event, context)\n    pass\n")
    error = read_json(lam.invoke(FunctionName="syntax"))
    assert error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert error["errorMessage"].startswith("Syntax error in module 'app': ")


def test_init_error_is_logged_with_an_init_report(cloud, deploy, lam):
    deploy("initlog", "import missing_thing\n")
    lam.invoke(FunctionName="initlog")
    log = "\n".join(cloud.logs("initlog"))
    assert "[ERROR] Runtime.ImportModuleError: Unable to import module 'app'" in log
    assert "Phase: init\tStatus: error\tError Type: Runtime.ImportModuleError" in log
    assert re.search(r"REPORT RequestId: .*\tStatus: error\tError Type: "
                     r"Runtime.ImportModuleError", log)


def test_oversized_response_is_function_response_size_too_large(deploy, lam):
    deploy("huge", "def handler(event, context):\n    return 'x' * (6 * 1024 * 1024 + 1)\n")
    response = lam.invoke(FunctionName="huge")
    assert response["FunctionError"] == "Unhandled"
    assert read_json(response)["errorType"] == "Function.ResponseSizeTooLarge"


def test_logs_have_start_end_report_with_init_duration_only_when_cold(cloud, deploy, lam):
    deploy("logged", "print('loading')\ndef handler(event, context):\n    print('working')\n")
    first = lam.invoke(FunctionName="logged")["ResponseMetadata"]["RequestId"]
    second = lam.invoke(FunctionName="logged")["ResponseMetadata"]["RequestId"]
    log = cloud.logs("logged")
    assert log[:4] == ["loading", f"START RequestId: {first} Version: $LATEST", "working",
                       f"END RequestId: {first}"]
    report = (r"REPORT RequestId: {}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
              r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\t")
    assert re.fullmatch(report.format(first) + r"Init Duration: \d+\.\d\d ms\t", log[4])
    assert log[5:8] == [f"START RequestId: {second} Version: $LATEST", "working",
                        f"END RequestId: {second}"]
    assert re.fullmatch(report.format(second), log[8])
    streams = cloud.client("logs").describe_log_streams(logGroupName="/aws/lambda/logged")
    assert len(streams["logStreams"]) == 1
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}",
                        streams["logStreams"][0]["logStreamName"])


def test_log_type_tail_returns_the_last_4_kb_base64(deploy, lam):
    deploy("chatty", "def handler(event, context):\n"
                     "    for i in range(400):\n        print(f'line {i:04d} ' + 'x' * 20)\n")
    response = lam.invoke(FunctionName="chatty", LogType="Tail")
    tail = base64.b64decode(response["LogResult"])
    assert len(tail) == 4096
    text = tail.decode()
    assert "line 0399" in text
    assert re.search(r"REPORT RequestId: \S+\tDuration", text)
    assert "LogResult" not in lam.invoke(FunctionName="chatty")


def test_client_context_is_decoded_into_context_client_context(deploy, lam):
    deploy("ctx", "def handler(event, context):\n"
                  "    return {'custom': context.client_context.custom,\n"
                  "            'arn': context.invoked_function_arn,\n"
                  "            'remaining': context.get_remaining_time_in_millis()}\n",
           Timeout=7)
    client_context = base64.b64encode(json.dumps({"custom": {"tenant": "t-1"}}).encode())
    started = time.monotonic()
    result = read_json(lam.invoke(FunctionName="ctx", ClientContext=client_context.decode()))
    elapsed_ms = (time.monotonic() - started) * 1000
    assert result["custom"] == {"tenant": "t-1"}
    assert result["arn"].endswith(":function:ctx")
    # the deadline was set during the call and read by the handler before it returned
    assert 7000 - elapsed_ms - 1 <= result["remaining"] <= 7000


def test_warm_environment_is_reused_and_a_configuration_change_retires_it(deploy, lam):
    deploy("warm", "import os\ndef handler(event, context):\n"
                   "    return [os.getpid(), os.environ.get('COLOR')]\n",
           Environment={"Variables": {"COLOR": "red"}})
    first = read_json(lam.invoke(FunctionName="warm"))
    assert read_json(lam.invoke(FunctionName="warm")) == first
    lam.update_function_configuration(FunctionName="warm",
                                      Environment={"Variables": {"COLOR": "blue"}})
    pid, color = read_json(lam.invoke(FunctionName="warm"))
    assert color == "blue" and pid != first[0]


def test_code_update_retires_warm_environments(deploy, lam):
    deploy("recode", "def handler(event, context):\n    return 'v1'\n")
    assert read_json(lam.invoke(FunctionName="recode")) == "v1"
    lam.update_function_code(FunctionName="recode", ZipFile=zip_files(
        "def handler(event, context):\n    return 'v2'\n"))
    assert read_json(lam.invoke(FunctionName="recode")) == "v2"


def test_qualifiers_resolve_versions_and_aliases_and_report_executed_version(deploy, lam):
    deploy("versioned", "def handler(event, context):\n    return 'one'\n")
    version = lam.publish_version(FunctionName="versioned")["Version"]
    lam.update_function_code(FunctionName="versioned", ZipFile=zip_files(
        "def handler(event, context):\n    return 'two'\n"))
    lam.create_alias(FunctionName="versioned", Name="live", FunctionVersion=version)

    latest = lam.invoke(FunctionName="versioned")
    assert (latest["ExecutedVersion"], read_json(latest)) == ("$LATEST", "two")
    pinned = lam.invoke(FunctionName="versioned", Qualifier=version)
    assert (pinned["ExecutedVersion"], read_json(pinned)) == (version, "one")
    aliased = lam.invoke(FunctionName="versioned:live")
    assert (aliased["ExecutedVersion"], read_json(aliased)) == (version, "one")


def test_function_sees_only_its_own_variables_and_lambdas_reserved_ones(deploy, lam,
                                                                        monkeypatch):
    monkeypatch.setenv("CALLER_ONLY_SECRET", "must-not-leak")
    deploy("isolated", "import os\ndef handler(event, context):\n    return dict(os.environ)\n",
           MemorySize=256, Environment={"Variables": {"TABLE": "orders"}})
    env = read_json(lam.invoke(FunctionName="isolated"))
    assert "CALLER_ONLY_SECRET" not in env
    assert env["TABLE"] == "orders"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "isolated"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "ap-northeast-1"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/isolated"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"].endswith("]" + env["AWS_LAMBDA_LOG_STREAM_NAME"][-32:])
    assert env["_HANDLER"] == "app.handler"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.11"
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
            "LAMBDA_TASK_ROOT"} <= set(env)


def test_dry_run_answers_204_and_runs_nothing(cloud, deploy, lam):
    deploy("dry", "print('should not run')\ndef handler(event, context):\n    return 1\n")
    response = lam.invoke(FunctionName="dry", InvocationType="DryRun")
    assert response["StatusCode"] == 204
    assert response["Payload"].read() == b""
    assert cloud.logs("dry") == []
    assert cloud.invocations("dry") == []


def test_report_after_a_crash_shows_the_memory_the_process_used(deploy, lam, cloud):
    """REPORT always carries Max Memory Used; a crashed process still used memory."""
    deploy("crasher", "import os\ndef handler(event, context):\n    os._exit(3)\n")
    response = lam.invoke(FunctionName="crasher")
    assert response["FunctionError"] == "Unhandled"
    [report] = [line for line in cloud.logs("crasher") if line.startswith("REPORT")]
    used = int(re.search(r"Max Memory Used: (\d+) MB", report).group(1))
    assert used >= 5  # a Python runtime's footprint, not 0


def test_an_init_that_never_ends_reports_the_time_it_took(deploy, lam, cloud, monkeypatch):
    """The init phase counts in Duration and billing (on-demand functions since Aug. 2025):
    https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html"""
    from lambdalab.invoke import environment

    monkeypatch.setattr(environment, "INIT_TIMEOUT_S", 1)
    deploy("stuck", "while True:\n    pass\ndef handler(event, context):\n    return 1\n",
           Timeout=1)
    response = lam.invoke(FunctionName="stuck")
    assert json.loads(response["Payload"].read())["errorType"] == "Sandbox.Timedout"
    log = cloud.logs("stuck")
    assert any(line.startswith("INIT_REPORT Init Duration: ") and "Status: timeout" in line
               for line in log)
    [report] = [line for line in log if line.startswith("REPORT")]
    duration = float(re.search(r"\tDuration: ([\d.]+) ms", report).group(1))
    billed = int(re.search(r"Billed Duration: (\d+) ms", report).group(1))
    assert 1900 <= duration < 4000  # the 1 s init limit plus the 1 s function timeout
    assert billed >= duration
def test_a_record_tells_a_cold_starts_init_from_the_handlers_time(cloud, deploy, lam):
    """AWS reports a cold start's init apart from the invocation (Init Duration in
    REPORT); the record of an invocation keeps when its handler got the event, so that a
    timeline can draw the init and the handler's part of a bar apart."""
    deploy("slow-init", "import time\ntime.sleep(0.4)\n\ndef handler(event, context):\n"
                        "    time.sleep(0.2)\n")
    lam.invoke(FunctionName="slow-init")
    lam.invoke(FunctionName="slow-init")
    cold, warm = cloud.invocations("slow-init")
    assert cold.cold and cold.init_s >= 0.4  # the module's 0.4 s sleep
    assert cold.start + cold.init_s <= cold.handler_start  # the init, then the handler...
    assert cold.end - cold.handler_start >= 0.2  # ...which slept 0.2 s
    assert not warm.cold and warm.init_s == 0
    assert warm.start <= warm.handler_start <= warm.end - 0.2


def test_a_cold_starts_billed_duration_rounds_the_sum_up_once():
    """Billed Duration is ceil(Duration + Init Duration): 2.28 + 120.02 ms bills 123 ms,
    not 3 + 121 (the REPORT line of tests/test_notebook_hygiene.py's sample is AWS's form)."""
    from lambdalab.invoke.logs import report_line

    cold = report_line("id", 2.28, 128, 17, 120.02)
    assert "\tBilled Duration: 123 ms\t" in cold
    assert "\tBilled Duration: 3 ms\t" in report_line("id", 2.28, 128, 17, None)


def test_start_is_never_stamped_after_what_the_handler_printed():
    """CloudWatch lists a stream's events by time: a line the handler printed, stamped by
    the output reader a few milliseconds before the START computed from the invocation's
    own clock, must not come first (seen 3 times in 80 warm invocations)."""
    from types import SimpleNamespace

    from lambdalab.invoke import invocation as inv_mod
    from lambdalab.invoke.logs import LogLine
    from lambdalab.invoke.service import InvokeService

    now_ms = int(time.time() * 1000)
    printed = [LogLine(now_ms - 500, "printed at once")]  # earlier than the computed START
    env = SimpleNamespace(init_lines=[], peak_memory_mb=lambda: 20, init_duration_ms=None,
                          output=SimpleNamespace(take=lambda: list(printed)),
                          spec=SimpleNamespace(version="$LATEST", timeout=3, memory_size=128))
    invocation = SimpleNamespace(request_id="r-1", handed_at=10.0, ended_at=10.1,
                                 reached_environment_at=10.0)
    lines = InvokeService._log_lines(env, invocation,
                                     inv_mod.Outcome(inv_mod.SUCCESS, b"null"), cold=False)
    by_time = sorted(lines, key=lambda line: line.timestamp_ms)  # stable, as CloudWatch's
    assert by_time[0].message.startswith("START RequestId: r-1")


@pytest.mark.parametrize("payload, message", [
    (b"n\x87r", "Invalid UTF-8 start byte 0x87\n at [Source: REDACTED "
                "(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 3]"),
    (b'{\n  "a": "\xff"}', "Invalid UTF-8 start byte 0xff\n at [Source: REDACTED "
                          "(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 2, "
                          "column: 10]")],
    ids=["recorded-on-aws", "second-line"])
def test_a_payload_not_utf8_is_refused_in_the_words_of_lambdas_parser(payload, message):
    """The first case is the recorded one (tests/parity, invoke_payload_not_json); the second
    counts lines and columns the same way, on a later line."""
    from lambdalab.invoke.errors import LambdaError
    from lambdalab.invoke.service import check_json

    with pytest.raises(LambdaError) as refused:
        check_json(payload)
    assert (refused.value.status, refused.value.code) == (400, "InvalidRequestContentException")
    assert refused.value.message == (
        "Could not parse request body into json: Could not parse payload into json: "
        + message)
