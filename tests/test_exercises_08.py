"""Notebook 08's checks: the solutions pass, the stored placeholders are not attempted, and
the known wrong answers fail with the message written for them (S3's quotes kept, the
session taken for the role; a wildcard resource, a prefix wildcard, the unqualified ARN
for an alias)."""

from __future__ import annotations

import exercise_checks as checks
from notebook_material import Material

from lambdalab.workshop import pitfall08

MATERIAL = Material("08_access_denied")


def test_the_solutions_pass(cloud):
    solutions = MATERIAL.load_solutions()
    checks.passing(pitfall08.exercise1, solutions.diagnose, cloud)
    checks.passing(pitfall08.exercise2, solutions.shipping_policy, cloud)


def test_the_stored_placeholders_are_not_attempted(cloud):
    checks.assert_not_attempted(pitfall08.exercise1,
                                MATERIAL.defined("def diagnose")["diagnose"], cloud)
    checks.assert_not_attempted(pitfall08.exercise2,
                                MATERIAL.defined("def shipping_policy")["shipping_policy"],
                                cloud)


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
