"""The lab deploy helper packages code like `aws cloudformation package` and reports failures."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from lambdalab import LocalCloud
from lambdalab.deploy import StackDeployError, deploy_stack, load_template
from lambdalab.packaging import zip_folder

TEMPLATE = """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub "${AWS::StackName}-fn"
      Runtime: python3.12
      Handler: app.handler
      Code: src/
      Role: !GetAtt Role.Arn
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
Outputs:
  Name:
    Value: !Ref Fn
"""


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud() as running:
        yield running


def write_lab(tmp_path, code="def handler(event, context):\n    return 'deployed'\n"):
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "app.py").write_text(code)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    return tmp_path / "template.yaml"


def test_zip_is_deterministic_whatever_the_file_times(tmp_path):
    write_lab(tmp_path)
    first = zip_folder(tmp_path / "src")
    os.utime(tmp_path / "src" / "app.py", (time.time() - 3600, time.time() - 3600))
    assert zip_folder(tmp_path / "src") == first


def test_short_form_tags_become_intrinsic_functions(tmp_path):
    template = load_template(write_lab(tmp_path))
    properties = template["Resources"]["Fn"]["Properties"]
    assert properties["Role"] == {"Fn::GetAtt": ["Role", "Arn"]}
    assert properties["FunctionName"] == {"Fn::Sub": "${AWS::StackName}-fn"}
    assert template["Outputs"]["Name"]["Value"] == {"Ref": "Fn"}


def test_deploy_creates_then_updates_the_stack_with_the_folder_code(cloud, tmp_path):
    template = write_lab(tmp_path)
    assert deploy_stack(cloud, template, "demo") == {"Name": "demo-fn"}
    lam = cloud.client("lambda")
    assert lam.invoke(FunctionName="demo-fn")["Payload"].read() == b'"deployed"'
    write_lab(tmp_path, "def handler(event, context):\n    return 'updated'\n")
    deploy_stack(cloud, template, "demo")
    assert lam.invoke(FunctionName="demo-fn")["Payload"].read() == b'"updated"'


def test_missing_code_folder_is_a_clear_error(cloud, tmp_path):
    template = write_lab(tmp_path)
    (tmp_path / "src" / "app.py").unlink()
    (tmp_path / "src").rmdir()
    with pytest.raises(StackDeployError, match="Code folder 'src' not found"):
        deploy_stack(cloud, template, "broken")


def test_a_failing_resource_surfaces_cloudformations_reason(cloud, tmp_path):
    template = write_lab(tmp_path)
    template.write_text(TEMPLATE.replace("Properties:\n      FunctionName",
                                         "Properties:\n      Environment:\n        Variables:\n"
                                         "          AWS_REGION: x\n      FunctionName"))
    with pytest.raises(StackDeployError) as caught:
        deploy_stack(cloud, template, "reserved")
    assert "reserved keys" in str(caught.value)
