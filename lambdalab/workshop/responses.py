"""What an invoked function answered, as the exercise checks read it.

Every check invokes a function and looks at two things: whether the response carries
``FunctionError``, and the decoded ``Payload`` (an error document when it does).
"""

from __future__ import annotations

import json
from typing import Any


def decoded(response: dict[str, Any]) -> Any:
    """The response's ``Payload``, read once and decoded (None when it is empty)."""
    body = response["Payload"].read()
    return json.loads(body) if body else None


def invoke_decoded(lam: Any, function_name: str, payload: Any) -> tuple[str | None, Any]:
    """Invoke synchronously with ``payload`` as JSON: (``FunctionError`` or None, the answer)."""
    response = lam.invoke(FunctionName=function_name, Payload=json.dumps(payload))
    return response.get("FunctionError"), decoded(response)


def error_summary(result: Any) -> str:
    """``errorType: errorMessage`` of an error document; ``?: <the answer>`` for anything
    else, so that an odd answer still shows in the case's reason."""
    error = result if isinstance(result, dict) else {}
    return f"{error.get('errorType', '?')}: {error.get('errorMessage', result)}"
