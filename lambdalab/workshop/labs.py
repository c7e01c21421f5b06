"""Find and deploy the lab folders that sit next to this package in the repository."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambdalab.deploy import deploy_stack

REPOSITORY = Path(__file__).resolve().parents[2]


def lab_path(lab: str, *parts: str) -> Path:
    """``labs/<lab>/<parts...>`` in the repository (the package is installed editable)."""
    path = REPOSITORY / "labs" / lab
    if not path.is_dir():
        raise FileNotFoundError(f"no lab folder labs/{lab} in {REPOSITORY.name}")
    return path.joinpath(*parts)


def deploy_lab(cloud: Any, lab: str, stack_name: str,
               parameters: dict[str, str] | None = None) -> dict[str, str]:
    """Deploy ``labs/<lab>/template.yaml`` into ``cloud``; returns the stack outputs.

    ``parameters`` override the template's defaults, as ``--parameter-overrides`` does.
    """
    return deploy_stack(cloud, lab_path(lab, "template.yaml"), stack_name, parameters)
