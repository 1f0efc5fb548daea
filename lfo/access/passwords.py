"""Passwords: the rules a new one must meet, and Argon2id hashing.

Rules (docs/spec/service.md § 2): at least 12 characters; not on the bundled lists of common
passwords (``COMMON_PASSWORDS_FILES``: SecLists' ``10k-most-common.txt``, and the entries of 12
characters or more of Django's and zxcvbn's lists; compared case-insensitively, see the README
beside them); at least ``MIN_DISTINCT`` different characters (NIST SP 800-63B: no repetitive
passwords such as ``aaaaaaaaaaaa``); not the account's e-mail address.

Hashing: Argon2id (argon2-cffi ``PasswordHasher``) with memory 19 MiB (19,456 KiB), 2 iterations
and parallelism 1: the first of the configurations the OWASP Password Storage Cheat Sheet
recommends for Argon2id, all of which give the same defence against GPU cracking. It costs under a
tenth of a second on one core (74–95 ms on a shared machine: docs/benchmarks.md), which keeps a
sign-in fast and an offline guess slow without letting a flood of sign-ins exhaust the server's
memory (a 64 MiB setting would need 64 MiB per concurrent sign-in). A stored hash made with other
parameters is rehashed at the next successful sign-in (``verify_password`` returns the new hash).

An address with no account (or no password yet) is verified against a dummy hash made with the
same parameters, so a sign-in takes the same time whether or not the account exists.
"""

from __future__ import annotations

import functools
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MIN_DISTINCT = 5
_DATA = Path(__file__).resolve().parent / "data"
COMMON_PASSWORDS_FILES = (_DATA / "common-passwords.txt", _DATA / "common-passwords-long.txt")

#: OWASP's Argon2id recommendation: m = 19 MiB, t = 2, p = 1.
HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1, hash_len=32, salt_len=16)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled lists, lower-cased."""
    lines = (
        line
        for path in COMMON_PASSWORDS_FILES
        for line in path.read_text(encoding="utf-8").splitlines()
    )
    return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problem(password: str, email: str) -> str | None:
    """Why ``password`` may not be used for the account ``email`` (one sentence), or None."""
    if len(password) < MIN_LENGTH:
        return f"Your password must have at least {MIN_LENGTH} characters."
    if password.strip().lower() in common_passwords():
        return "That password is on a list of common passwords: choose another."
    if len(set(password.lower())) < MIN_DISTINCT:
        return (
            f"Your password must use at least {MIN_DISTINCT} different characters: "
            "a repeated pattern is easy to guess."
        )
    if password.strip().lower() == email.strip().lower():
        return "Your password must not be your e-mail address."
    return None


def hash_password(password: str) -> str:
    return HASHER.hash(password)


@functools.cache
def _dummy_hash() -> str:
    return HASHER.hash("not a password: the dummy that answers for no account")


def verify_password(stored: str | None, password: str) -> tuple[bool, str | None]:
    """Whether ``password`` matches ``stored``, and a new hash when the stored one should be
    remade with the current parameters (else None). ``stored`` None (no account, or no password
    yet) is checked against a dummy hash, so it costs the same, and is never a match."""
    target = stored if stored is not None else _dummy_hash()
    try:
        HASHER.verify(target, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if stored is None:
        return False, None
    return True, hash_password(password) if HASHER.check_needs_rehash(stored) else None
