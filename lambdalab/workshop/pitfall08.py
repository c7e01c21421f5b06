"""Notebook 08's prediction and exercises: the caller's role may not invoke the callee.

- ``bare_role``: predict what a checkout whose role grants nothing gets back, and what its
  log group holds.
- ``exercise1``: read AccessDenied messages of five services (who asked, for which action,
  on which resource, refused by a Deny or by no Allow), worded by the cloud as each
  service words them.
- ``exercise2``: write the least-privilege policy for a call graph; the check evaluates it
  with the cloud's own IAM evaluation, on the calls the graph makes and on calls it does
  not make.
- ``exercise3``: fix the lab's template: write the bare role's ``Policies:``; the check
  deploys lab 08 with them, sends the checkout an order, reads its log group, and
  evaluates the deployed policies on calls the checkout never makes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lambdalab.access.authorization import Denial, evaluate
from lambdalab.workshop.checks import (
    AnswerError,
    Case,
    Mistake,
    NotebookExercises,
    WrongAnswer,
    expect,
)
from lambdalab.workshop.fix_template import LabTemplateEdit
from lambdalab.workshop.labs import lab_path
from lambdalab.workshop.responses import error_summary, invoke_decoded
from lambdalab.workshop.texts import load_texts

T = load_texts("pitfall08")  # topics, hints, mistakes: texts/en/pitfall08.toml
EXERCISES = NotebookExercises("pitfall08", "notebooks/solutions/08_access_denied.py", T)
REGION, ACCOUNT = "ap-northeast-1", "123456789012"

# --- the prediction ----------------------------------------------------------------------

bare_role = EXERCISES.prediction(
    "bare_role",
    question="What does the checkout whose role grants nothing get back, and what does its "
             "log group hold?",
    choices={
        "priced": "the checkout's role allows nothing, and a function calls AWS as its role: "
                  "Lambda refused the invoke before anything ran.",
        "error with a log": "the error came back, but nothing was written: Lambda writes a "
                            "function's logs as its role too, and this role may not.",
        "error, no log": "IAM refused the invoke (AccessDeniedException), the checkout raised, "
                         "and Lambda could not write its log: the role may not do that either.",
        "timeout": "nothing waited: IAM answers at once, before the pricing function is even "
                   "looked up.",
    },
    why="A function calls AWS with its role's credentials, a session named after the "
        "function. A role with no policy is allowed nothing: the invoke is implicitly "
        "denied, and Lambda's own calls to CloudWatch Logs, made as the same role, are too.")



def outcome(response: dict[str, Any], log_lines: list[str]) -> str:
    """The prediction's answer, from the checkout's response and its log group's lines."""
    if "FunctionError" not in response:
        return "priced"
    return "error with a log" if log_lines else "error, no log"


# --- exercise 1: read an AccessDenied message ------------------------------------------------

