"""Keyed hashing of the LAs' pseudonymous IDs (participant, family and episode IDs).

An ID is stored as HMAC-SHA256(key, ``"<gss_code>:<id>"``) in hex, so equal IDs in two LAs stay
distinct and later returns of one LA line up with earlier ones. The key lives in a file
(``LFO_ID_KEY_FILE``, default ``data/lfo-id.key``): 32 random bytes, mode 0600. Losing it means later
returns no longer line up with the data already loaded, so it must be backed up.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

KEY_BYTES = 32
ID_COLUMNS = ("participant_id", "family_id", "episode_id")


class KeyFileError(Exception):
    """The key file exists but cannot be used."""


def read_key(path: Path) -> bytes | None:
    """The key in ``path``, or None when the file does not exist."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        return None
    if len(key) < 16:
        raise KeyFileError(
            f"the ID key file {path} holds {len(key)} bytes, fewer than 16: restore it from backup"
        )
    return key


def create_key(path: Path) -> bytes:
    """Write a new random key to ``path`` (mode 0600, parent folder created); fail if it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, 0o600)  # in case the umask was stricter than needed or odd
    log.warning(
        "created a new ID key file %s: back it up, since without it later returns "
        "no longer line up with the data already loaded",
        path,
    )
    return key


def ensure_key(path: Path) -> tuple[bytes, bool]:
    """The key in ``path``, creating the file if it does not exist; also says whether it was created."""
    key = read_key(path)
    if key is not None:
        return key, False
    try:
        return create_key(path), True
    except FileExistsError:  # another process created it just now
        key = read_key(path)
        assert key is not None
        return key, False


class Hasher:
    """Hashes the IDs of one area, each distinct ID once (a dict cache), mapped vectorised.

    HMAC-SHA256 computed from the pre-keyed inner and outer SHA-256 states (RFC 2104), which is
    the same value as ``hmac.digest`` at about half the cost per ID.
    """

    def __init__(self, key: bytes, area_code: str) -> None:
        block = hashlib.sha256().block_size
        k = hashlib.sha256(key).digest() if len(key) > block else key
        k = k.ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in k))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in k))
        self._prefix = f"{area_code}:"
        self._cache: dict[str, str] = {}

    def _compute(self, raw_id: str) -> str:
        inner = self._inner.copy()
        inner.update((self._prefix + raw_id).encode("utf-8"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def one(self, raw_id: str) -> str:
        h = self._cache.get(raw_id)
        if h is None:
            h = self._cache[raw_id] = self._compute(raw_id)
        return h

    def many(self, raw_ids: Iterable[str]) -> set[str]:
        return {self.one(str(i)) for i in raw_ids}

    def series(self, values: pd.Series) -> pd.Series:
        """Hash a column of IDs; missing values stay missing (as None, object dtype).

        Each distinct value is hashed once (``pd.factorize``), then spread by position.
        """
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        cache, compute = self._cache, self._compute
        hashed: list[str | None] = []
        for raw in np.asarray(uniques, dtype=object).tolist():
            raw = str(raw)
            h = cache.get(raw)
            if h is None:
                h = cache[raw] = compute(raw)
            hashed.append(h)
        hashed.append(None)  # code -1: a missing value
        return pd.Series(np.array(hashed, dtype=object)[codes], index=values.index, dtype=object)


def hash_id(key: bytes, area_code: str, raw_id: str) -> str:
    """The stored form of one ID (tests and one-off look-ups)."""
    return hmac.digest(key, f"{area_code}:{raw_id}".encode(), "sha256").hex()
