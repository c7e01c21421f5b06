"""Notebook 03's prediction and exercises: a function in a VPC needs a route to Lambda's API.

- ``wrong_caller``: predict what the order service answers from isolated private subnets.
- ``exercise1``: which of five networks reach Lambda? The check builds each network,
  places the lab's fixed caller in it and invokes it; the cloud says why for each.
- ``exercise2``: make a fresh isolated network reach Lambda with boto3 EC2 calls, without
  a NAT gateway; the check then invokes the lab's order service, code unchanged.
- ``exercise3``: the botocore ``Config`` for a caller, from its own timeout and its
  callee's: the order service (timeout 8 s) reports an unreachable API itself within 2 s,
  and still waits for an inventory function that now takes 4.5 s (its timeout 6 s),
  without making it run twice; other pairs are read, and one without room is refused.
"""

from __future__ import annotations

import ipaddress
import json
import re
import textwrap
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from botocore.config import Config
from botocore.exceptions import ClientError

from lambdalab.packaging import zip_folder
from lambdalab.workshop.billing import report_value
from lambdalab.workshop.checks import (
    AnswerError,
    Case,
    Mistake,
    NotebookExercises,
    WrongAnswer,
    expect,
)
from lambdalab.workshop.detectors import failed, failed_with
from lambdalab.workshop.display import OUTPUT_WIDTH
from lambdalab.workshop.feedback import say
from lambdalab.workshop.functions import ensure_function, ensure_lab_function
from lambdalab.workshop.labs import lab_path
from lambdalab.workshop.responses import invoke_decoded
from lambdalab.workshop.texts import load_texts
from lambdalab.workshop.vpc import ANYWHERE, Network, https_from_cidr, put_vpc_function

LAB = "03_vpc_reachability"
T = load_texts("pitfall03")  # topics, hints, mistakes: texts/en/pitfall03.toml
EXERCISES = NotebookExercises("pitfall03", "notebooks/solutions/03_vpc_reachability.py", T)
ORDER = json.loads(lab_path(LAB, "events", "order.json").read_text())
RESOURCE_ID = re.compile(r"\b(vpc|subnet|rtb|igw|nat|sg|vpce|eipalloc|pl)-[0-9a-f]{8,17}"
                         r"(-[a-z0-9]{8}(?=[.-]))?")

# --- the prediction ----------------------------------------------------------------------

wrong_caller = EXERCISES.prediction(
    "wrong_caller",
    question="What does the order service answer from its isolated private subnets?",
    choices={
        "accepted": "the order service got its reservation: the inventory function ran and "
                    "answered, as it would from outside a VPC.",
        "error": "`invoke()` raised at once (a refused connection, access denied), and the "
                 "order service failed with that error within milliseconds.",
        "timeout": "nothing answered the call: the order service waited until Lambda ended "
                   "it at its 5 s timeout.",
    },
    why="Every SDK call, also one to a function of the same account, goes to Lambda's public "
        "endpoint `lambda.ap-northeast-1.amazonaws.com`. From a subnet with neither a NAT "
        "gateway nor an interface endpoint for Lambda, nothing answers, and nothing refuses "
        "either: boto3 waits up to 60 s to connect, then retries, so the function's own 5 s "
        "timeout ends it first (`Sandbox.Timedout`). The inventory function never ran.")


def observed(function_error: str | None, payload: Any) -> str:
    """What the wrong caller's response shows, in the prediction's words."""
    if not function_error:
        return "accepted" if isinstance(payload, dict) and payload.get(
            "status") == "accepted" else "error"
    error_type = payload.get("errorType") if isinstance(payload, dict) else None
    return "timeout" if error_type == "Sandbox.Timedout" else "error"


# --- what the checks deploy ----------------------------------------------------------------

INVENTORY = "ex03-inventory"  # the lab's inventory function, outside any VPC
SLOW_INVENTORY = "ex03-slow-inventory"  # answers after 4.5 s; its timeout is 6 s
SLOW_TIMEOUT, CONFIG_CALLER_TIMEOUT = 6, 8
SLOW_SOURCE = ("import time\n\n\ndef handler(event, context):\n    time.sleep(4.5)\n"
               "    return {'order_id': event.get('order_id'), 'reserved': event.get('items')}\n")


