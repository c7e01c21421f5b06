"""Event-invoke configurations replayed against AWS's recorded answers (recorded/
lambda_api.json: event_invoke_config_lifecycle, event_invoke_config_exceptions)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config
from replay import Replay, cases

from lambdalab import LocalCloud

pytestmark = pytest.mark.both_runtime_clients  # each recording, on either client

ECHO = "def handler(event, context):\n    return event\n"
LIFECYCLE_KNOWN: dict[str, str] = {}
EXCEPTIONS_KNOWN: dict[str, str] = {}


@pytest.fixture(scope="module")
def lam(cloud: LocalCloud) -> Any:
    """A client that sends what it is given, invalid values too, as the recording did."""
    return cloud.client("lambda", config=Config(parameter_validation=False,
                                                retries={"total_max_attempts": 1}))


@pytest.fixture(scope="module")
def lifecycle(deploy: Any, lam: Any) -> Replay:
    replay = Replay("lambda_api", "event_invoke_config_lifecycle")
    name = "parity-eic-lifecycle"
    deploy(name, ECHO)
    put, update = lam.put_function_event_invoke_config, lam.update_function_event_invoke_config
    replay.call("put_invokeconfig_retries_0", put, FunctionName=name, MaximumRetryAttempts=0)
    replay.call("put_invokeconfig_eventage_60", put, FunctionName=name,
                MaximumEventAgeInSeconds=60)
    replay.call("update_invokeconfig_eventage_nochange", update, FunctionName=name,
                MaximumEventAgeInSeconds=60)
    replay.call("update_invokeconfig_retries", update, FunctionName=name, MaximumRetryAttempts=1)
    replay.call("get_invokeconfig", lam.get_function_event_invoke_config, FunctionName=name)
    replay.call("get_invokeconfig_latest", lam.get_function_event_invoke_config,
                FunctionName=name, Qualifier="$LATEST")
    replay.call("list_single_invokeconfig", lam.list_function_event_invoke_configs,
                FunctionName=name)
    version = lam.publish_version(FunctionName=name)["Version"]
    replay.call("get_invokeconfig_postpublish", lam.get_function_event_invoke_config,
                FunctionName=name, Qualifier=version)
    replay.call("put_published_invokeconfig", put, FunctionName=name, Qualifier=version,
                MaximumEventAgeInSeconds=120)
    replay.call("get_published_invokeconfig", lam.get_function_event_invoke_config,
                FunctionName=name, Qualifier=version)
    lam.delete_function_event_invoke_config(FunctionName=name)
    replay.call("list_paging_nolimit_postdelete", lam.list_function_event_invoke_configs,
                FunctionName=name)
    return replay


@pytest.mark.parametrize("key", cases("lambda_api", "event_invoke_config_lifecycle",
                                      LIFECYCLE_KNOWN))
def test_lifecycle(lifecycle: Replay, key: str) -> None:
    lifecycle.compare(key)


@pytest.fixture(scope="module")
def exceptions(cloud: LocalCloud, deploy: Any, lam: Any) -> Replay:
    replay = Replay("lambda_api", "event_invoke_config_exceptions")
    name, other = "parity-eic-errors", "parity-eic-errors-2"
    arn, other_arn = (deploy(n, ECHO)["FunctionArn"] for n in (name, other))
    missing = arn.rsplit(":", 1)[0] + ":doesnotexist"
    version = lam.publish_version(FunctionName=name)["Version"]
    alias = replay.call("fn_alias_result", lam.create_alias, FunctionName=name,
                        Name="eventinvokealias", FunctionVersion=version)
    alias_name, alias_arn = alias["Name"], alias.get("AliasArn", "")
    put = lam.put_function_event_invoke_config

    # which function
    replay.call("put_functionname_name_notfound", put, FunctionName="doesnotexist",
                MaximumRetryAttempts=1)
    replay.call("put_functionname_arn_notfound", put, FunctionName=missing,
                MaximumRetryAttempts=1)
    replay.call("put_functionname_nootherargs", put, FunctionName="doesnotexist")
    # which destination
    for key, destination in (("put_destination_lambda_doesntexist", {"OnSuccess": {
            "Destination": missing}}),
            ("put_destination_recursive", {"OnSuccess": {"Destination": arn}}),
            ("put_destination_other_lambda", {"OnSuccess": {"Destination": other_arn}}),
            ("put_destination_invalid_service_arn", {"OnSuccess": {
                "Destination": arn.replace(":lambda:", ":iam:")}}),
            ("put_destination_success_no_destination_arn", {"OnSuccess": {}}),
            ("put_destination_failure_no_destination_arn", {"OnFailure": {}}),
            ("put_destination_invalid_arn_pattern", {"OnFailure": {
                "Destination": arn.replace(":lambda:", ":_-/!lambda:")}})):
        replay.call(key, put, FunctionName=name, DestinationConfig=destination)
    # which version: names, ARNs, qualifiers, and the two together
    for key, function, qualifier in (
            ("put_destination_latest", name, None),
            ("put_destination_latest_explicit_qualifier", name, "$LATEST"),
            ("put_destination_version", name, version),
            ("put_alias_functionname_qualifier", name, alias_name),
            ("put_alias_doesnotexist", name, f"{alias_name}doesnotexist"),
            ("put_alias_qualifiedarn", alias_arn, None),
            ("put_alias_qualifiedarn_qualifier", alias_arn, alias_name),
            ("put_alias_qualifiedarn_qualifierconflict", alias_arn, f"{alias_name}doesnotexist"),
            ("put_alias_shorthand", f"{name}:{alias_name}", None),
            ("put_alias_shorthand_qualifier", f"{name}:{alias_name}", alias_name),
            ("put_alias_shorthand_qualifierconflict", f"{name}:{alias_name}",
             f"{alias_name}doesnotexist"),
            ("put_version_shorthand", f"{name}:{version}", None),
            ("put_shorthand_qualifier_match", f"{name}:$LATEST", "$LATEST"),
            ("put_shorthand_qualifier_mismatch_1", f"{name}:{version}", "$LATEST"),
            ("put_shorthand_qualifier_mismatch_2", f"{name}:$LATEST", version),
            ("put_shorthand_qualifier_mismatch_3", f"{name}:{version}", alias_name)):
        qualified = {"Qualifier": qualifier} if qualifier else {}
        replay.call(key, put, FunctionName=function, MaximumRetryAttempts=1, **qualified)
    # put replaces, update merges
    replay.call("put_maxevent_maxvalue_result", put, FunctionName=name, MaximumRetryAttempts=2,
                MaximumEventAgeInSeconds=21600)
    replay.call("put_pre_overwrite", put, FunctionName=name, MaximumRetryAttempts=2,
                MaximumEventAgeInSeconds=60)
    replay.call("put_post_overwrite", put, FunctionName=name, MaximumRetryAttempts=0)
    replay.call("second_overwrite_existing_response", put, FunctionName=name,
                MaximumRetryAttempts=0)
    replay.call("get_post_overwrite", lam.get_function_event_invoke_config, FunctionName=name)
    replay.call("pre_update_response", put, FunctionName=name, MaximumRetryAttempts=2,
                MaximumEventAgeInSeconds=60)
    update = lam.update_function_event_invoke_config
    replay.call("update_response", update, FunctionName=name, MaximumRetryAttempts=0)
    replay.call("update_response_existing", update, FunctionName=name, MaximumRetryAttempts=0)
    # listing and deleting, per qualifier
    replay.call("list_configs", lam.list_function_event_invoke_configs, FunctionName=name)
    delete = lam.delete_function_event_invoke_config
    replay.call("delete_latest", delete, FunctionName=name, Qualifier="$LATEST")
    replay.call("delete_version", delete, FunctionName=name, Qualifier=version)
    replay.call("delete_alias", delete, FunctionName=name, Qualifier=alias_name)
    replay.call("list_configs_postdelete", lam.list_function_event_invoke_configs,
                FunctionName=name)
    replay.call("delete_function_not_found", delete, FunctionName=name)
    replay.call("delete_function_doesnotexist", delete, FunctionName="doesnotexist")
    replay.call("list_function_doesnotexist", lam.list_function_event_invoke_configs,
                FunctionName="doesnotexist")
    replay.call("get_function_doesnotexist", lam.get_function_event_invoke_config,
                FunctionName="doesnotexist")
    replay.call("get_qualifier_doesnotexist", lam.get_function_event_invoke_config,
                FunctionName=name, Qualifier="doesnotexist")
    replay.call("update_eventinvokeconfig_function_doesnotexist", update,
                FunctionName="doesnotexist", MaximumRetryAttempts=0)
    replay.call("get_eventinvokeconfig_doesnotexist", lam.get_function_event_invoke_config,
                FunctionName=alias_arn)
    replay.call("update_eventinvokeconfig_config_doesnotexist_with_qualifier", update,
                FunctionName=name, Qualifier=alias_name, MaximumRetryAttempts=0)
    replay.call("update_eventinvokeconfig_config_doesnotexist_without_qualifier", update,
                FunctionName=name, MaximumRetryAttempts=0)
    return replay


@pytest.mark.parametrize("key", cases("lambda_api", "event_invoke_config_exceptions",
                                      EXCEPTIONS_KNOWN))
def test_exceptions(exceptions: Replay, key: str) -> None:
    exceptions.compare(key)
