"""A template CloudFormation cannot order is refused at the call, with its own words.

AWS answers CreateStack, UpdateStack and CreateChangeSet with HTTP 400 ``ValidationError``
"Circular dependency between resources: [...]" for resources that refer to each other in
a circle, and "Template format error: Unresolved resource dependencies [X] in the
Resources block of the template" for a name that is no resource and no parameter
(messages as AWS answers them, quoted in public reports: aws-cloudformation/
cloudformation-coverage-roadmap#2220, cloudnative/lambda-chat#25, serverless#4745). The
local cloud recursed until Python's stack overflowed on a circle and answered HTTP 500.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from lambdalab import LocalCloud
from lambdalab.control.cloudformation_references import problem
from lambdalab.deploy import StackDeployError, deploy_stack, stack_status
from lambdalab.template_text import parse_template

ROOT = Path(__file__).resolve().parents[1]
@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    """One cloud for the module: the control plane alone, whatever the Runtime API client."""
    with LocalCloud() as running:
        yield running


ROLE = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}}


def policy_naming(resource: object) -> dict:
    """A role whose inline policy names ``resource`` (a log group's ARN, say)."""
    return {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {}, "Policies": [{"PolicyName": "p", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "logs:*", "Resource": resource}]}}]}}


def function(role: object, **more: object) -> dict:
    return {"Type": "AWS::Lambda::Function", "Properties": {
        "Runtime": "python3.12", "Handler": "app.handler", "Role": role,
        "Code": {"ZipFile": "def handler(event, context):\n    return 1\n"}, **more}}


A_ROLE_THAT_NAMES_ITS_FUNCTION = {"Resources": {
    "Role": policy_naming({"Fn::Sub": "arn:aws:logs:${AWS::Region}:${AWS::AccountId}:"
                                      "log-group:/aws/lambda/${Fn}:*"}),
    "Fn": function({"Fn::GetAtt": ["Role", "Arn"]}),
    "Alarm": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "Fn"}}},
    "Bystander": {"Type": "AWS::SNS::Topic"}}}


def refusal(cloud, call: str, template: dict, **arguments: object) -> dict:
    cfn = cloud.client("cloudformation")
    with pytest.raises(ClientError) as caught:
        getattr(cfn, call)(TemplateBody=json.dumps(template),
                           Capabilities=["CAPABILITY_IAM"], **arguments)
    return {"status": caught.value.response["ResponseMetadata"]["HTTPStatusCode"],
            **caught.value.response["Error"]}


def test_a_circle_is_refused_at_create_stack_and_no_stack_is_left(cloud):
    assert refusal(cloud, "create_stack", A_ROLE_THAT_NAMES_ITS_FUNCTION,
                   StackName="circle") == {
        "status": 400, "Code": "ValidationError", "Type": "Sender",
        "Message": "Circular dependency between resources: [Role, Fn, Alarm]"}
    assert stack_status(cloud.client("cloudformation"), "circle") is None
    assert not any(f["FunctionName"].startswith("circle") for f in
                   cloud.client("lambda").list_functions()["Functions"])


def test_a_circle_is_refused_at_update_and_at_change_set_and_the_stack_keeps_its_resources(
        cloud):
    cfn = cloud.client("cloudformation")
    fine = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    cfn.create_stack(StackName="kept", TemplateBody=json.dumps(fine))
    for call, arguments in [("update_stack", {"StackName": "kept"}),
                            ("create_change_set", {"StackName": "kept",
                                                   "ChangeSetName": "circle"})]:
        refused = refusal(cloud, call, A_ROLE_THAT_NAMES_ITS_FUNCTION, **arguments)
        assert refused["Code"] == "ValidationError" and refused["Message"].startswith(
            "Circular dependency between resources: [Role, Fn")
    assert [r["LogicalResourceId"] for r in
            cfn.describe_stack_resources(StackName="kept")["StackResources"]] == ["Topic"]


def test_depends_on_closes_a_circle_too():
    template = {"Resources": {"A": {"Type": "AWS::SNS::Topic", "DependsOn": "B"},
                              "B": {"Type": "AWS::SNS::Topic", "DependsOn": ["A"]}}}
    assert problem(template) == "Circular dependency between resources: [A, B]"


@pytest.mark.parametrize("reference, message", [
    ({"Ref": "Rol"}, "Template format error: Unresolved resource dependencies [Rol] in the "
                     "Resources block of the template"),
    ({"Fn::Sub": "${Rol.Arn}"}, "Template format error: Unresolved resource dependencies "
                                "[Rol] in the Resources block of the template"),
    ({"Fn::GetAtt": ["Rol", "Arn"]}, "Template error: instance of Fn::GetAtt references "
                                     "undefined resource Rol"),
    ({"Fn::GetAtt": "Rol.Arn"}, "Template error: instance of Fn::GetAtt references "
                                "undefined resource Rol"),
])
def test_a_name_that_is_neither_resource_nor_parameter_is_refused(cloud, reference, message):
    template = {"Resources": {"Role": ROLE, "Fn": function(reference)}}
    assert refusal(cloud, "create_stack", template, StackName="typo") == {
        "status": 400, "Code": "ValidationError", "Type": "Sender", "Message": message}


def test_an_output_naming_nothing_is_refused_in_its_own_block():
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {"Arn": {"Value": {"Ref": "Topik"}}}}
    assert problem(template) == ("Template format error: Unresolved resource dependencies "
                                 "[Topik] in the Outputs block of the template")


def test_what_is_not_a_reference_to_a_resource_is_not_taken_for_one():
    template = {"Parameters": {"Stage": {"Type": "String"}}, "Resources": {
        "Role": ROLE,
        "Fn": function({"Fn::GetAtt": ["Role", "Arn"]}, FunctionName={"Fn::Sub": [
            "${AWS::StackName}-${Stage}-${suffix}-${!NotAVariable}",
            {"suffix": {"Ref": "AWS::Region"}}]}, Description={"Fn::If": [
                "IsProd", "a condition's name", {"Ref": "AWS::NoValue"}]})}}
    assert problem(template) is None


def test_a_template_a_macro_or_a_module_completes_is_left_to_them():
    typo = {"Fn": function({"Fn::GetAtt": ["AddedByTheMacro", "Arn"]})}
    assert problem({"Resources": {**typo, "Snippet": {"Fn::Transform": {
        "Name": "AWS::Include", "Parameters": {"Location": "s3://bucket/roles.yaml"}}}}}) is None
    assert problem({"Resources": {**typo, "Roles": {"Type": "Org::Roles::Lambda::MODULE"}}}) \
        is None
    assert problem({"Resources": typo}) is not None


@pytest.mark.parametrize("template", sorted(
    [*ROOT.glob("labs/*/template.yaml"), *ROOT.glob("tests/templates/*.yaml")]),
    ids=lambda path: path.parent.name if path.name == "template.yaml" else path.stem)
def test_every_template_of_the_workshop_can_be_ordered(template):
    assert problem(parse_template(template.read_text())) is None


def test_deploy_reports_the_refusal_with_cloudformations_words(cloud, tmp_path):
    (tmp_path / "template.yaml").write_text(json.dumps(A_ROLE_THAT_NAMES_ITS_FUNCTION))
    with pytest.raises(StackDeployError) as refused:
        deploy_stack(cloud, tmp_path / "template.yaml", "circle-deploy")
    assert str(refused.value) == ("stack circle-deploy: ValidationError: Circular dependency "
                                  "between resources: [Role, Fn, Alarm]")
