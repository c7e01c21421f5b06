"""Every lab template is valid CloudFormation for a real AWS account.

No test here can reach AWS, so cfn-lint (pinned in requirements.txt) checks each template
against AWS's resource specifications. W3002 ("may only work with 'package'") is expected:
the labs' ``Code:`` properties name local folders, which ``aws cloudformation package``
uploads, as their READMEs say.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

LABS = Path(__file__).resolve().parent.parent / "labs"
TEMPLATES = sorted(LABS.glob("*/template.yaml"))


def test_every_lab_has_a_template():
    labs = sorted(p for p in LABS.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert labs, "no lab folders found"
    assert [p.parent for p in TEMPLATES] == labs


CFN_LINT = Path(sys.executable).with_name("cfn-lint")


def cfn_lint(template: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CFN_LINT), "--ignore-checks", "W3002", "--", str(template)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.parent.name)
def test_template_passes_cfn_lint(template):
    lint = cfn_lint(template)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_cfn_lint_catches_a_template_aws_would_reject(tmp_path):
    broken = tmp_path / "template.yaml"
    broken.write_text("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
                      "    Properties:\n      Runtime: python2.7\n      Handler: app.handler\n")
    lint = cfn_lint(broken)
    assert lint.returncode != 0
    assert "E3" in lint.stdout  # missing Role and Code, a deprecated runtime
