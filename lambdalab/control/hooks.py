"""Wraps moto's Lambda backend: Lambda's checks before a change, a notice after it.

(and makes CloudFormation stacks roll back on such a refusal, see ``cloudformation``, and
create the Lambda resource types moto's CloudFormation lacks, see ``cloudformation_lambda``)

- validation moto skips (reserved environment keys, the 4 KB limit, unzippable code,
  the 100 units of concurrency that must stay unreserved);
- state moto drops (a function's DeadLetterConfig) or keeps wrongly (a second
  PutFunctionEventInvokeConfig must replace the first, an update must merge);
- a notice after every code or configuration change, so the data plane retires warm
  environments at once, as Lambda does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import EventInvokeConfig, LambdaBackend, LambdaFunction

from lambdalab.control import cloudformation, cloudformation_lambda, log_storage, validation
from lambdalab.control.patcher import Patcher
from lambdalab.invoke.functions import unqualified_arn

ChangeListener = Callable[[str], None]  # receives the unqualified function ARN
ReservableLimit = Callable[[str], int]  # function name -> most it may reserve


class LambdaBackendHooks:
    """Installs the wrappers; ``uninstall`` restores moto exactly as it was."""

    def __init__(self, on_change: ChangeListener, max_reservable: ReservableLimit) -> None:
        self._on_change = on_change
        self._max_reservable = max_reservable
        self._patcher = Patcher()

    def install(self) -> None:
        self._wrap(LambdaBackend, "create_function", self._create_function)
        self._wrap(LambdaBackend, "update_function_configuration", self._update_configuration)
        self._wrap(LambdaBackend, "update_function_code", self._update_code)
        self._wrap(LambdaBackend, "delete_function", self._delete_function)
        self._wrap(LambdaBackend, "put_function_concurrency", self._put_concurrency)
        self._wrap(LambdaBackend, "put_function_event_invoke_config", self._put_event_config)
        self._wrap(LambdaBackend, "update_function_event_invoke_config",
                   self._update_event_config)
        self._wrap(LambdaFunction, "get_configuration", _configuration_with_dead_letter)
        cloudformation.install(self._patcher)
        cloudformation_lambda.install(self._patcher)
        log_storage.install(self._patcher)

    def uninstall(self) -> None:
        self._patcher.restore()

    def _wrap(self, owner: type, name: str, wrapper: Callable[..., Any]) -> None:
        self._patcher.wrap(owner, name, wrapper)

    # --- wrappers (original, backend, *moto's arguments) -----------------------------------

    def _create_function(self, original: Any, backend: LambdaBackend,
                         spec: dict[str, Any]) -> Any:
        validation.check_environment(spec)
        validation.check_zip(spec.get("Code") or {})
        fn = original(backend, spec)
        if "DeadLetterConfig" in spec:
            _latest(backend, fn.function_name).dead_letter_config = spec["DeadLetterConfig"]
        return fn

    def _update_configuration(self, original: Any, backend: LambdaBackend, name: str,
                              qualifier: str, body: dict[str, Any]) -> Any:
        validation.check_environment(body)
        if "DeadLetterConfig" in body:
            backend.get_function(name, qualifier).dead_letter_config = body["DeadLetterConfig"]
        result = original(backend, name, qualifier, body)
        self._on_change(_unqualified_arn(backend, name))
        return result

    def _update_code(self, original: Any, backend: LambdaBackend, name: str, qualifier: str,
                     body: dict[str, Any]) -> Any:
        validation.check_zip(body)
        result = original(backend, name, qualifier, body)
        self._on_change(_unqualified_arn(backend, name))
        return result

    def _delete_function(self, original: Any, backend: LambdaBackend, name: str,
                         qualifier: str | None = None) -> Any:
        arn = _unqualified_arn(backend, name)
        result = original(backend, name, qualifier)
        self._on_change(arn)
        return result

    def _put_concurrency(self, original: Any, backend: LambdaBackend, name: str,
                         reserved: Any) -> Any:
        function_name = backend.get_function(name).function_name
        if int(reserved) > self._max_reservable(function_name):
            raise InvalidParameterValueException(
                "Specified ReservedConcurrentExecutions for function decreases account's "
                "UnreservedConcurrentExecution below its minimum value of [100].")
        return original(backend, name, reserved)

    def _put_event_config(self, original: Any, backend: LambdaBackend, name: str,
                          config: dict[str, Any]) -> Any:
        fn = backend.get_function(name)
        event_config = EventInvokeConfig(fn.function_arn, fn.last_modified, config)
        fn.event_invoke_config = [event_config]  # a put replaces, as on AWS
        return event_config.response()

    def _update_event_config(self, original: Any, backend: LambdaBackend, name: str,
                             config: dict[str, Any]) -> Any:
        fn = backend.get_function(name)
        current = dict(fn.event_invoke_config[-1].config) if fn.event_invoke_config else {}
        return self._put_event_config(original, backend, name, {**current, **config})


def _configuration_with_dead_letter(original: Any, fn: LambdaFunction,
                                    *args: Any, **kwargs: Any) -> dict[str, Any]:
    config = original(fn, *args, **kwargs)
    dead_letter = getattr(fn, "dead_letter_config", None)
    if dead_letter:
        config["DeadLetterConfig"] = dead_letter
    return config


def _latest(backend: LambdaBackend, name: str) -> LambdaFunction:
    return backend._lambdas._get_latest(name)


def _unqualified_arn(backend: LambdaBackend, name_or_arn: str) -> str:
    try:
        fn = backend.get_function(name_or_arn)
    except Exception:
        return name_or_arn
    return unqualified_arn(fn)
