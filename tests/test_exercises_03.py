"""Notebook 03's checks against a real cloud: the solutions pass, the stored placeholders are
not attempted, and each wrong network, endpoint or client Config fails with the reason the
cloud gives for it."""

from __future__ import annotations

import exercise_checks as checks
import pytest
from botocore.config import Config
from notebook_material import Material

from lambdalab.workshop import Verdict, pitfall03

MATERIAL = Material("03_vpc_reachability")
LAMBDA = "com.amazonaws.ap-northeast-1.lambda"
HTTPS = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}


@pytest.fixture(scope="module")
def solutions():
    return MATERIAL.load_solutions()


def test_the_solutions_pass(cloud, solutions):
    checks.passing(pitfall03.exercise1, solutions.reaches_lambda, cloud)
    checks.passing(pitfall03.exercise2, solutions.make_reachable, cloud)
    checks.passing(pitfall03.exercise3, solutions.fail_fast_config, cloud)


def test_the_stored_placeholders_are_not_attempted(cloud):
    stored = MATERIAL.defined("reaches_lambda = ")["reaches_lambda"]
    checks.assert_not_attempted(pitfall03.exercise1, stored, cloud, "replace the `...` of "
                                "network 1 with True or False, then run the cell.")
    for exercise, name in ((pitfall03.exercise2, "make_reachable"),
                           (pitfall03.exercise3, "fail_fast_config")):
        checks.assert_not_attempted(exercise, MATERIAL.defined(f"def {name}(")[name], cloud)


def test_believing_every_network_reaches_lambda_names_each_misconception(cloud):
    report = pitfall03.exercise1.evaluate({n: True for n in range(1, 6)}, cloud)
    assert [r.passed for r in report.results] == [True, False, False, True, False]
    assert report.results[1].detail.startswith(
        "you said it reaches Lambda; the order service failed with LambdaApiUnreachable: "
        "subnet subnet-… uses route table rtb-…, whose 0.0.0.0/0 route goes to NAT gateway "
        "nat-…, but the NAT gateway's subnet")
    assert "allow no inbound TCP 443" in report.results[2].detail
    assert [a.split(":")[0].split(",")[0] for a in report.advice] == [
        "A NAT gateway gives a way out only from a public subnet",
        "An interface endpoint created without security groups gets the VPC's default group",
        "Gateway endpoints exist only for S3 and DynamoDB"]


@pytest.mark.parametrize("answer, summary", [
    ([True] * 5, "answer a dict {1: True or False, 2: ..., 3: ..., 4: ..., 5: ...}, not list."),
    ({1: True, 2: False}, "say True or False for network 3, 4, 5 too."),
    ({1: "yes", 2: False, 3: False, 4: True, 5: False}, "network 1: answer True or False, "
                                                        "not 'yes'."),
    ({6: True}, "6 is not a network number: answer a dict {1: True or False, 2: ..., 3: ..., "
                "4: ..., 5: ...}."),
])
def test_an_answer_of_the_wrong_shape_is_told_what_to_write(cloud, answer, summary):
    report = pitfall03.exercise1.evaluate(answer, cloud)
    assert (report.verdict, report.summary) == (Verdict.FAIL, summary)


def test_string_keys_are_read_as_network_numbers(cloud, solutions):
    answer = {str(n): value for n, value in solutions.reaches_lambda.items()}
    assert pitfall03.exercise1.evaluate(answer, cloud).verdict is Verdict.PASS


def endpoint(ec2, network, *, groups=None, private_dns=True, dns_hostnames=True):
    if dns_hostnames:
        ec2.modify_vpc_attribute(VpcId=network["vpc_id"], EnableDnsHostnames={"Value": True})
    options = {"SecurityGroupIds": groups} if groups else {}
    ec2.create_vpc_endpoint(VpcId=network["vpc_id"], VpcEndpointType="Interface",
                            ServiceName=LAMBDA, SubnetIds=network["private_subnet_ids"],
                            PrivateDnsEnabled=private_dns, **options)


def open_group(ec2, network, rule):
    group = ec2.create_security_group(GroupName="endpoint", Description="endpoint",
                                      VpcId=network["vpc_id"])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{**HTTPS, **rule}])
    return group


def test_an_endpoint_created_before_the_vpcs_dns_hostnames_is_refused_and_explained(cloud):
    report = pitfall03.exercise2.evaluate(
        lambda ec2, network: endpoint(ec2, network, dns_hostnames=False), cloud)
    assert [r.passed for r in report.results] == [False, False, False, True, True]
    assert report.results[0].detail.startswith("your code raised ClientError "
                                               "(InvalidParameter): Enabling private DNS")
    assert report.results[1].detail.startswith("the order service failed (Sandbox.Timedout)")
    assert report.advice[0].startswith("Private DNS for an endpoint needs the VPC's")


