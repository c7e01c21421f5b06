"""Notebook 06's checks against a real cloud: the solutions and the lab's own
update_environment pass, the stored placeholders are not attempted, and a replaced variable map,
a fallback table name or a signing key still in the configuration each fail with the message
written for them."""

from __future__ import annotations

import exercise_checks as checks
from notebook_material import Material

from lambdalab.workshop import Report, Verdict, pitfall06

MATERIAL = Material("06_own_environment")
TABLE_NAME_EDITABLE = pitfall06.TABLE_NAME_EDITABLE
SIGNING_KEY_EDITABLE = pitfall06.SIGNING_KEY_EDITABLE


def test_the_solutions_pass(cloud):
    exercise1 = checks.passing(pitfall06.exercise1, MATERIAL.load_solutions().set_env_var, cloud)
    assert exercise1.results[-1].detail == (
        "GetFunctionConfiguration -> UpdateFunctionConfiguration -> GetFunction")
    checks.passing_fix(MATERIAL, pitfall06.exercise2, TABLE_NAME_EDITABLE, cloud)
    checks.passing_fix(MATERIAL, pitfall06.exercise3, SIGNING_KEY_EDITABLE, cloud)


def test_the_labs_own_helper_passes_the_set_env_var_exercise(cloud):
    helper = pitfall06.update_environment
    report = checks.passing(pitfall06.exercise1, lambda lam, function_name, key, value: helper(
        lam, function_name, {key: value}), cloud)
    assert report.results[-1].detail == ("GetFunction -> GetFunctionConfiguration -> "
                                         "UpdateFunctionConfiguration -> GetFunction")


def test_the_stored_placeholders_are_not_attempted(cloud):
    stored = MATERIAL.defined("def set_env_var")["set_env_var"]
    checks.assert_not_attempted(pitfall06.exercise1, stored, cloud)
    for exercise, editable in ((pitfall06.exercise2, TABLE_NAME_EDITABLE),
                               (pitfall06.exercise3, SIGNING_KEY_EDITABLE)):
        checks.assert_unedited_copy_not_attempted(MATERIAL, exercise, editable, cloud)


def test_sending_one_variable_alone_loses_the_others_and_is_named(cloud):
    def replaces(lam, function_name, key, value):
        lam.update_function_configuration(FunctionName=function_name,
                                          Environment={"Variables": {key: value}})

    report = pitfall06.exercise1.evaluate(replaces, cloud)
    assert [r.passed for r in report.results] == [False, False, True, False]
    assert report.results[0].detail.startswith(
        "the function lost LOG_LEVEL, SIGNING_KEY_PARAMETER, TABLE_NAME: its variables are "
        "now {'GIFT_WRAP': 'on'}.")
    assert report.results[3].detail == (
        "your code wrote without reading the current variables first")
    assert report.advice[0].startswith("`update_function_configuration(Environment=")


def test_a_merge_that_does_not_wait_and_trusts_the_environment_field_is_told(cloud):
    def no_wait(lam, function_name, key, value):
        variables = lam.get_function_configuration(
            FunctionName=function_name)["Environment"]["Variables"]
        lam.update_function_configuration(FunctionName=function_name,
                                          Environment={"Variables": {**variables, key: value}})

    report = pitfall06.exercise1.evaluate(no_wait, cloud)
    assert [r.passed for r in report.results] == [True, True, False, False]
    assert report.results[2].detail == "your code raised KeyError: 'Environment'"
    assert report.results[3].detail.startswith(
        "your code returns as soon as Lambda accepted the change. On AWS the update is still "
        "in progress then")
    assert checks.advised(report, "A function without variables has no `Environment`")


def test_changing_this_kernels_os_environ_changes_no_function_and_is_named(cloud):
    def kernel_only(lam, function_name, key, value):
        import os

        os.environ[f"EX06_{key}"] = value

    report = pitfall06.exercise1.evaluate(kernel_only, cloud)
    assert report.verdict is Verdict.FAIL
    assert report.results[1].detail == (
        "LOG_LEVEL is 'INFO' in the function's configuration, not 'DEBUG'")
    assert checks.advised(report, "`os.environ` here is the environment of this notebook's kernel")


def test_a_fallback_table_name_writes_where_nobody_looks_and_is_named(cloud):
    report = pitfall06.exercise2.evaluate(checks.edited(
        TABLE_NAME_EDITABLE, 'os.environ["TABLE_NAME"]',
        'os.environ.get("TABLE_NAME", "ex06-archive")'), cloud)
    assert [r.passed for r in report.results] == [True, True, False, False]
    assert report.results[2].detail.startswith(
        "it wrote the invoice to ex06-archive: a fallback hides the missing setting")
    assert report.results[3].detail.startswith("it failed with ParamValidationError: ")
    assert report.advice[0].startswith("A default table name")


def test_the_bare_key_error_and_a_check_for_absence_only_are_told_apart(cloud):
    raises_key_error = checks.edited(TABLE_NAME_EDITABLE, 'return os.environ["TABLE_NAME"]',
                                     'name = os.environ["TABLE_NAME"]\n    return name')
    report = pitfall06.exercise2.evaluate(raises_key_error, cloud)
    assert report.results[2].detail == (
        "it failed with KeyError: 'TABLE_NAME', the bare name of the key: say that the "
        "function's configuration lacks it, and where to set it")
    absent_only = checks.edited(
        TABLE_NAME_EDITABLE, 'return os.environ["TABLE_NAME"]',
        'if "TABLE_NAME" not in os.environ:\n'
        '        raise RuntimeError("TABLE_NAME is missing from this function\'s '
        'configuration")\n    return os.environ["TABLE_NAME"]')
    report = pitfall06.exercise2.evaluate(absent_only, cloud)
    assert [r.passed for r in report.results] == [True, True, True, False]
    assert checks.advised(report, "An empty value is set but useless")


