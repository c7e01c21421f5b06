"""Find and deploy the lab folders that sit next to this package in the repository."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from lambdalab.deploy import deploy_stack

REPOSITORY = Path(__file__).resolve().parents[2]


def lab_path(lab: str, *parts: str) -> Path:
    """``labs/<lab>/<parts...>`` in the repository (the package is installed editable)."""
    path = REPOSITORY / "labs" / lab
    if not path.is_dir():
        raise FileNotFoundError(f"no lab folder labs/{lab} in {REPOSITORY.name}")
    return path.joinpath(*parts)


def import_file(path: Path, name: str) -> ModuleType:
    """The Python file at ``path``, imported as module ``name`` (a lab's module, to try it
    in the notebook as the deployed function uses it).

    It is registered in ``sys.modules``, where dataclasses look their module up.
    """
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def deploy_lab(cloud: Any, lab: str, stack_name: str,
               parameters: dict[str, str] | None = None) -> dict[str, str]:
    """Deploy ``labs/<lab>/template.yaml`` into ``cloud``; returns the stack outputs.

    ``parameters`` override the template's defaults, as ``--parameter-overrides`` does.
    """
    return deploy_stack(cloud, lab_path(lab, "template.yaml"), stack_name, parameters)
