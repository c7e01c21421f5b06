"""Lab 06 deployed from its CloudFormation template behaves as the notebook says."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from lab_stacks import answer, inline_policy

from lambdalab.workshop import deploy_lab, lab_path, pitfall06
from lambdalab.workshop.labs import import_file

LAB = "06_own_environment"
STACK = "lab6"
ORDER = lab_path(LAB, "events", "order.json").read_text()
DEBUG_ORDER = lab_path(LAB, "events", "debug_order.json").read_text()
REQUEST = lab_path(LAB, "events", "invoice_request.json").read_text()
PARAMETER = f"/{STACK}/signing-key"


update_environment = pitfall06.update_environment  # the lab's update_environment.py


@pytest.fixture(scope="module")
def stack(cloud) -> dict[str, str]:
    cloud.client("ssm").put_parameter(Name=PARAMETER, Type="SecureString",
                                      Value=secrets.token_hex(32))
    return deploy_lab(cloud, LAB, STACK)


def key(cloud) -> bytes:
    return pitfall06.key_of(cloud, PARAMETER)


@contextmanager
def variables_restored(lam, function_name: str) -> Iterator[dict[str, str]]:
    """The function's variables, put back as they were when the block ends."""
    before = pitfall06.variables_of(lam, function_name)
    try:
        yield before
    finally:
        lam.update_function_configuration(FunctionName=function_name,
                                          Environment={"Variables": before})


def test_stack_outputs_name_each_function_the_table_and_the_parameter(stack):
    assert stack == {
        "InvokedFunctionName": "lab6-invoice",
        "LiveAliasArn": "arn:aws:lambda:ap-northeast-1:123456789012:function:lab6-invoice:live",
        "SplitFunctionName": "lab6-invoice-split",
        "WrongCallerFunctionName": "lab6-caller-wrong",
        "FixedCallerFunctionName": "lab6-caller-fixed",
        "TableName": "lab6-orders",
        "SigningKeyParameterName": "/lab6/signing-key"}


def policy_statements(cloud, function_name: str) -> list[dict]:
    return inline_policy(cloud, function_name)["Statement"]


def test_each_role_may_do_only_what_its_functions_need(cloud, stack):
    arn = "arn:aws:{}:ap-northeast-1:123456789012:{}"
    caller = policy_statements(cloud, stack["WrongCallerFunctionName"])
    assert [s["Resource"] for s in caller if s["Action"] == "lambda:InvokeFunction"] == [
        arn.format("lambda", "function:lab6-invoice")]
    invoice = policy_statements(cloud, stack["InvokedFunctionName"])
    assert [s["Resource"] for s in invoice if s["Action"] == "ssm:GetParameter"] == [
        arn.format("ssm", "parameter/lab6/signing-key")]
    for statements in (caller, invoice):
        assert [s["Resource"] for s in statements if s["Action"] == "dynamodb:PutItem"] == [
            arn.format("dynamodb", "table/lab6-orders")]


def test_each_function_has_its_own_configured_variables(lam, stack):
    show = pitfall06.variables_of
    assert show(lam, stack["InvokedFunctionName"]) == {
        "LOG_LEVEL": "INFO", "TABLE_NAME": "lab6-orders",
        "SIGNING_KEY_PARAMETER": "/lab6/signing-key"}
    assert show(lam, stack["WrongCallerFunctionName"]) == {
        "LOG_LEVEL": "INFO", "TABLE_NAME": "lab6-orders",
        "INVOKED_FUNCTION_NAME": "lab6-invoice"}
    assert "TABLE_NAME" not in show(lam, stack["SplitFunctionName"])


def test_the_wrong_callers_os_environ_does_not_reach_the_invoice_function(cloud, lam, stack):
    error, result = answer(lam, stack["WrongCallerFunctionName"], DEBUG_ORDER)
    assert (error, result["status"]) == (None, "invoiced")
    callee = pitfall06.messages(cloud, stack["InvokedFunctionName"])
    assert pitfall06.levels(callee) == {"INFO"}, callee
    assert callee == ["[INFO] invoice INV-A-1002: 450 yen"]
    caller = pitfall06.messages(cloud, stack["WrongCallerFunctionName"])
    assert "[DEBUG] recording order A-1002 in lab6-orders" in caller  # its own process


def test_the_fixed_caller_sends_the_log_level_with_the_request_only(cloud, lam, stack):
    invoice = stack["InvokedFunctionName"]
    error, result = answer(lam, stack["FixedCallerFunctionName"], DEBUG_ORDER)
    assert error is None and pitfall06.signed_with(result["invoice"], key(cloud))
    assert pitfall06.messages(cloud, invoice) == [
        "[DEBUG] pear x 3 at 150 yen", "[DEBUG] writing INV-A-1002 to table lab6-orders",
        "[INFO] invoice INV-A-1002: 450 yen"]
    error, result = answer(lam, stack["FixedCallerFunctionName"], ORDER)  # same environment
    assert error is None
    assert pitfall06.levels(pitfall06.messages(cloud, invoice)) == {"INFO"}


def test_both_callers_record_the_order_and_the_invoice_in_the_table(cloud, lam, stack):
    answer(lam, stack["FixedCallerFunctionName"], ORDER)
    items = cloud.client("dynamodb").scan(TableName=stack["TableName"])["Items"]
    keys = {item["pk"]["S"] for item in items}
    assert {"ORDER#A-1001", "INVOICE#A-1001"} <= keys