def prepare_inventory(cloud: Any) -> Any:
    """Deploy the inventory functions the checks call (once per cloud); a Lambda client."""
    ensure_lab_function(cloud, INVENTORY, LAB, "invoked", "app.handler", timeout=3)
    ensure_function(cloud, SLOW_INVENTORY, SLOW_SOURCE, Timeout=SLOW_TIMEOUT)
    return cloud.client("lambda")


def caller_package(replacing: dict[str, str] | None = None) -> bytes:
    """The lab's caller folder, zipped (with a file replaced, for a learner's version)."""
    return zip_folder(lab_path(LAB, "caller"), replacing=replacing)


def masked(text: str) -> str:
    """``text`` with resource ids shortened (``subnet-…``): they change from run to run."""
    return RESOURCE_ID.sub(lambda m: f"{m.group(1)}-…", text)


def call_order_service(lam: Any, function_name: str, order: Any = None) -> Any:
    """Invoke an order service; print one line (its answer or its error, and how long it
    took) and return the decoded answer."""
    started = time.monotonic()
    error, result = _invoke(lam, function_name, order)
    seconds = time.monotonic() - started
    if error:
        summary = f"failed: {result.get('errorType') if isinstance(result, dict) else error}"
    else:
        reserved = (result.get("reservation") or {}).get("reserved") or []
        summary = f"{result.get('status')}, {len(reserved)} items reserved"
    say(f"{function_name:22} {summary} ({seconds:.2f} s)")
    return result


URL = re.compile(r"https?://[^\s\"']+")


def show_error(result: Any) -> None:
    """Print a function's error document readably: its type and message wrapped to the
    notebook's width, and a URL in the message on lines of its own (host, then path)."""
    if not isinstance(result, dict):
        say(result)
        return
    message = str(result.get("errorMessage", ""))
    urls = URL.findall(message)
    text = URL.sub("<the URL below>", message)
    for line in textwrap.wrap(f"{result.get('errorType')}: {text}", width=OUTPUT_WIDTH,
                              subsequent_indent="  ", break_long_words=False,
                              break_on_hyphens=False):
        say(line)
    for url in urls:
        parts = urlsplit(url)
        say(f"  URL: {parts.scheme}://{parts.netloc}")
        say(f"       {parts.path}")


def _invoke(lam: Any, name: str, order: Any = None) -> tuple[str | None, Any]:
    """Invoke an order service with ``order``, by default the lab's own."""
    return invoke_decoded(lam, name, order or ORDER)


def _reason(cloud: Any, function_name: str) -> str:
    explanation = cloud.explain_reachability(function_name)
    first = next(iter(explanation.by_subnet.values()), None)
    return masked(first.reason if first else explanation.reason)


# --- exercise 1: which networks reach Lambda? ----------------------------------------------

NETWORKS = {
    1: "a NAT gateway in a public subnet, the function's subnet routed to it",
    2: "a NAT gateway in the function's own subnet, which routes 0.0.0.0/0 to it",
    3: "a Lambda endpoint with private DNS, created without a security group",
    4: "a Lambda endpoint with private DNS, its group open to TCP 443 from 10.0.0.0/16",
    5: "gateway endpoints for S3 and DynamoDB in the function's route table",
}


def build_network(ec2: Any, number: int) -> tuple[list[str], list[str]]:
    """Network ``number`` of exercise 1: (the function's subnets, its security groups).

    In each, the function sits in subnet 10.0.1.0/24 with a group that lets HTTPS out to
    anywhere; the VPC has DNS support and DNS hostnames on.
    """
    net = Network(ec2)
    subnet, table = net.subnet("10.0.1.0/24", "a")
    group = net.security_group("order-service", egress=[https_from_cidr(ANYWHERE)])
    if number == 1:
        public, _ = net.public_subnet("10.0.0.0/24", "a")
        net.route_to_nat(table, net.nat_gateway(public))
    elif number == 2:
        net.internet_gateway()
        net.route_to_nat(table, net.nat_gateway(subnet))
    elif number == 3:
        net.interface_endpoint("lambda", [subnet])
    elif number == 4:
        endpoint_group = net.security_group("lambda-endpoint",
                                            ingress=[https_from_cidr("10.0.0.0/16")])
        net.interface_endpoint("lambda", [subnet], groups=[endpoint_group])
    else:
        net.gateway_endpoint("s3", [table])
        net.gateway_endpoint("dynamodb", [table])
    return [subnet], [group]


