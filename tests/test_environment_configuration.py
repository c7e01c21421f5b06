"""A function's environment variables belong to its configuration, per version, as on AWS.

Each test names the behaviour it checks. Sources:
- Environment variables: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
  ("a pair of strings that is stored in a function's version-specific configuration";
  "When you publish a version, the environment variables are locked for that version")
- UpdateFunctionConfiguration: https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html
  (``Environment`` is one structure: its ``Variables`` map is the function's new map;
  ``LastUpdateStatus`` says when the update is complete)
- Environment: https://docs.aws.amazon.com/lambda/latest/api/API_Environment.html
  (``Variables`` is optional). An ``Environment`` without ``Variables`` keeps the function's
  variables: measured on AWS in https://github.com/go-to-k/cdkd/pull/1161 (a live probe
  against a real account), where ``{"Variables": {}}`` clears them.
- Function states: https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
  (``function_updated_v2`` waits for ``LastUpdateStatus: Successful``)
"""

from __future__ import annotations

import json

from conftest import read_json

READ_ENVIRONMENT = ("import os\n\n\ndef handler(event, context):\n"
                    "    return {key: os.environ.get(key) for key in event['keys']}\n")


def seen(lam, name: str, *keys: str, qualifier: str | None = None) -> dict:
    extra = {"Qualifier": qualifier} if qualifier else {}
    response = lam.invoke(FunctionName=name, Payload=json.dumps({"keys": keys}), **extra)
    assert "FunctionError" not in response
    return read_json(response)


def variables(lam, name: str, qualifier: str | None = None) -> dict:
    extra = {"Qualifier": qualifier} if qualifier else {}
    config = lam.get_function_configuration(FunctionName=name, **extra)
    return config.get("Environment", {}).get("Variables", {})


def test_update_replaces_the_whole_variables_map(deploy, lam):
    deploy("replaced", READ_ENVIRONMENT, Environment={"Variables": {
        "LOG_LEVEL": "INFO", "TABLE_NAME": "orders"}})
    assert seen(lam, "replaced", "LOG_LEVEL", "TABLE_NAME") == {"LOG_LEVEL": "INFO",
                                                                "TABLE_NAME": "orders"}
    answer = lam.update_function_configuration(
        FunctionName="replaced", Environment={"Variables": {"LOG_LEVEL": "DEBUG"}})
    assert answer["Environment"] == {"Variables": {"LOG_LEVEL": "DEBUG"}}
    assert variables(lam, "replaced") == {"LOG_LEVEL": "DEBUG"}
    assert seen(lam, "replaced", "LOG_LEVEL", "TABLE_NAME") == {"LOG_LEVEL": "DEBUG",
                                                                "TABLE_NAME": None}


def test_an_update_without_environment_keeps_the_variables(deploy, lam):
    deploy("untouched", READ_ENVIRONMENT, Environment={"Variables": {"COLOR": "red"}})
    lam.update_function_configuration(FunctionName="untouched", Timeout=5)
    assert variables(lam, "untouched") == {"COLOR": "red"}
    assert seen(lam, "untouched", "COLOR") == {"COLOR": "red"}


def test_an_environment_without_variables_keeps_them_and_an_empty_map_clears_them(deploy,
                                                                                  lam):
    deploy("partial", READ_ENVIRONMENT, Environment={"Variables": {"COLOR": "red"}})
    answer = lam.update_function_configuration(FunctionName="partial", Environment={})
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert variables(lam, "partial") == {"COLOR": "red"}
    assert seen(lam, "partial", "COLOR") == {"COLOR": "red"}
    lam.update_function_configuration(FunctionName="partial", Environment={"Variables": {}})
    assert variables(lam, "partial") == {}
    assert seen(lam, "partial", "COLOR") == {"COLOR": None}


def test_an_update_reports_last_update_status_and_the_waiter_returns(deploy, lam):
    deploy("status", READ_ENVIRONMENT)
    lam.update_function_configuration(FunctionName="status",
                                      Environment={"Variables": {"COLOR": "blue"}})
    lam.get_waiter("function_updated_v2").wait(FunctionName="status",
                                               WaiterConfig={"Delay": 1, "MaxAttempts": 3})
    assert lam.get_function(FunctionName="status")["Configuration"]["LastUpdateStatus"] == \
        "Successful"
    assert lam.get_function_configuration(FunctionName="status")["LastUpdateStatus"] == \
        "Successful"


def test_a_published_version_keeps_its_variables_while_latest_changes(deploy, lam):
    deploy("frozen", READ_ENVIRONMENT, Environment={"Variables": {"LOG_LEVEL": "INFO"}})
    version = lam.publish_version(FunctionName="frozen")["Version"]
    lam.create_alias(FunctionName="frozen", Name="live", FunctionVersion=version)
    lam.update_function_configuration(FunctionName="frozen",
                                      Environment={"Variables": {"LOG_LEVEL": "DEBUG"}})
    assert variables(lam, "frozen") == {"LOG_LEVEL": "DEBUG"}
    assert variables(lam, "frozen", qualifier=version) == {"LOG_LEVEL": "INFO"}
    assert variables(lam, "frozen", qualifier="live") == {"LOG_LEVEL": "INFO"}
    assert seen(lam, "frozen", "LOG_LEVEL", "AWS_LAMBDA_FUNCTION_VERSION") == {
        "LOG_LEVEL": "DEBUG", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST"}
    assert seen(lam, "frozen", "LOG_LEVEL", "AWS_LAMBDA_FUNCTION_VERSION",
                qualifier="live") == {"LOG_LEVEL": "INFO",
                                      "AWS_LAMBDA_FUNCTION_VERSION": version}
