"""Lab templates may use AWS::Lambda::Alias, ::Version and ::EventInvokeConfig: the local
cloud's CloudFormation creates, updates and deletes them as AWS does.

Return values (``Ref``: the alias ARN, the version ARN; ``Fn::GetAtt Version.Version``):
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-alias.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-version.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventinvokeconfig.html
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from conftest import LAB_FUNCTION_RESOURCES, write_lab_folder
from lambdalab import LocalCloud
from lambdalab.deploy import delete_stack, deploy_stack

TEMPLATE = """
Parameters:
  Retries:
    Type: Number
    Default: 1
Resources:
""" + LAB_FUNCTION_RESOURCES + """\
      Policies:  # Lambda sends the failure record as the function's role
        - PolicyName: send-failure-records
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: sqs:SendMessage
                Resource: !GetAtt Failures.Arn
  Failures:
    Type: AWS::SQS::Queue
  V1:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Fn
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      FunctionVersion: !GetAtt V1.Version
      Name: live
  AsyncSettings:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: !Ref Fn
      Qualifier: $LATEST
      MaximumRetryAttempts: !Ref Retries
      MaximumEventAgeInSeconds: 600
      DestinationConfig:
        OnFailure:
          Destination: !GetAtt Failures.Arn
Outputs:
  AliasArn:
    Value: !Ref Live
  VersionArn:
    Value: !Ref V1
  VersionNumber:
    Value: !GetAtt V1.Version
  QueueUrl:
    Value: !Ref Failures
"""
HANDLER = "def handler(event, context):\n    raise ValueError('no invoice for ' + event['order'])\n"


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    # Retries after 0.6 s, events expire after 6 s: room for a busy machine.
    with LocalCloud(time_scale=0.01) as running:
        yield running


@pytest.fixture
def template(tmp_path):
    return write_lab_folder(tmp_path, TEMPLATE, HANDLER)


def test_alias_version_and_async_settings_deploy_and_work(cloud, template):
    outputs = deploy_stack(cloud, template, "cfn")
    lam = cloud.client("lambda")
    arn = f"arn:aws:lambda:{cloud.region}:{cloud.account_id}:function:cfn-fn"
    assert outputs["AliasArn"] == f"{arn}:live"
    assert outputs["VersionArn"] == f"{arn}:1"
    assert outputs["VersionNumber"] == "1"
    assert lam.get_alias(FunctionName="cfn-fn", Name="live")["FunctionVersion"] == "1"
    settings = lam.get_function_event_invoke_config(FunctionName="cfn-fn")
    assert settings["MaximumRetryAttempts"] == 1
    assert settings["MaximumEventAgeInSeconds"] == 600
    queue_arn = cloud.client("sqs").get_queue_attributes(
        QueueUrl=outputs["QueueUrl"], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert settings["DestinationConfig"]["OnFailure"]["Destination"] == queue_arn

    response = lam.invoke(FunctionName="cfn-fn", Qualifier="live", Payload=b'{"order": "A"}')
    assert response["ExecutedVersion"] == "1"
    lam.invoke(FunctionName="cfn-fn", InvocationType="Event", Payload=b'{"order": "B"}')
    cloud.wait_for_async()
    [message] = cloud.client("sqs").receive_message(QueueUrl=outputs["QueueUrl"])["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["approximateInvokeCount"] == 2  # one retry, as configured
    assert record["requestPayload"] == {"order": "B"}


def test_stack_updates_change_or_remove_the_async_settings_and_a_delete_removes_all(
        cloud, template):
    deploy_stack(cloud, template, "upd")
    deploy_stack(cloud, template, "upd", parameters={"Retries": "0"})
    lam = cloud.client("lambda")
    assert lam.get_function_event_invoke_config(FunctionName="upd-fn")[
        "MaximumRetryAttempts"] == 0
    without = template.read_text().split("  AsyncSettings:")[0] + "Outputs: {}\n"
    template.write_text(without.replace("Outputs: {}", "Outputs:\n  Alias:\n    Value: !Ref Live"))
    deploy_stack(cloud, template, "upd")
    with pytest.raises(ClientError) as removed:
        lam.get_function_event_invoke_config(FunctionName="upd-fn")
    assert removed.value.response["Error"]["Code"] == "ResourceNotFoundException"
    delete_stack(cloud, "upd")
    with pytest.raises(ClientError) as gone:
        lam.get_alias(FunctionName="upd-fn", Name="live")
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"
