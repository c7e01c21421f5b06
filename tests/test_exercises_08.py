"""Notebook 08's checks: the solutions pass, the stored placeholders are not attempted, and
the known wrong answers fail with the message written for them (S3's quotes kept, the
session taken for the role; a wildcard resource, a prefix wildcard, the unqualified ARN
for an alias; in the lab's template: a circular dependency, no logs:CreateLogGroup,
another function's log group, the function's unqualified ARN, a wildcard, every version,
names written out, YAML that does not parse)."""

from __future__ import annotations

import exercise_checks as checks
import pytest
from notebook_material import ROOT, Material

from lambdalab.workshop import Verdict, pitfall08

MATERIAL = Material("08_access_denied")


def test_the_solutions_pass(cloud):
    solutions = MATERIAL.load_solutions()
    checks.passing(pitfall08.exercise1, solutions.diagnose, cloud)
    checks.passing(pitfall08.exercise2, solutions.shipping_policy, cloud)
    checks.passing(pitfall08.exercise3, solutions.bare_role_policies, cloud)


def test_the_stored_placeholders_are_not_attempted(cloud):
    checks.assert_not_attempted(pitfall08.exercise1,
                                MATERIAL.defined("def diagnose")["diagnose"], cloud)
    checks.assert_not_attempted(pitfall08.exercise2,
                                MATERIAL.defined("def shipping_policy")["shipping_policy"],
                                cloud)
    checks.assert_not_attempted(pitfall08.exercise3,
                                MATERIAL.defined("bare_role_policies =")["bare_role_policies"],
                                cloud, "write BareRole's Policies in this cell, then run it.")


def test_keeping_s3s_quotes_fails_the_s3_case_and_is_named(cloud):
    def quotes_kept(message):
        principal = message.split("User: ", 1)[1].split(" ", 1)[0]
        role, function = principal.rsplit("/", 2)[-2:]
        return {"role": role, "function": function,
                "action": message.split("to perform: ", 1)[1].split(" ", 1)[0],
                "resource": message.split("on resource: ", 1)[1].split(" ", 1)[0],
                "refused_by": "explicit deny" if "explicit deny" in message else "no allow"}

    report = pitfall08.exercise1.evaluate(quotes_kept, cloud)
    assert [r.passed for r in report.results] == [True, True, False, True, True]
    assert report.results[2].detail.startswith("resource: you answered '\"arn:aws:s3:::")
    assert checks.advised(report, "S3 prints the resource in double quotes")


def test_taking_the_session_for_the_role_is_named(cloud):
    def whole_principal(message):
        principal = message.split("User: ", 1)[1].split(" ", 1)[0]
        return {"role": principal.split("assumed-role/", 1)[1], "function": "?",
                "action": "", "resource": "", "refused_by": ""}

    report = pitfall08.exercise1.evaluate(whole_principal, cloud)
    assert not any(r.passed for r in report.results)
    assert report.results[0].detail == ("role: you answered 'orders-role/save-order', it is "
                                        "'orders-role'")
    assert checks.advised(report, "The principal is a role session")


def test_the_explicit_deny_must_be_told_from_a_missing_allow(cloud):
    solutions = MATERIAL.load_solutions()

    def always_no_allow(message):
        return {**solutions.diagnose(message), "refused_by": "no allow"}

    report = pitfall08.exercise1.evaluate(always_no_allow, cloud)
    assert [r.passed for r in report.results] == [True, True, True, True, False]
    assert report.results[4].detail == ("refused_by: you answered 'no allow', it is "
                                        "'explicit deny'")


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_a_wildcard_resource_allows_what_shipping_never_calls_and_is_named(cloud):
    def everything(region, account):
        return policy({"Effect": "Allow", "Resource": "*", "Action": [
            "lambda:InvokeFunction", "sqs:SendMessage", "logs:CreateLogStream",
            "logs:PutLogEvents"]})

    report = pitfall08.exercise2.evaluate(everything, cloud)
    failed = [r.description for r in report.results if not r.passed]
    assert "may not invoke rates-admin" in failed and "may not send to the queue refunds" in failed
    assert "may not delete the function rates" not in failed  # not granted, rightly refused
    assert checks.advised(report, "`\"Resource\": \"*\"` lets `shipping` call every function")


