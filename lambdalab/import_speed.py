"""Keep a notebook's first cell fast: skip a grammar nothing here uses.

moto's CloudFormation imports its API Gateway models, which import
``openapi_spec_validator`` and so ``jsonschema``; when ``rfc3987_syntax`` is installed
(Jupyter's ``nbformat`` pulls it in through ``jsonschema[format-nongpl]``), jsonschema's
format checker imports it, and it builds some 35 Earley parsers at import time: about 4 s
of every kernel's start on a 2-core laptop, for the ``iri`` formats that no schema of moto
or of the cloud checks (https://github.com/python-jsonschema/jsonschema/issues/1428).

Marking the module absent makes jsonschema skip those two formats, in this process only
(the Jupyter server, which validates notebooks, is another process). A process that
imported ``rfc3987_syntax`` before lambdalab keeps it.
"""

from __future__ import annotations

import sys

SKIPPED = "rfc3987_syntax"


def skip_iri_grammars() -> None:
    """Make ``import rfc3987_syntax`` fail fast here, unless it is already loaded."""
    sys.modules.setdefault(SKIPPED, None)  # type: ignore[arg-type]
