"""Show lab code, invoke responses and logs in a notebook, readably and reproducibly."""

from __future__ import annotations

import ast
import base64
import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambdalab.workshop.labs import REPOSITORY

REPORT_FIELDS_PER_LINE = 3  # fixed, not width-based: the same breaks whatever the durations
OUTPUT_WIDTH = 86  # characters that a default-width JupyterLab shows on one output line


@dataclass(frozen=True)
class SourceView:
    """Source shown from a lab file, with a caption naming where it comes from.

    JupyterLab renders the Markdown form (a caption and a highlighted code block, styled by
    the notebook's own theme, nothing stored but the text); other viewers show the text.
    """

    caption: str
    source: str
    language: str = "python"  # the code block's, for highlighting: "yaml" for a template

    def _repr_markdown_(self) -> str:
        return f"{self.caption}\n\n```{self.language}\n{self.source}\n```"

    def __repr__(self) -> str:
        return f"{self.caption}\n\n{self.source}"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


def show_source(path: str | Path, *names: str) -> SourceView:
    """Highlighted source of a lab file, or of the top-level functions or classes named
    (in the order given, a blank line apart)."""
    path = Path(path)
    source = path.read_text()
    shown = f"`{_repository_path(path)}`"
    if names:
        tree = ast.parse(source)
        defined = {node.name: node for node in tree.body
                   if isinstance(node, ast.FunctionDef | ast.ClassDef)}
        missing = [name for name in names if name not in defined]
        if missing:
            raise ValueError(f"{missing[0]} is not defined in {path.name}")
        source = "\n\n\n".join(ast.get_source_segment(source, defined[name]) or ""
                                for name in names)
        shown = f"{', '.join(f'`{name}`' for name in names)} in {shown}"
    return SourceView(f"*{shown}, as deployed (a view: edit the lab file, not this)*",
                      source.rstrip("\n"))


def _repository_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPOSITORY).as_posix()
    except ValueError:
        return path.name


def show_invoke(response: dict[str, Any]) -> Any:
    """Print what ``invoke()`` answered and return the decoded payload.

    ``Payload`` is a stream that can be read once: this reads it, so use the returned
    value afterwards. A ``stackTrace`` prints as the lines of a traceback, not as escaped
    strings; a ``LogResult`` (``LogType="Tail"``) prints decoded, never as base64, so
    stored outputs stay readable and comparable.
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
    print(readable_json(payload))
    if "LogResult" in response:  # LogType="Tail": the last 4 KB of the log, base64-encoded
        print("LogResult (decoded):")
        for line in base64.b64decode(response["LogResult"]).decode("utf-8", "replace").splitlines():
            print(f"  {line}")
    return payload


def readable_json(value: Any) -> str:
    """Indented JSON in which every ``stackTrace`` list prints as traceback lines."""
    traces: list[list[str]] = []

    def mark(node: Any) -> Any:
        if isinstance(node, list):
            return [mark(item) for item in node]
        if not isinstance(node, dict):
            return node
        marked = {}
        for key, item in node.items():
            if key == "stackTrace" and _is_trace(item):
                traces.append(item)
                marked[key] = _marker(len(traces) - 1)
            else:
                marked[key] = mark(item)
        return marked

    rows = []
    for row in json.dumps(mark(value), indent=2, ensure_ascii=False).splitlines():
        number = next((n for n in range(len(traces)) if json.dumps(_marker(n)) in row), None)
        if number is None:
            rows.append(row)
            continue
        quoted = json.dumps(_marker(number))
        indent = " " * (len(row) - len(row.lstrip()))
        before, after = row.split(quoted, 1)
        rows.append(before + "[")
        rows += [f"{indent}  {line}" for frame in traces[number] for line in frame.splitlines()]
        rows.append(f"{indent}]{after}")
    return "\n".join(wrapped for row in rows for wrapped in _wrap(row))


def _wrap(row: str) -> list[str]:
    """A long JSON line broken between words, continuing under the start of its value.

    JupyterLab breaks a long output line anywhere, even mid-word; this breaks it first, at
    spaces only (never in a request id), so the same text gives the same lines.
    """
    if len(row) <= OUTPUT_WIDTH:
        return [row]
    indent = len(row) - len(row.lstrip())
    value_at = row.find('": "') + 3 if '": "' in row else indent
    lines = textwrap.wrap(row[indent:], width=OUTPUT_WIDTH - indent, break_long_words=False,
                          break_on_hyphens=False, subsequent_indent=" " * (value_at - indent + 1))
    if any(indent + len(line) > OUTPUT_WIDTH for line in lines):  # a long word (an ARN):
        lines = textwrap.wrap(row[indent:], width=OUTPUT_WIDTH - indent,  # under the key
                              break_long_words=False, break_on_hyphens=False,
                              subsequent_indent="  ")
    return [" " * indent + line for line in lines]


def _marker(number: int) -> str:
    return f"\x00stackTrace {number}\x00"


def _is_trace(item: Any) -> bool:
    return bool(item) and isinstance(item, list) and all(isinstance(f, str) for f in item)


def show_logs(cloud: Any, function_name: str, last: int | None = None) -> None:
    """Print a function's CloudWatch log lines (optionally only the last ``last``).

    ``REPORT`` lines, one tab-separated line of six fields in CloudWatch, print on three
    lines, so that a default-width notebook does not wrap them mid-word.
    """
    lines = cloud.logs(function_name)
    for line in lines[-last:] if last else lines:
        print(readable_log_line(line.replace("\u00a0", " ")))


PLATFORM_NOTE = re.compile(r"^(\d{4}-\d\d-\d\dT[\d:.]+Z) ([0-9a-f-]{36}) (.+)$")


def readable_log_line(line: str) -> str:
    """A ``REPORT``/``INIT_REPORT`` line with its fields grouped on indented lines; a
    timestamped note of Lambda's (``... <request id> Task timed out after 5.00 seconds``)
    too wide for the notebook, with its text on an indented second line."""
    note = PLATFORM_NOTE.match(line.rstrip("\n"))
    if note and len(line.rstrip("\n")) > OUTPUT_WIDTH:
        return f"{note[1]} {note[2]}\n    {note[3]}"
    kind = line.split(" ", 1)[0]
    if kind not in ("REPORT", "INIT_REPORT") or "\t" not in line:
        return line.rstrip("\n")
    fields = [f for f in line.strip().split("\t") if f]
    indent = " " * (len(kind) + 1)
    rows = [fields[0]] + ["  ".join(fields[i:i + REPORT_FIELDS_PER_LINE])
                          for i in range(1, len(fields), REPORT_FIELDS_PER_LINE)]
    return ("\n" + indent).join(rows)
