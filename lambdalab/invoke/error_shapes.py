"""moto's Lambda error bodies, reshaped as AWS writes them (recorded on AWS in 2025).

AWS's body carries ``Type: User`` and the message under ``Message`` for a missing
resource, under ``message`` otherwise; a function it did not find is named by its
qualified ARN (``...:function:name:$LATEST`` when the call named no version).
ValidationException bodies are left alone: AWS sends those without ``Type``.
"""

from __future__ import annotations

import json
import re
from typing import Any

UNQUALIFIED_NOT_FOUND = re.compile(r"^(Function not found: arn:[^:]+:lambda:[^:]+:\d{12}:"
                                   r"function:[^:\s]+)$")
LEFT_ALONE = {"ValidationException"}


def reshaped(code: str, body: bytes) -> bytes | None:
    """The body AWS would send for this error, or None when it needs no change."""
    if code in LEFT_ALONE:
        return None
    try:
        document: Any = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    message = document.pop("message", None) or document.pop("Message", None)
    if not isinstance(message, str):
        return None
    document.pop("__type", None)
    if code == "ResourceNotFoundException":
        message = UNQUALIFIED_NOT_FOUND.sub(r"\1:$LATEST", message)
    key = "Message" if code == "ResourceNotFoundException" else "message"
    return json.dumps({**document, "Type": "User", key: message}).encode()
