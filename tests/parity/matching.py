"""Responses recorded on AWS, and how the cloud's responses are compared with them.

A recorded response (``recorded/*.json``, see README.md) holds placeholders where AWS's
values vary from run to run. A numbered one (``<uuid:1>``, ``<function-name:2>``) stands
for one value: the same number is the same value throughout a case, two numbers of one
kind are two values. An unnumbered one (``<uuid>``, ``<region>``) and the words
``"datetime"``, ``"date"``, ``"timestamp"`` stand for a value of that form. Everything
else (status codes, error codes and messages, keys, types) must be equal.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).parent / "recorded"
ACCOUNT = "111111111111"  # the recordings' account id; the cloud's is bound to it
PLACEHOLDER = re.compile(r"<([a-z0-9_-]+)(?::(\d+))?>")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMES = {"datetime", "date", "timestamp"}
PRESENT = {"log-result"}  # a word that says only that a value was there
ISO_TIME = r"\d{4}-\d{2}-\d{2}T[\d:.]+Z?"
EMBEDDED_DATE = re.compile(r"(?<=\t)date(?=\t)")  # a log line's time, tab-separated
FORMS = {  # what an unnumbered placeholder or a volatile word may stand for
    "uuid": UUID.pattern,
    "region": r"[a-z]{2}(?:-[a-z]+)+-\d",
    "partition": r"aws(?:-[a-z]+)*",
    "duration": r"[\d.]+",
    "md5-of-body": r"[0-9a-f]{32}",
    "sender-id": r"[A-Z0-9:]+",
    "module": r"<module>",
    "iso-time": ISO_TIME,
}

def recorded(file: str, case: str) -> dict[str, Any]:
    """One recorded case's responses, by the snapshot key under which they were recorded."""
    cases = json.loads((RECORDED / f"{file}.json").read_text())
    return cases[case]["recorded-content"]


def as_recorded(response: Any) -> Any:
    """A boto3 response (or a ClientError's) in the recordings' shape: ``ResponseMetadata``
    reduced to its status code, a streamed ``Payload`` read, JSON strings parsed."""
    if isinstance(response, dict):
        shaped = {key: as_recorded(value) for key, value in response.items()
                  if key != "ResponseMetadata"}
        if "ResponseMetadata" in response:
            shaped["ResponseMetadata"] = {
                "HTTPHeaders": {},
                "HTTPStatusCode": response["ResponseMetadata"]["HTTPStatusCode"]}
        return shaped
    if isinstance(response, list):
        return [as_recorded(item) for item in response]
    if hasattr(response, "read"):  # a StreamingBody
        return as_recorded(response.read().decode())
    if isinstance(response, bytes):
        return as_recorded(response.decode())
    if isinstance(response, str) and response[:1] in "{[" and response == response.strip():
        try:
            return as_recorded(json.loads(response))
        except ValueError:
            return response
    return response


class Bindings:
    """What each numbered placeholder stood for in this case, the first time it was seen."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def pattern(self, expected: str) -> tuple[str, dict[str, str]]:
        """A regular expression for a recorded string, and which of its named groups
        stands for which numbered placeholder not bound yet."""
        expected = EMBEDDED_DATE.sub("<iso-time>", expected)
        parts, groups, last = [], {}, 0
        for found in PLACEHOLDER.finditer(expected):
            parts.append(re.escape(expected[last:found.start()]))
            kind, number = found.groups()
            name = f"{kind}:{number}"
            if number is None:
                parts.append(f"(?:{FORMS.get(kind, '.+?')})")
            elif name in self.values:
                parts.append(re.escape(self.values[name]))
            elif name in groups.values():  # seen earlier in this same string
                group = next(g for g, n in groups.items() if n == name)
                parts.append(f"(?P={group})")
            else:
                group = f"p{len(groups)}"
                groups[group] = name
                parts.append(f"(?P<{group}>.+?)")
            last = found.end()
        parts.append(re.escape(expected[last:]))
        return "".join(parts).replace(re.escape(ACCOUNT), r"\d{12}"), groups

    def match(self, expected: str, actual: str) -> bool:
        if expected in TIMES:
            return _is_time(actual)
        if expected in PRESENT:
            return bool(actual)
        pattern, groups = self.pattern(expected)
        found = re.fullmatch(pattern, actual, flags=re.S)
        if not found:
            return False
        for group, name in groups.items():
            self.values[name] = found.group(group)
        return True


def _is_time(value: Any) -> bool:
    if isinstance(value, datetime):
        return True
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True
    return isinstance(value, str) and bool(re.match(r"\d{4}-\d{2}-\d{2}|\d{10,13}$", value))


def differences(expected: Any, actual: Any, bindings: Bindings, where: str = "") -> list[str]:
    """Where ``actual`` differs from the recorded ``expected``; empty when it matches."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where or '.'}: expected an object, got {actual!r:.120}"]
        found = []
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                found.append(f"{where}.{key}: missing (AWS: {expected[key]!r:.80})")
            elif key not in expected:
                found.append(f"{where}.{key}: not in AWS's response (here: {actual[key]!r:.80})")
            else:
                found += differences(expected[key], actual[key], bindings, f"{where}.{key}")
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected {len(expected)} items, got {actual!r:.160}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual, strict=True))
                for d in differences(e, a, bindings, f"{where}[{i}]")]
    if isinstance(expected, str) and isinstance(actual, datetime) and expected in TIMES:
        return []
    if isinstance(expected, str) and isinstance(actual, str | int | float) and \
            not isinstance(actual, bool) and (
                expected in TIMES | PRESENT or PLACEHOLDER.search(expected)
                or ACCOUNT in expected or EMBEDDED_DATE.search(expected)):
        return [] if bindings.match(expected, str(actual)) else [
            f"{where}: expected {expected!r:.200}, got {actual!r:.200}"]
    if expected != actual or type(expected) is not type(actual):
        return [f"{where}: expected {expected!r:.200}, got {actual!r:.200}"]
    return []
