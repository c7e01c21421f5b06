"""Lambda's event-invoke configuration API, as AWS answers it (recorded on AWS in 2025).

A function, each published version and each alias have settings of their own
(``MaximumRetryAttempts``, ``MaximumEventAgeInSeconds``, ``DestinationConfig``); an
asynchronous invocation uses those of the qualifier it named. Put replaces a qualifier's
settings, update merges into them. The answers, errors included, follow
tests/parity/recorded/lambda_api.json (event_invoke_config_lifecycle and _exceptions).
"""

from __future__ import annotations

import json
import re
from typing import Any

from lambdalab.invoke import errors, names
from lambdalab.invoke.functions import resolve
from lambdalab.owned_state import LATEST, STATE

PATH = re.compile(
    r"^/2019-09-25/functions/(?P<name>[^/]+)/event-invoke-config(?P<list>/list)?/?$")
SETTINGS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
DESTINATION_PATTERN = (
    r"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:"
    r"((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)")
DESTINATION_SERVICES = {"sqs", "sns", "lambda", "events", "s3"}
NO_FUNCTION = "The function doesn't exist."


class Target:
    """The function and qualifier a call names (its name, ARN, ``name:qualifier`` or the
    ``Qualifier`` parameter; the gateway has refused a conflict between the two)."""

    def __init__(self, region: str, account: str, name_or_arn: str,
                 qualifier: str | None) -> None:
        ref = names.parse(name_or_arn, "PutFunctionEventInvokeConfig")
        self.region, self.account = region, account
        self.name = ref.name
        self.qualifier = qualifier or ref.qualifier or LATEST
        self.arn = f"arn:aws:lambda:{region}:{account}:function:{ref.name}"

    @property
    def qualified_arn(self) -> str:
        return f"{self.arn}:{self.qualifier}"

    def exists(self, qualified: bool = True) -> bool:
        try:
            resolve(self.region, self.name,
                    self.qualifier if qualified and self.qualifier != LATEST else None,
                    self.account)
        except errors.LambdaError:
            return False
        return True

    def missing_config(self) -> errors.LambdaError:
        return errors.LambdaError(
            404, "ResourceNotFoundException",
            f"The function {self.qualified_arn} doesn't have an EventInvokeConfig",
            message_key="Message")


def no_function() -> errors.LambdaError:
    return errors.LambdaError(404, "ResourceNotFoundException", NO_FUNCTION,
                              message_key="Message")


def answer(target: Target, settings: dict[str, Any], last_modified: float) -> dict[str, Any]:
    """A configuration as AWS shows it: both destinations always there, empty or not."""
    destinations = settings.get("DestinationConfig") or {}
    shown: dict[str, Any] = {
        "DestinationConfig": {"OnFailure": dict(destinations.get("OnFailure") or {}),
                              "OnSuccess": dict(destinations.get("OnSuccess") or {})},
        "FunctionArn": target.qualified_arn, "LastModified": last_modified}
    shown.update({key: settings[key] for key in SETTINGS[:2] if key in settings})
    return shown


def _check_destinations(target: Target, destinations: dict[str, Any]) -> None:
    """Lambda's checks of the destination ARNs, in the order it makes them."""
    for side in ("OnSuccess", "OnFailure"):
        arn = (destinations.get(side) or {}).get("Destination")
        if arn is not None and not re.fullmatch(DESTINATION_PATTERN, arn):
            field = "onSuccess" if side == "OnSuccess" else "onFailure"
            raise errors.LambdaError(
                400, "ValidationException",
                f"1 validation error detected: Value '{arn}' at 'destinationConfig.{field}."
                f"destination' failed to satisfy constraint: Member must satisfy regular "
                f"expression pattern: {DESTINATION_PATTERN}")
    for side in ("OnSuccess", "OnFailure"):
        arn = (destinations.get(side) or {}).get("Destination")
        if not arn:
            continue
        parts = arn.split(":")
        if parts[2] not in DESTINATION_SERVICES:
            raise errors.invalid_parameter(
                f"The provided destination config {_java_form(destinations)} is invalid.")
        if parts[2] == "lambda":
            if ":".join(parts[:7]) == target.arn:
                raise errors.invalid_parameter(
                    "You can't specify the function as a destination for itself.")
            try:
                resolve(target.region, arn, None, target.account)
            except errors.LambdaError:
                raise errors.invalid_parameter(f"The destination ARN {arn} is invalid.") \
                    from None


