"""Helpers for the workshop notebooks: a re-runnable cloud, lab code and results, exercises.

- ``start_cloud()``: the notebook's first code cell; safe to run again.
- ``deploy_lab``, ``deploy_function``, ``lab_path``, ``show_source``, ``show_invoke``,
  ``show_logs``: run a lab and show what happened.
- ``Prediction``: the "predict the output" step before a reveal.
- ``Exercise``, ``Case``, ``Mistake``: checks with per-case feedback, targeted messages
  and staged hints; ``LabFunction``, ``LabTemplateEdit``: fix-the-lab exercises that deploy
  the learner's code or template.
- ``show_progress``: a notebook's last cell, the attendee's verdicts in it.
"""

from lambdalab.progress import show_progress
from lambdalab.workshop.checks import AnswerError, Case, Exercise, Mistake, Report, Verdict
from lambdalab.workshop.display import show_invoke, show_logs, show_source
from lambdalab.workshop.fix_lab import LabFunction
from lambdalab.workshop.fix_template import LabTemplateEdit
from lambdalab.workshop.functions import allow_invoke, deploy_function
from lambdalab.workshop.labs import deploy_lab, lab_path
from lambdalab.workshop.predict import Prediction
from lambdalab.workshop.session import current_cloud, start_cloud

__all__ = ["AnswerError", "Case", "Exercise", "Mistake", "Report", "Verdict", "LabFunction",
           "LabTemplateEdit", "Prediction", "allow_invoke", "current_cloud", "start_cloud",
           "deploy_function", "deploy_lab", "lab_path", "show_invoke", "show_logs", "show_progress",
           "show_source"]
