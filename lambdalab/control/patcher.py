"""Wrap methods of moto's classes for the cloud's lifetime, and restore them afterwards."""

from __future__ import annotations

import functools
from collections.abc import Callable, MutableMapping
from typing import Any

_MISSING = object()


class Patcher:
    def __init__(self) -> None:
        self._originals: list[tuple[Any, str, Any]] = []
        self._items: list[tuple[MutableMapping[str, Any], str, Any]] = []

    def wrap(self, owner: type, name: str, wrapper: Callable[..., Any]) -> None:
        """Replace ``owner.name`` by ``wrapper(original, self_obj, *args, **kwargs)``."""
        original = getattr(owner, name)
        self._originals.append((owner, name, owner.__dict__.get(name, _MISSING)))

        def method(obj: Any, *args: Any, **kwargs: Any) -> Any:
            return wrapper(original, obj, *args, **kwargs)

        # name, docs and __wrapped__: inspect (and a traceback's reader) sees moto's method
        functools.update_wrapper(method, original)
        setattr(owner, name, method)

    def set(self, owner: Any, name: str, value: Any) -> None:
        """Set an attribute (a property, a class attribute) until :meth:`restore`."""
        own = owner.__dict__.get(name, _MISSING) if isinstance(owner, type) else getattr(
            owner, name, _MISSING)
        self._originals.append((owner, name, own))
        setattr(owner, name, value)

    def set_item(self, mapping: MutableMapping[str, Any], key: str, value: Any) -> None:
        """Set ``mapping[key]`` (a config switch, a registry entry) until :meth:`restore`."""
        self._items.append((mapping, key, mapping.get(key, _MISSING)))
        mapping[key] = value

    def restore(self) -> None:
        for owner, name, original in reversed(self._originals):
            if original is _MISSING:
                try:
                    delattr(owner, name)
                except AttributeError:
                    pass
            else:
                setattr(owner, name, original)
        self._originals.clear()
        for mapping, key, original in reversed(self._items):
            if original is _MISSING:
                mapping.pop(key, None)
            else:
                mapping[key] = original
        self._items.clear()
