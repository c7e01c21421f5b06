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


UNREADABLE_ZIP = ("Could not unzip uploaded file. Please check your file, then try to "
                  "upload again.")
# docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
UNZIPPED_LIMIT_BYTES = 262_144_000
MAX_ENTRIES = 50_000  # this cloud's own bound: AWS states none, but unpacks in a sandbox
NO_SUCH_KEY = ("Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: "
               "The specified key does not exist.")


def check_package(code: dict[str, Any], account: str) -> None:
    """The deployment package (``ZipFile``, or ``S3Bucket``/``S3Key``) as Lambda checks it
    at create and update: it must exist, be a zip, and stay within 250 MB unzipped; read
    from the zip's directory, before anything is unpacked."""
    data: bytes | None = None
    if code.get("ZipFile") is not None:
        data = _zip_bytes(code["ZipFile"])
    elif code.get("S3Bucket") and code.get("S3Key"):
        # None for a missing bucket: moto refuses it itself, with AWS's message
        data = _s3_object(account, code["S3Bucket"], code["S3Key"], code.get("S3ObjectVersion"))
    if data is None:
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise InvalidParameterValueException(UNREADABLE_ZIP) from None
    if sum(member.file_size for member in members) >= UNZIPPED_LIMIT_BYTES:
        raise InvalidParameterValueException(
            f"Unzipped size must be smaller than {UNZIPPED_LIMIT_BYTES} bytes")
    if len(members) > MAX_ENTRIES:
        raise InvalidParameterValueException(
            f"The deployment package holds {len(members)} files and folders; this local cloud "
            f"unpacks at most {MAX_ENTRIES}.")


def _zip_bytes(data: Any) -> bytes:
    """The API hands moto base64 text; CloudFormation's inline ZipFile arrives as base64
    bytes; a zip's own bytes are taken as they are."""
    raw = _as_bytes(data) if isinstance(data, (str, bytes)) else b""
    if zipfile.is_zipfile(io.BytesIO(raw)):
        return raw
    import base64

    try:
        return base64.b64decode(raw, validate=True)
    except ValueError:
        return b""


def _s3_object(account: str, bucket: str, key: str, version: str | None) -> bytes | None:
    from moto.s3.exceptions import MissingBucket
    from moto.s3.models import s3_backends

    try:
        found = s3_backends[account]["aws"].get_object(bucket, key, version_id=version)
    except MissingBucket:
        return None
    if found is None:
        raise InvalidParameterValueException(NO_SUCH_KEY)
    return bytes(found.value)


def _as_bytes(data: str | bytes) -> bytes:
    return data.encode("latin-1", "replace") if isinstance(data, str) else data
