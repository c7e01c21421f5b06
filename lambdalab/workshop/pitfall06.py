"""Notebook 06's views, prediction and exercises: a function runs with its own environment.

- ``show_variables``, ``show_messages``: each function's configured variables side by side,
  and what a function logged for one request (level and message, without the timestamp
  and request id that every line of a Python function's log carries).
- ``wrong_caller``: predict which log shows DEBUG lines when the caller sets
  ``os.environ["LOG_LEVEL"] = "DEBUG"`` before invoking it.
- ``exercise1``: write ``set_env_var``; the check inspects the configuration, invokes the
  real invoice function, and watches which calls the learner's code makes.
- ``exercise2``: make the split-off invoice function fail clearly when its configuration
  lacks ``TABLE_NAME``; deployed inside the lab's ``invoked/split.py`` and run.
- ``exercise3``: move its signing key from an environment variable to Parameter Store;
  deployed with a configuration that holds no key, checked by the invoice's signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import textwrap
from collections.abc import Callable, Iterable
from typing import Any

from botocore.exceptions import ClientError

from lambdalab.packaging import zip_folder
from lambdalab.workshop.checks import Case, Mistake, NotebookExercises, WrongAnswer, expect
from lambdalab.workshop.detectors import failed_with, mentions
from lambdalab.workshop.display import OUTPUT_WIDTH, SourceView
from lambdalab.workshop.feedback import say
from lambdalab.workshop.fix_lab import LabFunction
from lambdalab.workshop.functions import ensure_function, put_function
from lambdalab.workshop.labs import import_file, lab_path
from lambdalab.workshop.responses import invoke_decoded
from lambdalab.workshop.texts import load_texts

LAB = "06_own_environment"
T = load_texts("pitfall06")  # topics, hints, mistakes: texts/en/pitfall06.toml
EXERCISES = NotebookExercises("pitfall06", "notebooks/solutions/06_own_environment.py", T)
ABSENT = "-"

# the lab's merge-safe helper (labs/06_own_environment/update_environment.py)
update_environment = import_file(lab_path(LAB, "update_environment.py"),
                                 "lab06_update_environment").update_environment

# --- views ---------------------------------------------------------------------------------


def variables_of(lam: Any, function_name: str, qualifier: str | None = None) -> dict[str, str]:
    """The function's configured variables (``{}`` when it has none: AWS then leaves the
    ``Environment`` field out of the configuration). ``function_name`` may carry a
    qualifier (``name:live``)."""
    extra = {"Qualifier": qualifier} if qualifier else {}
    config = lam.get_function_configuration(FunctionName=function_name, **extra)
    return dict(config.get("Environment", {}).get("Variables", {}))


def show_variables(lam: Any, *function_names: str) -> None:
    """Print the configured variables of each function (or ``name:qualifier``) in a column
    of its own; ``-`` where a function has no such variable."""
    columns = {name: variables_of(lam, name) for name in function_names}
    keys = sorted({key for variables in columns.values() for key in variables})
    headers = list(function_names)
    rows = [["variable", *headers]]
    rows += [[key, *(columns[name].get(key, ABSENT) for name in function_names)]
             for key in keys]
    if not keys:
        rows.append(["(none)", *(ABSENT for _ in function_names)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        say("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
              .rstrip())


LOG_LINE = re.compile(r"^\[(?P<level>[A-Z]+)\]\t[^\t]*\t[^\t]*\t(?P<message>.*)$", re.S)
PLATFORM_LINE = ("START RequestId:", "END RequestId:", "REPORT RequestId:", "INIT_REPORT")


def messages(cloud: Any, function_name: str, request_id: str | None = None) -> list[str]:
    """What the function's code logged for one request (its last one by default), as
    ``[LEVEL] message`` lines; printed lines as they are."""
    if request_id is None:
        records = cloud.invocations(function_name)
        if not records:
            return []
        request_id = records[-1].request_id
    lines, inside = [], False
    for line in cloud.logs(function_name):
        if line.startswith(f"START RequestId: {request_id}"):
            inside = True
        elif line.startswith(f"END RequestId: {request_id}"):
            break
        elif inside and not line.startswith(PLATFORM_LINE):
            match = LOG_LINE.match(line.rstrip("\n"))
            lines.append(f"[{match['level']}] {match['message']}" if match else line.rstrip())
    return lines


def show_messages(cloud: Any, function_name: str, request_id: str | None = None) -> list[str]:
    """Print what the function logged for one request (see :func:`messages`)."""
    found = messages(cloud, function_name, request_id)
    say(f"{function_name} logged (timestamps and request ids left out):")
    for line in found or ["(nothing)"]:
        say(f"  {line}")
    return found


def levels(lines: Iterable[str]) -> set[str]:
    """The log levels among ``[LEVEL] message`` lines."""
    return {line[1:line.index("]")] for line in lines if line.startswith("[") and "]" in line}


def observed_level(lines: Iterable[str]) -> str:
    """What a function logged: "debug", "info" or "nothing"."""
    found = levels(lines)
    return "debug" if "DEBUG" in found else "info" if "INFO" in found else "nothing"


def debug_seen_in(caller_lines: Iterable[str], callee_lines: Iterable[str]) -> str:
    """Which logs hold DEBUG lines, as the prediction's answers name them."""
    caller, callee = "DEBUG" in levels(caller_lines), "DEBUG" in levels(callee_lines)
    return {(True, True): "both", (True, False): "caller-only", (False, False): "neither",
            (False, True): "only the invoice function's"}[(caller, callee)]


