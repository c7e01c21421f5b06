"""Keep a notebook's first cell fast: build the IRI grammars only when something uses them.

moto's CloudFormation imports its API Gateway models, which import
``openapi_spec_validator`` and so ``jsonschema``; when ``rfc3987_syntax`` is installed
(Jupyter's ``nbformat`` pulls it in through ``jsonschema[format-nongpl]``), jsonschema's
format checker imports it, and it builds some 35 Earley parsers at import time: about 4 s
of every kernel's start on a 2-core laptop, for the ``iri`` formats that no schema of moto
or of the cloud checks (https://github.com/python-jsonschema/jsonschema/issues/1428).

So before the cloud imports moto, ``rfc3987_syntax`` is registered as a stand-in that loads
the real module the first time anything uses it. Nothing changes for other code in the
process (a learner's own jsonschema validation of ``iri`` formats still works, paying the
4 s then); only when the grammars are built does. A process that imported
``rfc3987_syntax`` first keeps it as it is.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

GRAMMARS = "rfc3987_syntax"
TAKEN_AT_IMPORT = ("is_valid_syntax",)  # what jsonschema's format module imports from it
_loading = threading.Lock()


class DeferredModule(ModuleType):
    """Stands in ``sys.modules`` for a module until one of its attributes is used."""

    def __getattr__(self, name: str) -> Any:  # only for attributes the stand-in lacks
        if name.startswith("__"):  # the import system's probes (__path__, ...): not a use
            raise AttributeError(name)
        if name in TAKEN_AT_IMPORT:
            return _deferred_function(self.__name__, name)
        return getattr(load_real(self.__name__), name)


def _deferred_function(module: str, name: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(load_real(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def load_real(module: str) -> ModuleType:
    """Import the real module in place of its stand-in (once), and return it."""
    with _loading:
        current = sys.modules.get(module)
        if current is not None and not isinstance(current, DeferredModule):
            return current
        sys.modules.pop(module, None)
        try:
            return importlib.import_module(module)
        except BaseException:
            if current is not None:
                sys.modules[module] = current
            raise


def defer_iri_grammars() -> None:
    """Register the stand-in for ``rfc3987_syntax``, if it is installed and not yet loaded."""
    if GRAMMARS in sys.modules:
        return
    spec = importlib.util.find_spec(GRAMMARS)
    if spec is None:
        return
    stand_in = DeferredModule(GRAMMARS)
    stand_in.__spec__ = spec
    sys.modules[GRAMMARS] = stand_in