def network_caller(number: int) -> str:
    return f"ex03-network-{number}"


def prepare_networks(cloud: Any) -> dict[int, tuple[bool, str]]:
    """Build the five networks with the lab's fixed caller in each (once per cloud), invoke
    the five callers at once; per network: (did the call get through, the cloud's reason)."""
    lam = prepare_inventory(cloud)
    ec2 = cloud.client("ec2")
    for number in NETWORKS:
        try:
            lam.get_function(FunctionName=network_caller(number))
        except ClientError:
            subnets, groups = build_network(ec2, number)
            put_vpc_function(cloud, network_caller(number), caller_package(),
                             "app.handler_fixed", subnets=subnets, groups=groups,
                             environment={"INVENTORY_FUNCTION_NAME": INVENTORY})

    def outcome(number: int) -> tuple[bool, str]:
        error, _ = _invoke(lam, network_caller(number))
        return not error, _reason(cloud, network_caller(number))

    with ThreadPoolExecutor(max_workers=len(NETWORKS)) as pool:
        return dict(zip(NETWORKS, pool.map(outcome, NETWORKS), strict=True))


def your_predictions(cloud: Any, answer: Any) -> dict[int, bool]:
    """The learner's answer as {network: True/False}, or AnswerError saying what to write."""
    shape = "a dict {1: True or False, 2: ..., 3: ..., 4: ..., 5: ...}"
    if not isinstance(answer, dict):
        raise AnswerError(f"answer {shape}, not {type(answer).__name__}.")
    predictions = {}
    for key, value in answer.items():
        number = int(key) if isinstance(key, int | str) and str(key).isdigit() else None
        if number not in NETWORKS:
            raise AnswerError(f"{key!r} is not a network number: answer {shape}.")
        if value is ... or value is None:
            raise NotImplementedError(f"replace the `...` of network {number} with True or "
                                      "False, then run the cell.")
        if not isinstance(value, bool):
            raise AnswerError(f"network {number}: answer True or False, not {value!r}.")
        predictions[number] = value
    missing = [str(n) for n in NETWORKS if n not in predictions]
    if missing:
        raise AnswerError(f"say True or False for network {', '.join(missing)} too.")
    return predictions


def network_cases(cloud: Any) -> list[Case]:
    outcomes = prepare_networks(cloud)

    def judge(number: int) -> Callable[[dict[int, bool]], str]:
        reached, reason = outcomes[number]

        def run(predictions: dict[int, bool]) -> str:
            what = ("the order service got its answer" if reached else
                    "the order service failed with LambdaApiUnreachable")
            if predictions[number] != reached:
                claim = "reaches" if predictions[number] else "does not reach"
                raise WrongAnswer(f"you said it {claim} Lambda; {what}: {reason}")
            return f"{'reaches Lambda' if reached else 'no way to Lambda'}: {reason}"
        return run

    return [Case(f"network {number}, {description}", judge(number))
            for number, description in NETWORKS.items()]


exercise1 = EXERCISES.exercise(1, network_cases, answer=your_predictions, mistakes=[
    Mistake(T.mistake("nat_in_private_subnet"), failed("network 2")),
    Mistake(T.mistake("endpoint_with_default_group"), failed("network 3")),
    Mistake(T.mistake("gateway_endpoint_for_lambda"), failed("network 5"))])


# --- exercise 2: make it reachable without a NAT gateway -----------------------------------

YOUR_NETWORK_CALLER = "ex03-your-network"
VPC_RANGE = "10.30.0.0/16"  # exercise 2's VPC; the order service may send HTTPS there only


@dataclass
class YourNetwork:
    """A fresh isolated network with the lab's order service in it, and the learner's code."""

    cloud: Any
    make_reachable: Callable[[Any, dict[str, Any]], Any]
    network: dict[str, Any]
    ran: list[bool] = field(default_factory=list)