def show_error(response: dict[str, Any]) -> dict[str, Any]:
    """Print a failed invocation's ``StatusCode``, ``FunctionError``, ``errorType`` and
    ``errorMessage``; returns the decoded payload. The stack trace is left out: its frames
    in Python's own modules change with the Python version (and, for a failure at init,
    show where Python is installed)."""
    body = response["Payload"].read()
    payload = json.loads(body) if body else {}
    say(f"StatusCode:      {response['StatusCode']}")
    say(f"FunctionError:   {response.get('FunctionError', '(absent)')}")
    if isinstance(payload, dict) and "errorType" in payload:
        say(f"errorType:       {payload['errorType']}")
        say(textwrap.fill(str(payload.get("errorMessage", "")), OUTPUT_WIDTH,
                            initial_indent="errorMessage:    ", subsequent_indent=" " * 17))
    return payload


def show_resources(*logical_ids: str) -> SourceView:
    """The named resources of the lab's template, as its author wrote them."""
    lines = lab_path(LAB, "template.yaml").read_text().splitlines()
    shown: list[str] = []
    for logical_id in logical_ids:
        start = lines.index(f"  {logical_id}:")
        end = next((i for i in range(start + 1, len(lines))
                    if lines[i] and not lines[i].startswith("   ")), len(lines))
        shown += ([""] if shown else []) + [line for line in lines[start:end] if line.strip()]
    files = f"`labs/{LAB}/template.yaml`"
    return SourceView(f"*{', '.join(logical_ids)} in {files}, as deployed*", "\n".join(shown),
                      language="yaml")


