"""The secrets key, random tokens and their hashes, and the clock every account function takes.

The secrets key lives in a file outside the database (``LFO_SECRETS_KEY_FILE``, default
``data/lfo-secrets.key``), made on first use as the ID key is (``etl.pseudonymise``): 32 random
bytes, mode 0600. Two keys are derived from it (HKDF-SHA256): one encrypts TOTP secrets (Fernet:
AES-128-CBC with HMAC-SHA256), the other keys the hashes of e-mail and client addresses in the
sign-in throttle. Losing the file means every user must enrol their second factor again
(``python -m dashboard users reset-2fa``); a copy of the database without it does not reveal the
TOTP secrets. Back it up apart from the database.

Invitation tokens, session ids, API tokens and recovery codes are random (``secrets``, 128 bits or
more) and stored only as SHA-256 hex: a high-entropy secret needs no slow hash.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger(__name__)

KEY_BYTES = 32


class SecretsKeyError(Exception):
    """The secrets key file exists but cannot be used, or does not decrypt a stored secret."""


def utcnow() -> dt.datetime:
    """Now, as the naive UTC the account tables hold."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def naive_utc(moment: dt.datetime | None) -> dt.datetime:
    """``moment`` (aware or naive UTC; None: now) as naive UTC."""
    if moment is None:
        return utcnow()
    if moment.tzinfo is not None:
        return moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def new_token(nbytes: int = 32) -> str:
    """A random URL-safe token (``nbytes`` random bytes)."""
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """The SHA-256 hex of a high-entropy token: what the database keeps instead of it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SecretsKey:
    """The secrets key and the two keys derived from it."""

    key: bytes

    def _derive(self, purpose: bytes) -> bytes:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose)
        return hkdf.derive(self.key)

    def fernet(self) -> Fernet:
        return Fernet(base64.urlsafe_b64encode(self._derive(b"lfo totp secrets")))

    def encrypt(self, text: str) -> str:
        return self.fernet().encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str) -> str:
        try:
            return self.fernet().decrypt(stored.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise SecretsKeyError(
                "a stored TOTP secret does not decrypt with the secrets key: the key file is not "
                "the one the secret was made with (restore it from backup, or reset-2fa)"
            ) from None

    def keyed_hash(self, text: str) -> str:
        """HMAC-SHA256 hex of ``text`` with a key derived from the secrets key."""
        return hmac.new(self._derive(b"lfo sign-in throttle"), text.encode(), "sha256").hexdigest()


def read_key(path: Path) -> bytes | None:
    """The key in ``path``, or None when the file does not exist."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        return None
    if len(key) < 16:
        raise SecretsKeyError(
            f"the secrets key file {path} holds {len(key)} bytes, fewer than 16: restore it from "
            "backup"
        )
    return key


def create_key(path: Path) -> bytes:
    """Write a new random key to ``path`` (mode 0600, parent folder made); fail if it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, 0o600)
    log.warning(
        "created a new secrets key file %s: back it up apart from the database, since without "
        "it every user must enrol their second factor again",
        path,
    )
    return key


def load_key(path: Path) -> SecretsKey:
    """The secrets key in ``path``, made on first use."""
    key = read_key(path)
    if key is None:
        try:
            key = create_key(path)
        except FileExistsError:  # another process made it just now
            key = read_key(path)
            assert key is not None
    return SecretsKey(key)
