"""Checks a request's AWS Signature Version 4 against the credentials the cloud knows.

The signature itself is computed by moto's own verifier (``moto.iam.access_control``,
built on botocore's signers), given credentials the cloud issued: the cloud never trusts
an access key it did not issue, or that IAM or STS (moto) did not.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
EXPIRED = "expired"  # dated more than 5 minutes from now: a replayed or forged request
BAD_SCOPE = "bad scope"  # signed for another region
CLOCK_SKEW = timedelta(minutes=5)  # docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
# signed for us-east-1 by clients of AWS's global endpoints (IAM, STS, S3's us-east-1)
GLOBAL_SERVICES = ("iam", "sts", "s3")
AMZ_DATE = "%Y%m%dT%H%M%SZ"


class Refusal(Exception):
    """Why a request is refused, and the service it was signed for (if it says)."""

    def __init__(self, reason: str, service: str | None = None, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.service = service
        self.detail = detail  # what the message names (a date, a region), where it names one


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

    def check_signature(self) -> None:
        """moto's check, with the signatures compared in constant time."""
        given = _between(self._headers["Authorization"], "Signature=", ",")
        if not hmac.compare_digest(given.encode(), self._calculate_signature().encode()):
            self._raise_signature_does_not_match()


def signing_service(headers: dict[str, str]) -> str | None:
    """The service a SigV4 ``Authorization`` header was signed for, if any."""
    scope = _between(headers.get("Authorization", ""), "Credential=", ",").split("/")
    return scope[3].lower() if len(scope) == 5 else None


@dataclass(frozen=True)
class SignedHeaders:
    """A request whose headers passed every check but the signature, which needs its body."""

    credentials: BotocoreCredentials
    service: str
    region: str


def check_headers(headers: dict[str, str], store: CredentialStore, account_id: str,
                  region: str, now: datetime | None = None) -> SignedHeaders:
    """What can be checked before the body is read: that the request is signed, by a key
    the cloud knows, for this cloud's region, within 5 minutes of now. Raises
    :class:`Refusal`, so that a stranger's body is never read."""
    authorization = headers.get("Authorization", "")
    if not authorization:
        raise Refusal(UNSIGNED)
    scope = _between(authorization, "Credential=", ",").split("/")
    if (not authorization.startswith("AWS4-HMAC-SHA256 ") or len(scope) != 5
            or "SignedHeaders=" not in authorization or "Signature=" not in authorization
            or "X-Amz-Date" not in headers):
        raise Refusal(MALFORMED, scope[3] if len(scope) == 5 else None)
    access_key_id, day, signed_region, service, _ = scope
    _check_date(headers["X-Amz-Date"], day, service, now or datetime.now(UTC))
    if signed_region != region and not (signed_region == "us-east-1"
                                        and service in GLOBAL_SERVICES):
        raise Refusal(BAD_SCOPE, service, signed_region)
    credentials = _credentials_for(access_key_id, headers, store, account_id, region)
    if credentials is None:
        raise Refusal(UNKNOWN_KEY, service)
    if credentials.token and not hmac.compare_digest(
            headers.get("X-Amz-Security-Token", "").encode(), credentials.token.encode()):
        raise Refusal(BAD_TOKEN, service)
    return SignedHeaders(credentials, service, signed_region)


def _check_date(stamp: str, day: str, service: str, now: datetime) -> None:
    try:
        signed_at = datetime.strptime(stamp, AMZ_DATE).replace(tzinfo=UTC)
    except ValueError:
        raise Refusal(MALFORMED, service) from None
    if day != stamp[:8]:
        raise Refusal(MALFORMED, service)
    if signed_at < now - CLOCK_SKEW:
        raise Refusal(EXPIRED, service, (
            f"Signature expired: {stamp} is now earlier than "
            f"{(now - CLOCK_SKEW).strftime(AMZ_DATE)} ({now.strftime(AMZ_DATE)} - 5 min.)"))
    if signed_at > now + CLOCK_SKEW:
        raise Refusal(EXPIRED, service, (
            f"Signature not yet current: {stamp} is still later than "
            f"{(now + CLOCK_SKEW).strftime(AMZ_DATE)} ({now.strftime(AMZ_DATE)} + 5 min.)"))


def check_signature(signed: SignedHeaders, method: str, path: str, headers: dict[str, str],
                    body: bytes) -> None:
    """Raise :class:`Refusal` unless the signature covers this method, path and body."""
    _SignedRequest(method, path, body, headers, signed.credentials, signed.service,
                   signed.region).check_signature()


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