def test_the_split_function_fails_with_key_error_on_a_variable_only_the_caller_has(lam, stack):
    error, result = answer(lam, stack["SplitFunctionName"], REQUEST)
    assert error == "Unhandled"
    assert (result["errorType"], result["errorMessage"]) == ("KeyError", "'TABLE_NAME'")
    assert result["stackTrace"][-2].startswith('  File "/var/task/split.py"')


def test_the_split_functions_key_is_in_plain_text_in_its_configuration(lam, stack):
    variables = pitfall06.variables_of(lam, stack["SplitFunctionName"])
    assert variables["SIGNING_KEY"] == "5e7a0c2f9b1d4e6a8c3f0b2d4e6a8c1f"
    assert set(pitfall06.variables_of(lam, stack["InvokedFunctionName"])) == {
        "LOG_LEVEL", "TABLE_NAME", "SIGNING_KEY_PARAMETER"}


def test_the_invoice_function_signs_with_the_parameter_read_once_per_environment(cloud, lam,
                                                                                 stack):
    invoice, ssm = stack["InvokedFunctionName"], cloud.client("ssm")
    first = key(cloud)
    error, result = answer(lam, invoice, REQUEST)
    assert error is None and pitfall06.signed_with(result, first)
    rotated = secrets.token_hex(32)
    ssm.put_parameter(Name=PARAMETER, Type="SecureString", Value=rotated, Overwrite=True)
    try:
        error, result = answer(lam, invoice, REQUEST)  # warm: the key read at init
        assert pitfall06.signed_with(result, first)
        update_environment(lam, invoice, {"ROTATED": "yes"})  # a new environment reads again
        error, result = answer(lam, invoice, REQUEST)
        assert pitfall06.signed_with(result, rotated.encode())
    finally:
        ssm.put_parameter(Name=PARAMETER, Type="SecureString", Value=first.decode(),
                          Overwrite=True)
        update_environment(lam, invoice, remove=["ROTATED"])


def test_one_variable_sent_alone_replaces_the_map_and_breaks_the_next_invocation(lam, stack):
    invoice = stack["InvokedFunctionName"]
    with variables_restored(lam, invoice):
        lam.update_function_configuration(FunctionName=invoice,
                                          Environment={"Variables": {"LOG_LEVEL": "DEBUG"}})
        assert pitfall06.variables_of(lam, invoice) == {"LOG_LEVEL": "DEBUG"}
        error, result = answer(lam, invoice, REQUEST)
        assert error == "Unhandled"
        assert (result["errorType"], result["errorMessage"]) == (
            "MissingSetting", "SIGNING_KEY_PARAMETER is not set in the configuration of "
            "lab6-invoice: add it to this function's Environment")


def test_update_environment_merges_waits_and_removes(cloud, lam, stack):
    invoice = stack["InvokedFunctionName"]
    with variables_restored(lam, invoice) as before:
        assert update_environment(lam, invoice, {"LOG_LEVEL": "DEBUG"}) == {
            **before, "LOG_LEVEL": "DEBUG"}
        assert pitfall06.variables_of(lam, invoice) == {**before, "LOG_LEVEL": "DEBUG"}
        error, _ = answer(lam, invoice, REQUEST)
        assert error is None
        assert "DEBUG" in pitfall06.levels(pitfall06.messages(cloud, invoice))
        assert update_environment(lam, invoice, remove=["LOG_LEVEL"]) == {
            k: v for k, v in before.items() if k != "LOG_LEVEL"}


def test_the_live_alias_keeps_the_templates_variables_while_latest_changes(cloud, lam, stack):
    invoice = stack["InvokedFunctionName"]
    with variables_restored(lam, invoice):
        update_environment(lam, invoice, {"LOG_LEVEL": "DEBUG"})
        assert pitfall06.variables_of(lam, invoice, "live")["LOG_LEVEL"] == "INFO"
        response = lam.invoke(FunctionName=invoice, Qualifier="live", Payload=REQUEST)
        assert response["ExecutedVersion"] == "1"
        assert pitfall06.levels(pitfall06.messages(cloud, invoice)) == {"INFO"}
        answer(lam, invoice, REQUEST)
        assert "DEBUG" in pitfall06.levels(pitfall06.messages(cloud, invoice))


def test_update_environment_runs_from_a_shell_with_the_clis_settings(cloud, lam, stack,
                                                                     monkeypatch, capsys):
    module = import_file(lab_path(LAB, "update_environment.py"), "update_environment_cli")
    for name, value in {"AWS_ENDPOINT_URL": cloud.endpoint_url,
                        "AWS_DEFAULT_REGION": cloud.region,
                        "AWS_ACCESS_KEY_ID": cloud.credentials.access_key_id,
                        "AWS_SECRET_ACCESS_KEY": cloud.credentials.secret_access_key}.items():
        monkeypatch.setenv(name, value)
    split = stack["SplitFunctionName"]
    module.main([split, "FEATURE=on"])
    assert "FEATURE=on\nLOG_LEVEL=INFO\nSIGNING_KEY=" in capsys.readouterr().out
    module.main([split, "--remove", "FEATURE"])
    assert "FEATURE" not in pitfall06.variables_of(lam, split)
    with pytest.raises(SystemExit):
        module.main([split, "FEATURE"])
