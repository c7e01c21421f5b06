"""Which Runtime API client the execution environments use: awslambdaric's native one or ours.

awslambdaric publishes wheels for Linux only; elsewhere (macOS) pip builds it from source
without its native ``runtime_client`` module, and the environments run on the pure-Python
client in :mod:`lambdalab.runtime.runtime_client`. Both hand the bootstrap the same values,
and the test suite runs in both modes to keep it so.
"""

from __future__ import annotations

import importlib.util
import os

NATIVE = "native"
PYTHON = "python"
AUTO = "auto"
MODES = (AUTO, NATIVE, PYTHON)
ENV_VAR = "LAMBDALAB_RUNTIME_CLIENT"


def native_available() -> bool:
    """Whether awslambdaric's native module is installed (it builds only on Linux)."""
    return importlib.util.find_spec("runtime_client") is not None


def resolve(requested: str | None = None) -> str:
    """The mode to run: ``requested``, else ``$LAMBDALAB_RUNTIME_CLIENT``, else ``auto``.

    ``auto`` means native where it is installed, the pure-Python client elsewhere.
    """
    mode = (requested or os.environ.get(ENV_VAR) or AUTO).strip().lower()
    if mode not in MODES:
        raise ValueError(f"runtime_client must be one of {', '.join(MODES)}, not {mode!r} "
                         f"(from {'the argument' if requested else ENV_VAR})")
    if mode == AUTO:
        return NATIVE if native_available() else PYTHON
    if mode == NATIVE and not native_available():
        raise ValueError("awslambdaric's native runtime client is not installed here (it "
                         "builds only on Linux); use runtime_client='python' or 'auto'")
    return mode
