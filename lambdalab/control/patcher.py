"""Wrap methods of moto's classes for the cloud's lifetime, and restore them afterwards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Patcher:
    def __init__(self) -> None:
        self._originals: list[tuple[Any, str, Any]] = []

    def wrap(self, owner: type, name: str, wrapper: Callable[..., Any]) -> None:
        """Replace ``owner.name`` by ``wrapper(original, self_obj, *args, **kwargs)``."""
        original = getattr(owner, name)
        self._originals.append((owner, name, original))

        def method(obj: Any, *args: Any, **kwargs: Any) -> Any:
            return wrapper(original, obj, *args, **kwargs)

        method.__name__ = name
        method.__doc__ = original.__doc__
        setattr(owner, name, method)

    def replace(self, owner: Any, name: str, value: Any) -> None:
        """Set ``owner.name`` (a module's function, say) to ``value`` until :meth:`restore`."""
        self._originals.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    def restore(self) -> None:
        for owner, name, original in reversed(self._originals):
            setattr(owner, name, original)
        self._originals.clear()