FIELDS = ("role", "function", "action", "resource", "refused_by")
MESSAGES = [  # (service, role, function, action, resource, explicit deny?)
    ("dynamodb", "orders-role", "save-order", "dynamodb:PutItem",
     f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders", False),
    ("sqs", "shipping-role", "ship-order", "sqs:SendMessage",
     f"arn:aws:sqs:{REGION}:{ACCOUNT}:shipping-failures", False),
    ("s3", "invoice-role", "render-invoice", "s3:GetObject",
     "arn:aws:s3:::invoices/2026/12/A-2001.pdf", False),
    ("sns", "notify-role", "notify-customer", "sns:Publish",
     f"arn:aws:sns:{REGION}:{ACCOUNT}:order-events", False),
    ("lambda", "refund-role", "approve-refund", "lambda:InvokeFunction",
     f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:refunds:live", True),
]


def message_of(service: str, role: str, function: str, action: str, resource: str,
               explicit: bool) -> str:
    """The message the cloud gives, as the service words it."""
    principal = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{function}"
    return Denial(principal, action, resource, explicit, service).message


def diagnosis_cases(cloud: Any) -> list[Case]:
    def read(service: str, role: str, function: str, action: str, resource: str,
             explicit: bool) -> Callable[[Callable[[str], Any]], str]:
        expected = {"role": role, "function": function, "action": action.lower(),
                    "resource": resource,
                    "refused_by": "explicit deny" if explicit else "no allow"}

        def run(diagnose: Callable[[str], Any]) -> str:
            answer = diagnose(message_of(service, role, function, action, resource, explicit))
            expect(isinstance(answer, dict), f"answer a dict with {', '.join(FIELDS)}; got "
                                             f"{type(answer).__name__}")
            for field in FIELDS:
                given = answer.get(field)
                if field == "action" and isinstance(given, str):
                    given = given.lower()  # IAM compares actions without regard to case
                if given != expected[field]:
                    raise WrongAnswer(f"{field}: you answered {answer.get(field)!r}, it is "
                                      f"{expected[field]!r}")
            return f"{role} / {function}: {action} refused ({expected['refused_by']})"
        return run

    return [Case(f"{service}: {action} on {resource.rsplit(':', 1)[-1]}"
                 + (" (explicit deny)" if explicit else ""),
                 read(service, role, function, action, resource, explicit))
            for service, role, function, action, resource, explicit in MESSAGES]


exercise1 = EXERCISES.exercise(1, diagnosis_cases, needs_cloud=False, mistakes=[
    Mistake(T.mistake("quotes_kept"),
            lambda attempt: attempt.failed_with("resource: you answered '\"arn:aws:s3")),
    Mistake(T.mistake("session_as_role"),
            lambda attempt: attempt.failed_with("role: you answered", "/"))])

# --- exercise 2: least privilege for a call graph ------------------------------------------

ARN = f"arn:aws:{{}}:{REGION}:{ACCOUNT}:"
FUNCTION = ARN.format("lambda") + "function:"
LOGS = ARN.format("logs") + "log-group:/aws/lambda/"
STREAM = "2026/12/07/[$LATEST]0123456789abcdef0123456789abcdef"
MAY = [  # (what the call is, action, resource)
    ("invoke rates", "lambda:InvokeFunction", FUNCTION + "rates"),
    ("invoke labels through its alias prod", "lambda:InvokeFunction", FUNCTION + "labels:prod"),
    ("send to the queue shipping-failures", "sqs:SendMessage",
     ARN.format("sqs") + "shipping-failures"),
    ("create its log stream", "logs:CreateLogStream", f"{LOGS}shipping:log-stream:{STREAM}"),
    ("write its log events", "logs:PutLogEvents", f"{LOGS}shipping:log-stream:{STREAM}"),
]
MAY_NOT = [
    ("invoke labels unqualified", "lambda:InvokeFunction", FUNCTION + "labels"),
    ("invoke labels through its alias dev", "lambda:InvokeFunction", FUNCTION + "labels:dev"),
    ("invoke rates-admin", "lambda:InvokeFunction", FUNCTION + "rates-admin"),
    ("delete the function rates", "lambda:DeleteFunction", FUNCTION + "rates"),
    ("send to the queue refunds", "sqs:SendMessage", ARN.format("sqs") + "refunds"),
    ("write the log of refunds", "logs:PutLogEvents", f"{LOGS}refunds:log-stream:{STREAM}"),
]


def policy_cases(cloud: Any) -> list[Case]:
    def verdict(policy_for: Callable[[str, str], Any], action: str, resource: str) -> str:
        document = policy_for(REGION, ACCOUNT)
        expect(isinstance(document, dict) and "Statement" in document,
               "answer a policy document: a dict with \"Version\" and \"Statement\"")
        return evaluate(document, action, resource)

    def allowed(action: str, resource: str) -> Callable[[Any], str]:
        def run(policy_for: Any) -> str:
            found = verdict(policy_for, action, resource)
            expect(found == "Allow", f"your policy does not allow {action} on {resource} "
                                     f"({found}): shipping's call fails with "
                                     "AccessDeniedException")
            return "allowed"
        return run

    def refused(action: str, resource: str) -> Callable[[Any], str]:
        def run(policy_for: Any) -> str:
            found = verdict(policy_for, action, resource)
            expect(found != "Allow", f"your policy allows {action} on {resource}, which "
                                     "shipping never calls: more than least privilege")
            return "refused"
        return run

    return ([Case(f"may {what}", allowed(action, resource)) for what, action, resource in MAY]
            + [Case(f"may not {what}", refused(action, resource))
               for what, action, resource in MAY_NOT])


WILDCARD = re.compile(r"""["']Resource["']\s*:\s*\[?\s*["']\*["']""")

exercise2 = EXERCISES.exercise(2, policy_cases, needs_cloud=False, mistakes=[
    Mistake(T.mistake("wildcard_resource"), lambda attempt: bool(WILDCARD.search(
        attempt.source))),
    Mistake(T.mistake("prefix_wildcard"),
            lambda attempt: attempt.mentions("labels*") or attempt.mentions("labels:*")),
    Mistake(T.mistake("unqualified_for_alias"),
            lambda attempt: attempt.failed("may invoke labels through its alias prod")
            and not attempt.mentions("labels:prod"))])

# --- exercise 3: fix the lab's template ----------------------------------------------------

LAB = "08_access_denied"
BARE_ROLE = LabTemplateEdit(LAB, "BareRole", "Policies", start="""
- PolicyName: checkout-calls-pricing
  PolicyDocument:
    Version: "2012-10-17"
    Statement: []  # your statements here
""")
YOUR_STACK = "ex8"  # the lab deployed again, as a second stack of the same account would be
NOTEBOOK_STACK = "pitfall8"
ORDER = json.loads(lab_path(LAB, "events", "order.json").read_text())
CIRCULAR = T.mistake("circular")  # said with CloudFormation's refusal of the template


@dataclass(frozen=True)
class Deployed:
    """The lab deployed with the learner's policies: what the cases look at."""

    policies: Any  # as CloudFormation read the learner's text (comments gone)
    documents: list[Any]  # the bare role's policy documents as IAM holds them, resolved
    stack: str
    region: str
    account: str

    def name(self, suffix: str) -> str:
        return f"{self.stack}-{suffix}"

    def arn(self, service: str, rest: str) -> str:
        """``rest`` with ``{stack}`` (this deployment) and ``{notebook}`` (the notebook's)
        filled in, as an ARN of this account and region."""
        return (f"arn:aws:{service}:{self.region}:{self.account}:"
                + rest.format(stack=self.stack, notebook=NOTEBOOK_STACK))


def deploy_your_policies(cloud: Any, text: Any) -> Deployed:
    """Deploy lab 08 with the learner's Policies for the bare role, as stack ``ex8``."""
    policies = BARE_ROLE.value(text)
    if isinstance(policies, dict) and set(policies) == {"Policies"}:
        raise AnswerError("write the list that goes under `Policies:`, without the key itself: "
                          "every item starts with `- PolicyName:`.")
    if not (isinstance(policies, list) and policies and all(
            isinstance(p, dict) and {"PolicyName", "PolicyDocument"} <= set(p)
            for p in policies)):
        raise AnswerError("Policies is a list of policies, each with a PolicyName and a "
                          "PolicyDocument: every item starts with `- PolicyName:`.")
    try:
        BARE_ROLE.deploy(cloud, policies, YOUR_STACK)
    except AnswerError as refused:
        if "Circular dependency" in str(refused):  # the named mistake first: the room counts it
            raise AnswerError(f"{CIRCULAR} CloudFormation: {refused}") from None
        raise
    iam, role = cloud.client("iam"), f"{YOUR_STACK}-bare-role"
    documents = [iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
                 for name in iam.list_role_policies(RoleName=role)["PolicyNames"]]
    return Deployed(policies, documents, YOUR_STACK, cloud.region, cloud.account_id)


NEVER = [  # (the call the checkout never makes, action, service, resource)
    ("invoke pricing unqualified", "lambda:InvokeFunction", "lambda", "function:{stack}-pricing"),
    ("invoke pricing's version 1", "lambda:InvokeFunction", "lambda",
     "function:{stack}-pricing:1"),
    ("invoke the other checkout", "lambda:InvokeFunction", "lambda",
     "function:{stack}-checkout-fixed"),
    ("change pricing's code", "lambda:UpdateFunctionCode", "lambda", "function:{stack}-pricing"),
    ("write pricing's log", "logs:PutLogEvents", "logs",
     f"log-group:/aws/lambda/{{stack}}-pricing:log-stream:{STREAM}"),
    ("invoke another stack's pricing", "lambda:InvokeFunction", "lambda",
     "function:{notebook}-pricing:live"),
    ("read pricing's configuration", "lambda:GetFunction", "lambda",
     "function:{stack}-pricing:live"),
    ("write another stack's checkout log", "logs:PutLogEvents", "logs",
     f"log-group:/aws/lambda/{{notebook}}-checkout-wrong:log-stream:{STREAM}"),
]


def your_template_cases(cloud: Any) -> list[Case]:
    lam = cloud.client("lambda")

    def portable(yours: Deployed) -> str:
        written = [word for word in (yours.account, yours.region, NOTEBOOK_STACK, yours.stack)
                   if word in json.dumps(yours.policies)]
        expect(not written, f"your text writes out {', '.join(map(repr, written))}: it "
                            "would deploy nowhere else")
        return "names every ARN through the template"

    def priced(yours: Deployed) -> str:
        error, result = invoke_decoded(lam, yours.name("checkout-wrong"), ORDER)
        expect(not error, f"the checkout failed with {error_summary(result)}")
        expect(isinstance(result, dict) and result.get("status") == "priced",
               f"the checkout answered {result!r}")
        return f"{yours.name('checkout-wrong')} answered 'priced'"

    def logged(yours: Deployed) -> str:
        name = yours.name("checkout-wrong")
        lines = cloud.logs(name)
        expect(bool(lines), f"/aws/lambda/{name} holds nothing: Lambda could not write the "
                            "checkout's log as its role")
        return f"/aws/lambda/{name} holds {len(lines)} lines"

    def refused(action: str, service: str, resource: str) -> Callable[[Deployed], str]:
        def run(yours: Deployed) -> str:
            arn = yours.arn(service, resource)
            verdicts = {evaluate(document, action, arn) for document in yours.documents}
            expect("Allow" not in verdicts or "Deny" in verdicts,
                   f"your policies allow {action} on {arn}, which the checkout never calls: "
                   "more than least privilege")
            return "refused"
        return run

    return ([Case("no account, region or stack written out", portable),
             Case("the checkout prices the order", priced),
             Case("the checkout's log group holds its log", logged)]
            + [Case(f"may not {what}", refused(action, service, resource))
               for what, action, service, resource in NEVER])


exercise3 = EXERCISES.exercise(3, your_template_cases, answer=deploy_your_policies, mistakes=[
    Mistake(T.mistake("written_out"),
            lambda attempt: attempt.failed("no account, region or stack written out")),
    Mistake(T.mistake("unqualified_in_template"),
            lambda attempt: attempt.failed_with("the checkout failed with", ":live because")
            and not attempt.mentions("PricingLive") and not attempt.mentions(":live")),
    Mistake(T.mistake("log_group_of_another"),
            lambda attempt: attempt.failed("the checkout's log group holds its log")
            and attempt.mentions("checkout-fixed")),
    Mistake(T.mistake("no_create_log_group"),
            lambda attempt: attempt.failed("the checkout's log group holds its log")
            and not attempt.mentions("CreateLogGroup") and not attempt.mentions("logs:*")),
    Mistake(T.mistake("template_wildcard"),
            lambda attempt: attempt.failed("may not invoke the other checkout")
            or attempt.failed("may not invoke another stack's pricing")),
    Mistake(T.mistake("action_wildcard"),
            lambda attempt: attempt.failed("may not read pricing's configuration")),
    Mistake(T.mistake("log_group_wildcard"),
            lambda attempt: attempt.failed("may not write another stack's checkout log")),
    Mistake(T.mistake("every_version"),
            lambda attempt: attempt.failed("may not invoke pricing's version 1")
            and not attempt.failed("may not invoke the other checkout"))])