def test_an_endpoint_in_the_default_group_is_closed_to_the_order_service(cloud):
    report = pitfall03.exercise2.evaluate(lambda ec2, network: endpoint(ec2, network), cloud)
    assert [r.passed for r in report.results] == [True, False, False, True, True]
    assert "allow no inbound TCP 443 from sg-…" in report.results[1].detail
    assert report.advice == ("The endpoint's security group must let TCP 443 in from the "
                             "order service: from its group, "
                             "network['function_security_group_id'], or from the CIDR of "
                             "each private subnet.",)


def test_an_endpoint_without_private_dns_is_not_used_by_the_unchanged_order_service(cloud):
    def without_private_dns(ec2, network):
        group = open_group(ec2, network, {"UserIdGroupPairs": [
            {"GroupId": network["function_security_group_id"]}]})
        endpoint(ec2, network, groups=[group], private_dns=False)

    report = pitfall03.exercise2.evaluate(without_private_dns, cloud)
    assert [r.passed for r in report.results] == [True, False, False, True, True]
    assert checks.advised(report, "An endpoint with private DNS off answers only to its own "
                                  "DNS name")


def test_a_group_open_to_one_private_subnet_leaves_the_other_without_a_way(cloud):
    def one_subnet(ec2, network):
        group = open_group(ec2, network, {"IpRanges": [{"CidrIp": "10.30.1.0/24"}]})
        endpoint(ec2, network, groups=[group])

    report = pitfall03.exercise2.evaluate(one_subnet, cloud)
    failed = [r.description for r in report.results if not r.passed]
    assert failed == ["every private subnet of the order service has the way (the cloud's "
                      "verdict)"]
    assert "(10.30.2.0/24)" in report.results[2].detail


def test_a_nat_gateway_is_refused_and_does_not_even_work_with_this_egress(cloud):
    def with_nat(ec2, network):
        address = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=network["public_subnet_id"],
                                     AllocationId=address)["NatGateway"]["NatGatewayId"]
        for table in network["private_route_table_ids"]:
            ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0",
                             NatGatewayId=nat)

    report = pitfall03.exercise2.evaluate(with_nat, cloud)
    assert [r.passed for r in report.results] == [True, False, False, False, True]
    assert "allow no outbound TCP 443 to 0.0.0.0/0" in report.results[2].detail
    assert report.results[3].detail.startswith("the VPC has a NAT gateway: it works")
    assert report.advice[-1].startswith("A NAT gateway is the public way out")


def test_the_labs_own_fail_fast_config_stops_reading_before_the_slower_inventory_answers(
        cloud):
    lab = Config(connect_timeout=1, read_timeout=4,
                 retries={"mode": "standard", "total_max_attempts": 1})
    report = pitfall03.exercise3.evaluate(lambda callee, own: lab, cloud)
    assert [r.passed for r in report.results] == [True, False, False, False]
    assert report.results[1].detail == (
        "the order service stopped waiting for the answer (ReadTimeoutError) while the "
        "inventory function was still working")
    assert report.advice[0].startswith("`read_timeout` is how long the client waits")


def test_a_short_connect_timeout_with_retries_still_reports_too_late(cloud):
    report = pitfall03.exercise3.evaluate(lambda callee, own: Config(
        connect_timeout=1, read_timeout=7, retries={"mode": "standard"}), cloud)
    assert [r.passed for r in report.results] == [False, True, True, False]
    assert report.results[0].detail.startswith("it reported LambdaApiUnreachable itself, but "
                                               "after more than 2 s")
    assert report.advice[0].startswith("Each attempt waits connect_timeout again")


def test_a_retried_read_timeout_runs_the_inventory_function_twice_and_says_so(cloud):
    report = pitfall03.exercise3.evaluate(lambda callee, own: Config(
        connect_timeout=1, read_timeout=2,
        retries={"mode": "standard", "total_max_attempts": 2}), cloud)
    assert not report.results[1].passed
    assert "and botocore retried, so the inventory function ran 2 times for one order" in \
        report.results[1].detail


def test_boto3s_default_connect_timeout_lets_lambda_end_the_order_service(cloud):
    report = pitfall03.exercise3.evaluate(lambda callee, own: Config(read_timeout=7), cloud)
    assert report.results[0].detail.startswith("the order service was still waiting when "
                                               "Lambda ended it at its 8 s timeout")
    assert report.advice[0].startswith("boto3 waits 60 s to connect unless told otherwise")


