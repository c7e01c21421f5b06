"""Importing the cloud skips the IRI grammars that cost every kernel seconds, and nothing
the cloud validates with jsonschema loses a format it uses."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
import lambdalab.cloud, jsonschema
checker = jsonschema.Draft7Validator.FORMAT_CHECKER
print(json.dumps({"loaded": sorted(m for m in ("rfc3987_syntax", "lark") if sys.modules.get(m)),
                  "formats": sorted(checker.checkers)}))
"""


def probe(preload: str = "") -> dict:
    out = subprocess.run([sys.executable, "-c", preload + PROBE], capture_output=True,
                         text=True, check=True, timeout=120).stdout
    return json.loads(out.splitlines()[-1])


def test_importing_the_cloud_builds_no_iri_grammar_and_keeps_the_other_formats():
    found = probe()
    assert found["loaded"] == []
    assert "iri" not in found["formats"]
    assert {"uri", "email", "date-time", "ipv4", "regex"} <= set(found["formats"])


def test_a_process_that_loaded_the_grammars_first_keeps_them():
    found = probe("import rfc3987_syntax\n")
    assert "rfc3987_syntax" in found["loaded"]
    assert {"iri", "iri-reference"} <= set(found["formats"])
