"""Request-scoped values: set once when a request starts, read anywhere below it.

As in the request context of web frameworks and logging libraries, the values live
in a ContextVar, so that each request (thread or asyncio task) sees its own, and no
function has to pass the tenant, the user or the correlation id down to the next.
"""

from contextvars import ContextVar
from typing import Any

_scope: ContextVar[dict[str, Any] | None] = ContextVar("request_scope",
                                                    default=None)


def start(**values: Any) -> None:
    """Begin the current request's scope with ``values`` (tenant, user_id, ...)."""
    _scope.set(dict(values))


def get(name: str, default: Any = None) -> Any:
    """A value of the current request's scope, or ``default``."""
    return (_scope.get() or {}).get(name, default)