def test_a_read_timeout_the_inventory_function_can_outlast_fails_even_when_it_answers_in_time(
        cloud):
    """read_timeout=5 with botocore's default attempts gets the 4.5 s answer, but a
    reservation that takes 5.5 s (within the inventory's 6 s timeout) would be sent again."""
    report = pitfall03.exercise3.evaluate(
        lambda callee, own: Config(connect_timeout=0.5, read_timeout=5,
                                   retries={"total_max_attempts": 1}), cloud)
    assert [r.passed for r in report.results] == [True, True, False, False]
    assert report.results[2].detail == (
        "read_timeout=5 s: a reservation that takes longer (the inventory function may run "
        "up to its 6 s timeout) is given up while the inventory function still works")
    retried = pitfall03.exercise3.evaluate(
        lambda callee, own: Config(connect_timeout=0.5, read_timeout=5), cloud)
    assert not retried.results[2].passed
    assert retried.results[2].detail.endswith(
        "; and with more than one attempt botocore sends the order again, so the inventory "
        "function runs twice")
    assert checks.advised(retried, "`read_timeout` is how long the client waits")


ONE_ATTEMPT = {"mode": "standard", "total_max_attempts": 1}


def test_the_numbers_of_one_service_fail_for_other_callers(cloud):
    report = pitfall03.exercise3.evaluate(
        lambda callee, own: Config(connect_timeout=1, read_timeout=7, retries=ONE_ATTEMPT),
        cloud)
    assert [r.passed for r in report.results] == [True, True, True, False]
    assert report.results[3].detail.startswith(
        "for a callee timeout of 3 s and your own of 5 s, read_timeout=7 s: it must be above "
        "the callee's timeout")
    assert checks.advised(report, "Your function must work for any caller and callee")


def test_a_caller_without_room_must_be_refused_with_a_value_error(cloud):
    def never_refuses(callee, own):
        return Config(connect_timeout=1, read_timeout=(callee + own) / 2, retries=ONE_ATTEMPT)

    def refuses_otherwise(callee, own):
        if own <= callee:
            raise RuntimeError("no room")
        return never_refuses(callee, own)

    report = pitfall03.exercise3.evaluate(never_refuses, cloud)
    assert [r.passed for r in report.results] == [True, True, True, False]
    assert report.results[3].detail == ("for a callee timeout of 6 s and your own of 6 s no "
                                        "read timeout fits, yet your function returned a Config")
    assert checks.advised(report, "A caller whose timeout is not above its callee's")
    report = pitfall03.exercise3.evaluate(refuses_otherwise, cloud)
    assert report.results[3].detail == ("for a callee timeout of 6 s and your own of 6 s your "
                                        "function raised RuntimeError, not ValueError")


def test_retries_left_on_for_other_callers_are_named(cloud):
    def retrying(callee, own):  # one attempt only for the order service's own numbers
        retries = ONE_ATTEMPT if callee == 6 else None
        if own <= callee:
            raise ValueError("no room")
        return Config(connect_timeout=1, read_timeout=(callee + own) / 2, retries=retries)

    report = pitfall03.exercise3.evaluate(retrying, cloud)
    assert report.results[3].detail == ("for a callee timeout of 3 s and your own of 5 s, your "
                                        "client may send a call again: a retried call runs the "
                                        "callee twice")


@pytest.mark.parametrize("answer, summary", [
    (lambda callee, own: {"connect_timeout": 1}, "return a botocore.config.Config, not dict."),
    (lambda callee, own: 1 / 0,
     "your fail_fast_config(6, 8) raised ZeroDivisionError: division by zero"),
])
def test_a_config_that_is_not_one_is_reported_never_raised(cloud, answer, summary):
    report = pitfall03.exercise3.evaluate(answer, cloud)
    assert (report.verdict, report.summary) == (Verdict.FAIL, summary)


def test_a_crashing_make_reachable_is_reported_per_case(cloud, capsys):
    printed = checks.printed_check(pitfall03.exercise2, lambda ec2, network: network["no such key"],
                                   cloud, capsys)
    assert printed.startswith("Exercise 2 · make it reachable, without a NAT gateway: FAIL")
    assert "  ✗ your make_reachable(ec2, network) runs: your code raised KeyError: " \
           "'no such key'" in printed


def test_the_prediction_reads_what_happened(cloud):
    assert pitfall03.observed("Unhandled", {"errorType": "Sandbox.Timedout"}) == "timeout"
    assert pitfall03.observed("Unhandled", {"errorType": "ClientError"}) == "error"
    assert pitfall03.observed(None, {"status": "accepted"}) == "accepted"
    assert set(pitfall03.wrong_caller.choices) == {"accepted", "error", "timeout"}


def test_opening_the_order_services_own_group_to_anywhere_is_refused(cloud, solutions):
    def opened_wide(ec2, network):
        solutions.make_reachable(ec2, network)
        ec2.authorize_security_group_egress(
            GroupId=network["function_security_group_id"],
            IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])

    report = pitfall03.exercise2.evaluate(opened_wide, cloud)
    assert [r.passed for r in report.results] == [True, True, True, True, False]
    assert report.results[4].detail.startswith(
        "the order service's group now lets out every protocol to 0.0.0.0/0: the network "
        "team allows HTTPS to 10.30.0.0/16 and nowhere else.")
    assert checks.advised(report, "The order service's group is the network team's")
