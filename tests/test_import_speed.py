"""Importing the cloud builds no IRI grammar (seconds off every kernel's first cell), and
takes nothing away from anyone: jsonschema's ``iri`` formats still work in that process,
building the grammars only when first used; ``import lambdalab`` alone changes nothing."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
{imports}
import jsonschema
checker = jsonschema.Draft7Validator.FORMAT_CHECKER
loaded_before = sorted(m for m in ("lark",) if m in sys.modules)
bad = list(jsonschema.Draft7Validator({{"format": "iri"}}, format_checker=checker
                                     ).iter_errors("http://[bad"))
print(json.dumps({{"loaded_before": loaded_before, "formats": sorted(checker.checkers),
                  "bad_iri_refused": len(bad) == 1,
                  "loaded_after": sorted(m for m in ("lark",) if m in sys.modules)}}))
"""


def probe(imports: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE.format(imports=imports)],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    return json.loads(out.splitlines()[-1])


def test_importing_the_cloud_defers_the_grammars_until_an_iri_is_checked():
    found = probe("import lambdalab.cloud")
    assert found["loaded_before"] == []  # no Earley parser built by importing moto
    assert {"iri", "iri-reference", "uri", "email", "date-time"} <= set(found["formats"])
    assert found["bad_iri_refused"]  # the real check ran...
    assert found["loaded_after"] == ["lark"]  # ...once something used it


def test_a_process_that_loaded_the_grammars_first_keeps_them():
    found = probe("import rfc3987_syntax\nimport lambdalab.cloud")
    assert found["loaded_before"] == ["lark"]
    assert found["bad_iri_refused"]


def test_importing_lambdalab_alone_leaves_the_grammars_alone():
    """An execution environment imports ``lambdalab.runtime``: a handler's own jsonschema
    must behave exactly as it does anywhere else."""
    out = subprocess.run([sys.executable, "-c", "import sys, lambdalab.runtime.launch; "
                          "print('rfc3987_syntax' in sys.modules)"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    assert out.strip() == "False"