def _java_form(destinations: dict[str, Any]) -> str:
    """How Lambda's error message prints a destination config."""
    def side(name: str, key: str) -> str:
        arn = (destinations.get(key) or {}).get("Destination")
        return "null" if arn is None else f"{name}(destination={arn})"
    return (f"DestinationConfig(onSuccess={side('OnSuccess', 'OnSuccess')}, "
            f"onFailure={side('OnFailure', 'OnFailure')})")


def put(target: Target, body: dict[str, Any], merge: bool) -> dict[str, Any]:
    """PutFunctionEventInvokeConfig (``merge`` False) or Update... (True)."""
    given = {key: body[key] for key in SETTINGS if key in body}
    if not given:
        raise errors.invalid_parameter(
            "You must specify at least one of error handling or destination setting.")
    _check_destinations(target, given.get("DestinationConfig") or {})
    if not target.exists():
        raise no_function()
    current = STATE.event_config(target.arn, target.qualifier)
    if merge:
        if current is None:
            raise target.missing_config()
        settings = {**current[0], **given}
        if "DestinationConfig" in given:
            settings["DestinationConfig"] = {**(current[0].get("DestinationConfig") or {}),
                                             **given["DestinationConfig"]}
    else:
        settings = given
    return answer(target, settings, STATE.set_event_config(target.arn, target.qualifier,
                                                           settings))


def get(target: Target) -> dict[str, Any]:
    found = STATE.event_config(target.arn, target.qualifier)
    if found is None or not target.exists(qualified=False):
        raise target.missing_config()
    return answer(target, *found)


def delete(target: Target) -> None:
    if not target.exists(qualified=False) or \
            not STATE.delete_event_config(target.arn, target.qualifier):
        raise target.missing_config()


def listed(target: Target, max_items: int | None, marker: str | None) -> dict[str, Any]:
    if not target.exists(qualified=False):
        raise no_function()
    configs = sorted(STATE.event_configs(target.arn).items(),
                     key=lambda item: f"{target.arn}:{item[0]}")
    start = int(marker) if marker and marker.isdigit() else 0
    end = len(configs) if not max_items else start + max_items
    page = [answer(Target(target.region, target.account, target.name, qualifier), *found)
            for qualifier, found in configs[start:end]]
    shown: dict[str, Any] = {"FunctionEventInvokeConfigs": page}
    if end < len(configs):
        shown["NextMarker"] = str(end)
    return shown


def settings_for(function_arn: str, qualifier: str) -> dict[str, Any]:
    """The settings an asynchronous invocation of this qualifier runs with ({} if none)."""
    found = STATE.event_config(function_arn, qualifier)
    return found[0] if found else {}


def handle(method: str, region: str, account: str, name: str, query: dict[str, str],
           body: bytes, is_list: bool) -> tuple[int, bytes]:
    """One call of the API: its status and JSON body (raises errors.LambdaError)."""
    target = Target(region, account, name, query.get("Qualifier"))
    if is_list:
        max_items = int(query["MaxItems"]) if query.get("MaxItems", "").isdigit() else None
        return 200, json.dumps(listed(target, max_items, query.get("Marker"))).encode()
    if method == "GET":
        return 200, json.dumps(get(target)).encode()
    if method == "DELETE":
        delete(target)
        return 204, b""
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        raise errors.invalid_request_content("Could not parse request body into json") \
            from None
    return 200, json.dumps(put(target, document, merge=method == "POST")).encode()