def signed_with(invoice: dict[str, Any], key: bytes) -> bool:
    """Whether the invoice's ``signature`` is its HMAC-SHA256 with ``key`` (the lab's
    ``invoices.sign``: the invoice's JSON with sorted keys, signature left out)."""
    body = json.dumps({k: v for k, v in invoice.items() if k != "signature"},
                      sort_keys=True).encode()
    expected = hmac.new(key, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(str(invoice.get("signature", "")), expected)


# --- the prediction --------------------------------------------------------------------------

wrong_caller = EXERCISES.prediction(
    "wrong_caller",
    question="Which log shows DEBUG lines for the debug order A-1002?",
    choices={
        "both": "the order service's log and the invoice function's: the caller switched "
                "`LOG_LEVEL` to DEBUG before it invoked the invoice function.",
        "caller-only": "only the order service's: its own logger follows its own `os.environ`; the "
                  "invoice function logged one INFO line, as for any order.",
        "neither": "no DEBUG line anywhere: a logger configured at import would not notice a "
                   "change of `os.environ`.",
    },
    why="The order service changed `LOG_LEVEL` in its own process and set its logger's level "
        "from it, so its own DEBUG line appeared. The invoice function runs in another "
        "execution environment, which Lambda started with the variables of the invoice "
        "function's configuration (`LOG_LEVEL` `INFO`) and its reserved ones. An invocation "
        "carries the payload, nothing of the caller's environment.")

# --- what the checks deploy ------------------------------------------------------------------

ORDERS, ARCHIVE = "ex06-orders", "ex06-archive"  # tables
KEY, OTHER_KEY = "/ex06/signing-key", "/ex06/other-signing-key"  # SecureString parameters
INVOICE = "ex06-invoice"  # the lab's invoice function (invoked/app.py)
BARE = "ex06-bare"  # a function with no variables at all
BARE_SOURCE = ("import os\n\n\ndef handler(event, context):\n"
               "    return {key: os.environ.get(key) for key in event['keys']}\n")
BASELINE = {"LOG_LEVEL": "INFO", "TABLE_NAME": ORDERS, "SIGNING_KEY_PARAMETER": KEY}
SPLIT_KEY = "ex06-key-in-an-environment-variable"  # what split.py reads before ex. 3
PLATFORM = ("Sandbox.", "Runtime.", "Function.")


def prepare(cloud: Any) -> Any:
    """Create the tables and parameters the checks use (once per cloud); a Lambda client."""
    dynamodb = cloud.client("dynamodb")
    existing = dynamodb.list_tables()["TableNames"]
    for table in (ORDERS, ARCHIVE):
        if table not in existing:
            dynamodb.create_table(
                TableName=table, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    ssm = cloud.client("ssm")
    for name in (KEY, OTHER_KEY):
        try:
            ssm.get_parameter(Name=name)
        except ClientError:
            ssm.put_parameter(Name=name, Type="SecureString", Value=secrets.token_hex(32))
    return cloud.client("lambda")


def key_of(cloud: Any, parameter: str) -> bytes:
    value = cloud.client("ssm").get_parameter(Name=parameter, WithDecryption=True)
    return value["Parameter"]["Value"].encode()


def stored(cloud: Any, order_id: str) -> list[str]:
    """The checks' tables that hold the invoice of ``order_id``."""
    dynamodb = cloud.client("dynamodb")
    return [table for table in (ORDERS, ARCHIVE)
            if "Item" in dynamodb.get_item(TableName=table,
                                           Key={"pk": {"S": f"INVOICE#{order_id}"}})]


def request_for(order_id: str) -> dict[str, Any]:
    return {"order": {"order_id": order_id, "items": [{"sku": "apple", "qty": 2}]}}


def failure(result: Any) -> str:
    """``errorType: errorMessage`` of an error document, on one line."""
    error = result if isinstance(result, dict) else {}
    message = " ".join(str(error.get("errorMessage", result)).split())
    return f"{error.get('errorType', '?')}: {message}"


# --- exercise 1: set_env_var -----------------------------------------------------------------


class CallLog:
    """A Lambda client whose calls are recorded by operation name, in order."""

    def __init__(self, cloud: Any) -> None:
        self.client = cloud.client("lambda")
        self.calls: list[str] = []
        self.client.meta.events.register("before-call.lambda", self._record)

    def _record(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)


def reset(lam: Any, function_name: str, variables: dict[str, str]) -> None:
    lam.update_function_configuration(FunctionName=function_name,
                                      Environment={"Variables": dict(variables)})


def set_env_var_cases(cloud: Any) -> list[Case]:
    lam = prepare(cloud)
    put_function(cloud, INVOICE, zip_folder(lab_path(LAB, "invoked")), "app.handler",
                 environment=BASELINE, timeout=10)
    ensure_function(cloud, BARE, BARE_SOURCE)

    def lost_or_missing(before: dict[str, str], after: dict[str, str], key: str,
                        value: str) -> None:
        lost = sorted(set(before) - set(after) - {key})
        if lost:
            raise WrongAnswer(
                f"the function lost {', '.join(lost)}: its variables are now {after}. "
                "`update_function_configuration` sets the whole map")
        if after.get(key) != value:
            now = after.get(key, "(absent)")
            raise WrongAnswer(f"{key} is {now!r} in the function's configuration, not "
                              f"{value!r}")

    def adds(set_env_var: Callable[..., Any]) -> str:
        reset(lam, INVOICE, BASELINE)
        set_env_var(CallLog(cloud).client, INVOICE, "GIFT_WRAP", "on")
        lost_or_missing(BASELINE, variables_of(lam, INVOICE), "GIFT_WRAP", "on")
        return "four variables, none lost"

    def changes_and_runs(set_env_var: Callable[..., Any]) -> str:
        reset(lam, INVOICE, BASELINE)
        set_env_var(CallLog(cloud).client, INVOICE, "LOG_LEVEL", "DEBUG")
        lost_or_missing(BASELINE, variables_of(lam, INVOICE), "LOG_LEVEL", "DEBUG")
        error, result = invoke_decoded(lam, INVOICE, request_for("EX-1001"))
        expect(not error, f"the invoice function failed after your change: {failure(result)}")
        logged = messages(cloud, INVOICE)
        expect("DEBUG" in levels(logged), "the invoice function did not log at DEBUG")
        return "it logged at DEBUG and wrote its invoice"

    def no_variables_yet(set_env_var: Callable[..., Any]) -> str:
        reset(lam, BARE, {})
        set_env_var(CallLog(cloud).client, BARE, "GREETING", "hello")
        lost_or_missing({}, variables_of(lam, BARE), "GREETING", "hello")
        error, seen = invoke_decoded(lam, BARE, {"keys": ["GREETING"]})
        expect(not error and seen == {"GREETING": "hello"}, f"the function itself saw {seen!r}")
        return "GREETING=hello, seen by the function"

    def asks_in_order(set_env_var: Callable[..., Any]) -> str:
        reset(lam, INVOICE, BASELINE)
        log = CallLog(cloud)
        set_env_var(log.client, INVOICE, "GIFT_WRAP", "off")
        calls = log.calls
        reads = ("GetFunctionConfiguration", "GetFunction")
        if "UpdateFunctionConfiguration" not in calls:
            raise WrongAnswer(f"your code never called update_function_configuration "
                              f"(it called {', '.join(calls) or 'nothing'})")
        write = calls.index("UpdateFunctionConfiguration")
        expect(any(call in reads for call in calls[:write]),
               "your code wrote without reading the current variables first")
        expect(any(call in reads for call in calls[write + 1:]),
               "your code returns as soon as Lambda accepted the change. On AWS the update is "
               "still in progress then (`LastUpdateStatus` 'InProgress'), and another change "
               "meanwhile is refused with ResourceConflictException: wait for it")
        return " -> ".join(_runs(calls))

    return [
        Case("adding GIFT_WRAP=on to the invoice function, which has three variables", adds),
        Case("changing LOG_LEVEL to DEBUG on the invoice function, then invoking it",
             changes_and_runs),
        Case("a function that has no variables at all", no_variables_yet),
        Case("what your code asks Lambda, in order", asks_in_order),
    ]


def _runs(calls: list[str]) -> list[str]:
    """``["A", "A", "B"]`` as ``["A x2", "B"]``."""
    shown: list[str] = []
    for call in calls:
        if shown and shown[-1].split(" x")[0] == call:
            count = int(shown[-1].split(" x")[1]) + 1 if " x" in shown[-1] else 2
            shown[-1] = f"{call} x{count}"
        else:
            shown.append(call)
    return shown


exercise1 = EXERCISES.exercise(1, set_env_var_cases, mistakes=[
    Mistake(T.mistake("variables_replaced"), failed_with("the function lost")),
    Mistake(T.mistake("environment_field_missing"),
            lambda attempt: attempt.failed_with("KeyError: 'Environment'")
            or attempt.failed_with("KeyError: 'Variables'")),
    Mistake(T.mistake("kernel_environ_changed"), mentions("os.environ"))])

# --- exercises 2 and 3: fix the split-off invoice function -----------------------------------

TABLE_NAME_EDITABLE = LabFunction(LAB, "invoked/split.py", "table_name")
SIGNING_KEY_EDITABLE = LabFunction(LAB, "invoked/split.py", "signing_key")
SPLIT_HANDLER = "split.handler"


def deploy_split(cloud: Any, editable: LabFunction, edited: Any,
                 functions: dict[str, dict[str, str]]) -> dict[str, str]:
    """Deploy ``invoked/`` with the learner's function in ``split.py``, once per name in
    ``functions`` (name: its variables); handler ``split.handler``, as in the lab."""
    module, _ = editable.edited_module(editable.edit(edited))  # NOT ATTEMPTED when unchanged
    prepare(cloud)
    package = zip_folder(editable.folder, replacing={editable.module_file: module})
    for name, variables in functions.items():
        put_function(cloud, name, package, SPLIT_HANDLER, environment=variables, timeout=10)
    return {name: name for name in functions}


TABLE_FUNCTIONS = {  # function name: its configuration
    "ex06-split-orders": {"LOG_LEVEL": "INFO", "SIGNING_KEY": SPLIT_KEY, "TABLE_NAME": ORDERS},
    "ex06-split-archive": {"LOG_LEVEL": "INFO", "SIGNING_KEY": SPLIT_KEY,
                           "TABLE_NAME": ARCHIVE},
    "ex06-split-no-table": {"LOG_LEVEL": "INFO", "SIGNING_KEY": SPLIT_KEY},
    "ex06-split-empty-table": {"LOG_LEVEL": "INFO", "SIGNING_KEY": SPLIT_KEY,
                               "TABLE_NAME": ""},
}


def deploy_your_table_name(cloud: Any, edited: Any) -> dict[str, str]:
    return deploy_split(cloud, TABLE_NAME_EDITABLE, edited, TABLE_FUNCTIONS)


def says_where_to_set(message: str, function_name: str) -> bool:
    """Whether an error message says where a missing setting goes: the function's
    configuration or environment, or the function by name (the exercise asks for both the
    what and the where)."""
    return function_name in message or re.search(
        r"environment|configuration|config\b", message, re.IGNORECASE) is not None


def table_name_cases(cloud: Any) -> list[Case]:
    lam = cloud.client("lambda")
    runs = iter(range(1, 1_000_000))

    def order_id() -> str:
        return f"EX-2{next(runs):03d}-{secrets.token_hex(3)}"

    def writes_to(function_name: str, table: str) -> Callable[[dict[str, str]], str]:
        def run(functions: dict[str, str]) -> str:
            order = order_id()
            error, result = invoke_decoded(lam, functions[function_name], request_for(order))
            expect(not error, f"it failed: {failure(result)}")
            where = stored(cloud, order)
            expect(where == [table], f"the invoice went to {', '.join(where) or 'no table'}, "
                                     f"not to {table}, the table its configuration names")
            return f"invoice stored in {table}"
        return run

    def fails_clearly(function_name: str) -> Callable[[dict[str, str]], str]:
        def run(functions: dict[str, str]) -> str:
            order = order_id()
            error, result = invoke_decoded(lam, functions[function_name], request_for(order))
            where = stored(cloud, order)
            if not error:
                raise WrongAnswer(
                    f"it wrote the invoice to {', '.join(where) or 'no table of ours'}: a "
                    "fallback hides the missing setting, and invoices go where nobody "
                    "looks. Fail instead")
            expect(not where, f"it failed, but wrote the invoice to {', '.join(where)} first")
            error_type = result.get("errorType", "?") if isinstance(result, dict) else "?"
            message = result.get("errorMessage", "") if isinstance(result, dict) else ""
            expect(not error_type.startswith(PLATFORM), f"Lambda ended it: {failure(result)}")
            if "TABLE_NAME" not in message:
                raise WrongAnswer(
                    f"it failed with {failure(result)}: a message that does not name "
                    "TABLE_NAME leaves whoever reads the log guessing")
            if error_type == "KeyError":
                raise WrongAnswer(
                    f"it failed with KeyError: {message}, the bare name of the key: say that "
                    "the function's configuration lacks it, and where to set it")
            if not says_where_to_set(message, functions[function_name]):
                raise WrongAnswer(
                    f"it failed with {failure(result)}: that says what is missing, not "
                    "where to set it. Name the place (this function's configuration, its "
                    "Environment) or the function, so the engineer on call knows what to fix")
            return f"{failure(result)}"
        return run

    return [
        Case("configured with TABLE_NAME=ex06-orders", writes_to("ex06-split-orders", ORDERS)),
        Case("configured with TABLE_NAME=ex06-archive",
             writes_to("ex06-split-archive", ARCHIVE)),
        Case("configured without TABLE_NAME (the caller has one; this function does not)",
             fails_clearly("ex06-split-no-table")),
        Case("configured with TABLE_NAME set to an empty string",
             fails_clearly("ex06-split-empty-table")),
    ]


EDITED_NAMES = Mistake(T.mistake("undefined_name"), failed_with("NameError"))

exercise2 = EXERCISES.exercise(2, table_name_cases, answer=deploy_your_table_name, mistakes=[
    Mistake(T.mistake("table_name_default"),
            lambda attempt: attempt.failed("configured without TABLE_NAME")
            and attempt.failed_with("a fallback hides")),
    Mistake(T.mistake("table_name_empty"),
            lambda attempt: attempt.failed("configured with TABLE_NAME set to an empty string")
            and not attempt.failed("configured without TABLE_NAME")),
    Mistake(T.mistake("message_without_where"), failed_with("not where to set it")),
    EDITED_NAMES])

KEY_FUNCTIONS = {
    "ex06-split-key": {"LOG_LEVEL": "INFO", "TABLE_NAME": ORDERS, "SIGNING_KEY_PARAMETER": KEY},
    "ex06-split-other-key": {"LOG_LEVEL": "INFO", "TABLE_NAME": ORDERS,
                             "SIGNING_KEY_PARAMETER": OTHER_KEY},
}


def deploy_your_signing_key(cloud: Any, edited: Any) -> dict[str, str]:
    return deploy_split(cloud, SIGNING_KEY_EDITABLE, edited, KEY_FUNCTIONS)


def signing_key_cases(cloud: Any) -> list[Case]:
    lam = cloud.client("lambda")

    def signs_with(function_name: str, parameter: str) -> Callable[[dict[str, str]], str]:
        def run(functions: dict[str, str]) -> str:
            error, result = invoke_decoded(lam, functions[function_name],
                                   request_for(f"EX-3{secrets.token_hex(3)}"))
            if error:
                message = result.get("errorMessage", "") if isinstance(result, dict) else ""
                if "SIGNING_KEY" in message and "PARAMETER" not in message:
                    raise WrongAnswer(
                        f"it failed with {failure(result)}: the function still reads the key "
                        "from its configuration, where anyone allowed "
                        "lambda:GetFunctionConfiguration reads it too")
                if result.get("errorType") == "TypeError" and "bytes" in message:
                    raise WrongAnswer(
                        f"it failed with {failure(result)}: your signing_key() returned text "
                        "where split.py signs with bytes")
                raise WrongAnswer(f"it failed: {failure(result)}")
            expect(signed_with(result, key_of(cloud, parameter)),
                   f"the invoice is not signed with the key stored in {parameter}")
            variables = variables_of(lam, functions[function_name])
            return (f"signed with the key in {parameter}; its configuration: "
                    f"{', '.join(sorted(variables))}")
        return run

    return [
        Case("configured with SIGNING_KEY_PARAMETER=/ex06/signing-key, and no key",
             signs_with("ex06-split-key", KEY)),
        Case("configured with SIGNING_KEY_PARAMETER=/ex06/other-signing-key, and no key",
             signs_with("ex06-split-other-key", OTHER_KEY)),
    ]


exercise3 = EXERCISES.exercise(3, signing_key_cases, answer=deploy_your_signing_key, mistakes=[
    Mistake(T.mistake("key_still_in_configuration"),
            failed_with("still reads the key from its configuration")),
    Mistake(T.mistake("secure_string_not_decrypted"),
            lambda attempt: attempt.mentions("get_parameter")
            and not attempt.mentions("WithDecryption")
            and any(not r.passed for r in attempt.results)),
    Mistake(T.mistake("ssm_client_missing"),
            lambda attempt: attempt.failed_with("name 'ssm' is not defined")
            or attempt.failed_with("name 'boto3' is not defined")),
    Mistake(T.mistake("key_returned_as_text"), failed_with("returned text where")),
    EDITED_NAMES])
