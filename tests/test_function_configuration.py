"""Function configurations as AWS returns them, which the AWS CLI, Terraform and SDK code
parse: a RevisionId that every change renews and that guards an update, LastModified in
AWS's form, LoggingConfig present, Layers absent when there are none.

Source: https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html and
https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html
(RevisionId: "Update the function only if the revision ID matches the ID that's
specified"; PreconditionFailedException, HTTP 412).
"""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from lambdalab.packaging import zip_files

ECHO = "def handler(event, context):\n    return event\n"


def test_the_configuration_reads_as_aws_writes_it(deploy, lam):
    created = deploy("configured", ECHO)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", created["LastModified"])
    assert created["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/configured"}
    assert "Layers" not in created
    assert re.fullmatch(r"[0-9a-f-]{36}", created["RevisionId"])
    assert lam.get_function_configuration(FunctionName="configured")["RevisionId"] == \
        created["RevisionId"]


def test_every_change_renews_the_revision_and_a_stale_one_is_refused(deploy, lam):
    first = deploy("revised", ECHO)["RevisionId"]
    second = lam.update_function_configuration(FunctionName="revised", Description="2",
                                               RevisionId=first)["RevisionId"]
    third = lam.update_function_code(FunctionName="revised",
                                     ZipFile=zip_files(ECHO + "# 3\n"))["RevisionId"]
    assert len({first, second, third}) == 3
    assert lam.get_function_configuration(FunctionName="revised")["RevisionId"] == third
    with pytest.raises(ClientError) as refused:
        lam.update_function_configuration(FunctionName="revised", Description="stale",
                                          RevisionId=first)
    error = refused.value.response
    assert (error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"]) == (
        412, "PreconditionFailedException")
    assert error["Error"]["Message"].startswith("The Revision Id provided does not match")
    assert lam.get_function_configuration(FunctionName="revised")["Description"] == "2"
    version = lam.publish_version(FunctionName="revised")
    assert lam.get_function_configuration(FunctionName="revised", Qualifier=version[
        "Version"])["RevisionId"] == version["RevisionId"]


def test_create_and_update_answers_say_the_change_is_in_progress(deploy, lam):
    """As AWS answers them: CreateFunction says Pending ("The function is being
    created."), an update says InProgress; GetFunctionConfiguration a moment later says
    Active and Successful (this cloud applies a change at once)."""
    created = deploy("in-progress", ECHO)
    assert (created["State"], created["StateReason"], created["StateReasonCode"]) == (
        "Pending", "The function is being created.", "Creating")
    updated = lam.update_function_configuration(FunctionName="in-progress", Description="x")
    assert (updated["State"], updated["LastUpdateStatus"]) == ("Active", "InProgress")
    code = lam.update_function_code(FunctionName="in-progress", ZipFile=zip_files(ECHO))
    assert code["LastUpdateStatus"] == "InProgress"
    now = lam.get_function_configuration(FunctionName="in-progress")
    assert (now["State"], now["LastUpdateStatus"]) == ("Active", "Successful")
