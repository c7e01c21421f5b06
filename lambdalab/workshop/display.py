"""Show lab code, invoke responses and logs in a notebook, readably and reproducibly."""

from __future__ import annotations

import ast
import base64
import json
from pathlib import Path
from typing import Any


def show_source(path: str | Path, name: str | None = None) -> Any:
    """Syntax-highlighted source of a lab file, or of one function or class in it."""
    from IPython.display import Code

    source = Path(path).read_text()
    if name is not None:
        tree = ast.parse(source)
        found = [node for node in ast.walk(tree)
                 if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name]
        if not found:
            raise ValueError(f"{name} is not defined in {Path(path).name}")
        source = ast.get_source_segment(source, found[0]) or ""
    return Code(source, language="python")


def show_invoke(response: dict[str, Any]) -> Any:
    """Print what ``invoke()`` answered and return the decoded payload.

    ``Payload`` is a stream that can be read once: this reads it, so use the returned
    value afterwards. A ``LogResult`` (``LogType="Tail"``) is printed decoded, never as
    base64, so stored outputs stay readable and comparable.
    """
    body = response["Payload"].read()
    try:
        payload = json.loads(body) if body else None
    except ValueError:
        payload = body.decode("utf-8", "replace")
    print(f"StatusCode:      {response['StatusCode']}")
    print(f"FunctionError:   {response.get('FunctionError', '(absent)')}")
    if "ExecutedVersion" in response:
        print(f"ExecutedVersion: {response['ExecutedVersion']}")
    print("Payload:")
    print(json.dumps(payload, indent=2, ensure_ascii=False))
    if "LogResult" in response:  # LogType="Tail": the last 4 KB of the log, base64-encoded
        print("LogResult (decoded):")
        for line in base64.b64decode(response["LogResult"]).decode("utf-8", "replace").splitlines():
            print(f"  {line}")
    return payload


def show_logs(cloud: Any, function_name: str, last: int | None = None) -> None:
    """Print a function's CloudWatch log lines (optionally only the last ``last``)."""
    lines = cloud.logs(function_name)
    for line in lines[-last:] if last else lines:
        print(line.replace("\u00a0", " "))
