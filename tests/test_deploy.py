"""The lab deploy helper packages code like `aws cloudformation package` and reports failures."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from conftest import LAB_FUNCTION_RESOURCES, write_lab_folder
from lambdalab import LocalCloud
from lambdalab.deploy import (
    ARTIFACT_BUCKET,
    StackDeployError,
    delete_stack,
    deploy_stack,
    load_template,
    package,
    stack_status,
)
from lambdalab.packaging import zip_folder

TEMPLATE = """
Resources:
""" + LAB_FUNCTION_RESOURCES + """\
Outputs:
  Name:
    Value: !Ref Fn
"""


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud() as running:
        yield running


def write_lab(tmp_path, code="def handler(event, context):\n    return 'deployed'\n"):
    return write_lab_folder(tmp_path, TEMPLATE, code)


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


def test_every_short_form_has_its_long_form(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "A: !Condition IsProd\nB: !Join ['-', [a, !Ref B]]\nC: !Sub ['${x}', {x: !Ref C}]\n"
        "D: !GetAtt [Fn, Arn]\nE: !If [IsProd, 1, 2]\n")
    assert load_template(tmp_path / "t.yaml") == {
        "A": {"Condition": "IsProd"},
        "B": {"Fn::Join": ["-", ["a", {"Ref": "B"}]]},
        "C": {"Fn::Sub": ["${x}", {"x": {"Ref": "C"}}]},
        "D": {"Fn::GetAtt": ["Fn", "Arn"]},
        "E": {"Fn::If": ["IsProd", 1, 2]}}


def test_package_uploads_the_folder_and_points_code_at_it(cloud, tmp_path):
    template = package(write_lab(tmp_path), cloud.client("s3"))
    code = template["Resources"]["Fn"]["Properties"]["Code"]
    assert code["S3Bucket"] == ARTIFACT_BUCKET and code["S3Key"].startswith("Fn/")
    stored = cloud.client("s3").get_object(Bucket=code["S3Bucket"], Key=code["S3Key"])
    assert stored["Body"].read() == zip_folder(tmp_path / "src")
    assert template["Resources"]["Role"] == load_template(tmp_path / "template.yaml")[
        "Resources"]["Role"]


def test_an_unchanged_folder_keeps_its_code_sha256_even_after_python_imported_it(cloud, tmp_path):
    template = write_lab(tmp_path)
    deploy_stack(cloud, template, "stable")
    lam = cloud.client("lambda")
    before = lam.get_function_configuration(FunctionName="stable-fn")["CodeSha256"]
    (tmp_path / "src" / "__pycache__").mkdir()
    (tmp_path / "src" / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\x00compiled")
    deploy_stack(cloud, template, "stable")
    assert lam.get_function_configuration(FunctionName="stable-fn")["CodeSha256"] == before


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
    template.write_text(reserved_key(TEMPLATE, "AWS_REGION"))
    with pytest.raises(StackDeployError) as caught:
        deploy_stack(cloud, template, "reserved")
    assert "reserved keys" in str(caught.value)


def reserved_key(template: str, key: str) -> str:
    """The template with a function whose environment sets ``key``, which Lambda refuses
    when CloudFormation creates the function: the stack rolls back."""
    return template.replace("Properties:\n      FunctionName", "Properties:\n      Environment:"
                            f"\n        Variables:\n          {key}: x\n      FunctionName")


def test_a_fixed_template_deploys_over_a_failed_first_attempt(cloud, tmp_path):
    template = write_lab(tmp_path)
    good = template.read_text()
    template.write_text(reserved_key(good, "AWS_REGION"))
    with pytest.raises(StackDeployError, match="AWS_REGION"):
        deploy_stack(cloud, template, "retry")
    assert stack_status(cloud.client("cloudformation"), "retry") == "ROLLBACK_COMPLETE"
    template.write_text(good)
    assert deploy_stack(cloud, template, "retry") == {"Name": "retry-fn"}


def test_the_reason_names_the_stack_once_and_comes_from_this_attempt(cloud, tmp_path):
    template = write_lab(tmp_path)
    good = template.read_text()
    template.write_text(reserved_key(good, "AWS_REGION"))
    with pytest.raises(StackDeployError):
        deploy_stack(cloud, template, "twice")
    template.write_text(reserved_key(good, "AWS_LAMBDA_RUNTIME_API"))
    with pytest.raises(StackDeployError) as caught:
        deploy_stack(cloud, template, "twice")
    assert "AWS_LAMBDA_RUNTIME_API" in str(caught.value) and "AWS_REGION" not in str(
        caught.value)
    assert not str(caught.value).startswith("stack twice: twice:")


def test_delete_stack_removes_its_functions_and_a_new_deploy_starts_afresh(cloud, tmp_path):
    template = write_lab(tmp_path)
    deploy_stack(cloud, template, "gone")
    delete_stack(cloud, "gone")
    names = [f["FunctionName"] for f in cloud.client("lambda").list_functions()["Functions"]]
    assert "gone-fn" not in names
    assert stack_status(cloud.client("cloudformation"), "gone") is None
    assert deploy_stack(cloud, template, "gone") == {"Name": "gone-fn"}


def test_a_resource_type_the_local_cloud_cannot_create_is_an_error_not_a_silent_gap(
        cloud, tmp_path):
    template = write_lab(tmp_path)
    template.write_text(TEMPLATE.replace("  Role:\n", "  Url:\n    Type: AWS::Lambda::Url\n"
                                         "    Properties:\n      TargetFunctionArn: !Ref Fn\n"
                                         "      AuthType: AWS_IAM\n"
                                         "  Role:\n", 1))
    with pytest.raises(StackDeployError, match=r"completed without Url \(AWS::Lambda::Url\)"):
        deploy_stack(cloud, template, "url")
