"""Checks Lambda makes when a function is created or reconfigured, which moto skips.

They run inside moto's backend methods, so functions created by CloudFormation stacks
are checked exactly like functions created by API calls.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException

# docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
RESERVED_KEYS = (
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
)
ENVIRONMENT_LIMIT_BYTES = 4096


def check_environment(config: dict[str, Any]) -> None:
    """Reject reserved keys and variables over 4 KB with Lambda's own messages."""
    variables = (config.get("Environment") or {}).get("Variables") or {}
    reserved = [key for key in variables if key in RESERVED_KEYS]
    if reserved:
        raise InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the "
            "environment variables you have provided contains reserved keys that are "
            f"currently not supported for modification. Reserved keys used in this request: "
            f"{', '.join(reserved)}")
    measured = json.dumps(variables, separators=(",", ":"), ensure_ascii=False)
    if len(measured.encode()) > ENVIRONMENT_LIMIT_BYTES:
        raise InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the "
            "environment variables you have provided exceeded the 4KB limit. String "
            f"measured: {measured}")


def check_zip(code: dict[str, Any]) -> None:
    """A ZipFile that is not a zip archive is refused at upload, as on AWS."""
    data = code.get("ZipFile")
    if data is None:
        return
    # the API hands moto base64 text; CloudFormation's inline ZipFile arrives as base64 bytes
    if isinstance(data, (str, bytes)) and not zipfile.is_zipfile(io.BytesIO(_as_bytes(data))):
        import base64

        try:
            data = base64.b64decode(data, validate=True)
        except ValueError:
            data = b""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidParameterValueException(
            "Could not unzip uploaded file. Please check your file, then try to upload again.")


def _as_bytes(data: str | bytes) -> bytes:
    return data.encode("latin-1", "replace") if isinstance(data, str) else data
