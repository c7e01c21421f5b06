"""Handler code the recorded cases ran, as far as their answers show it."""

from __future__ import annotations

# What the recorded handlers answered about their context (a module-level function that
# each handler below includes).
CONTEXT_OF = '''
def context_of(context):
    return {
        "invoked_function_arn": context.invoked_function_arn,
        "function_version": context.function_version,
        "function_name": context.function_name,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "client_context": context.client_context}
'''


def with_line_at(source: str, marker: str, line: int) -> str:
    """``source`` with blank lines after its first line, so that the line holding
    ``marker`` is line ``line``: a recorded stack trace names that line."""
    first, rest = source.split("\n", 1)
    at = source.splitlines().index(next(s for s in source.splitlines() if marker in s)) + 1
    if at > line:
        raise ValueError(f"{marker!r} is already on line {at}, after {line}")
    return first + "\n" * (line - at + 1) + rest
