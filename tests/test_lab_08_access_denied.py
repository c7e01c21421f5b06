"""Lab 08 deployed from its CloudFormation template behaves as the notebook says, with IAM
deciding as on AWS: the checkout whose role grants nothing is refused and leaves no log,
the least-privilege one prices the order, and a version the policy does not name is
refused even though the alias it does name points at that version."""

from __future__ import annotations

import json

from lab_stacks import answer, deployed_lab

from lambdalab.workshop import lab_path

LAB = "08_access_denied"
ORDER = lab_path(LAB, "events", "order.json").read_text()
stack = deployed_lab(LAB, "lab8")
PRICING_LIVE = "arn:aws:lambda:ap-northeast-1:123456789012:function:lab8-pricing:live"


def test_stack_outputs_name_the_functions_and_the_alias(stack):
    assert stack == {"PricingFunctionName": "lab8-pricing", "PricingAliasArn": PRICING_LIVE,
                     "WrongCheckoutFunctionName": "lab8-checkout-wrong",
                     "FixedCheckoutFunctionName": "lab8-checkout-fixed"}


def test_the_checkout_whose_role_grants_nothing_is_refused_in_lambdas_words(cloud, stack):
    ran = len(cloud.invocations("lab8-pricing"))
    function_error, result = answer(cloud.client("lambda"), stack["WrongCheckoutFunctionName"],
                                    ORDER)
    assert function_error == "Unhandled" and result["errorType"] == "ClientError"
    assert result["errorMessage"] == (
        "An error occurred (AccessDeniedException) when calling the Invoke operation: User: "
        "arn:aws:sts::123456789012:assumed-role/lab8-bare-role/lab8-checkout-wrong is not "
        f"authorized to perform: lambda:InvokeFunction on resource: {PRICING_LIVE} because "
        "no identity-based policy allows the lambda:InvokeFunction action")
    assert len(cloud.invocations("lab8-pricing")) == ran  # refused before anything ran


def test_the_refused_checkout_leaves_no_log_group(cloud, stack):
    answer(cloud.client("lambda"), stack["WrongCheckoutFunctionName"], ORDER)
    groups = cloud.client("logs").describe_log_groups(
        logGroupNamePrefix="/aws/lambda/lab8-checkout-wrong")["logGroups"]
    assert groups == []


def test_the_least_privilege_checkout_prices_the_order_and_logs(cloud, stack):
    lam = cloud.client("lambda")
    assert answer(lam, stack["FixedCheckoutFunctionName"], ORDER) == (None, {
        "status": "priced", "pricing": {"order_id": "A-2001", "total_yen": 1340}})
    assert any("order A-2001" in line for line in cloud.logs("lab8-checkout-fixed"))
    assert cloud.invocations("lab8-pricing")[-1].version == "1"  # through the alias


def test_a_version_the_policy_does_not_name_is_refused(cloud, stack):
    lam = cloud.client("lambda")
    fixed = stack["FixedCheckoutFunctionName"]
    variables = {"PRICING_FUNCTION": "lab8-pricing", "PRICING_QUALIFIER": "1"}
    lam.update_function_configuration(FunctionName=fixed,
                                      Environment={"Variables": variables})
    try:
        function_error, result = answer(lam, fixed, ORDER)
    finally:
        lam.update_function_configuration(FunctionName=fixed, Environment={"Variables": {
            **variables, "PRICING_QUALIFIER": "live"}})
    assert function_error == "Unhandled"
    assert "on resource: arn:aws:lambda:ap-northeast-1:123456789012:function:lab8-pricing:1 " \
           "because" in result["errorMessage"]


def test_dry_run_probes_the_permission_and_runs_nothing(cloud, stack):
    lam = cloud.client("lambda")
    before = len(cloud.invocations("lab8-pricing"))
    probe = json.dumps({"probe": True})
    assert answer(lam, stack["FixedCheckoutFunctionName"], probe) == (None, {
        "status": "may invoke", "function": "lab8-pricing:live"})
    function_error, result = answer(lam, stack["WrongCheckoutFunctionName"], probe)
    assert function_error == "Unhandled" and "(AccessDeniedException)" in result["errorMessage"]
    assert len(cloud.invocations("lab8-pricing")) == before
