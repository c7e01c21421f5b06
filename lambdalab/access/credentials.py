"""Credentials the cloud issues: the owner's, and each execution environment's.

AWS accepts only requests signed with credentials IAM knows. The local cloud issues a
random owner key pair at every start (or takes fixed ones, for scripts), and temporary
credentials (``ASIA…`` with a session token) for each execution environment, which it
forgets when the environment ends. Nothing else signs a request the cloud accepts.
"""

from __future__ import annotations

import os
import secrets
import string
import threading
from dataclasses import dataclass

KEY_ALPHABET = string.ascii_uppercase + "234567"  # AWS access key ids are base32-like
ACCESS_KEY_ENV = "LAMBDALAB_ACCESS_KEY_ID"
SECRET_KEY_ENV = "LAMBDALAB_SECRET_ACCESS_KEY"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def __repr__(self) -> str:  # never print a secret by accident
        return f"Credentials(access_key_id={self.access_key_id!r}, secret_access_key='…')"

    def shell_exports(self) -> str:
        """``export AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=…`` for a shell."""
        line = (f"export AWS_ACCESS_KEY_ID={self.access_key_id} "
                f"AWS_SECRET_ACCESS_KEY={self.secret_access_key}")
        return line + (f" AWS_SESSION_TOKEN={self.session_token}" if self.session_token else "")


def _key_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(KEY_ALPHABET) for _ in range(16))


def random_owner_credentials() -> Credentials:
    return Credentials(_key_id("AKIA"), secrets.token_urlsafe(30))


def owner_credentials(access_key_id: str | None = None,
                      secret_access_key: str | None = None) -> Credentials:
    """Fixed credentials if given (or in ``$LAMBDALAB_ACCESS_KEY_ID`` and
    ``$LAMBDALAB_SECRET_ACCESS_KEY``), else random ones."""
    key = access_key_id or os.environ.get(ACCESS_KEY_ENV)
    secret = secret_access_key or os.environ.get(SECRET_KEY_ENV)
    if bool(key) != bool(secret):
        raise ValueError("give both an access key id and a secret access key, or neither")
    if key and secret:
        return Credentials(key, secret)
    return random_owner_credentials()


def read_secret_file(path: str) -> str:
    """A secret from a file only its owner may read (``-``: the first line of stdin).

    A command line is readable by every user of the machine; a file is not, if its mode
    says so: one that others could read is refused (ValueError), as ssh refuses a key."""
    if path == "-":
        import sys

        secret = sys.stdin.readline().strip()
    else:
        try:
            info = os.stat(path)
            if info.st_mode & 0o077 or info.st_uid != os.getuid():
                raise ValueError(f"{path} can be read by other users: chmod 600 {path}")
            with open(path) as source:
                secret = source.readline().strip()
        except OSError as error:
            raise ValueError(f"cannot read the secret from {path}: {error.strerror}") from None
    if not secret:
        raise ValueError(f"no secret in {'stdin' if path == '-' else path}")
    return secret


class CredentialStore:
    """The credentials the cloud accepts right now."""

    def __init__(self, owner: Credentials) -> None:
        self.owner = owner
        self._lock = threading.Lock()
        self._known = {owner.access_key_id: owner}

    def accept(self, issued: Credentials) -> None:
        """Accept ``issued`` (an execution environment's session) until it is revoked."""
        with self._lock:
            self._known[issued.access_key_id] = issued

    def revoke(self, access_key_id: str) -> None:
        with self._lock:
            if access_key_id != self.owner.access_key_id:
                self._known.pop(access_key_id, None)

    def find(self, access_key_id: str) -> Credentials | None:
        with self._lock:
            return self._known.get(access_key_id)