def prepare_your_network(cloud: Any, make_reachable: Any) -> YourNetwork:
    """Build the network of exercise 2 and put the lab's order service, unchanged, in it.

    Like any new VPC, this one has DNS hostnames off; the order service's group lets HTTPS
    out only to the VPC's own addresses, as the network team wants.
    """
    if not callable(make_reachable):
        raise AnswerError(f"pass your function make_reachable, not "
                          f"{type(make_reachable).__name__}.")
    prepare_inventory(cloud)
    net = Network(cloud.client("ec2"), VPC_RANGE, dns_hostnames=False)
    public, _ = net.public_subnet("10.30.0.0/24", "a")
    private_a, table_a = net.subnet("10.30.1.0/24", "a")
    private_c, table_c = net.subnet("10.30.2.0/24", "c")
    group = net.security_group("order-service", egress=[https_from_cidr(VPC_RANGE)])
    put_vpc_function(cloud, YOUR_NETWORK_CALLER, caller_package(), "app.handler_wrong",
                     subnets=[private_a, private_c], groups=[group], timeout=3,
                     environment={"INVENTORY_FUNCTION_NAME": INVENTORY})
    return YourNetwork(cloud, make_reachable, {
        "vpc_id": net.vpc_id, "private_subnet_ids": [private_a, private_c],
        "private_route_table_ids": [table_a, table_c], "public_subnet_id": public,
        "function_security_group_id": group})


def your_network_cases(cloud: Any) -> list[Case]:
    lam = cloud.client("lambda")

    def runs(attempt: YourNetwork) -> str:
        attempt.make_reachable(cloud.client("ec2"), dict(attempt.network))
        attempt.ran.append(True)
        return "it ran without an error"

    def order_service_answers(attempt: YourNetwork) -> str:
        error, result = _invoke(lam, YOUR_NETWORK_CALLER)
        if error:
            kind = result.get("errorType") if isinstance(result, dict) else result
            raise WrongAnswer(f"the order service failed ({kind}): "
                              f"{_reason(cloud, YOUR_NETWORK_CALLER)}")
        return "it answered 'accepted'"

    def every_subnet(attempt: YourNetwork) -> str:
        explanation = cloud.explain_reachability(YOUR_NETWORK_CALLER)
        blocked = [(subnet, v.reason) for subnet, v in explanation.by_subnet.items()
                   if not v.reachable]
        if blocked:
            raise WrongAnswer(masked(f"from {blocked[0][0]}: {blocked[0][1]}"))
        return masked(next(iter(explanation.by_subnet.values())).reason)

    def no_nat_gateway(attempt: YourNetwork) -> str:
        nats = [n["NatGatewayId"] for n in cloud.client("ec2").describe_nat_gateways(Filters=[
            {"Name": "vpc-id", "Values": [attempt.network["vpc_id"]]}])["NatGateways"]
            if n["State"] in ("pending", "available")]
        if nats:
            raise WrongAnswer("the VPC has a NAT gateway: it works (given an egress rule to "
                              "0.0.0.0/0), but it is billed by the hour and opens the whole "
                              "internet. Find the private way")
        return "none"

    def egress_kept(attempt: YourNetwork) -> str:
        [group] = cloud.client("ec2").describe_security_groups(
            GroupIds=[attempt.network["function_security_group_id"]])["SecurityGroups"]
        wider = [rule for rule in group["IpPermissionsEgress"] if not _inside(rule, VPC_RANGE)]
        if wider:
            raise WrongAnswer(f"the order service's group now lets out "
                              f"{_egress_described(wider[0])}: the network team allows "
                              f"HTTPS to {VPC_RANGE} and nowhere else. Open the endpoint's "
                              "side instead")
        return f"HTTPS to {VPC_RANGE} only, as the network team wants"

    return [Case("your make_reachable(ec2, network) runs", runs),
            Case("the lab's order service, code unchanged, invoked in that network",
                 order_service_answers),
            Case("every private subnet of the order service has the way (the cloud's verdict)",
                 every_subnet),
            Case("no NAT gateway in the VPC", no_nat_gateway),
            Case("the order service's security group still lets out only HTTPS to the VPC",
                 egress_kept)]


