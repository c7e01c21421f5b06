"""Checks a request's AWS Signature Version 4 against the credentials the cloud knows.

The signature itself is computed by moto's own verifier (``moto.iam.access_control``,
built on botocore's signers), given credentials the cloud issued: the cloud never trusts
an access key it did not issue, or that IAM or STS (moto) did not.
"""

from __future__ import annotations

from typing import Any, cast

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.credentials import Credentials as BotocoreCredentials
from moto.iam.access_control import CreateAccessKeyFailure, IAMRequestBase, create_access_key
from moto.utilities.utils import get_partition

from lambdalab.access.credentials import Credentials, CredentialStore

UNSIGNED = "unsigned"
MALFORMED = "malformed"
UNKNOWN_KEY = "unknown key"
BAD_TOKEN = "bad session token"
BAD_SIGNATURE = "bad signature"


class Refusal(Exception):
    """Why a request is refused, and the service it was signed for (if it says)."""

    def __init__(self, reason: str, service: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.service = service


def _between(text: str, start: str, end: str) -> str:
    return text.partition(start)[2].partition(end)[0]


class _KnownKey:
    """What moto's verifier asks of an access key: its credentials."""

    def __init__(self, credentials: BotocoreCredentials) -> None:
        self._credentials = credentials

    def create_credentials(self) -> BotocoreCredentials:
        return self._credentials


class _SignedRequest(IAMRequestBase):
    """moto's verifier, fed with a key the cloud looked up itself."""

    def __init__(self, method: str, path: str, body: bytes, headers: dict[str, str],
                 credentials: BotocoreCredentials, service: str, region: str) -> None:
        # The attributes moto's signature methods read; its own key lookup is skipped.
        self._method, self._path, self._body, self._data = method, path, body, {}
        self._headers, self._service, self._region = headers, service, region
        # moto's verifier reads only create_credentials() of its key: ours duck-types it
        self._access_key = cast(Any, _KnownKey(credentials))

    def _create_auth(self, credentials: Any) -> SigV4Auth:
        signer = S3SigV4Auth if self._service == "s3" else SigV4Auth
        return signer(credentials, self._service, self._region)

    def _raise_signature_does_not_match(self) -> None:
        raise Refusal(BAD_SIGNATURE, self._service)

    def _raise_invalid_access_key(self, reason: str) -> None:
        raise Refusal(UNKNOWN_KEY, self._service)

    def _raise_access_denied(self) -> None:  # authorization is not checked (IAM not enforced)
        raise AssertionError("not used")


def signing_service(headers: dict[str, str]) -> str | None:
    """The service a SigV4 ``Authorization`` header was signed for, if any."""
    scope = _between(headers.get("Authorization", ""), "Credential=", ",").split("/")
    return scope[3].lower() if len(scope) == 5 else None


def verify(method: str, path: str, headers: dict[str, str], body: bytes,
           store: CredentialStore, account_id: str) -> None:
    """Raise :class:`Refusal` unless the request is signed by credentials the cloud knows."""
    authorization = headers.get("Authorization", "")
    if not authorization:
        raise Refusal(UNSIGNED)
    scope = _between(authorization, "Credential=", ",").split("/")
    if (not authorization.startswith("AWS4-HMAC-SHA256 ") or len(scope) != 5
            or "SignedHeaders=" not in authorization or "Signature=" not in authorization
            or "X-Amz-Date" not in headers):
        raise Refusal(MALFORMED, scope[3] if len(scope) == 5 else None)
    access_key_id, _, region, service, _ = scope
    credentials = _credentials_for(access_key_id, headers, store, account_id, region)
    if credentials is None:
        raise Refusal(UNKNOWN_KEY, service)
    if credentials.token and headers.get("X-Amz-Security-Token") != credentials.token:
        raise Refusal(BAD_TOKEN, service)
    _SignedRequest(method, path, body, headers, credentials, service, region).check_signature()


def _credentials_for(access_key_id: str, headers: dict[str, str], store: CredentialStore,
                     account_id: str, region: str) -> BotocoreCredentials | None:
    issued: Credentials | None = store.find(access_key_id)
    if issued is not None:
        return BotocoreCredentials(issued.access_key_id, issued.secret_access_key,
                                   issued.session_token)
    try:  # an IAM user's access key, or STS credentials, created in this cloud
        return create_access_key(account_id, get_partition(region), access_key_id,
                                 headers).create_credentials()
    except CreateAccessKeyFailure:
        return None
