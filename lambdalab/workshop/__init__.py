"""Helpers for the workshop notebooks: show lab code and results, check exercises."""

from lambdalab.workshop.checks import Case, Verdict, check, evaluate
from lambdalab.workshop.display import show_invoke, show_logs, show_source
from lambdalab.workshop.labs import deploy_lab, lab_path

__all__ = ["Case", "Verdict", "check", "evaluate", "show_invoke", "show_logs", "show_source",
           "deploy_lab", "lab_path"]