def test_a_prefix_wildcard_for_the_alias_is_named(cloud):
    solutions = MATERIAL.load_solutions()

    def prefix(region, account):
        document = solutions.shipping_policy(region, account)
        document["Statement"][0]["Resource"] = [
            f"arn:aws:lambda:{region}:{account}:function:rates",
            f"arn:aws:lambda:{region}:{account}:function:labels:*"]
        return document

    report = pitfall08.exercise2.evaluate(prefix, cloud)
    assert [r.description for r in report.results if not r.passed] == [
        "may not invoke labels through its alias dev"]
    assert checks.advised(report, "A wildcard after the name")


def test_the_unqualified_arn_for_an_alias_call_is_named(cloud):
    solutions = MATERIAL.load_solutions()

    def unqualified(region, account):
        document = solutions.shipping_policy(region, account)
        document["Statement"][0]["Resource"] = [
            f"arn:aws:lambda:{region}:{account}:function:rates",
            f"arn:aws:lambda:{region}:{account}:function:labels"]
        return document

    report = pitfall08.exercise2.evaluate(unqualified, cloud)
    assert [r.description for r in report.results if not r.passed] == [
        "may invoke labels through its alias prod", "may not invoke labels unqualified"]
    assert checks.advised(report, "`labels` is called through its alias `prod`")


# --- exercise 3: fix the lab's template ----------------------------------------------------

def yours(old: str, new: str) -> str:
    """The solution's policies with one edit a learner might make."""
    solution = MATERIAL.load_solutions().bare_role_policies
    assert old in solution
    return solution.replace(old, new)


def failed(report) -> list[str]:
    return [r.description for r in report.results if not r.passed]


def test_the_fixed_lab_prices_logs_and_leaves_its_template_file_alone(cloud):
    template = (ROOT / "labs" / "08_access_denied" / "template.yaml").read_text()
    report = checks.passing(pitfall08.exercise3, MATERIAL.load_solutions().bare_role_policies,
                            cloud)
    assert report.results[1].detail == "ex8-checkout-wrong answered 'priced'"
    assert (ROOT / "labs" / "08_access_denied" / "template.yaml").read_text() == template
    assert cloud.client("iam").list_role_policies(RoleName="ex8-bare-role")["PolicyNames"] == [
        "checkout-calls-pricing"]


def test_naming_the_function_in_its_own_roles_policy_is_refused_as_a_circle(cloud):
    report = pitfall08.exercise3.evaluate(
        yours("${AWS::StackName}-checkout-wrong", "${WrongCheckoutFunction}"), cloud)
    assert report.verdict is Verdict.FAIL and report.results == ()
    assert report.summary.startswith("A role's policy cannot name the function that uses the "
                                     "role")
    assert report.summary.endswith(
        "CloudFormation: the lab does not deploy with your Policies: ValidationError: Circular "
        "dependency between resources: [BareRole, WrongCheckoutFunction]")
    assert report.failures() == ("A role's policy cannot name the function that uses the role",)


def test_without_create_log_group_the_checkout_runs_and_leaves_no_log(cloud):
    report = pitfall08.exercise3.evaluate(yours("logs:CreateLogGroup, ", ""), cloud)
    assert failed(report) == ["the checkout's log group holds its log"]
    assert report.results[1].passed  # priced all the same
    assert checks.advised(report, "No log group appeared: Lambda creates")


