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


def wildcard_grants(text: str) -> list[str]:
    """The lines of a template's policies that grant a wildcard: an action of ``*`` or
    ``service:*``, or a resource of ``*`` (a lab grants each function what it calls, by ARN;
    a log group's ``:*`` suffix names its streams and is not counted)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        key, _, value = line.strip().lstrip("- ").partition(":")
        value = value.strip()
        if key == "Action" and any(item.strip(" '\"").endswith("*") or item.strip(" '\"") == "*"
                                   for item in value.strip("[]").split(",")):
            found.append(f"{number}: {line.strip()}")
        elif key == "Resource" and value.strip("'\"") == "*":
            found.append(f"{number}: {line.strip()}")
    return found


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.parent.name)
def test_no_lab_role_grants_a_wildcard(template):
    """Least privilege, kept: with IAM deciding in the local cloud, each lab's tests prove
    its grants suffice; this proves none grants more than named actions on named ARNs."""
    assert wildcard_grants(template.read_text()) == []


def test_a_wildcard_grant_is_found():
    assert wildcard_grants("                Action: lambda:*\n"
                           "                Resource: !GetAtt Fn.Arn\n"
                           "              - Action: [s3:GetObject, '*']\n"
                           "                Resource: '*'\n") == [
        "1: Action: lambda:*", "3: - Action: [s3:GetObject, '*']", "4: Resource: '*'"]
    assert wildcard_grants("                Action: [logs:PutLogEvents]\n                "
                           "Resource: !Sub 'arn:aws:logs:r:a:log-group:/aws/lambda/x:*'\n") == []
