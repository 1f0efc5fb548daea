"""The second factor: TOTP (RFC 6238, 30-second steps, 6 digits; pyotp) and recovery codes.

A code is accepted in its own time step or one either side (clock drift), and never twice: the
user's last accepted step is stored, and a code of that step or an earlier one is refused, so a
code seen over someone's shoulder cannot be replayed. The secret is kept encrypted
(``SecretsKey.encrypt``). Ten recovery codes are made at enrolment, shown once, stored as SHA-256
(each 80 random bits), each usable once.
"""

from __future__ import annotations

import datetime as dt
import secrets

import pyotp

from lfo.access.secrets import token_hash

ISSUER = "LFO monitoring"
STEP_SECONDS = 30
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def new_secret() -> str:
    """A new TOTP secret (base32, 160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str, issuer: str = ISSUER) -> str:
    """The ``otpauth://`` URI an authenticator app reads (as a QR code or typed)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def time_step(now: dt.datetime) -> int:
    """The TOTP time step of ``now`` (naive UTC or aware)."""
    moment = now if now.tzinfo is not None else now.replace(tzinfo=dt.UTC)
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The code of ``step`` (for tests and the enrolment check)."""
    return pyotp.TOTP(secret).at(step * STEP_SECONDS)


def accepted_step(secret: str, code: str, last_step: int | None, now: dt.datetime) -> int | None:
    """The time step ``code`` belongs to when it is accepted now (its step, or one either side,
    later than ``last_step``), else None."""
    text = "".join(code.split())
    if not (text.isdigit() and len(text) == 6):
        return None
    step = time_step(now)
    for candidate in (step - 1, step, step + 1):
        if last_step is not None and candidate <= last_step:
            continue
        if secrets.compare_digest(code_at(secret, candidate), text):
            return candidate
    return None


def new_recovery_codes(n: int = RECOVERY_CODES) -> list[str]:
    """``n`` new recovery codes, e.g. ``k7pq-x2mz-4hd8-wnfa`` (16 characters of 31: 79 bits)."""
    codes = []
    for _ in range(n):
        chars = "".join(secrets.choice(_ALPHABET) for _ in range(16))
        codes.append("-".join(chars[i : i + 4] for i in range(0, 16, 4)))
    return codes


def recovery_code_hash(code: str) -> str:
    """The stored form of a recovery code (spaces, dashes and case ignored)."""
    return token_hash("".join(c for c in code.lower() if c.isalnum()))