def test_the_log_group_of_the_other_checkout_is_named(cloud):
    report = pitfall08.exercise3.evaluate(yours("-checkout-wrong:*", "-checkout-fixed:*"),
                                          cloud)
    assert failed(report) == ["the checkout's log group holds its log"]
    assert checks.advised(report, "Your log statement names the log group of `checkout-fixed`")
    assert not checks.advised(report, "No log group appeared")


def test_the_functions_unqualified_arn_is_refused_for_a_call_to_the_alias(cloud):
    report = pitfall08.exercise3.evaluate(
        yours("!Ref PricingLive", "!GetAtt PricingFunction.Arn"), cloud)
    assert failed(report) == ["the checkout prices the order",
                              "may not invoke pricing unqualified"]
    assert "(AccessDeniedException)" in report.results[1].detail
    assert checks.advised(report, "The checkout calls the alias `live`")


def test_a_wildcard_resource_is_more_than_least_privilege(cloud):
    report = pitfall08.exercise3.evaluate(yours("!Ref PricingLive", '"*"'), cloud)
    assert failed(report) == ["may not invoke pricing unqualified",
                              "may not invoke pricing's version 1",
                              "may not invoke the other checkout",
                              "may not invoke another stack's pricing"]
    assert checks.advised(report, '`Resource: "*"` or a wildcard after a name')


def test_every_version_of_pricing_is_more_than_the_alias(cloud):
    report = pitfall08.exercise3.evaluate(
        yours("!Ref PricingLive", '!Sub "${PricingFunction.Arn}:*"'), cloud)
    assert failed(report) == ["may not invoke pricing's version 1"]
    assert checks.advised(report, "`...:pricing:*` lets the checkout call every version")


def test_names_written_out_would_deploy_nowhere_else(cloud):
    report = pitfall08.exercise3.evaluate(
        yours("${AWS::Region}:${AWS::AccountId}", "ap-northeast-1:123456789012"), cloud)
    assert failed(report) == ["no account, region or stack written out"]
    assert report.results[0].detail == ("your text writes out '123456789012', "
                                        "'ap-northeast-1': it would deploy nowhere else")
    assert checks.advised(report, "A template deploys into any account, region and stack")


@pytest.mark.parametrize("text, summary", [
    ("- PolicyName: p\n\tPolicyDocument: {}\n", "your YAML does not parse (line 2 of your "
                                                "text): found character '\\t'"),
    ("PolicyName: p\nPolicyDocument: {}\n", "Policies is a list of policies"),
    (42, "pass the YAML text of BareRole's Policies (a string), not int."),
])
def test_text_that_is_no_policies_list_is_answered_without_deploying(cloud, text, summary):
    report = pitfall08.exercise3.evaluate(text, cloud)
    assert report.verdict is Verdict.FAIL and report.summary.startswith(summary)


def test_every_action_on_the_alias_is_more_than_the_call(cloud):
    report = pitfall08.exercise3.evaluate(
        yours("Action: lambda:InvokeFunction", "Action: lambda:*"), cloud)
    assert failed(report) == ["may not read pricing's configuration"]
    assert checks.advised(report, "`lambda:*` (or `\"*\"`) on the alias lets the checkout")


def test_a_wildcard_log_group_would_write_another_stacks_log(cloud):
    report = pitfall08.exercise3.evaluate(
        yours("${AWS::StackName}-checkout-wrong:*", "*-checkout-wrong:*"), cloud)
    assert failed(report) == ["may not write another stack's checkout log"]
    assert checks.advised(report, "A wildcard in the log group's name")


def test_the_policies_key_itself_is_told_to_go_and_an_unquoted_version_is_a_version(cloud):
    solution = MATERIAL.load_solutions().bare_role_policies
    wrapped = "Policies:\n" + "".join(f"  {line}\n" for line in solution.strip().splitlines())
    report = pitfall08.exercise3.evaluate(wrapped, cloud)
    assert report.summary.startswith("write the list that goes under `Policies:`")
    checks.passing(pitfall08.exercise3, solution.replace('"2012-10-17"', "2012-10-17"), cloud)