def _inside(rule: dict[str, Any], vpc_range: str) -> bool:
    """Whether an egress rule allows no more than TCP 443 to addresses of the VPC (groups
    of the VPC included)."""
    if (rule.get("IpProtocol"), rule.get("FromPort"), rule.get("ToPort")) != ("tcp", 443, 443):
        return False
    if rule.get("Ipv6Ranges") or rule.get("PrefixListIds"):
        return False
    network = ipaddress.IPv4Network(vpc_range)
    return all(ipaddress.IPv4Network(r["CidrIp"]).subnet_of(network)
               for r in rule.get("IpRanges", []))


def _egress_described(rule: dict[str, Any]) -> str:
    protocol = "every protocol" if rule.get("IpProtocol") == "-1" else (
        f"{rule.get('IpProtocol')} {rule.get('FromPort')}"
        + ("" if rule.get("FromPort") == rule.get("ToPort") else f"-{rule.get('ToPort')}"))
    where = [r["CidrIp"] for r in rule.get("IpRanges", [])] + [
        r["CidrIpv6"] for r in rule.get("Ipv6Ranges", [])] + [
        p["PrefixListId"] for p in rule.get("PrefixListIds", [])]
    return f"{protocol} to {', '.join(where) or 'its groups'}"


exercise2 = EXERCISES.exercise(2, your_network_cases, answer=prepare_your_network, mistakes=[
    Mistake(T.mistake("dns_hostnames_off"), failed_with("InvalidParameter", "DNS")),
    Mistake(T.mistake("private_dns_off"), failed_with("private DNS off")),
    Mistake(T.mistake("endpoint_group_closed"), failed_with("allow no inbound TCP 443")),
    Mistake(T.mistake("nat_gateway_used"), failed("no NAT gateway")),
    Mistake(T.mistake("caller_group_opened"), failed("the order service's security group"))])


# --- exercise 3: fail fast, but not too fast -----------------------------------------------

CONFIG_CALLERS = {"isolated": "ex03-your-config-isolated",
                  "endpoint": "ex03-your-config-endpoint"}
CONFIG_NETWORKS = {"isolated": 5, "endpoint": 4}  # exercise 1's networks
REPORTED_WITHIN_MS = 2000


OTHER_TIMEOUTS = [(3, 5), (10, 15), (0.5, 2)]  # (callee's timeout, caller's own), seconds
NO_ROOM = [(6, 6), (9, 6)]  # no read timeout fits between them


def _config_for(rule: Callable[..., Any], callee: float, own: float) -> Config:
    """What the learner's rule gives for one pair of timeouts; AnswerError when it gives
    no Config (NotImplementedError passes: the placeholder)."""
    try:
        config = rule(callee, own)
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - the learner's code: say what it raised
        raise AnswerError(f"your fail_fast_config({callee:g}, {own:g}) raised "
                          f"{type(error).__name__}: {error}") from None
    if not isinstance(config, Config):
        raise AnswerError(f"return a botocore.config.Config, not {type(config).__name__}.")
    return config


def your_config_options(fail_fast_config: Callable[..., Any]) -> dict[str, Any]:
    """The options the learner's Config for the order service (the inventory's 6 s, its
    own 8 s) was given, as a Python literal can hold them."""
    if not callable(fail_fast_config):
        raise AnswerError("pass your function fail_fast_config, not "
                          f"{type(fail_fast_config).__name__}.")
    config = _config_for(fail_fast_config, SLOW_TIMEOUT, CONFIG_CALLER_TIMEOUT)
    options = dict(vars(config)["_user_provided_options"])  # what the learner passed
    try:
        json.dumps(options)
    except TypeError:
        raise AnswerError("use plain numbers, strings and dicts in your Config.") from None
    return options


@dataclass
class YourConfig:
    """The two callers deployed with the learner's Config, the options it was given, and
    the learner's function, for other timeouts."""

    callers: dict[str, str]
    options: dict[str, Any]
    rule: Callable[..., Any]


