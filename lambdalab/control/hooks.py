"""Wraps moto's Lambda backend: Lambda's validation before a change, a notice after it.

The notice lets the data plane retire warm environments the moment a function's code
or configuration changes, or the function is deleted.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from moto.awslambda.models import LambdaBackend

from lambdalab.control import validation
from lambdalab.invoke.functions import unqualified_arn

ChangeListener = Callable[[str], None]  # receives the unqualified function ARN


class LambdaBackendHooks:
    """Installs the checks and the change notices; ``uninstall`` restores moto as it was."""

    def __init__(self, on_change: ChangeListener) -> None:
        self._on_change = on_change
        self._originals: dict[str, Any] = {}

    def install(self) -> None:
        on_change = self._on_change

        def create_function(original: Any, backend: LambdaBackend, spec: dict[str, Any]) -> Any:
            validation.check_environment(spec)
            validation.check_zip(spec.get("Code") or {})
            return original(backend, spec)

        def update_function_configuration(original: Any, backend: LambdaBackend, name: str,
                                          qualifier: str, body: dict[str, Any]) -> Any:
            validation.check_environment(body)
            result = original(backend, name, qualifier, body)
            on_change(_unqualified_arn(backend, name))
            return result

        def update_function_code(original: Any, backend: LambdaBackend, name: str,
                                 qualifier: str, body: dict[str, Any]) -> Any:
            validation.check_zip(body)
            result = original(backend, name, qualifier, body)
            on_change(_unqualified_arn(backend, name))
            return result

        def delete_function(original: Any, backend: LambdaBackend, name: str,
                            qualifier: str | None = None) -> Any:
            arn = _unqualified_arn(backend, name)
            result = original(backend, name, qualifier)
            on_change(arn)
            return result

        for wrapper in (create_function, update_function_configuration, update_function_code,
                        delete_function):
            name = wrapper.__name__
            original = getattr(LambdaBackend, name)
            self._originals[name] = original
            setattr(LambdaBackend, name, _bind(wrapper, original))

    def uninstall(self) -> None:
        for name, original in self._originals.items():
            setattr(LambdaBackend, name, original)
        self._originals.clear()


def _bind(wrapper: Callable[..., Any], original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def method(backend: LambdaBackend, *args: Any, **kwargs: Any) -> Any:
        return wrapper(original, backend, *args, **kwargs)

    return method


def _unqualified_arn(backend: LambdaBackend, name_or_arn: str) -> str:
    try:
        fn = backend.get_function(name_or_arn)
    except Exception:
        return name_or_arn
    return unqualified_arn(fn)