def test_a_message_that_says_what_is_missing_but_not_where_to_set_it_is_told(cloud):
    what_only = checks.edited(
        TABLE_NAME_EDITABLE, 'return os.environ["TABLE_NAME"]',
        'name = os.environ.get("TABLE_NAME")\n'
        '    if not name:\n'
        '        raise RuntimeError("TABLE_NAME missing")\n'
        '    return name')
    report = pitfall06.exercise2.evaluate(what_only, cloud)
    assert report.verdict is Verdict.FAIL
    assert [r.passed for r in report.results] == [True, True, False, False]
    assert report.results[2].detail.startswith(
        "it failed with RuntimeError: TABLE_NAME missing: that says what is missing, not "
        "where to set it.")
    assert checks.advised(report, "The engineer reading the log at night")


def key_read_as(cloud, body: str) -> Report:
    """Exercise 3's verdict on the lab's signing_key with its ``return`` line replaced."""
    return pitfall06.exercise3.evaluate(checks.edited(
        SIGNING_KEY_EDITABLE, 'return os.environ["SIGNING_KEY"].encode()', body), cloud)


def test_a_key_returned_as_text_is_told_to_return_bytes(cloud):
    as_text = MATERIAL.solution_source("signing_key").replace('["Value"].encode()', '["Value"]')
    report = pitfall06.exercise3.evaluate(as_text, cloud)
    assert [r.passed for r in report.results] == [False, False]
    assert report.results[0].detail.startswith("it failed with TypeError: ")
    assert report.results[0].detail.endswith(
        ": your signing_key() returned text where split.py signs with bytes")
    assert checks.advised(report, "A parameter's `Value` is a str")


def test_a_key_still_read_from_the_configuration_is_named(cloud):
    report = key_read_as(cloud, 'key = os.environ["SIGNING_KEY"]\n    return key.encode()')
    assert [r.passed for r in report.results] == [False, False]
    assert report.results[0].detail.startswith(
        "it failed with KeyError: 'SIGNING_KEY': the function still reads the key from its "
        "configuration")
    assert report.advice[0].startswith("`os.environ['SIGNING_KEY']` reads the key")


def from_parameter_store(name: str, *, decrypted: bool = True) -> str:
    """A ``signing_key`` body that reads the key from the Parameter Store parameter ``name``
    (a Python expression)."""
    decryption = ", WithDecryption=True" if decrypted else ""
    return ('import boto3\n\n'
            f'    parameter = boto3.client("ssm").get_parameter(Name={name}{decryption})\n'
            '    return parameter["Parameter"]["Value"].encode()')


def test_a_secure_string_read_without_decryption_is_named(cloud):
    report = key_read_as(cloud, from_parameter_store('os.environ["SIGNING_KEY_PARAMETER"]',
                                                     decrypted=False))
    assert [r.passed for r in report.results] == [False, False]
    assert report.results[0].detail == (
        "the invoice is not signed with the key stored in /ex06/signing-key")
    assert checks.advised(report, "A SecureString comes back encrypted")


def test_a_hard_coded_parameter_name_fails_the_other_parameter(cloud):
    report = key_read_as(cloud, from_parameter_store('"/ex06/signing-key"'))
    assert [r.passed for r in report.results] == [True, False]


def test_a_missing_client_gets_the_import_advice(cloud):
    report = key_read_as(cloud, (
        'name = os.environ["SIGNING_KEY_PARAMETER"]\n'
        '    return ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]'))
    assert report.verdict is Verdict.FAIL
    assert checks.advised(report, "`split.py` has no Parameter Store client")


def test_a_crashing_answer_is_reported_not_raised(cloud, capsys):
    checks.assert_crash_reported(pitfall06.exercise1, cloud, capsys, cases=4,
                                 detail="your code raised ZeroDivisionError: division by zero")


def test_an_encrypted_value_and_a_client_never_created_are_named(cloud):
    encrypted = MATERIAL.solution_source("signing_key").replace(
        "Name=name, WithDecryption=True", "Name=name")
    report = pitfall06.exercise3.evaluate(encrypted, cloud)
    assert [r.passed for r in report.results] == [False, False]
    assert report.results[0].detail.startswith("the invoice is not signed with the key stored")
    assert checks.advised(report, T_SECURE_STRING)
    no_client = key_read_as(cloud, 'return ssm.get_parameter(\n'
                                   '        Name=os.environ["SIGNING_KEY_PARAMETER"],\n'
                                   '        WithDecryption=True)["Parameter"]["Value"].encode()')
    assert not any(r.passed for r in no_client.results)
    assert "name 'ssm' is not defined" in no_client.results[0].detail
    assert checks.advised(no_client, T_SSM_MISSING)


T_SECURE_STRING = pitfall06.T.mistake("secure_string_not_decrypted")[:40]
T_SSM_MISSING = pitfall06.T.mistake("ssm_client_missing")[:40]