def deploy_your_config(cloud: Any, fail_fast_config: Any) -> YourConfig:
    """The lab's fixed caller with the learner's Config in ``vpc_client.py``, twice: in an
    isolated subnet, and behind a Lambda endpoint calling an inventory that takes 4.5 s."""
    options = your_config_options(fail_fast_config)
    lam = prepare_inventory(cloud)
    client_module = lab_path(LAB, "caller", "vpc_client.py").read_text() + (
        f"\n\nFAIL_FAST = Config(**{options!r})  # the learner's\n")
    package = caller_package({"vpc_client.py": client_module})
    for kind, name in CONFIG_CALLERS.items():
        try:
            vpc = lam.get_function_configuration(FunctionName=name)["VpcConfig"]
            subnets, groups = vpc["SubnetIds"], vpc["SecurityGroupIds"]
        except ClientError:
            subnets, groups = build_network(cloud.client("ec2"), CONFIG_NETWORKS[kind])
        callee = INVENTORY if kind == "isolated" else SLOW_INVENTORY
        put_vpc_function(cloud, name, package, "app.handler_fixed", subnets=subnets,
                         groups=groups, environment={"INVENTORY_FUNCTION_NAME": callee},
                         timeout=CONFIG_CALLER_TIMEOUT)
    return YourConfig(dict(CONFIG_CALLERS), options, fail_fast_config)


def _runs_since(cloud: Any, function_name: str, before: int) -> int:
    """How many invocations of the function ran since it had ``before`` records, once the
    ones still running (a caller that gave up reading does not stop them) have ended."""
    deadline = time.monotonic() + SLOW_TIMEOUT + 1
    while cloud.concurrency_in_use(function_name) and time.monotonic() < deadline:
        time.sleep(0.1)
    return len(cloud.invocations(function_name)) - before


def _handler_duration_ms(cloud: Any, function_name: str) -> float:
    """The Duration of the function's last REPORT line (the handler's time, init aside)."""
    report = [line for line in cloud.logs(function_name) if line.startswith("REPORT")][-1]
    return report_value(report, "Duration")


def your_config_cases(cloud: Any) -> list[Case]:
    lam = cloud.client("lambda")

    def isolated(attempt: YourConfig) -> str:
        callers = attempt.callers
        error, result = _invoke(lam, callers["isolated"])
        error_type = result.get("errorType") if isinstance(result, dict) else None
        if not error:
            raise WrongAnswer(f"the order service answered {result!r} from an isolated "
                              "subnet")
        if error_type == "Sandbox.Timedout":
            raise WrongAnswer("the order service was still waiting when Lambda ended it at "
                              "its 8 s timeout (Sandbox.Timedout): its log says nothing "
                              "about why")
        if error_type != "LambdaApiUnreachable":
            raise WrongAnswer(f"the order service failed with {error_type}: "
                              f"{result.get('errorMessage', '')[:160]}")
        if _handler_duration_ms(cloud, callers["isolated"]) > REPORTED_WITHIN_MS:
            raise WrongAnswer("it reported LambdaApiUnreachable itself, but after more than "
                              "2 s: every attempt waits connect_timeout again")
        return "it failed by itself with LambdaApiUnreachable, within 2 s"

    def slow_callee(attempt: YourConfig) -> str:
        before = len(cloud.invocations(SLOW_INVENTORY))
        error, result = _invoke(lam, attempt.callers["endpoint"])
        runs = _runs_since(cloud, SLOW_INVENTORY, before)
        twice = (f"; and botocore retried, so the inventory function ran {runs} times for "
                 "one order") if runs > 1 else ""
        if error:
            message = result.get("errorMessage", "") if isinstance(result, dict) else ""
            if "Read timeout" in message:
                raise WrongAnswer("the order service stopped waiting for the answer "
                                  "(ReadTimeoutError) while the inventory function was "
                                  f"still working{twice}")
            kind = result.get("errorType") if isinstance(result, dict) else result
            raise WrongAnswer(f"the order service failed with {kind}{twice}")
        if runs > 1:
            raise WrongAnswer(f"it answered, but the inventory function ran {runs} times "
                              "for one order: botocore retried a call that had reached it")
        return "it waited for the answer: 'accepted', and the inventory function ran once"

    def outlasts_the_callee(attempt: YourConfig) -> str:
        options = attempt.options
        read_timeout = options.get("read_timeout", DEFAULT_READ_TIMEOUT)
        if read_timeout <= SLOW_TIMEOUT:
            again = ("; and with more than one attempt botocore sends the order again, so the "
                     "inventory function runs twice") if attempts_of(options) != 1 else ""
            raise WrongAnswer(
                f"read_timeout={read_timeout:g} s: a reservation that takes longer (the "
                f"inventory function may run up to its {SLOW_TIMEOUT} s timeout) is given up "
                f"while the inventory function still works{again}")
        return f"read_timeout={read_timeout:g} s, beyond the inventory's {SLOW_TIMEOUT} s timeout"

    def other_timeouts(attempt: YourConfig) -> str:
        for callee, own in OTHER_TIMEOUTS:
            options = vars(_config_for(attempt.rule, callee, own))["_user_provided_options"]
            pair = f"for a callee timeout of {callee:g} s and your own of {own:g} s"
            read = options.get("read_timeout", DEFAULT_READ_TIMEOUT)
            expect(callee < read < own,
                   f"{pair}, read_timeout={read:g} s: it must be above the callee's timeout "
                   "(or the caller gives up on a call that still runs) and below your own "
                   "(or Lambda ends the caller before its client reports)")
            expect(attempts_of(options) == 1, f"{pair}, your client may send a call again: "
                                              "a retried call runs the callee twice")
            connect = options.get("connect_timeout", DEFAULT_CONNECT_TIMEOUT)
            expect(connect <= 1, f"{pair}, connect_timeout={connect:g} s: an unreachable "
                                 "endpoint is found late")
        for callee, own in NO_ROOM:
            try:
                attempt.rule(callee, own)
            except ValueError:
                continue
            except Exception as error:  # noqa: BLE001 - the learner's code: say what it raised
                raise WrongAnswer(f"for a callee timeout of {callee:g} s and your own of "
                                  f"{own:g} s your function raised {type(error).__name__}, "
                                  "not ValueError") from None
            raise WrongAnswer(f"for a callee timeout of {callee:g} s and your own of {own:g} "
                              "s no read timeout fits, yet your function returned a Config")
        pairs = ", ".join(f"({c:g}, {o:g})" for c, o in OTHER_TIMEOUTS)
        return f"right for {pairs}; ValueError where nothing fits"

    return [Case("the order service in an isolated subnet", isolated),
            Case("the order service behind a Lambda endpoint; the inventory function takes "
                 "4.5 s to answer", slow_callee),
            Case(f"an inventory call that takes up to the inventory's whole {SLOW_TIMEOUT} s "
                 "timeout (your Config, read)", outlasts_the_callee),
            Case("other callers: your function for other timeouts", other_timeouts)]


DEFAULT_READ_TIMEOUT = DEFAULT_CONNECT_TIMEOUT = 60  # botocore's, in seconds


def attempts_of(options: dict[str, Any]) -> int | None:
    """How many attempts a Config's retries make, when it says (None: botocore's default
    for the mode in use, more than one in every mode)."""
    retries = options.get("retries") or {}
    if "total_max_attempts" in retries:
        return int(retries["total_max_attempts"])
    if "max_attempts" in retries:  # retries after the first attempt
        return int(retries["max_attempts"]) + 1
    return None


exercise3 = EXERCISES.exercise(3, your_config_cases, answer=deploy_your_config, mistakes=[
    Mistake(T.mistake("connect_timeout_left_at_60s"), failed_with("Sandbox.Timedout")),
    Mistake(T.mistake("attempts_repeat_connect_timeout"), failed_with("more than 2 s")),
    Mistake(T.mistake("read_timeout_too_short"),
            lambda attempt: attempt.failed_with("ReadTimeoutError")
            or attempt.failed_with("ran ", "times")
            or attempt.failed("an inventory call that takes up to")),
    Mistake(T.mistake("no_room_not_refused"), failed_with("no read timeout fits")),
    Mistake(T.mistake("numbers_of_one_service"), failed_with("it must be above the callee's"))])
